//! The ext-php-rs binding.
