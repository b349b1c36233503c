//! What the booking form says in words the site and the widget share: the field errors the
//! widget checks before sending — the same words the core's validation gives — and the
//! outcomes. One source: the module hands them to the widget with its settings
//! (`priem_form_texts`).

use super::phone::PhoneError;

/// No name typed.
pub const NAME_MISSING: &str = "Укажите фамилию, имя и отчество";
/// A name of one letter.
pub const NAME_SHORT: &str = "Имя слишком короткое";
/// A booking from the site without the visitor's consent to the processing of personal data
/// (152-ФЗ).
pub const CONSENT_MISSING: &str = "Нужно согласие на обработку персональных данных";
/// The MIS confirmed the booking.
pub const CONFIRMED: &str = "Вы записаны";
/// Stored, the MIS has not answered: kept and sent again.
pub const PENDING: &str = "Заявка принята — клиника перезвонит для подтверждения";
/// The time was taken meanwhile.
pub const TAKEN: &str = "Это время уже занято";

/// Every shared text by its key: `name_missing`, `name_short`, `phone_missing`,
/// `phone_length`, `consent_missing`, `confirmed`, `pending`, `taken`.
pub fn texts() -> Vec<(&'static str, String)> {
    vec![
        ("name_missing", NAME_MISSING.into()),
        ("name_short", NAME_SHORT.into()),
        ("phone_missing", PhoneError::Empty.to_string()),
        ("phone_length", PhoneError::Length.to_string()),
        ("consent_missing", CONSENT_MISSING.into()),
        ("confirmed", CONFIRMED.into()),
        ("pending", PENDING.into()),
        ("taken", TAKEN.into()),
    ]
}
