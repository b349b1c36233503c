//! The domain: normalized schedule, time zones, the visitor's slot grid and booking rules.
//! Plain Rust; knows nothing of PHP, MySQL or the network.

pub mod address;
pub mod booking;
pub mod cards;
pub mod form;
pub mod grid;
pub mod phone;
pub mod range;
pub mod schedule;
pub mod zone;
