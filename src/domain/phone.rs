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

/// A number as the clinic's staff read it: `79161234567` → `+7 916 123-45-67`, a masked
/// `7916***4567` → `+7 916 ***-45-67` (the same digits hidden). Anything else — a number of
/// another shape, an erased `''` — is given back as it is.
pub fn shown(number: &str) -> String {
    let b = number.as_bytes();
    let fits = b.len() == 11
        && b[0] == b'7'
        && b.iter().all(|c| c.is_ascii_digit() || *c == b'*')
        && b[..4].iter().all(u8::is_ascii_digit);
    if !fits {
        return number.to_owned();
    }
    format!(
        "+7 {} {}-{}-{}",
        &number[1..4],
        &number[4..7],
        &number[7..9],
        &number[9..11]
    )
}

/// A booking's payload (the JSON the MIS receives: §2.1, v2/MedFlex, whatever it becomes) as
/// staff may see it: every phone masked, at any depth — the value of every field whose name
/// says phone (`phone`, `client.mobile_phone`, `tel`…), and any Russian number written inside
/// another text (a comment). Text that is not JSON has its numbers masked the same way.
pub fn mask_payload(payload: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(mut v) => {
            mask_value(&mut v, false);
            v.to_string()
        }
        Err(_) => mask_numbers_in(payload),
    }
}

fn is_phone_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("phone") || k == "tel" || k.starts_with("tel_") || k.ends_with("_tel")
}

fn mask_value(v: &mut serde_json::Value, phone_field: bool) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                mask_value(child, is_phone_key(k));
            }
        }
        Value::Array(list) => list
            .iter_mut()
            .for_each(|child| mask_value(child, phone_field)),
        Value::String(s) if phone_field => *s = mask_any(s),
        Value::Number(n) if phone_field => *v = Value::String(mask_any(&n.to_string())),
        Value::String(s) => *s = mask_numbers_in(s),
        _ => {}
    }
}

/// A phone field's value, whatever it holds: the number normalized and masked, else its
/// characters masked.
fn mask_any(text: &str) -> String {
    normalize(text).map_or_else(|_| mask(text.trim()), |n| mask(&n))
}

/// `text` with every Russian phone number in it masked and written as staff read numbers
/// (`позвоните 8 900 123-45-67` → `позвоните +7 900 ***-45-67`, see [`shown`]); dates, times and
/// other numbers stay. For texts written by others (an MIS's refusal) before they reach a letter.
pub fn mask_numbers_in(text: &str) -> String {
    let is_part = |c: char| c.is_ascii_digit() || " ()-+.\u{a0}".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit() || c == '+' || c == '(') {
        out.push_str(&rest[..start]);
        let run = &rest[start..];
        let len = run.find(|c: char| !is_part(c)).unwrap_or(run.len());
        // the run without separators after its last digit
        let len = run[..len]
            .rfind(|c: char| c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        let (candidate, after) = run.split_at(len.max(1));
        // an opening bracket the number does not close belongs to the text: "(7900…)" keeps it
        let lead = if candidate.starts_with('(') && !candidate.contains(')') {
            1
        } else {
            0
        };
        out.push_str(&candidate[..lead]);
        match normalize(&candidate[lead..]) {
            Ok(n) => out.push_str(&shown(&mask(&n))),
            Err(_) => out.push_str(&candidate[lead..]),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_read_numbers_with_a_plus_and_groups_masked_as_before() {
        assert_eq!(shown("79161234567"), "+7 916 123-45-67");
        assert_eq!(shown(&mask("79161234567")), "+7 916 ***-45-67");
        for other in ["", "7916", "89161234567", "7*********7", "+7 916 123-45-67"] {
            assert_eq!(shown(other), other);
        }
    }

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
    fn payloads_show_no_phone_at_any_depth() {
        let direct = r#"{"dt_start":"2026-12-01T09:00:00Z","phone":"79001234567","name":"Анна","comment":"перезвоните на 8 (912) 345-67-89, после 18:00"}"#;
        let masked = mask_payload(direct);
        assert_eq!(
            masked,
            r#"{"dt_start":"2026-12-01T09:00:00Z","phone":"7900***4567","name":"Анна","comment":"перезвоните на +7 912 ***-67-89, после 18:00"}"#
        );
        let v2 = r#"{"client":{"first_name":"Анна","mobile_phone":"+7 900 123-45-67","phones":["89001112233",79005556677]},"date_start":"2026-12-01 09:00","claim":{"contact_tel":"8-900-000-11-22"}}"#;
        let masked = mask_payload(v2);
        for full in [
            "9001234567",
            "123-45-67",
            "9001112233",
            "79005556677",
            "9000001122",
            "000-11-22",
        ] {
            assert!(!masked.contains(full), "{full} in {masked}");
        }
        assert!(
            masked.contains(r#""mobile_phone":"7900***4567""#),
            "{masked}"
        );
        assert!(
            masked.contains(r#""date_start":"2026-12-01 09:00""#),
            "dates stay: {masked}"
        );
        assert!(
            masked.contains(r#""phones":["7900***2233","7900***6677"]"#),
            "{masked}"
        );
        // a phone field with something else in it is masked all the same; text that is not JSON too
        assert_eq!(
            mask_payload(r#"{"phone":"+1 212 555 0100"}"#),
            r#"{"phone":"+1 2*******0100"}"#
        );
        assert_eq!(
            mask_payload("phone=89001234567;"),
            "phone=+7 900 ***-45-67;"
        );
    }

    #[test]
    fn numbers_in_text_are_masked_and_the_text_around_them_kept() {
        assert_eq!(
            mask_numbers_in("Пациент (79001234567) просил перезвонить"),
            "Пациент (+7 900 ***-45-67) просил перезвонить"
        );
        assert_eq!(
            mask_numbers_in("тел. +7 (900) 123-45-67, запись 12:30"),
            "тел. +7 900 ***-45-67, запись 12:30"
        );
        assert_eq!(mask_numbers_in("№ 42 на 2026-12-01"), "№ 42 на 2026-12-01");
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(mask("79001234567"), "7900***4567");
        assert_eq!(mask("123"), "***");
    }
}
