//! One logged-in FTP control connection and what the cron tick does through it: list, download
//! and file snapshots, drop bookings, read and acknowledge the MIS's answers.

use std::collections::HashSet;
use std::fmt;
use std::io::{Read, Write};
use std::net::Shutdown;

use suppaftp::types::FileType;
use suppaftp::{ImplFtpStream, RustlsFtpStream, Status, TlsStream, TransferStream};

use super::connect::{
    classify, data_tls_failed, fallback_cause, offers_auth_tls, open, reply_code, secure,
    tls_connector,
};
use super::names::{
    basename, is_ready_json, join, parse_mlsd_line, sort_oldest_first, stable_snapshots,
    with_booking_id,
};
use super::{
    AfterImport, BookingResult, Folder, FtpCheck, FtpConfig, FtpError, Listing, RemoteFile,
};
use crate::transport::Protection;
use crate::wire::booking::{parse_mis_answer, AnswerError};

/// One logged-in FTP control connection.
pub struct FtpSession {
    ftp: RustlsFtpStream,
    cfg: FtpConfig,
    addr: String,
    mlsd: bool,
    /// The login directory (to return to after probing with `CWD`).
    home: Option<String>,
    /// Directories created (or found) in this session.
    made_dirs: HashSet<String>,
    protection: Protection,
}

impl fmt::Debug for FtpSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FtpSession")
            .field("addr", &self.addr)
            .field("user", &self.cfg.user)
            .field("mlsd", &self.mlsd)
            .field("protection", &self.protection)
            .finish_non_exhaustive()
    }
}

impl FtpSession {
    /// Connects (connect timeout), reads the greeting, switches to TLS, logs in and sets binary
    /// mode. Every later read or write has the I/O timeout.
    ///
    /// TLS: with [`FtpConfig::explicit_tls`] `AUTH TLS` must succeed (else [`FtpError::Tls`]).
    /// Without it TLS is opportunistic: `FEAT` before login; when the server lists `AUTH TLS`, the
    /// control connection is upgraded and data connections protected (`PBSZ 0`, `PROT P`), the
    /// certificate verified as for FTPS. If that upgrade fails, the session connects again
    /// without TLS (nothing was sent but `FEAT` and `AUTH`) and says why in
    /// [`FtpSession::protection`]: what worked in plain text keeps working.
    pub fn connect(cfg: &FtpConfig) -> Result<Self, FtpError> {
        if cfg.host.trim().is_empty() {
            return Err(FtpError::Config("не указан FTP-сервер".into()));
        }
        let addr = cfg.addr();
        let mut ftp = open(cfg, &addr)?;
        if cfg.explicit_tls {
            let connector = tls_connector(cfg, &addr)?;
            let ftp = secure(ftp, connector, cfg, &addr)?;
            return Self::log_in(ftp, cfg, addr, Protection::Required);
        }
        if !offers_auth_tls(&mut ftp, cfg, &addr)? {
            return Self::log_in(ftp, cfg, addr, Protection::NotOffered);
        }
        let connector = match tls_connector(cfg, &addr) {
            Ok(c) => c,
            // Nothing sent yet: go on in plain text on this connection.
            Err(e) => {
                let cause = fallback_cause(&e);
                return Self::log_in(ftp, cfg, addr, Protection::FellBack { cause });
            }
        };
        match secure(ftp, connector, cfg, &addr) {
            Ok(ftp) => Self::log_in(ftp, cfg, addr, Protection::Upgraded),
            // `into_secure` consumed the connection, left in an unknown state: a new one, plain.
            // Only `FEAT` and `AUTH TLS` (and maybe `PBSZ`/`PROT`) went over the old one.
            Err(e) => {
                let cause = fallback_cause(&e);
                let ftp = open(cfg, &addr)?;
                Self::log_in(ftp, cfg, addr, Protection::FellBack { cause })
            }
        }
    }

