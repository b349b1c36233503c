//! The PHP exception classes and the one place where core errors become them.
//!
//! ```text
//! \Exception
//!  └─ Priem\Exception                 base: catch this to catch everything priem throws
//!      ├─ Priem\ParseException        a document (schedule, request) cannot be read
//!      ├─ Priem\ConfigException       an option or setting is wrong (unknown time zone …)
//!      ├─ Priem\NotFoundException     no such filial or doctor in the schedule
//!      ├─ Priem\ValidationException   form fields are wrong: getErrors() field => message
//!      ├─ Priem\ConflictException     the time is taken: getAlternatives() other free times
//!      ├─ Priem\LimitException        a protection refused a booking: getKind(), getRetryAfter()
//!      ├─ Priem\TransientException    the database (or a server) failed in a way a retry may fix
//!      └─ Priem\StorageException      the database failed otherwise (schema, permissions …)
//! ```
//! `getCode()` carries the same distinction as a number (the `CODE_*` constants of
//! `Priem\Exception`), for code that logs or switches on it.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::class::RegisteredClass;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, ZendHashTable};
use ext_php_rs::zend::{ce, ExecutorGlobals};

use crate::domain::booking::{BookingError, FieldError};
use crate::domain::range::OutOfRange;
use crate::domain::zone::ZoneError;
use crate::time::hhmm;
use crate::wire::schedule::DocumentError;

pub const CODE_PARSE: i32 = 1;
pub const CODE_CONFIG: i32 = 2;
pub const CODE_NOT_FOUND: i32 = 3;
pub const CODE_VALIDATION: i32 = 4;
pub const CODE_CONFLICT: i32 = 5;
pub const CODE_TRANSIENT: i32 = 6;
pub const CODE_STORAGE: i32 = 7;
pub const CODE_LIMIT: i32 = 8;

/// Base class of every exception priem throws.
#[php_class]
#[php(name = "Priem\\Exception")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct PriemException;

#[php_impl]
impl PriemException {
    const CODE_PARSE: i32 = CODE_PARSE;
    const CODE_CONFIG: i32 = CODE_CONFIG;
    const CODE_NOT_FOUND: i32 = CODE_NOT_FOUND;
    const CODE_VALIDATION: i32 = CODE_VALIDATION;
    const CODE_CONFLICT: i32 = CODE_CONFLICT;
    const CODE_TRANSIENT: i32 = CODE_TRANSIENT;
    const CODE_STORAGE: i32 = CODE_STORAGE;
    const CODE_LIMIT: i32 = CODE_LIMIT;
}

/// The database or a server failed in a way that a retry may fix (connection lost, lock wait).
#[php_class]
#[php(name = "Priem\\TransientException")]
#[php(extends(PriemException))]
#[derive(Default)]
pub struct TransientException;

/// The database failed in a way a retry will not fix (no tables, no permission …).
#[php_class]
#[php(name = "Priem\\StorageException")]
#[php(extends(PriemException))]
#[derive(Default)]
pub struct StorageException;

/// A document cannot be read: the message says where and why.
#[php_class]
#[php(name = "Priem\\ParseException")]
#[php(extends(PriemException))]
#[derive(Default)]
pub struct ParseException;

/// An option or setting is wrong.
#[php_class]
#[php(name = "Priem\\ConfigException")]
#[php(extends(PriemException))]
#[derive(Default)]
pub struct ConfigException;

/// No such filial or doctor in the schedule.
#[php_class]
#[php(name = "Priem\\NotFoundException")]
#[php(extends(PriemException))]
#[derive(Default)]
pub struct NotFoundException;

/// Form fields are wrong; the messages are for the visitor, in Russian.
#[php_class]
#[php(name = "Priem\\ValidationException")]
#[php(extends(PriemException))]
#[derive(Default)]
pub struct ValidationException {
    errors: Vec<(String, String)>,
}

#[php_impl]
impl ValidationException {
    /// Field name => message, e.g. `['phone' => 'В номере должно быть 10 цифр после +7']`.
    pub fn get_errors(&self) -> ZBox<ZendHashTable> {
        let mut ht = ZendHashTable::new();
        for (field, message) in &self.errors {
            let _ = ht.insert(field.as_str(), message.as_str());
        }
        ht
    }
}

/// The chosen time is taken; other free times of the same doctor are offered.
#[php_class]
#[php(name = "Priem\\ConflictException")]
#[php(extends(PriemException))]
#[derive(Default)]
pub struct ConflictException {
    alternatives: Vec<(String, String, String)>,
}

