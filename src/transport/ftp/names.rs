//! Which files are finished snapshots, which are stable, and the paths and names the session
//! builds: no network here.

use chrono::NaiveDateTime;

use super::{FtpError, RemoteFile};

/// Whether `name` is a finished `*.json` file: not a dot-file, no `.tmp` / `.part` /
/// `.filepart` component (`a.json.tmp`, `a.part.json`, `.a.json` are all skipped).
pub(super) fn is_ready_json(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if name.is_empty() || name.starts_with('.') || !lower.ends_with(".json") || lower == ".json" {
        return false;
    }
    !lower
        .split('.')
        .skip(1)
        .any(|part| matches!(part, "tmp" | "part" | "filepart"))
}

/// Sorts oldest first: by modification time (files without one first), then by name.
pub(super) fn sort_oldest_first(files: &mut [RemoteFile]) {
    files.sort_by(|a, b| {
        a.modified
            .cmp(&b.modified)
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// The files of `second` that were already in `first` with the same size and modification
/// time, oldest first. A file new in `second`, or changed, is still being written.
pub fn stable_snapshots(first: &[RemoteFile], second: &[RemoteFile]) -> Vec<RemoteFile> {
    let mut stable: Vec<RemoteFile> = second
        .iter()
        .filter(|b| {
            first
                .iter()
                .any(|a| a.name == b.name && a.size == b.size && a.modified == b.modified)
        })
        .cloned()
        .collect();
    sort_oldest_first(&mut stable);
    stable
}

/// Whether a booking id is safe as a file name: 1–64 of `A-Z a-z 0-9 _ -`.
pub(super) fn is_valid_booking_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The §2.1 JSON with `"booking_id"` added as the last field (§2.2.2), the rest kept byte for
/// byte. A payload that already carries this id is returned unchanged.
pub fn with_booking_id(json: &str, id: &str) -> Result<String, FtpError> {
    if !is_valid_booking_id(id) {
        return Err(FtpError::Config(format!(
            "номер записи {id:?} — не 1–64 латинские буквы, цифры, «_» или «-»"
        )));
    }
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        FtpError::Config(format!(
            "текст записи для МИС — не JSON: {}",
            crate::wire::json_error(&e)
        ))
    })?;
    let obj = value
        .as_object()
        .ok_or_else(|| FtpError::Config("текст записи для МИС — не JSON-объект".into()))?;
    match obj.get("booking_id") {
        Some(serde_json::Value::String(s)) if s == id => return Ok(json.to_owned()),
        Some(other) => {
            return Err(FtpError::Config(format!(
                "в тексте записи для МИС уже есть booking_id {other}, а не {id:?}"
            )))
        }
        None => {}
    }
    let trimmed = json.trim_end();
    let head = trimmed
        .strip_suffix('}')
        .ok_or_else(|| FtpError::Config("текст записи для МИС не кончается на «}»".into()))?;
    let sep = if obj.is_empty() { "" } else { "," };
    Ok(format!("{head}{sep}\"booking_id\":\"{id}\"}}"))
}

/// `dir/name`, with `""` meaning the login directory.
pub(super) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The last path component (some servers answer `NLST dir` with `dir/name`).
pub(super) fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// One `MLSD` line: `type=file;size=12;modify=20261201090000; name.json`.
/// Returns `None` for directories, links and unreadable lines; size is `None` when absent.
pub(super) fn parse_mlsd_line(line: &str) -> Option<(String, Option<u64>, Option<NaiveDateTime>)> {
    // RFC 3659 §7.2: facts end with ';', then one space, then the name (which may contain
    // spaces and ';').
    let (facts, name) = if let Some(name) = line.strip_prefix(' ') {
        ("", name)
    } else {
        let end = line.find("; ")?;
        (&line[..end], &line[end + 2..])
    };
    let mut kind = None;
    let mut size = None;
    let mut modified = None;
    for fact in facts.split(';') {
        let Some((key, value)) = fact.split_once('=') else {
            continue;
        };
        match key.to_ascii_lowercase().as_str() {
            "type" => kind = Some(value.to_ascii_lowercase()),
            "size" => size = value.parse::<u64>().ok(),
            "modify" => modified = parse_ftp_time(value),
            _ => {}
        }
    }
    if kind.as_deref() != Some("file") {
        return None;
    }
    Some((basename(name).to_owned(), size, modified))
}

/// `YYYYMMDDHHMMSS[.sss]` (RFC 3659 time-val, UTC).
pub(super) fn parse_ftp_time(value: &str) -> Option<NaiveDateTime> {
    let (main, frac) = match value.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (value, None),
    };
    let t = NaiveDateTime::parse_from_str(main, "%Y%m%d%H%M%S").ok()?;
    match frac {
        None => Some(t),
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let nanos: u32 = format!("{f:0<9}").parse().ok()?;
            Some(t + chrono::Duration::nanoseconds(i64::from(nanos)))
        }
        Some(_) => Some(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64, modified: &str) -> RemoteFile {
        RemoteFile {
            name: name.into(),
            size,
            modified: parse_ftp_time(modified),
        }
    }

    #[test]
    fn takes_only_finished_json_names() {
        for ok in ["a.json", "2026-12-01T09-00.JSON", "filial 1.json"] {
            assert!(is_ready_json(ok), "{ok}");
        }
        for skip in [
            "a.json.tmp",
            "a.json.part",
            "a.tmp.json",
            "a.part.json",
            "a.json.filepart",
            ".a.json",
            ".json",
            "a.xml",
            "a.jsonl",
            "",
        ] {
            assert!(!is_ready_json(skip), "{skip}");
        }
    }

    #[test]
    fn reads_mlsd_lines() {
        assert_eq!(
            parse_mlsd_line("type=file;size=12;modify=20261201090000;perm=r; a b;c.json"),
            Some((
                "a b;c.json".into(),
                Some(12),
                parse_ftp_time("20261201090000")
            ))
        );
        assert_eq!(
            parse_mlsd_line("type=dir;modify=20261201090000; processed"),
            None
        );
        assert_eq!(parse_mlsd_line("garbage"), None);
        assert_eq!(
            parse_mlsd_line("Type=File;Size=3; x.json").map(|t| t.1),
            Some(Some(3))
        );
    }

    #[test]
    fn reads_ftp_times_with_fractions() {
        let t = parse_ftp_time("20261201090000.250").unwrap();
        assert_eq!(t.to_string(), "2026-12-01 09:00:00.250");
        assert_eq!(
            parse_ftp_time("20261201090000").unwrap().to_string(),
            "2026-12-01 09:00:00"
        );
        assert!(parse_ftp_time("2026120109").is_none());
    }

    #[test]
    fn keeps_only_files_unchanged_between_listings_oldest_first() {
        let first = [
            file("b.json", 10, "20261201090500"),
            file("a.json", 10, "20261201090000"),
            file("growing.json", 10, "20261201090000"),
            file("touched.json", 10, "20261201090000"),
        ];
        let second = [
            file("b.json", 10, "20261201090500"),
            file("a.json", 10, "20261201090000"),
            file("growing.json", 20, "20261201090000"),
            file("touched.json", 10, "20261201090001"),
            file("new.json", 10, "20261201090000"),
        ];
        let names: Vec<_> = stable_snapshots(&first, &second)
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, ["a.json", "b.json"]);
    }

    #[test]
    fn adds_booking_id_keeping_the_payload() {
        assert_eq!(
            with_booking_id(r#"{"a":"б","n":1}"#, "42").unwrap(),
            r#"{"a":"б","n":1,"booking_id":"42"}"#
        );
        assert_eq!(
            with_booking_id("{ }\n", "x").unwrap(),
            r#"{ "booking_id":"x"}"#
        );
        let already = r#"{"booking_id":"7"}"#;
        assert_eq!(with_booking_id(already, "7").unwrap(), already);
        assert!(with_booking_id(already, "8").is_err());
        assert!(with_booking_id("[1]", "8").is_err());
        assert!(with_booking_id("{}", "../etc").is_err());
        assert!(with_booking_id("{}", "").is_err());
    }

    #[test]
    fn joins_paths() {
        assert_eq!(join("", "a.json"), "a.json");
        assert_eq!(join("/", "a.json"), "/a.json");
        assert_eq!(join("in/", "a.json"), "in/a.json");
        assert_eq!(join("/in", "a.json"), "/in/a.json");
        assert_eq!(basename("in/a.json"), "a.json");
    }
}