    /// Logs in on an opened (and maybe secured) control connection, sets binary mode and finds
    /// out how to list.
    fn log_in(
        mut ftp: RustlsFtpStream,
        cfg: &FtpConfig,
        addr: String,
        protection: Protection,
    ) -> Result<Self, FtpError> {
        let password = cfg.password.expose().to_owned();
        let err = |e, command: &str| classify(e, &addr, &password, command, "");
        ftp.login(cfg.user.as_str(), cfg.password.expose())
            .map_err(|e| match reply_code(&e) {
                Some(530) | Some(532) => match classify(e, &addr, &password, "login", "") {
                    FtpError::Refused { reply, .. } => FtpError::Login {
                        addr: addr.clone(),
                        user: cfg.user.clone(),
                        reply,
                    },
                    other => other,
                },
                _ => err(e, "login"),
            })?;
        ftp.transfer_type(FileType::Binary)
            .map_err(|e| err(e, "TYPE I"))?;
        let mlsd = match cfg.listing {
            Listing::Mlsd => true,
            Listing::NameSizeMdtm => false,
            Listing::Auto => match ftp.feat() {
                Ok(features) => features.keys().any(|k| k.eq_ignore_ascii_case("MLST")),
                Err(e) if reply_code(&e).is_some() => false,
                Err(e) => return Err(err(e, "FEAT")),
            },
        };
        let home = ftp.pwd().ok();
        Ok(FtpSession {
            ftp,
            cfg: cfg.clone(),
            addr,
            mlsd,
            home,
            made_dirs: HashSet::new(),
            protection,
        })
    }

    /// How this session's connections are protected. After a data connection's TLS failed in an
    /// opportunistic session, the session went on in plain text: [`Protection::FellBack`].
    pub fn protection(&self) -> &Protection {
        &self.protection
    }

    /// Runs one operation that opens a data connection. In a session upgraded opportunistically
    /// ([`Protection::Upgraded`]), when the data connection's TLS fails the session connects
    /// again without TLS and runs the operation once more.
    ///
    /// That repetition cannot duplicate anything: the operations that come here are listings
    /// (`MLSD`, `NLST`) and downloads (`RETR`), which only read, and the booking upload's `STOR`,
    /// which writes the temporary name `.<id>.json.tmp` — a second `STOR` replaces the same
    /// file, and only the rename that follows (on the control connection, not repeated here)
    /// makes `<id>.json` appear for the MIS (see [`FtpSession::upload_booking`]). Nothing that
    /// moves, renames or deletes (control-connection commands) is ever repeated.
    fn data_op<T>(
        &mut self,
        command: &str,
        path: &str,
        mut op: impl FnMut(&mut RustlsFtpStream, bool) -> suppaftp::FtpResult<T>,
    ) -> Result<T, FtpError> {
        let upgraded = self.protection == Protection::Upgraded;
        match op(&mut self.ftp, upgraded) {
            Ok(v) => Ok(v),
            Err(e) if upgraded && data_tls_failed(&e) => {
                let first = self.err(e, command, path);
                self.fall_back(fallback_cause(&first))?;
                op(&mut self.ftp, false).map_err(|e| self.err(e, command, path))
            }
            Err(e) => Err(self.err(e, command, path)),
        }
    }

    /// Replaces the control connection by a new plain one, logged in the same way.
    fn fall_back(&mut self, cause: String) -> Result<(), FtpError> {
        let ftp = open(&self.cfg, &self.addr)?;
        let fresh = Self::log_in(
            ftp,
            &self.cfg,
            self.addr.clone(),
            Protection::FellBack {
                cause: format!("канал данных: {cause}"),
            },
        )?;
        // The old control connection may be out of step after the failed transfer: dropped
        // without QUIT. The directories it made exist on the server all the same.
        let old = std::mem::replace(self, fresh);
        self.made_dirs = old.made_dirs;
        Ok(())
    }

    /// The settings this session was opened with.
    pub fn config(&self) -> &FtpConfig {
        &self.cfg
    }

