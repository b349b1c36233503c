//! Counts a caller chooses — days of a grid, times listed, rows listed — and the range each
//! function takes, checked where the function is defined.

use thiserror::Error;

/// A count outside the range its function takes: `days must be from 1 to 366, got 0`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{name} must be from {min} to {max}, got {value}")]
pub struct OutOfRange {
    /// The argument, as the function names it (`days`, `times`, `limit`).
    pub name: &'static str,
    pub min: u32,
    pub max: u32,
    pub value: i64,
}

/// The whole numbers `min..=max` an argument called `name` may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub name: &'static str,
    pub min: u32,
    pub max: u32,
}

impl Range {
    pub const fn new(name: &'static str, min: u32, max: u32) -> Range {
        Range { name, min, max }
    }

    /// `value` when it is in the range.
    pub fn check(&self, value: i64) -> Result<u32, OutOfRange> {
        u32::try_from(value)
            .ok()
            .filter(|v| (self.min..=self.max).contains(v))
            .ok_or(OutOfRange {
                name: self.name,
                min: self.min,
                max: self.max,
                value,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_bounds_and_refuses_what_is_outside_naming_the_argument() {
        let r = Range::new("days", 1, 366);
        assert_eq!(r.check(1), Ok(1));
        assert_eq!(r.check(366), Ok(366));
        for bad in [0, 367, -1, i64::MAX, i64::from(u32::MAX) + 1] {
            assert_eq!(
                r.check(bad).unwrap_err().to_string(),
                format!("days must be from 1 to 366, got {bad}")
            );
        }
    }
}
