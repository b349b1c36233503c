"""The MIS simulator's FTP side (tools/mis_simulator.py): the schedule snapshots it uploads and
the booking files it answers over the FTP drop (docs/mis-exchange.md §2.2.2), and an FTP server
of its own (pyftpdlib) for --serve-ftp.
"""
import datetime as dt
import ftplib
import io
import json
import os
import threading
import time


def ready_json(name):
    low = name.lower()
    if not name or name.startswith(".") or not low.endswith(".json") or low == ".json":
        return False
    return not any(p in ("tmp", "part", "filepart") for p in low.split(".")[1:])


class FtpWorker:
    def __init__(self, mis, log):
        self.mis = mis
        self.log = log
        self.a = mis.args
        self.stop = threading.Event()
        self.last_upload = 0.0
        self.ftp_ok = None

    def connect(self):
        ftp = ftplib.FTP()
        ftp.connect(self.a.ftp_host, self.a.ftp_port, timeout=15)
        ftp.login(self.a.ftp_user, self.a.ftp_password)
        for d in (self.a.schedule_dir, self.a.bookings_dir, self.a.results_dir):
            self.mkdirs(ftp, d)
        return ftp

    @staticmethod
    def mkdirs(ftp, path):
        cur = ""
        for part in [p for p in path.split("/") if p]:
            cur = cur + "/" + part if cur or path.startswith("/") else part
            try:
                ftp.mkd(cur)
            except ftplib.error_perm:
                pass

    @staticmethod
    def join(d, name):
        return name if not d else d.rstrip("/") + "/" + name

    def put(self, ftp, directory, name, data):
        tmp = self.join(directory, "." + name + ".tmp")
        final = self.join(directory, name)
        ftp.storbinary("STOR " + tmp, io.BytesIO(data))
        try:
            ftp.rename(tmp, final)
        except ftplib.error_perm:
            try:
                ftp.delete(final)
            except ftplib.error_perm:
                pass
            ftp.rename(tmp, final)

    def run(self):
        while not self.stop.is_set():
            if self.mis.mode != "down":
                try:
                    self.tick()
                    if self.ftp_ok is not True:
                        self.log("FTP %s:%d: connected" % (self.a.ftp_host, self.a.ftp_port))
                    self.ftp_ok = True
                except (OSError, ftplib.Error, EOFError) as e:
                    if self.ftp_ok is not False:
                        self.log("FTP %s:%d: %s (will retry)" % (self.a.ftp_host, self.a.ftp_port, e))
                    self.ftp_ok = False
                    self.mis.last_snapshot_error = str(e)
            timeout = self.a.ftp_poll_seconds
            due = self.mis.snapshot_due
            if due is not None:
                timeout = max(0.2, min(timeout, due - time.monotonic()))
            self.mis.changed.wait(timeout)
            self.mis.changed.clear()

    def tick(self):
        mis = self.mis
        now = time.monotonic()
        due = mis.snapshot_due is not None and now >= mis.snapshot_due
        periodic = now - self.last_upload >= self.a.snapshot_seconds
        ftp = self.connect()
        try:
            self.take_bookings(ftp)
            if mis.mode != "down" and (due or periodic):
                self.upload_snapshot(ftp)
            self.prune(ftp)
        finally:
            try:
                ftp.quit()
            except (OSError, ftplib.Error, EOFError):
                ftp.close()

    def upload_snapshot(self, ftp):
        mis = self.mis
        data = mis.snapshot_json()
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")[:-4] + "Z"
        name = "schedule_%s.json" % stamp.replace(".", "")
        self.put(ftp, self.a.schedule_dir, name, data)
        self.last_upload = time.monotonic()
        with mis.lock:
            mis.snapshot_due = None
            mis.snapshots += 1
            mis.last_snapshot = {"file": self.join(self.a.schedule_dir, name), "bytes": len(data),
                                 "at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                 "taken_by_site": len(mis.by_key)}
            mis.last_snapshot_error = None
        self.log("snapshot %s uploaded (%d KB, %d times booked through the site so far)"
            % (self.join(self.a.schedule_dir, name), len(data) // 1024, len(mis.by_key)))

    def take_bookings(self, ftp):
        try:
            names = ftp.nlst(self.a.bookings_dir or ".")
        except ftplib.error_perm:
            return
        for raw in sorted(names):
            name = raw.rsplit("/", 1)[-1]
            if not ready_json(name):
                continue
            booking_id = name[:-5]
            path = self.join(self.a.bookings_dir, name)
            buf = io.BytesIO()
            try:
                ftp.retrbinary("RETR " + path, buf.write)
            except ftplib.error_perm:
                continue
            try:
                payload = json.loads(buf.getvalue().decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                payload = None
            if self.mis.delay:
                self.log("slow mode: answering booking file %s in %g s" % (name, self.mis.delay))
                time.sleep(self.mis.delay)
            if payload is None:
                ok, err = False, "Файл заявки не является JSON"
                self.log("booking file %s is not JSON → refused" % name)
            else:
                ok, err = self.mis.book(payload, "ftp", booking_id=str(payload.get("booking_id") or booking_id))
            answer = {"success": True} if ok else {"success": False, "error": err}
            self.put(ftp, self.a.results_dir, name, json.dumps(answer, ensure_ascii=False).encode("utf-8"))
            self.mkdirs(ftp, self.join(self.a.bookings_dir, "processed"))
            target = self.join(self.join(self.a.bookings_dir, "processed"), name)
            try:
                ftp.delete(target)
            except ftplib.error_perm:
                pass
            ftp.rename(path, target)

    def prune(self, ftp, keep=20):
        """Keeps the newest `keep` of our snapshots in processed/, and the newest 5 not yet
        taken by the site (each is a full snapshot: only the newest matters)."""
        for d, n_keep in ((self.join(self.a.schedule_dir, "processed"), keep), (self.a.schedule_dir, 5)):
            try:
                names = sorted(n.rsplit("/", 1)[-1] for n in ftp.nlst(d or "."))
            except ftplib.error_perm:
                continue
            names = [n for n in names if n.startswith("schedule_") and n.endswith(".json")]
            for n in names[:-n_keep] if len(names) > n_keep else []:
                try:
                    ftp.delete(self.join(d, n))
                except ftplib.error_perm:
                    pass


# ---- serve ---------------------------------------------------------------------------------------


def serve_ftp(a):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer
    import logging
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    os.makedirs(a.serve_ftp, exist_ok=True)
    auth = DummyAuthorizer()
    auth.add_user(a.ftp_user, a.ftp_password, a.serve_ftp, perm="elradfmwMT")
    handler = FTPHandler
    handler.authorizer = auth
    handler.banner = "mis-simulator FTP"
    handler.passive_ports = None
    server = ThreadedFTPServer((a.host, a.ftp_port), handler)
    threading.Thread(target=server.serve_forever, kwargs={"handle_exit": False}, daemon=True).start()
    return server