    /// Whether listings use `MLSD`.
    pub fn uses_mlsd(&self) -> bool {
        self.mlsd
    }

    /// Says goodbye and closes the connection (errors ignored: the work is done).
    pub fn quit(mut self) {
        let _ = self.ftp.quit();
    }

    fn err(&self, e: suppaftp::FtpError, command: &str, path: &str) -> FtpError {
        classify(e, &self.addr, self.cfg.password.expose(), command, path)
    }

    /// Finished `*.json` files in the snapshot directory (`is_ready_json`), oldest first.
    pub fn list_snapshots(&mut self) -> Result<Vec<RemoteFile>, FtpError> {
        let dir = self.cfg.directory.clone();
        let mut files = self.list_ready_json(&dir)?;
        sort_oldest_first(&mut files);
        Ok(files)
    }

    /// Lists twice, [`FtpConfig::stability_delay`] apart, and returns the snapshots that did
    /// not change in between, oldest first.
    pub fn list_stable(&mut self) -> Result<Vec<RemoteFile>, FtpError> {
        let first = self.list_snapshots()?;
        if first.is_empty() {
            return Ok(first);
        }
        if !self.cfg.stability_delay.is_zero() {
            std::thread::sleep(self.cfg.stability_delay);
        }
        let second = self.list_snapshots()?;
        Ok(stable_snapshots(&first, &second))
    }

    fn list_ready_json(&mut self, dir: &str) -> Result<Vec<RemoteFile>, FtpError> {
        let arg = (!dir.is_empty()).then_some(dir);
        let mut out = Vec::new();
        if self.mlsd {
            let lines = match self.data_op("MLSD", dir, |ftp, abandon| {
                list_lines(ftp, "MLSD", arg, abandon)
            }) {
                Ok(lines) => lines,
                Err(e) => return Err(self.listing_error(e, dir)),
            };
            for line in lines {
                let Some((name, size, modified)) = parse_mlsd_line(&line) else {
                    continue;
                };
                if !is_ready_json(&name) {
                    continue;
                }
                let size = match size {
                    Some(s) => s,
                    None => match self.size_of(&join(dir, &name))? {
                        Some(s) => s,
                        None => continue,
                    },
                };
                out.push(RemoteFile {
                    name,
                    size,
                    modified,
                });
            }
        } else {
            let names = match self.data_op("NLST", dir, |ftp, abandon| {
                list_lines(ftp, "NLST", arg, abandon)
            }) {
                Ok(names) => names,
                Err(e) => return Err(self.listing_error(e, dir)),
            };
            for raw in names {
                let name = basename(raw.trim_end()).to_owned();
                if !is_ready_json(&name) {
                    continue;
                }
                let path = join(dir, &name);
                // 550: gone since the listing, or a directory.
                let Some(size) = self.size_of(&path)? else {
                    continue;
                };
                let modified = self.ftp.mdtm(&path).ok();
                out.push(RemoteFile {
                    name,
                    size,
                    modified,
                });
            }
        }
        Ok(out)
    }

    /// A listing refused with 5xx: servers differ in how they say "no such directory" (550,
    /// 501…), so a failing `CWD` into it decides [`FtpError::NotFound`].
    fn listing_error(&mut self, listing: FtpError, dir: &str) -> FtpError {
        if dir.is_empty() || !matches!(listing.reply_code(), Some(500..=599)) {
            return listing;
        }
        let reply = match &listing {
            FtpError::Refused { reply, .. } | FtpError::NotFound { reply, .. } => reply.clone(),
            _ => String::new(),
        };
        match self.ftp.cwd(dir) {
            Err(e) if reply_code(&e).is_some_and(|c| c >= 500) => FtpError::NotFound {
                path: dir.to_owned(),
                reply,
            },
            Ok(()) => {
                if let Some(home) = self.home.clone() {
                    if let Err(e) = self.ftp.cwd(&home) {
                        return self.err(e, "CWD", &home);
                    }
                }
                listing
            }
            Err(_) => listing,
        }
    }

