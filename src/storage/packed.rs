//! The packed copy of a doctor-day (`Priem_Day.packed`): exactly the rows the import wrote for
//! the day, in a few bytes per cell. The import compares a changed day with it instead of
//! reading the day's rows, hashes it into the day's digest, and the grid reads slots from it.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime};

use crate::domain::schedule::Slot;

/// A slot row as stored (`Priem_Slot`), or read back from a packed day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StoredRow<'a> {
    pub start_utc: NaiveDateTime,
    pub end_utc: NaiveDateTime,
    pub start: u16,
    pub end: u16,
    pub free: bool,
    pub room: Cow<'a, str>,
}

/// Version of the packed day format.
const PACKED_V1: u8 = 1;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(b: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&x, rest) = b.split_first()?;
        *b = rest;
        v |= u64::from(x & 0x7f) << shift;
        if x < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Packs a day's cells (sorted by UTC start): format version, the first UTC start, then per
/// cell its UTC start after the first and its length (seconds), local start and end minutes,
/// free, and room. The digest is the hash of these bytes, so it covers every stored field.
pub(super) fn pack<'a, 'b: 'a>(cells: impl Iterator<Item = &'a Slot<'b>>, out: &mut Vec<u8>) {
    pack_cells(
        cells.map(|c| {
            (
                c.start_utc.timestamp(),
                c.end_utc.timestamp(),
                c.start,
                c.end,
                c.free,
                &*c.room,
            )
        }),
        out,
    );
}

/// Packs rows read back from a packed day (the same bytes [`pack`] gives for their cells).
pub(super) fn pack_rows<'a>(rows: impl Iterator<Item = &'a StoredRow<'a>>, out: &mut Vec<u8>) {
    pack_cells(
        rows.map(|r| {
            (
                r.start_utc.and_utc().timestamp(),
                r.end_utc.and_utc().timestamp(),
                r.start,
                r.end,
                r.free,
                &*r.room,
            )
        }),
        out,
    );
}

/// (UTC start, UTC end, local start minute, local end minute, free, room) of one cell.
type PackCell<'a> = (i64, i64, u16, u16, bool, &'a str);

fn pack_cells<'a>(cells: impl Iterator<Item = PackCell<'a>>, out: &mut Vec<u8>) {
    let mut cells = cells.peekable();
    let Some(first) = cells.peek().map(|c| c.0) else {
        return;
    };
    out.push(PACKED_V1);
    out.extend_from_slice(&first.to_le_bytes());
    for (start, end, start_min, end_min, free, room) in cells {
        put_varint(out, start.wrapping_sub(first) as u64);
        let len = end.wrapping_sub(start);
        put_varint(out, ((len << 1) ^ (len >> 63)) as u64);
        put_varint(out, u64::from(start_min));
        put_varint(out, u64::from(end_min));
        out.push(u8::from(free));
        put_varint(out, room.len() as u64);
        out.extend_from_slice(room.as_bytes());
    }
}

/// Reads a packed day back; `None` when the bytes are not a packed day (the rows are read
/// instead).
pub(super) fn unpack(mut b: &[u8]) -> Option<Vec<StoredRow<'_>>> {
    let (&version, rest) = b.split_first()?;
    if version != PACKED_V1 || rest.len() < 8 {
        return None;
    }
    let (first, rest) = rest.split_at(8);
    let first = i64::from_le_bytes(first.try_into().ok()?);
    b = rest;
    let at = |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.naive_utc());
    let mut out = Vec::new();
    while !b.is_empty() {
        let start = first.checked_add(i64::try_from(get_varint(&mut b)?).ok()?)?;
        let z = get_varint(&mut b)?;
        let len = ((z >> 1) as i64) ^ -((z & 1) as i64);
        let start_min = u16::try_from(get_varint(&mut b)?).ok()?;
        let end_min = u16::try_from(get_varint(&mut b)?).ok()?;
        let (&free, rest) = b.split_first()?;
        b = rest;
        let n = usize::try_from(get_varint(&mut b)?).ok()?;
        if b.len() < n {
            return None;
        }
        let (room, rest) = b.split_at(n);
        b = rest;
        out.push(StoredRow {
            start_utc: at(start)?,
            end_utc: at(start.checked_add(len)?)?,
            start: start_min,
            end: end_min,
            free: free != 0,
            room: Cow::Borrowed(std::str::from_utf8(room).ok()?),
        });
    }
    Some(out)
}
