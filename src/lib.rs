//! priem: the core of online self-booking for a clinic's NetCat site, synced with the
//! clinic's MIS through the ProDoctorov exchange format.
//!
//! Data flows one way: [`wire`] (bytes ↔ documents) → [`domain`] (schedule, grid, booking)
//! → [`storage`] (MySQL) → [`transport`] (FTP, HTTP, SMTP) → [`engine`] (booking path, cron
//! tick, settings) → `php` (the ext-php-rs binding, behind the `php` feature); each imports only
//! the ones before it, and [`time`] (minutes of the day, `HH:MM`, dates) is below them all.

pub mod domain;
pub mod engine;
pub mod storage;
pub mod time;
pub mod transport;
pub mod wire;

#[cfg(feature = "php")]
mod php;

/// The version PHP code checks against (`priem_version()`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