    /// `SIZE`; `None` when the server says 550 (no such file, or not a file).
    fn size_of(&mut self, path: &str) -> Result<Option<u64>, FtpError> {
        match self.ftp.size(path) {
            Ok(s) => Ok(Some(s as u64)),
            Err(e) if reply_code(&e) == Some(550) => Ok(None),
            Err(e) => Err(self.err(e, "SIZE", path)),
        }
    }

    /// The whole content of a file in the snapshot directory, if it is not larger than
    /// [`FtpConfig::max_download`].
    pub fn download(&mut self, name: &str) -> Result<Vec<u8>, FtpError> {
        let path = join(&self.cfg.directory, name);
        self.download_path(&path)
    }

    /// Keeps at most [`FtpConfig::max_download`] bytes: the rest of a longer file is read and
    /// dropped (memory stays bounded; the control connection stays in step — an `ABOR` races
    /// the server's end-of-transfer reply) and [`FtpError::TooLarge`] returned.
    fn download_path(&mut self, path: &str) -> Result<Vec<u8>, FtpError> {
        let max = self.cfg.max_download;
        let bytes = self.data_op("RETR", path, |ftp, abandon| {
            let stream = ftp.retr_as_stream(path)?;
            receive(ftp, stream, max, abandon)
        })?;
        if bytes.len() as u64 > max {
            return Err(FtpError::TooLarge {
                path: path.to_owned(),
                max,
            });
        }
        Ok(bytes)
    }

    /// Moves a snapshot into `processed/` or `failed/` under the snapshot directory, creating
    /// the folder if missing and replacing a file of the same name there. Returns the new path.
    pub fn move_to(&mut self, name: &str, folder: Folder) -> Result<String, FtpError> {
        let dir = self.cfg.directory.clone();
        self.move_into(&dir, name, folder.name())
    }

    /// Deletes a snapshot.
    pub fn delete(&mut self, name: &str) -> Result<(), FtpError> {
        let path = join(&self.cfg.directory, name);
        self.ftp.rm(&path).map_err(|e| self.err(e, "DELE", &path))
    }

    /// Files an imported snapshot per [`FtpConfig::after_import`].
    pub fn mark_imported(&mut self, name: &str) -> Result<(), FtpError> {
        match self.cfg.after_import {
            AfterImport::MoveToProcessed => self.move_to(name, Folder::Processed).map(|_| ()),
            AfterImport::Delete => self.delete(name),
        }
    }

    /// Files a snapshot that could not be imported into `failed/`.
    pub fn mark_failed(&mut self, name: &str) -> Result<(), FtpError> {
        self.move_to(name, Folder::Failed).map(|_| ())
    }

    fn move_into(&mut self, dir: &str, name: &str, sub: &str) -> Result<String, FtpError> {
        let sub_dir = join(dir, sub);
        self.ensure_dir(&sub_dir)?;
        let from = join(dir, name);
        let to = join(&sub_dir, name);
        self.rename_over(&from, &to)?;
        Ok(to)
    }

    /// Renames, replacing `to` if the server refuses to overwrite it.
    fn rename_over(&mut self, from: &str, to: &str) -> Result<(), FtpError> {
        let first = match self.ftp.rename(from, to) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        let permanent = matches!(reply_code(&first), Some(500..=599));
        if !permanent {
            return Err(self.err(first, "RNFR/RNTO", from));
        }
        // Tell a missing source from an existing target before deleting anything.
        if self.size_of(from)?.is_none() {
            return Err(self.err(first, "RNFR", from));
        }
        if self.ftp.rm(to).is_err() {
            return Err(self.err(first, "RNTO", to));
        }
        self.ftp
            .rename(from, to)
            .map_err(|e| self.err(e, "RNFR/RNTO", from))
    }