#[php_impl]
impl ConflictException {
    /// Other free times, the nearest to the one wanted first: `[['date' => '2026-12-01',
    /// 'time_start' => '09:30', 'time_end' => '10:00'], …]`.
    pub fn get_alternatives(&self) -> ZBox<ZendHashTable> {
        let mut ht = ZendHashTable::new();
        for (date, start, end) in &self.alternatives {
            let mut row = ZendHashTable::new();
            let _ = row.insert("date", date.as_str());
            let _ = row.insert("time_start", start.as_str());
            let _ = row.insert("time_end", end.as_str());
            let _ = ht.push(row);
        }
        ht
    }
}

/// A booking from the site refused by a protection before anything was stored: the phone
/// number's bookings for the day, the doctor's day as full as the clinic allows through the
/// site, or a form token that already made a booking. The message is for the visitor.
#[php_class]
#[php(name = "Priem\\LimitException")]
#[php(extends(PriemException))]
#[derive(Default)]
pub struct LimitException {
    kind: &'static str,
    retry_after: Option<u64>,
}

#[php_impl]
impl LimitException {
    /// `phone`, `doctor_day` or `form_used`.
    pub fn get_kind(&self) -> &'static str {
        self.kind
    }

    /// Seconds until the limit no longer applies (`null` for a used form token).
    pub fn get_retry_after(&self) -> Option<u64> {
        self.retry_after
    }
}

pub fn build(module: ModuleBuilder) -> ModuleBuilder {
    module
        .class::<PriemException>()
        .class::<ParseException>()
        .class::<ConfigException>()
        .class::<NotFoundException>()
        .class::<ValidationException>()
        .class::<ConflictException>()
        .class::<LimitException>()
        .class::<TransientException>()
        .class::<StorageException>()
}

/// Throws `T`, then gives it what PHP's own exceptions get at creation (file, line, trace —
/// Rust-backed classes skip `zend_default_exception_new`) and lets `fill` set its Rust-side
/// state; returns it for ext-php-rs to throw again.
fn raise<T: RegisteredClass>(
    message: String,
    code: i32,
    fill: impl FnOnce(&mut T),
) -> PhpException {
    let plain = || PhpException::new(message.clone(), code, T::get_metadata().ce());
    plain().throw();
    let Some(mut obj) = ExecutorGlobals::take_exception() else {
        return plain();
    };
    origin::stamp(&mut obj);
    if let Some(state) = ZendClassObject::<T>::from_zend_obj_mut(&mut obj) {
        fill(state);
    }
    match obj.into_zval(false) {
        Ok(zv) => plain().with_object(zv),
        Err(_) => plain(),
    }
}

fn exception<T: RegisteredClass>(message: String, code: i32) -> PhpException {
    raise::<T>(message, code, |_| {})
}

/// Sets `file`, `line` and `trace` of a freshly made exception object the way
/// `zend_default_exception_new` does, with call arguments left out of the trace (they may hold
/// a patient's name and phone).
mod origin {
    use std::ffi::{c_char, c_int, c_void, CStr};
    use std::sync::OnceLock;

    use ext_php_rs::ffi::{zend_class_entry, zend_object, zval};
    use ext_php_rs::types::{ZendObject, Zval};
    use ext_php_rs::zend::ce;

    const DEBUG_BACKTRACE_IGNORE_ARGS: c_int = 2;

    /// The engine functions used here, looked up in the running PHP (not linked, so that tools
    /// that load the library outside PHP, like `cargo php stubs`, still can).
    type FilenameFn = unsafe extern "C" fn() -> *const c_char;
    type LinenoFn = unsafe extern "C" fn() -> u32;
    type BacktraceFn = unsafe extern "C" fn(*mut zval, c_int, c_int, c_int);
    type UpdatePropertyFn = unsafe extern "C" fn(
        *mut zend_class_entry,
        *mut zend_object,
        *const c_char,
        usize,
        *mut zval,
    );

    struct Engine {
        filename: FilenameFn,
        lineno: LinenoFn,
        backtrace: BacktraceFn,
        update_property: UpdatePropertyFn,
    }

    extern "C" {
        fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    }

