//! A JSON value as the wire layer first sees it: scalars kept (strings borrowed from the
//! input where possible), containers only named. Fields are read as `Scalar` so that a
//! wrong type becomes an error that names the place, instead of a serde failure that
//! rejects the whole document.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    Int(i64),
    Float(f64),
    Null,
    Array,
    Object,
}

impl<'a> Scalar<'a> {
    /// How the value reads in a (Russian) error message: `"9:60"`, `число 17`, `массив`.
    pub fn describe(&self) -> String {
        match self {
            Scalar::Str(s) => json_quote(s),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => format!("число {i}"),
            Scalar::Float(f) => format!("число {f}"),
            Scalar::Null => "null".into(),
            Scalar::Array => ARRAY.into(),
            Scalar::Object => OBJECT.into(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// What a JSON value that is not the expected one is, in a (Russian) error message.
pub const BOOLEAN: &str = "логическое значение";
pub const NUMBER: &str = "число";
pub const STRING: &str = "строка";
pub const NULL: &str = "null";
pub const ARRAY: &str = "массив";
pub const OBJECT: &str = "объект";
/// A required field that is not there.
pub const MISSING: &str = "отсутствует";

/// Why a text is not JSON, in Russian, with the place: `лишняя запятая в строке 3, столбце 11`.
/// serde_json's own Display is English; its line, column and category are kept, and the
/// known syntax errors are named.
pub fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let text = e.to_string();
    let code = match text.rfind(" at line ") {
        Some(i) if e.line() > 0 => &text[..i],
        _ => text.as_str(),
    };
    let what = match code {
        "EOF while parsing a value" => "текст обрывается",
        "EOF while parsing a list" => "текст обрывается внутри массива",
        "EOF while parsing an object" => "текст обрывается внутри объекта",
        "EOF while parsing a string" => "текст обрывается внутри строки",
        "expected `:`" => "ожидалось «:»",
        "expected `,` or `]`" => "ожидалась «,» или «]»",
        "expected `,` or `}`" => "ожидалась «,» или «}»",
        "expected ident" => "неизвестное слово (ожидалось true, false или null)",
        "expected value" => "ожидалось значение",
        "invalid escape" => "неверная escape-последовательность",
        "invalid number" => "неверное число",
        "number out of range" => "число вне допустимого диапазона",
        "invalid unicode code point" => "неверный код символа Unicode",
        "lone leading surrogate in hex escape" => "неверный код символа Unicode",
        "unexpected end of hex escape" => "оборванная escape-последовательность \\u",
        "key must be a string" => "ключ должен быть строкой",
        "trailing comma" => "лишняя запятая",
        "trailing characters" => "лишние символы после конца JSON",
        "recursion limit exceeded" => "слишком глубокая вложенность",
        c if c.starts_with("control character") => "управляющий символ внутри строки",
        _ => match e.classify() {
            Category::Eof => "текст обрывается",
            Category::Syntax => "ошибка",
            Category::Data => "неверные данные",
            Category::Io => "ошибка чтения",
        },
    };
    if e.line() > 0 {
        format!("{what} в строке {}, столбце {}", e.line(), e.column())
    } else {
        what.to_owned()
    }
}

/// A string quoted the way JSON writes it (used in paths and messages).
pub fn json_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Object)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// An object key, borrowed from the input when it has no escapes.
pub struct Key<'a>(pub Cow<'a, str>);

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(v)))
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

/// Either an object read by `T`, or any other JSON value (named, so the caller can say what
/// was found where an object was expected).
pub enum ObjectOr<T> {
    Object(T),
    Other(&'static str),
}

/// A visitor adapter: objects go to `inner`, anything else is consumed and named.
pub struct ObjectOrVisitor<V>(pub V);

impl<'de, V: Visitor<'de>> Visitor<'de> for ObjectOrVisitor<V> {
    type Value = ObjectOr<V::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(map).map(ObjectOr::Object)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ScalarVisitor.visit_seq(seq).map(|_| ObjectOr::Other(ARRAY))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(BOOLEAN))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(NUMBER))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(NUMBER))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(NUMBER))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(STRING))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(NULL))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ObjectOr::Other(NULL))
    }
}