    /// Creates `path` and its parents unless already done in this session. A refusal to create
    /// is taken as "exists"; a real problem shows at the next command.
    fn ensure_dir(&mut self, path: &str) -> Result<(), FtpError> {
        if path.is_empty() || self.made_dirs.contains(path) {
            return Ok(());
        }
        let mut prefix = String::new();
        for part in path.split('/') {
            if part.is_empty() {
                if prefix.is_empty() {
                    prefix.push('/');
                }
                continue;
            }
            if !prefix.is_empty() && !prefix.ends_with('/') {
                prefix.push('/');
            }
            prefix.push_str(part);
            if self.made_dirs.contains(&prefix) {
                continue;
            }
            match self.ftp.mkdir(&prefix) {
                Ok(()) => {}
                Err(e) if reply_code(&e).is_some_and(|c| c >= 500) => {}
                Err(e) => return Err(self.err(e, "MKD", &prefix)),
            }
            self.made_dirs.insert(prefix.clone());
        }
        Ok(())
    }

    /// Drops a booking for the MIS (§2.2.2): `payload` (the §2.1 JSON) plus `"booking_id"`,
    /// written under a temporary name and renamed to `<bookings dir>/<id>.json`. Returns the
    /// final path. Uploading the same id again replaces the file.
    pub fn upload_booking(&mut self, id: &str, payload: &str) -> Result<String, FtpError> {
        let body = with_booking_id(payload, id)?;
        let dir = self.cfg.bookings_dir.clone();
        self.ensure_dir(&dir)?;
        let tmp = join(&dir, &format!(".{id}.json.tmp"));
        let path = join(&dir, &format!("{id}.json"));
        self.data_op("STOR", &tmp, |ftp, abandon| {
            let mut stream = ftp.put_with_stream(tmp.as_str())?;
            let written = stream.write_all(body.as_bytes());
            end_transfer(ftp, stream, written, abandon)
        })?;
        self.rename_over(&tmp, &path)?;
        Ok(path)
    }

