#!/usr/bin/env python3
"""An MIS simulator: plays the clinic's medical information system for a priem site.

It owns a schedule in ProDoctorov's format (docs/mis-exchange.md §1.1 in the shared docs):
generated with tools/gen_schedule.py's functions, or loaded from a JSON file. Then it

  * accepts direct bookings over HTTP (§2.1): a JSON POST to any path (e.g. /book), with HTTP
    Basic authentication when --user is set (401 otherwise). It answers {"success": true}, or
    {"success": false, "error": "<причина по-русски>"} for a time that is not a cell of the
    schedule, is already taken, is in the past, or for an unknown filial or doctor. The same
    booking sent again (a retry after a timeout) is answered "success" again, not refused;
  * accepts bookings over the FTP drop (§2.2.2): polls <bookings dir> on the FTP server for
    <id>.json, answers each with <results dir>/<id>.json (written as .<id>.json.tmp, then
    renamed), and moves the booking file into <bookings dir>/processed/;
  * uploads the next schedule snapshot into <schedule dir> on the FTP server
    (schedule_<UTC time>.json, written under a .tmp name and renamed) every --snapshot-seconds
    and a few seconds after each booking, booked times marked "free": false — so the site
    imports its own bookings back;
  * can be put down (the booking port stops listening: connection refused; no FTP work),
    slowed down (each answer delayed N seconds) or made to refuse everything, and back up,
    through a control HTTP port — or with this script's `ctl` subcommand.

Phone numbers never appear whole in the log (7900***4567).

Subcommands:

  generate   write a generated schedule document (for the site's cards, or --schedule)
  serve      run the simulator
  ctl        talk to a running simulator's control port

Examples:

  # a schedule of 3 filials, 15 doctors, 14 days from today
  tools/mis_simulator.py generate --filials 3 --doctors 15 --seed 7 -o schedule.json

  # bookings over HTTP on :8091 (Basic site:secret), snapshots to an FTP server every minute
  tools/mis_simulator.py serve --schedule schedule.json --zones 3=Asia/Yekaterinburg \\
      --http-port 8091 --user site --password secret \\
      --ftp-host 127.0.0.1 --ftp-port 2121 --ftp-user mis --ftp-password mis-secret

  # the same with an FTP server of its own (pyftpdlib) serving ./ftp-root
  tools/mis_simulator.py serve --serve-ftp ./ftp-root --ftp-port 2121 ...

  tools/mis_simulator.py ctl down          # connection refused until `ctl up`
  tools/mis_simulator.py ctl slow 15       # answer after 15 s (the site gives up after 10 s)
  tools/mis_simulator.py ctl refuse "Врач заболел"   # refuse every booking with this reason
  tools/mis_simulator.py ctl up            # back to normal
  tools/mis_simulator.py ctl status        # mode, counts, last snapshot
  tools/mis_simulator.py ctl bookings      # what it received (JSON)
  tools/mis_simulator.py ctl snapshot      # upload a snapshot now
  tools/mis_simulator.py ctl take 1 0003 2026-12-01 09:00   # a booking made at the reception

The control API (also for automated tests), on --control-port: GET /status, GET /bookings,
GET /schedule, POST /down, POST /up, POST /slow/<seconds>, POST /refuse?reason=…,
POST /snapshot, POST /take (JSON {"filial_id", "doctor_id", "dt", "time_start"}).
`ctl` finds the port from --control, $PRIEM_MIS_CONTROL, demo/.run/env, or 127.0.0.1:8092.

Needs Python 3.9+ (zoneinfo; the system's tz database) and, for FTP, only the standard
library's ftplib (pyftpdlib only for --serve-ftp).
"""

import argparse
import base64
import datetime as dt
import importlib.util
import json
import os
import random
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mis_ftp import FtpWorker, serve_ftp  # noqa: E402  (the FTP side, beside this file)

DEFAULT_CONTROL = "http://127.0.0.1:8092"


# ---- logging -------------------------------------------------------------------------------

LOG_LOCK = threading.Lock()


