//! Phone numbers as people type them → the MIS form `7XXXXXXXXXX`.

use thiserror::Error;

/// Why a phone number was not accepted. The text is what the visitor reads.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    #[error("Укажите номер телефона")]
    Empty,
    #[error("Номер может содержать только цифры, пробелы, скобки, дефисы и знак +")]
    BadCharacters,
    /// Starts with `+` and a country code other than 7.
    #[error("Принимаются только российские номера: +7 и 10 цифр")]
    Foreign,
    #[error("В номере должно быть 10 цифр после +7")]
    Length,
    /// Ten digits that cannot be a Russian number (`+7 1…`, `+7 7…` is Kazakhstan).
    #[error("Проверьте код: российские номера начинаются с +7 3…, 4…, 8… или 9…")]
    BadCode,
}

/// Normalizes `+7 (900) 123-45-67`, `8 900 123 45 67`, `89001234567`, `9001234567`,
/// `+7-900-123-45-67` … to `79001234567`. Accepts Russian numbers only: mobile (9…) and
/// landline (3…, 4…, 8…) codes.
pub fn normalize(raw: &str) -> Result<String, PhoneError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(PhoneError::Empty);
    }
    let plus = raw.starts_with('+');
    let body = if plus { &raw[1..] } else { raw };
    let mut digits = String::with_capacity(11);
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '\u{a0}' | '-' | '(' | ')' | '.' | '\u{2010}'..='\u{2015}' => {}
            _ => return Err(PhoneError::BadCharacters),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    let national = match (plus, digits.len()) {
        (true, _) if !digits.starts_with('7') => return Err(PhoneError::Foreign),
        (true, 11) => &digits[1..],
        (true, _) => return Err(PhoneError::Length),
        (false, 11) if digits.starts_with('7') || digits.starts_with('8') => &digits[1..],
        (false, 11) => return Err(PhoneError::Foreign),
        (false, 10) => &digits[..],
        (false, n) if n > 11 => return Err(PhoneError::Foreign),
        _ => return Err(PhoneError::Length),
    };
    match national.as_bytes()[0] {
        b'3' | b'4' | b'8' | b'9' => Ok(format!("7{national}")),
        _ => Err(PhoneError::BadCode),
    }
}

/// `79001234567` → `7900***4567`, for logs.
pub fn mask(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars[..4]
        .iter()
        .chain(std::iter::repeat_n(&'*', n - 8))
        .chain(&chars[n - 4..])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_what_people_type() {
        for raw in [
            "+7 (900) 123-45-67",
            "8 900 123 45 67",
            "89001234567",
            "79001234567",
            "+79001234567",
            "9001234567",
            "(900)123-45-67",
            "+7-900-123-45-67",
            " 8(900)1234567 ",
            "8\u{a0}900\u{a0}123\u{2011}45\u{2011}67",
        ] {
            assert_eq!(normalize(raw), Ok("79001234567".into()), "{raw:?}");
        }
        assert_eq!(normalize("+7 (495) 123-45-67"), Ok("74951234567".into()));
        assert_eq!(normalize("8 (343) 123-45-67"), Ok("73431234567".into()));
    }

    #[test]
    fn rejects_other_countries() {
        assert_eq!(normalize("+380 44 123 45 67"), Err(PhoneError::Foreign));
        assert_eq!(normalize("+375 29 123-45-67"), Err(PhoneError::Foreign));
        assert_eq!(normalize("+1 212 555 0100"), Err(PhoneError::Foreign));
        assert_eq!(normalize("380441234567"), Err(PhoneError::Foreign));
        assert_eq!(normalize("+7 701 123 45 67"), Err(PhoneError::BadCode));
        assert_eq!(normalize("59001234567"), Err(PhoneError::Foreign));
    }

    #[test]
    fn rejects_wrong_lengths_and_characters() {
        assert_eq!(normalize(""), Err(PhoneError::Empty));
        assert_eq!(normalize("  "), Err(PhoneError::Empty));
        assert_eq!(normalize("+"), Err(PhoneError::Empty));
        assert_eq!(normalize("900123456"), Err(PhoneError::Length));
        assert_eq!(normalize("+7 900 123 45 6"), Err(PhoneError::Length));
        assert_eq!(normalize("+7 900 123 45 678"), Err(PhoneError::Length));
        assert_eq!(
            normalize("8 900 123 45 67 доб. 1"),
            Err(PhoneError::BadCharacters)
        );
        assert_eq!(normalize("+7 900 abc"), Err(PhoneError::BadCharacters));
        assert_eq!(normalize("1234567890"), Err(PhoneError::BadCode));
    }

    #[test]
    fn error_texts_are_russian() {
        assert_eq!(
            PhoneError::Foreign.to_string(),
            "Принимаются только российские номера: +7 и 10 цифр"
        );
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(mask("79001234567"), "7900***4567");
        assert_eq!(mask("123"), "***");
    }
}