    /// Reads every finished answer in the results directory, without removing any (see
    /// [`FtpSession::ack_result`]). A missing results directory means no answers yet.
    pub fn read_results(&mut self) -> Result<Vec<BookingResult>, FtpError> {
        let dir = self.cfg.results_dir.clone();
        let mut files = match self.list_ready_json(&dir) {
            Ok(files) => files,
            Err(FtpError::NotFound { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        sort_oldest_first(&mut files);
        let mut out = Vec::with_capacity(files.len());
        for file in files {
            let bytes = match self.download_path(&join(&dir, &file.name)) {
                Ok(b) => b,
                // Taken away between the listing and now (another runner, the MIS).
                Err(FtpError::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let booking_id = file.name[..file.name.len() - ".json".len()].to_owned();
            let answer = match String::from_utf8(bytes) {
                Ok(text) => parse_mis_answer(&text),
                Err(_) => Err(AnswerError("файл не в кодировке UTF-8".into())),
            };
            out.push(BookingResult {
                booking_id,
                file: file.name,
                answer,
            });
        }
        Ok(out)
    }

    /// Removes an answer the caller has stored: a readable one per
    /// [`FtpConfig::after_import`] (`<results dir>/processed/` or deleted), an unreadable one
    /// into `<results dir>/failed/`.
    pub fn ack_result(&mut self, result: &BookingResult) -> Result<(), FtpError> {
        let dir = self.cfg.results_dir.clone();
        match (&result.answer, self.cfg.after_import) {
            (Ok(_), AfterImport::MoveToProcessed) => self
                .move_into(&dir, &result.file, Folder::Processed.name())
                .map(|_| ()),
            (Ok(_), AfterImport::Delete) => {
                let path = join(&dir, &result.file);
                self.ftp.rm(&path).map_err(|e| self.err(e, "DELE", &path))
            }
            (Err(_), _) => self
                .move_into(&dir, &result.file, Folder::Failed.name())
                .map(|_| ()),
        }
    }

    /// Deletes what the FTP exchange left of these bookings (they hold the patient's name and
    /// phone): the dropped booking file, a temporary one a crash left behind, and the MIS's
    /// result file in the results directory and in its `processed/` and `failed/` folders. A file
    /// that is not there (550) is skipped. Returns how many files were deleted.
    pub fn forget_bookings(&mut self, ids: &[u64]) -> Result<usize, FtpError> {
        let bookings = self.cfg.bookings_dir.clone();
        let results = self.cfg.results_dir.clone();
        let dirs = [
            results.clone(),
            join(&results, Folder::Processed.name()),
            join(&results, Folder::Failed.name()),
        ];
        let mut deleted = 0;
        for id in ids {
            let mut paths = vec![
                join(&bookings, &format!("{id}.json")),
                join(&bookings, &format!(".{id}.json.tmp")),
            ];
            paths.extend(dirs.iter().map(|d| join(d, &format!("{id}.json"))));
            for path in paths {
                match self.ftp.rm(&path) {
                    Ok(()) => deleted += 1,
                    Err(e) if reply_code(&e) == Some(550) => {}
                    Err(e) => return Err(self.err(e, "DELE", &path)),
                }
            }
        }
        Ok(deleted)
    }
}

/// A listing (`MLSD`, `NLST`) of `dir` (`None`: the current directory), one entry a line.
fn list_lines(
    ftp: &mut RustlsFtpStream,
    command: &str,
    dir: Option<&str>,
    abandon: bool,
) -> suppaftp::FtpResult<Vec<String>> {
    let line = match dir {
        Some(dir) => format!("{command} {dir}"),
        None => command.to_owned(),
    };
    let (_, stream) = ftp.custom_data_command(line, &[Status::AboutToSend, Status::AlreadyOpen])?;
    let bytes = receive(ftp, stream, u64::MAX, abandon)?;
    Ok(String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Reads a transfer to its end, keeping at most `max` bytes: the rest of a longer one is read
/// and dropped (memory stays bounded; the control connection stays in step — an `ABOR` races
/// the server's end-of-transfer reply). Then its final reply, as [`end_transfer`].
fn receive<T: TlsStream>(
    ftp: &ImplFtpStream<T>,
    mut stream: TransferStream<T>,
    max: u64,
    abandon: bool,
) -> suppaftp::FtpResult<Vec<u8>> {
    let mut bytes = Vec::new();
    let read = (&mut stream)
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .and_then(|_| {
            if bytes.len() as u64 > max {
                std::io::copy(&mut stream, &mut std::io::sink())?;
            }
            Ok(())
        });
    end_transfer(ftp, stream, read, abandon)?;
    Ok(bytes)
}

/// Closes a transfer that was read or written (`io`: how that went) and reads its final reply;
/// a failure of `io` comes first. When `io` failed the way a data connection's TLS fails in a
/// session about to be made again in plain text (`abandon`), the control connection is shut
/// first: after a failed handshake a server may never reply, and closing the transfer would wait
/// the whole I/O timeout for it.
fn end_transfer<T: TlsStream>(
    ftp: &ImplFtpStream<T>,
    stream: TransferStream<T>,
    io: std::io::Result<()>,
    abandon: bool,
) -> suppaftp::FtpResult<()> {
    match io {
        Ok(()) => stream.finish(),
        Err(e) => {
            let e = suppaftp::FtpError::ConnectionError(e);
            if abandon && data_tls_failed(&e) {
                let _ = ftp.get_ref().shutdown(Shutdown::Both);
            }
            let _ = stream.finish();
            Err(e)
        }
    }
}

/// The admin's "Проверить соединение": connect, log in, list the snapshot directory, quit.
pub fn check(cfg: &FtpConfig) -> Result<FtpCheck, FtpError> {
    let mut session = FtpSession::connect(cfg)?;
    let waiting = session.list_snapshots()?.len();
    let report = FtpCheck {
        waiting,
        listing: if session.uses_mlsd() {
            "MLSD"
        } else {
            "NLST+SIZE+MDTM"
        },
        protection: session.protection().clone(),
    };
    session.quit();
    Ok(report)
}
