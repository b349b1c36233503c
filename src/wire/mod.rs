//! Wire formats of the MIS exchange (`docs/mis-exchange.md`): what comes and goes as bytes.

pub mod booking;
pub mod export;
mod scalar;
pub(crate) use scalar::json_error;
pub mod schedule;
