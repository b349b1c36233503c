//! The ext-php-rs binding: converts PHP values, calls the core, maps errors to exceptions.
//! Nothing runs at module startup; every area registers itself through its `build`.

use ext_php_rs::prelude::*;

mod booking;
mod convert;
mod directory;
mod engine;
mod error;
mod grid;
mod journal;
mod limits;
mod prodoctorov;
mod schedule;
mod sync;
mod visitor;

/// The extension's version; the NetCat module refuses to install against another one.
#[php_function]
#[php(name = "priem_version")]
pub fn priem_version() -> &'static str {
    crate::VERSION
}

/// Panics on purpose, to check on a given PHP build that a Rust panic surfaces as a PHP
/// `\Error` ("Rust panic: …") and never crashes the process. For installers and tests.
#[php_function]
#[php(name = "priem_selftest_panic")]
pub fn priem_selftest_panic() -> i64 {
    panic!("priem self-test: this panic is expected")
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    let module = module
        .function(wrap_function!(priem_version))
        .function(wrap_function!(priem_selftest_panic));
    [
        error::build,
        schedule::build,
        booking::build,
        grid::build,
        directory::build,
        sync::build,
        journal::build,
        prodoctorov::build,
        limits::build,
        visitor::build,
    ]
    .into_iter()
    .fold(module, |module, build| build(module))
}