def log(msg):
    with LOG_LOCK:
        print("%s [mis] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def mask_phone(phone):
    """7900***4567: the first four and the last four digits."""
    s = str(phone or "")
    digits = re.sub(r"\D", "", s)
    if len(digits) < 9:
        return "***"
    return digits[:4] + "***" + digits[-4:]


# ---- the schedule --------------------------------------------------------------------------

def load_gen_schedule():
    spec = importlib.util.spec_from_file_location("gen_schedule", os.path.join(HERE, "gen_schedule.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def generate(filials=3, doctors=15, days=14, start=None, seed=7, busy=0.3, specialties=None,
             filial_names=None):
    """A ProDoctorov document (dict) made with gen_schedule's doctors and cells. `specialties`
    (a list) replaces the generator's, one per doctor in turn so every one of them appears."""
    g = load_gen_schedule()
    a = argparse.Namespace(filials=filials, doctors=doctors, days=days,
                           start=start or dt.date.today(), seed=seed, busy=busy, change=0.0,
                           variant="plain", defects=0, messy=False, zones="", output="-")
    rng = random.Random(seed)
    flip = random.Random(seed * 7919 + 17)
    doc_list = g.make_doctors(rng, a)
    for i, d in enumerate(doc_list):     # even filials (the generator makes the first ones bigger)
        d["filial"] = i * filials // max(1, doctors)
    day_list = []
    for i in range(days):
        d = a.start + dt.timedelta(days=i)
        day_list.append((d.isoformat(), d.weekday()))
    spec_rng = random.Random(seed + 1)
    order = list(specialties or [])
    spec_rng.shuffle(order)
    doc = {}
    for f in range(filials):
        name = filial_names[f] if filial_names and f < len(filial_names) else g.filial_name(f)
        doc[str(f + 1)] = name
    data = {str(f + 1): {} for f in range(filials)}
    counter = [0]
    for i, d in enumerate(doc_list):
        cells = [json.loads(c) for c in g.doctor_cells(rng, flip, d, a, day_list, counter)]
        if order:
            espec = order[i % len(order)]
        else:
            espec = d["espec"] if d["espec"] is not None else ""
            espec = ", ".join(x.strip() for x in re.split(r"[,;]", espec) if x.strip())
        data[str(d["filial"] + 1)][d["code"]] = {"efio": d["name"], "espec": espec, "cells": cells}
    doc["data"] = data
    return doc


def normalize(doc):
    """Accepts the {"schedule": …} wrapper and the array form; returns one plain document."""
    if isinstance(doc, dict) and "schedule" in doc and "data" not in doc:
        doc = doc["schedule"]
    if isinstance(doc, list):
        out = {"data": {}}
        for d in doc:
            d = normalize(d)
            for k, v in d.items():
                if k == "data":
                    for f, docs in v.items():
                        out["data"].setdefault(f, {}).update(docs)
                else:
                    out[k] = v
        return out
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise ValueError("not a ProDoctorov schedule document (no \"data\" object)")
    return doc


def hm(s):
    """'9:00' / '09:00' / '09:00:00' → '09:00'."""
    parts = str(s).split(":")
    return "%02d:%02d" % (int(parts[0]), int(parts[1]))


# ---- the simulator's state -----------------------------------------------------------------

class Mis:
    def __init__(self, args, doc):
        self.args = args
        self.lock = threading.RLock()
        self.doc = doc
        self.zones = {}
        for pair in filter(None, (x.strip() for x in (args.zones or "").split(","))):
            code, zone = pair.split("=", 1)
            self.zones[code.strip()] = ZoneInfo(zone.strip())
        self.default_zone = ZoneInfo("Europe/Moscow")
        self.bookings = []          # what it received, newest last
        self.by_key = {}            # (filial, doctor, dt, time_start) → booking record
        self.mode = "up"            # up | down
        self.delay = 0.0
        self.refuse_reason = None
        self.snapshots = 0
        self.last_snapshot = None
        self.last_snapshot_error = None
        self.snapshot_due = None    # monotonic time of the next forced snapshot
        self.changed = threading.Event()
        self.index()

    def index(self):
        self.cells = {}
        for f, doctors in self.doc["data"].items():
            for d, info in doctors.items():
                for c in info.get("cells") or []:
                    try:
                        self.cells[(f, d, c["dt"], hm(c["time_start"]))] = c
                    except (KeyError, ValueError, IndexError):
                        continue

    def zone(self, filial):
        return self.zones.get(filial, self.default_zone)

    # -- persistence --
    def save(self):
        if not self.args.state:
            return
        tmp = self.args.state + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"schedule": self.doc, "bookings": self.bookings}, f, ensure_ascii=False)
        os.replace(tmp, self.args.state)

    def restore(self, state):
        self.bookings = state.get("bookings", [])
        for b in self.bookings:
            if b.get("success") and b.get("key"):
                self.by_key[tuple(b["key"])] = b

    # -- bookings --
    def book(self, payload, via, booking_id=None):
        """Decides one §2.1 booking; returns (success, error or None)."""
        with self.lock:
            ok, err, key = self.decide(payload, booking_id)
            repeat = bool(ok and key and key in self.by_key)
            rec = {
                "received_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "via": via,
                "booking_id": booking_id,
                "payload": payload,
                "phone_masked": mask_phone(payload.get("phone")) if isinstance(payload, dict) else "",
                "success": ok,
                "error": err,
                "key": list(key) if key else None,
                "repeat": repeat,
            }
            self.bookings.append(rec)
            if ok and key and key not in self.by_key:
                self.by_key[key] = rec
                self.cells[key]["free"] = False
                self.snapshot_due = time.monotonic() + self.args.after_booking_seconds
                self.changed.set()
            self.save()
        who = ""
        if isinstance(payload, dict):
            who = "%s/%s %s %s" % (payload.get("filial_id"), payload.get("doctor_id"),
                                   (key[2] + " " + key[3]) if key else payload.get("dt_start"),
                                   mask_phone(payload.get("phone")))
        log("booking via %s%s: %s → %s" % (via, " #" + booking_id if booking_id else "", who,
                                          ("ПРИНЯТА (повтор той же записи)" if repeat else "ПРИНЯТА")
                                          if ok else "ОТКАЗ: " + err))
        return ok, err

    def decide(self, p, booking_id=None):
        if not isinstance(p, dict):
            return False, "Запрос не является JSON-объектом", None
        if self.refuse_reason:
            return False, self.refuse_reason, None
        for field in ("dt_start", "dt_end", "filial_id", "doctor_id", "name", "phone"):
            if not isinstance(p.get(field), str) or not p.get(field).strip():
                return False, "Не заполнено поле %s" % field, None
        filial, doctor = p["filial_id"], p["doctor_id"]
        if filial not in self.doc["data"]:
            return False, "Филиал с кодом %s не найден" % filial, None
        if doctor not in self.doc["data"][filial]:
            return False, "Врач с кодом %s не работает в этом филиале" % doctor, None
        if not re.fullmatch(r"7\d{10}", p["phone"]):
            return False, "Некорректный номер телефона", None
        try:
            start = dt.datetime.strptime(p["dt_start"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
            end = dt.datetime.strptime(p["dt_end"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        except ValueError:
            return False, "Время должно быть в UTC, например 2026-12-01T06:00:00Z", None
        zone = self.zone(filial)
        ls, le = start.astimezone(zone), end.astimezone(zone)
        key = (filial, doctor, ls.strftime("%Y-%m-%d"), ls.strftime("%H:%M"))
        cell = self.cells.get(key)
        if cell is None or hm(cell["time_end"]) != le.strftime("%H:%M"):
            return False, "Такого времени нет в расписании врача (%s %s)" % (key[2], key[3]), None
        prior = self.by_key.get(key)
        if prior is not None:
            same = prior["payload"].get("phone") == p.get("phone") and \
                prior["payload"].get("name") == p.get("name")
            if same and (booking_id is None or prior.get("booking_id") in (None, booking_id)):
                return True, None, key          # the same booking again: a retry
            return False, "Время уже занято", None
        if cell.get("free") is not True:
            return False, "Время уже занято", None
        if start <= dt.datetime.now(dt.timezone.utc):
            return False, "Это время уже прошло", None
        return True, None, key

    def take(self, filial, doctor, day, time_start):
        with self.lock:
            key = (filial, doctor, day, hm(time_start))
            cell = self.cells.get(key)
            if cell is None:
                return False, "нет такой ячейки"
            cell["free"] = False
            self.snapshot_due = time.monotonic() + self.args.after_booking_seconds
            self.changed.set()
            self.save()
        log("reception booked %s/%s %s %s (marked taken)" % key)
        return True, None

    # -- snapshots --
    def snapshot_json(self):
        with self.lock:
            keep_from = (dt.date.today() - dt.timedelta(days=1)).isoformat()
            out = {k: v for k, v in self.doc.items() if k != "data"}
            data = {}
            for f, doctors in self.doc["data"].items():
                data[f] = {}
                for d, info in doctors.items():
                    copy = {k: v for k, v in info.items() if k != "cells"}
                    copy["cells"] = [c for c in info.get("cells") or [] if c.get("dt", "") >= keep_from]
                    data[f][d] = copy
            out["data"] = data
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def status(self):
        with self.lock:
            return {
                "mode": self.mode if self.mode == "down" else ("refuse" if self.refuse_reason else
                                                             ("slow" if self.delay else "up")),
                "delay_seconds": self.delay,
                "refuse_reason": self.refuse_reason,
                "bookings_received": len(self.bookings),
                "bookings_accepted": sum(1 for b in self.bookings if b["success"]),
                "snapshots_uploaded": self.snapshots,
                "last_snapshot": self.last_snapshot,
                "last_snapshot_error": self.last_snapshot_error,
                "http_port": self.args.http_port,
                "ftp": bool(self.args.ftp_host),
            }


# ---- HTTP: the booking endpoint --------------------------------------------------------------

class BookingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mis-simulator/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, obj, extra=None, head=False):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def authorized(self):
        mis = self.server.mis
        if not mis.args.user:
            return True
        token = base64.b64encode(("%s:%s" % (mis.args.user, mis.args.password or "")).encode("utf-8")).decode()
        return self.headers.get("Authorization", "") == "Basic " + token

    def refuse_auth(self, head=False):
        log("%s %s: wrong or missing Basic credentials → 401" % (self.command, self.path))
        self.send(401, {"success": False, "error": "Неверный логин или пароль"},
                  {"WWW-Authenticate": 'Basic realm="MIS"'}, head=head)

    def do_HEAD(self):
        if not self.authorized():
            return self.refuse_auth(head=True)
        self.send(200, {"mis": "simulator"}, head=True)

    def do_GET(self):
        if not self.authorized():
            return self.refuse_auth()
        self.send(200, {"mis": "simulator", "hint": "POST a §2.1 booking JSON here"})

    def do_POST(self):
        mis = self.server.mis
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self.authorized():
            return self.refuse_auth()
        if mis.delay:
            log("slow mode: answering in %g s" % mis.delay)
            time.sleep(mis.delay)
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            log("POST %s: the body is not JSON → 400" % self.path)
            return self.send(400, {"success": False, "error": "Тело запроса не является JSON"})
        ok, err = mis.book(payload, "http")
        try:
            self.send(200, {"success": True} if ok else {"success": False, "error": err})
        except (BrokenPipeError, ConnectionResetError):
            log("the site hung up before the answer (it will retry with the same booking)")


class BookingServer:
    """The booking port; `down` closes the listening socket (connection refused)."""

    def __init__(self, mis):
        self.mis = mis
        self.httpd = None
        self.thread = None

    def start(self):
        httpd = ThreadingHTTPServer((self.mis.args.host, self.mis.args.http_port), BookingHandler)
        httpd.daemon_threads = True
        httpd.mis = self.mis
        self.httpd = httpd
        self.thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


# ---- HTTP: the control port --------------------------------------------------------------------

class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mis-simulator-control/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, obj):
        body = json.dumps(obj, ensure_ascii=False, indent=1).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        sim = self.server.sim
        mis = sim.mis
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        parts = [p for p in url.path.split("/") if p]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        cmd = parts[0] if parts else "status"
        if cmd == "status":
            return self.send(200, mis.status())
        if cmd == "bookings":
            with mis.lock:
                return self.send(200, list(mis.bookings))
        if cmd == "schedule":
            self.send_response(200)
            data = mis.snapshot_json()
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if self.command != "POST" and cmd not in ("up", "down", "slow", "refuse", "snapshot"):
            return self.send(404, {"error": "unknown command " + cmd})
        if cmd == "down":
            sim.set_down(True)
        elif cmd == "up":
            sim.set_down(False)
            with mis.lock:
                mis.delay = 0.0
                mis.refuse_reason = None
            log("back to normal")
        elif cmd == "slow":
            seconds = parts[1] if len(parts) > 1 else q.get("seconds", ["15"])[0]
            try:
                mis.delay = max(0.0, float(seconds))
            except ValueError:
                return self.send(400, {"error": "slow/<seconds>"})
            log("slow: every answer delayed %g s" % mis.delay)
        elif cmd == "refuse":
            reason = q.get("reason", [None])[0] or (body.decode("utf-8").strip() if body else "") \
                or "Запись на это время недоступна"
            mis.refuse_reason = reason
            log("refusing every booking: %s" % reason)
        elif cmd == "snapshot":
            mis.snapshot_due = time.monotonic()
            mis.changed.set()
        elif cmd == "take":
            try:
                p = json.loads(body.decode("utf-8") or "{}")
                ok, err = mis.take(p["filial_id"], p["doctor_id"], p["dt"], p["time_start"])
            except (ValueError, KeyError) as e:
                return self.send(400, {"error": "take needs JSON filial_id, doctor_id, dt, time_start: %s" % e})
            if not ok:
                return self.send(404, {"error": err})
        else:
            return self.send(404, {"error": "unknown command " + cmd})
        return self.send(200, mis.status())


class Simulator:
    def __init__(self, mis):
        self.mis = mis
        self.booking = BookingServer(mis)
        self.control = None
        self.ftp = None
        self.ftpd = None

    def set_down(self, down):
        mis = self.mis
        with mis.lock:
            if down and mis.mode != "down":
                self.booking.stop()
                mis.mode = "down"
                log("DOWN: port %d refuses connections, no FTP work" % mis.args.http_port)
            elif not down and mis.mode == "down":
                self.booking.start()
                mis.mode = "up"
                mis.changed.set()
                log("UP: listening on %s:%d again" % (mis.args.host, mis.args.http_port))


def cmd_serve(a):
    doc = None
    state = None
    if a.state and os.path.exists(a.state) and not a.fresh:
        with open(a.state, encoding="utf-8") as f:
            state = json.load(f)
        doc = normalize(state["schedule"])
        log("state restored from %s" % a.state)
    elif a.schedule:
        with open(a.schedule, encoding="utf-8") as f:
            doc = normalize(json.load(f))
    else:
        doc = generate(a.filials, a.doctors, a.days, None, a.seed, a.busy,
                       [s.strip() for s in a.specialties.split(",")] if a.specialties else None)
    mis = Mis(a, doc)
    if state:
        mis.restore(state)
    mis.save()
    ncells = len(mis.cells)
    nfree = sum(1 for c in mis.cells.values() if c.get("free") is True)
    ndoc = sum(len(v) for v in doc["data"].values())
    log("schedule: %d filials, %d doctors, %d cells (%d free)" % (len(doc["data"]), ndoc, ncells, nfree))

    sim = Simulator(mis)
    if a.serve_ftp:
        if not a.ftp_host:
            a.ftp_host = a.host
        sim.ftpd = serve_ftp(a)
        log("FTP server on %s:%d serving %s (user %s)" % (a.host, a.ftp_port, a.serve_ftp, a.ftp_user))
    sim.booking.start()
    log("bookings: POST http://%s:%d/book%s" % (a.host, a.http_port,
                                                " (Basic auth, user %s)" % a.user if a.user else ""))
    control = ThreadingHTTPServer((a.host, a.control_port), ControlHandler)
    control.daemon_threads = True
    control.sim = sim
    threading.Thread(target=control.serve_forever, daemon=True).start()
    log("control: http://%s:%d/status (tools/mis_simulator.py ctl …)" % (a.host, a.control_port))
    if a.ftp_host:
        sim.ftp = FtpWorker(mis, log)
        threading.Thread(target=sim.ftp.run, daemon=True).start()
        log("FTP: snapshots to %s/ every %g s, bookings from %s/, answers to %s/"
            % (a.schedule_dir or ".", a.snapshot_seconds, a.bookings_dir, a.results_dir))
    else:
        log("no --ftp-host: no snapshots, no FTP drop")
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write("ready\n")

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(1):
        pass
    if sim.ftp:
        sim.ftp.stop.set()
        mis.changed.set()
    sim.booking.stop()
    control.shutdown()
    if sim.ftpd:
        sim.ftpd.close_all()
    log("stopped")
    return 0


# ---- generate --------------------------------------------------------------------------------------

def cmd_generate(a):
    names = [n.strip() for n in a.filial_names.split("|")] if a.filial_names else None
    specs = [s.strip() for s in a.specialties.split(",")] if a.specialties else None
    doc = generate(a.filials, a.doctors, a.days, a.start, a.seed, a.busy, specs, names)
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if a.output == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(a.output, "wb") as f:
            f.write(data)
    cells = sum(len(d["cells"]) for f in doc["data"].values() for d in f.values())
    print("mis_simulator generate: %d filials, %d doctors, %d cells, %d bytes"
          % (a.filials, a.doctors, cells, len(data)), file=sys.stderr)
    return 0


# ---- ctl ---------------------------------------------------------------------------------------------

def control_url(given):
    if given:
        return given.rstrip("/")
    if os.environ.get("PRIEM_MIS_CONTROL"):
        return os.environ["PRIEM_MIS_CONTROL"].rstrip("/")
    env = os.path.join(os.path.dirname(HERE), "demo", ".run", "env")
    if os.path.exists(env):
        with open(env, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"(?:export\s+)?PRIEM_MIS_CONTROL=['\"]?([^'\"\s]+)", line.strip())
                if m:
                    return m.group(1).rstrip("/")
    return DEFAULT_CONTROL


def cmd_ctl(a):
    base = control_url(a.control)
    what = a.what
    method, path, body = "POST", "/" + what, None
    if what in ("status", "bookings", "schedule"):
        method = "GET"
    elif what == "slow":
        path = "/slow/%s" % (a.args[0] if a.args else "15")
    elif what == "refuse":
        path = "/refuse?" + urllib.parse.urlencode({"reason": " ".join(a.args) or "Запись на это время недоступна"})
    elif what == "take":
        if len(a.args) != 4:
            print("ctl take FILIAL DOCTOR YYYY-MM-DD HH:MM", file=sys.stderr)
            return 2
        body = json.dumps(dict(zip(("filial_id", "doctor_id", "dt", "time_start"), a.args))).encode()
    req = urllib.request.Request(base + path, data=body if method == "POST" else None, method=method)
    if method == "POST" and body is None:
        req.data = b""
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            sys.stdout.write(r.read().decode("utf-8") + "\n")
            return 0
    except urllib.error.HTTPError as e:
        sys.stderr.write("%s: HTTP %d %s\n" % (base + path, e.code, e.read().decode("utf-8", "replace")))
        return 1
    except (urllib.error.URLError, OSError) as e:
        sys.stderr.write("cannot reach the simulator's control port at %s: %s\n" % (base, e))
        return 1


# ---- arguments -------------------------------------------------------------------------------------

def add_schedule_options(p):
    p.add_argument("--filials", type=int, default=3, help="generated: filials")
    p.add_argument("--doctors", type=int, default=15, help="generated: doctors in total")
    p.add_argument("--days", type=int, default=14, help="generated: days from today")
    p.add_argument("--seed", type=int, default=7, help="generated: random seed")
    p.add_argument("--busy", type=float, default=0.3, help="generated: fraction of taken cells")
    p.add_argument("--specialties", default="",
                   help="generated: comma-separated specialties, given to the doctors in turn "
                        "(empty: the generator's mix)")


def main(argv=None):
    p = argparse.ArgumentParser(prog="mis_simulator.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("generate", help="write a generated schedule document",
                       description="Write a ProDoctorov schedule made with tools/gen_schedule.py's "
                                   "doctors and cells (plain, readable specialties).",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_schedule_options(g)
    g.add_argument("--start", type=dt.date.fromisoformat, default=None, help="first day (default today)")
    g.add_argument("--filial-names", default="", help="filial names separated by |")
    g.add_argument("-o", "--output", default="-")

    s = sub.add_parser("serve", help="run the simulator",
                       description="Run the MIS: booking endpoint, FTP snapshots and drop, control port.",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    s.add_argument("--schedule", help="the schedule to start from (ProDoctorov JSON); default: generated")
    add_schedule_options(s)
    s.add_argument("--zones", default="",
                   help="filial=IANA zone pairs, e.g. 3=Asia/Yekaterinburg (others: Europe/Moscow); "
                        "needed to match the site's UTC times with the cells")
    s.add_argument("--state", help="keep the schedule and bookings in this JSON file (restored on start)")
    s.add_argument("--fresh", action="store_true", help="ignore an existing --state file")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--http-port", type=int, default=8091, help="the booking endpoint (§2.1)")
    s.add_argument("--user", default="", help="Basic auth user the site must send (empty: none)")
    s.add_argument("--password", default="", help="Basic auth password")
    s.add_argument("--control-port", type=int, default=8092)
    s.add_argument("--ftp-host", default="", help="FTP server for snapshots and the drop (empty: no FTP)")
    s.add_argument("--ftp-port", type=int, default=2121)
    s.add_argument("--ftp-user", default="mis")
    s.add_argument("--ftp-password", default="mis")
    s.add_argument("--serve-ftp", metavar="ROOT", help="also run an FTP server (pyftpdlib) serving ROOT")
    s.add_argument("--schedule-dir", default="schedule", help="where snapshots go (the site's FTP directory)")
    s.add_argument("--bookings-dir", default="bookings", help="where the site drops bookings")
    s.add_argument("--results-dir", default="results", help="where the answers go")
    s.add_argument("--snapshot-seconds", type=float, default=60.0, help="snapshot period")
    s.add_argument("--after-booking-seconds", type=float, default=3.0,
                   help="a snapshot this long after each accepted booking")
    s.add_argument("--ftp-poll-seconds", type=float, default=5.0, help="how often the drop is polled")
    s.add_argument("--ready-file", help="written once everything listens")

    c = sub.add_parser("ctl", help="control a running simulator",
                       description="down | up | slow SECONDS | refuse [REASON] | status | bookings | "
                                   "schedule | snapshot | take FILIAL DOCTOR DATE HH:MM")
    c.add_argument("what", choices=["down", "up", "slow", "refuse", "status", "bookings", "schedule",
                                    "snapshot", "take"])
    c.add_argument("args", nargs="*")
    c.add_argument("--control", help="control URL (default: $PRIEM_MIS_CONTROL, demo/.run/env, %s)" % DEFAULT_CONTROL)

    a = p.parse_args(argv)
    if a.cmd == "generate":
        return cmd_generate(a)
    if a.cmd == "serve":
        return cmd_serve(a)
    return cmd_ctl(a)


if __name__ == "__main__":
    sys.exit(main())