    fn engine() -> Option<&'static Engine> {
        static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
        ENGINE
            .get_or_init(|| {
                // SAFETY: RTLD_DEFAULT (null) searches the process; each symbol is a ZEND_API
                // function with exactly the signature it is transmuted to (PHP 8.x).
                unsafe {
                    let sym = |name: &CStr| {
                        let p = dlsym(std::ptr::null_mut(), name.as_ptr());
                        (!p.is_null()).then_some(p)
                    };
                    Some(Engine {
                        filename: std::mem::transmute::<*mut c_void, FilenameFn>(sym(
                            c"zend_get_executed_filename",
                        )?),
                        lineno: std::mem::transmute::<*mut c_void, LinenoFn>(sym(
                            c"zend_get_executed_lineno",
                        )?),
                        backtrace: std::mem::transmute::<*mut c_void, BacktraceFn>(sym(
                            c"zend_fetch_debug_backtrace",
                        )?),
                        update_property: std::mem::transmute::<*mut c_void, UpdatePropertyFn>(sym(
                            c"zend_update_property",
                        )?),
                    })
                }
            })
            .as_ref()
    }

    pub fn stamp(obj: &mut ZendObject) {
        let Some(e) = engine() else { return };
        let scope = std::ptr::from_ref(ce::exception()).cast_mut();
        let object: *mut zend_object = obj;
        // SAFETY: called during a PHP function call (an executing frame exists), on a live
        // object of an \\Exception subclass; the engine copies each value it is given.
        unsafe {
            let file = CStr::from_ptr((e.filename)()).to_string_lossy();
            let mut trace = Zval::new();
            (e.backtrace)(&raw mut trace, 0, DEBUG_BACKTRACE_IGNORE_ARGS, 0);
            let mut zfile = Zval::new();
            let _ = zfile.set_string(&file, false);
            let mut zline = Zval::new();
            zline.set_long(i64::from((e.lineno)()));
            for (name, value) in [
                ("file", &mut zfile),
                ("line", &mut zline),
                ("trace", &mut trace),
            ] {
                (e.update_property)(scope, object, name.as_ptr().cast(), name.len(), value);
            }
        }
    }
}

pub fn parse(e: DocumentError) -> PhpException {
    exception::<ParseException>(e.to_string(), CODE_PARSE)
}

pub fn config(message: impl Into<String>) -> PhpException {
    exception::<ConfigException>(message.into(), CODE_CONFIG)
}

/// A count out of its range, named as the PHP argument: `$days must be from 1 to 366, got 0`.
pub fn range(e: OutOfRange) -> PhpException {
    config(format!("${e}"))
}

pub fn zone(e: ZoneError) -> PhpException {
    config(e.to_string())
}

pub fn not_found(message: String) -> PhpException {
    exception::<NotFoundException>(message, CODE_NOT_FOUND)
}

pub fn fields(errors: Vec<FieldError>) -> PhpException {
    let message = BookingError::Invalid(errors.clone()).to_string();
    raise::<ValidationException>(message, CODE_VALIDATION, |ex| {
        ex.errors = errors
            .into_iter()
            .map(|e| (e.field.to_owned(), e.message))
            .collect();
    })
}

pub fn storage(e: &crate::storage::StorageError) -> PhpException {
    if e.is_transient() {
        exception::<TransientException>(e.to_string(), CODE_TRANSIENT)
    } else {
        exception::<StorageException>(e.to_string(), CODE_STORAGE)
    }
}

pub fn engine(e: crate::engine::EngineError) -> PhpException {
    use crate::engine::EngineError;
    match e {
        EngineError::Storage(e) => storage(&e),
        EngineError::Document(e) => parse(e),
        EngineError::NotFound(e) => not_found(e.to_string()),
    }
}

pub fn settings(e: crate::engine::settings::SettingsError) -> PhpException {
    config(e.to_string())
}

/// What `priem_book`'s `$meta` left out, named as its keys.
pub fn book_request(e: crate::engine::BookRequestError) -> PhpException {
    use crate::engine::BookRequestError;
    config(match e {
        BookRequestError::Key => "$meta[\"idempotency_key\"] must be 1 to 128 characters",
    })
}

pub fn refusal(r: crate::engine::limits::Refusal) -> PhpException {
    use crate::engine::limits::Refusal;
    let kind = match r {
        Refusal::Phone { .. } => "phone",
        Refusal::DoctorDay { .. } => "doctor_day",
        Refusal::FormUsed => "form_used",
    };
    let retry_after = r.retry_after();
    raise::<LimitException>(r.to_string(), CODE_LIMIT, |ex| {
        ex.kind = kind;
        ex.retry_after = retry_after;
    })
}

pub fn booking(e: BookingError) -> PhpException {
    match e {
        BookingError::Invalid(errors) => fields(errors),
        BookingError::Taken { ref next } => {
            let alternatives = next
                .iter()
                .map(|a| (a.date.to_string(), hhmm(a.start), hhmm(a.end)))
                .collect();
            raise::<ConflictException>(e.to_string(), CODE_CONFLICT, |ex| {
                ex.alternatives = alternatives
            })
        }
    }
}
