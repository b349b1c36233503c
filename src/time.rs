//! Local times of day and dates as the exchange writes them: minutes since midnight, `HH:MM`,
//! `YYYY-MM-DD`. Below every layer (the wire formats read them, the domain and the binding
//! write them); which instant a local time is in a filial's zone is `domain::zone`'s.

use chrono::NaiveDate;

/// Minutes since local midnight, 0..1440.
pub type Minute = u16;

/// Formats minutes since midnight as `HH:MM`.
pub fn hhmm(m: Minute) -> String {
    let mut out = String::with_capacity(5);
    push_hhmm(&mut out, m);
    out
}

/// Appends `HH:MM` (as [`hhmm`] writes it) without allocating: the grid's hot loop.
pub fn push_hhmm(out: &mut String, m: Minute) {
    let digit = |d: Minute| char::from(b'0' + (d % 10) as u8);
    let (h, m) = (m / 60, m % 60);
    out.push(digit(h / 10));
    out.push(digit(h));
    out.push(':');
    out.push(digit(m / 10));
    out.push(digit(m));
}

/// Reads `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// Reads `HH:MM` (also `H:MM` and `HH:MM:SS`, seconds ignored) as minutes since midnight.
pub fn parse_time(s: &str) -> Option<Minute> {
    let b = s.as_bytes();
    let colon = b.iter().position(|&c| c == b':')?;
    if !(1..=2).contains(&colon) || b.len() < colon + 3 {
        return None;
    }
    let h = digits(&b[..colon])?;
    let m = digits(&b[colon + 1..colon + 3])?;
    let rest = &b[colon + 3..];
    let seconds_ok =
        |r: &[u8]| r.len() == 3 && r[0] == b':' && digits(&r[1..]).is_some_and(|s| s < 60);
    if !rest.is_empty() && !seconds_ok(rest) {
        return None;
    }
    if h > 23 || m > 59 {
        return None;
    }
    Some((h * 60 + m) as Minute)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hhmm_writes_every_minute_of_the_day_as_read_back() {
        for m in 0..1440 {
            let text = hhmm(m);
            assert_eq!(text, format!("{:02}:{:02}", m / 60, m % 60));
            assert_eq!(parse_time(&text), Some(m));
        }
        assert_eq!(hhmm(1440), "24:00");
    }
}
