//! Real servers for the transport tests, started by the tests themselves and killed when
//! dropped, each on a port it bound and reported itself: `ftp_peer.py` (pyftpdlib),
//! `mis_peer.py` (an HTTP server playing the MIS), `prodoctorov_peer.py` (ProDoctorov's upload
//! API) and `smtp_sink.py` (aiosmtpd writing each message into a folder).
//!
//! Needs `python3` with `pyftpdlib` and `aiosmtpd` (`pip install pyftpdlib aiosmtpd`); set
//! `PRIEM_TEST_PYTHON` to use another interpreter. TLS tests also need the `openssl` command.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// The interpreter that runs the peers.
pub fn python() -> String {
    std::env::var("PRIEM_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers")
        .join(name)
}

/// A port nothing listens on right now (for "the server is down"; a peer binds port 0 itself).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// A fresh directory under Cargo's per-target temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("cannot create a temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server process; killed (by its own pid) and reaped on drop.
pub struct Peer {
    child: Child,
    /// The port it listens on, as it reported it.
    pub port: u16,
    pub name: &'static str,
    /// What it wrote to stderr (the last 64 KiB), for the message when it fails.
    stderr: Arc<Mutex<String>>,
}

impl Peer {
    /// Starts `python3 args…` and waits until it prints `READY <port>`: a peer binds the port
    /// its arguments name (0: any free port, the usual case) and reports the one it got, so no
    /// other process can take the port between choosing and binding it. Both of its outputs are
    /// read all along, so a chatty peer never blocks on a full pipe.
    pub fn spawn(name: &'static str, args: &[&str]) -> Peer {
        let mut child = Command::new(python())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} with {}: {e}", python()));
        let (ready, port) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(p) = line
                    .strip_prefix("READY ")
                    .and_then(|p| p.trim().parse().ok())
                {
                    let _ = ready.send(p);
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let mut err = child.stderr.take().expect("piped stderr");
        let drain = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut text = sink.lock().unwrap_or_else(|e| e.into_inner());
                text.push_str(&String::from_utf8_lossy(&buf[..n]));
                if text.len() > 64 * 1024 {
                    let cut = text.len() - 64 * 1024;
                    let cut = (cut..text.len())
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap_or(0);
                    text.drain(..cut);
                }
            }
        });
        match port.recv_timeout(Duration::from_secs(15)) {
            Ok(port) => Peer {
                child,
                port,
                name,
                stderr,
            },
            Err(e) => {
                let _ = child.kill();
                let status = child.wait();
                let _ = drain.join();
                let text = stderr.lock().unwrap_or_else(|e| e.into_inner()).clone();
                panic!("{name} did not report a port ({e}; {status:?}):\n{text}");
            }
        }
    }

    /// What the peer wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops the server now (to test "server down" after it was up).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `ftp_peer.py` (pyftpdlib) serving `root` read-write for one user, on a port of its own.
pub fn ftp_server(root: &Path, user: &str, password: &str) -> Peer {
    ftp_server_with(root, user, password, &[])
}

/// The same with more `ftp_peer.py` options (e.g. `--tls-cert … --tls-key …`).
pub fn ftp_server_with(root: &Path, user: &str, password: &str, extra: &[&str]) -> Peer {
    let script = script("ftp_peer.py");
    let mut args = vec![
        script.to_str().expect("utf-8 path"),
        "--port",
        "0",
        "--dir",
        root.to_str().expect("utf-8 path"),
        "--user",
        user,
        "--password",
        password,
    ];
    args.extend_from_slice(extra);
    Peer::spawn("ftp_peer.py", &args)
}

/// Whether the Python has `module` (pyftpdlib's FTPS needs pyOpenSSL).
pub fn python_has(module: &str) -> bool {
    Command::new(python())
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The MIS's Basic auth in every test that sets one up (`mis_peer.py --basic`, the settings'
/// `mis.user` / `mis.password`).
pub const MIS_USER: &str = "site";
pub const MIS_PASSWORD: &str = "Mis-S3cret-8802";

/// Standard base64 with padding, as HTTP Basic auth writes `user:password`.
pub fn base64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// `MIS_USER:MIS_PASSWORD`, as `mis_peer.py --basic` takes it.
pub fn mis_basic() -> String {
    format!("{MIS_USER}:{MIS_PASSWORD}")
}

/// `mis_peer.py` logging every request into `log`. `extra`: e.g. `["--basic", &mis_basic()]`.
pub fn mis_peer(log: &Path, extra: &[&str]) -> Peer {
    let script = script("mis_peer.py");
    let mut args = vec![
        script.to_str().expect("utf-8 path"),
        "--port",
        "0",
        "--log",
        log.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    Peer::spawn("mis_peer.py", &args)
}

/// `prodoctorov_peer.py` (ProDoctorov's schedule upload API) logging every upload into `log`,
/// accepting the old API's `login`/`password` and the v2 `token`.
pub fn prodoctorov_peer(log: &Path, login: &str, password: &str, token: &str) -> Peer {
    let script = script("prodoctorov_peer.py");
    let args = vec![
        script.to_str().expect("utf-8 path"),
        "--port",
        "0",
        "--log",
        log.to_str().expect("utf-8 path"),
        "--login",
        login,
        "--password",
        password,
        "--token",
        token,
    ];
    Peer::spawn("prodoctorov_peer.py", &args)
}

/// `smtp_sink.py` writing messages into `dir`. `extra`: TLS or auth options.
pub fn smtp_sink(dir: &Path, extra: &[&str]) -> Peer {
    let script = script("smtp_sink.py");
    let mut args = vec![
        script.to_str().expect("utf-8 path"),
        "--port",
        "0",
        "--dir",
        dir.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    Peer::spawn("smtp_sink.py", &args)
}

/// A test CA and a server certificate for 127.0.0.1 signed by it, made with `openssl`.
pub struct TestCert {
    pub ca_pem: String,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn make_cert(dir: &Path) -> TestCert {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("cannot run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=priem test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("cannot write server.ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "server.pem",
        "-extfile",
        "server.ext",
    ]);
    TestCert {
        ca_pem: std::fs::read_to_string(dir.join("ca.pem")).expect("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    }
}

/// Waits until `cond` holds (up to 10 s).
pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
