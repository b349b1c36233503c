#!/usr/bin/env python3
"""An HTTP server playing ProDoctorov's schedule upload API for the connector tests (stdlib only).

    python3 prodoctorov_peer.py --port PORT --log FILE --login L --password P --token T

PORT 0 takes any free port; once listening it prints "READY <port>" on stdout.

Every POST is checked, then appended to FILE as one JSON line before it is answered:
{"path", "headers", "api": "old"|"v2"|null, "ok": bool, "problem": str|null,
 "login", "document"} — `document` is the §1.1 schedule as received (parsed), `login` the form
login (the password is only compared, never logged). GET /_received returns the records as a JSON
array.

    …/mis/send_cells/            old API: form fields login, password, cells (JSON text of the
                                 document); 401 on a wrong login or password, 400 on a missing
                                 field or a cells text that is not a schedule document
    …/v2/doctors/send_schedule/  v2: Authorization: Token T, body {"schedule": document};
                                 401 on a wrong token, 400 on a bad body
    /refuse/CODE/…               answers CODE with {"error": "refused by test"} after checking
    /sleep/SECONDS/…             sleeps before answering

A valid upload gets 200 {"status": "ok", "cells": <number of cells>}.
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()


def check_document(doc):
    """None when doc has the §1.1 shape, else what is wrong."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        return "no data object"
    for fid, doctors in doc["data"].items():
        if not isinstance(doctors, dict):
            return "filial %s is not an object" % fid
        for did, d in doctors.items():
            if not isinstance(d, dict) or not isinstance(d.get("efio"), str):
                return "doctor %s/%s has no efio" % (fid, did)
            if not isinstance(d.get("cells"), list):
                return "doctor %s/%s has no cells" % (fid, did)
            for c in d["cells"]:
                for k in ("dt", "time_start", "time_end"):
                    if not isinstance(c.get(k), str):
                        return "cell of %s/%s without %s" % (fid, did, k)
                if not isinstance(c.get("free"), bool):
                    return "cell of %s/%s with a non-boolean free" % (fid, did)
    return None


def count_cells(doc):
    return sum(len(d["cells"]) for ds in doc["data"].values() for d in ds.values())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "prodoctorov-peer/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, obj):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def record(self, rec):
        with LOCK:
            with open(self.server.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def do_GET(self):
        if self.path == "/_received":
            with LOCK:
                try:
                    with open(self.server.log_path, encoding="utf-8") as f:
                        records = [json.loads(l) for l in f if l.strip()]
                except FileNotFoundError:
                    records = []
            self.send(200, records)
        else:
            self.send(404, {"error": "no such page"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        refuse = None
        sleep = 0.0
        while len(parts) >= 2 and parts[0] in ("refuse", "sleep"):
            if parts[0] == "refuse":
                refuse = int(parts[1])
            else:
                sleep = float(parts[1])
            parts = parts[2:]
        path = "/" + "/".join(parts) + "/"
        rec = {"path": self.path, "headers": dict(self.headers.items()), "api": None,
               "ok": False, "problem": None, "login": None, "document": None}
        status, answer = 200, None
        if path.endswith("/mis/send_cells/"):
            rec["api"] = "old"
            ctype = self.headers.get("Content-Type", "")
            form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
            field = lambda k: form.get(k, [None])[0]
            rec["login"] = field("login")
            if not ctype.startswith("application/x-www-form-urlencoded"):
                status, rec["problem"] = 400, "content type %s" % ctype
            elif field("login") is None or field("password") is None or field("cells") is None:
                status, rec["problem"] = 400, "missing form field"
            elif field("login") != self.server.login or field("password") != self.server.password:
                status, rec["problem"] = 401, "wrong login or password"
            else:
                try:
                    rec["document"] = json.loads(field("cells"))
                except ValueError:
                    rec["problem"] = "cells is not JSON"
                if rec["problem"] is None:
                    rec["problem"] = check_document(rec["document"])
                if rec["problem"] is not None:
                    status = 400
        elif path.endswith("/v2/doctors/send_schedule/"):
            rec["api"] = "v2"
            if self.headers.get("Authorization") != "Token " + self.server.token:
                status, rec["problem"] = 401, "wrong token"
            else:
                try:
                    body = json.loads(raw.decode("utf-8"))
                    rec["document"] = body.get("schedule") if isinstance(body, dict) else None
                    if not isinstance(body, dict) or set(body.keys()) != {"schedule"}:
                        rec["problem"] = "body is not {\"schedule\": …}"
                except ValueError:
                    rec["problem"] = "body is not JSON"
                if rec["problem"] is None:
                    rec["problem"] = check_document(rec["document"])
                if rec["problem"] is not None:
                    status = 400
        else:
            status, rec["problem"] = 404, "no such API path %s" % path
        rec["ok"] = status == 200 and refuse is None
        self.record(rec)
        if sleep:
            time.sleep(sleep)
        if status != 200:
            self.send(status, {"error": rec["problem"]})
        elif refuse is not None:
            self.send(refuse, {"error": "refused by test"})
        else:
            self.send(200, {"status": "ok", "cells": count_cells(rec["document"])})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--login", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--token", required=True)
    args = ap.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.log_path = args.log
    server.login, server.password, server.token = args.login, args.password, args.token
    print("READY %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
