#!/usr/bin/env python3
"""An HTTP server playing the clinic's MIS for the transport tests (stdlib only).

    python3 mis_peer.py --port PORT --log FILE [--basic USER:PASSWORD]
                        [--tls-cert CERT --tls-key KEY]

PORT 0 takes any free port; once listening it prints "READY <port>" on stdout.

Every request is appended to FILE as one JSON line *before* it is answered (so a request the
client gave up on is recorded too): {"method", "path", "headers", "body_hex"}. GET /_received
returns the same records as a JSON array (and is not recorded itself).

What it answers is chosen by the path, so one server serves every case:

    /success                   200 {"success": true}
    /refuse?reason=TEXT        200 {"success": false, "error": TEXT}
    /garbage                   200 <html>… (not JSON)
    /json?body=TEXT            200 with TEXT as an application/json body (any other service's answer)
    /status/CODE               CODE with a short text body
    /sleep/SECONDS             sleeps, then 200 {"success": true}
    /stall-body/SECONDS        sends headers (Content-Length 17) at once, the body after SECONDS
    /slow-book/SECONDS         books the time (filial_id, doctor_id, dt_start of the body) at once,
                               answers 200 {"success": true} after SECONDS; a time already booked
                               is answered at once 200 {"success": false, "error": "Время уже занято"}
                               (an MIS that books but answers after the site gave up)
    /slow-lose/SECONDS         the same, but the first request books nothing (an MIS that lost it):
                               a repeat of the time is still answered "Время уже занято"
    /v2/CODE                   200 {"status_code": CODE, "claim_id": "C-1"}
    /v2http/CODE               HTTP CODE with an empty body
    /secure/<any of the above> 401 unless the Basic credentials match --basic

HEAD on any path answers the status the path would (no body), after the same auth check.
GET /_booked returns the times /slow-book booked, as [[filial_id, doctor_id, dt_start], …].
"""

import argparse
import base64
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mis-peer/1"

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    # -- recording ---------------------------------------------------------------------------
    def record(self, body):
        rec = {
            "method": self.command,
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items()},
            "body_hex": body.hex(),
        }
        with LOCK:
            with open(self.server.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                f.flush()

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -- answering ---------------------------------------------------------------------------
    def send(self, status, body=b"", content_type="application/json; charset=utf-8", head=False):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)
            self.wfile.flush()

    def authorized(self):
        expected = self.server.basic
        if expected is None:
            return True
        token = base64.b64encode(expected.encode("utf-8")).decode("ascii")
        return self.headers.get("Authorization") == "Basic " + token

    def slow(self, arg, head, body, keep):
        try:
            req = json.loads(body.decode("utf-8"))
            key = (str(req["filial_id"]), str(req["doctor_id"]), str(req["dt_start"]))
        except (ValueError, KeyError, TypeError):
            self.send(400, "not a booking", "text/plain", head=head)
            return
        with LOCK:
            taken = key in self.server.seen
            self.server.seen.add(key)
            if keep and not taken:
                self.server.booked.append(list(key))
        if taken:
            answer = {"success": False, "error": "Время уже занято"}
            self.send(200, json.dumps(answer, ensure_ascii=False), head=head)
            return
        time.sleep(float(arg))
        self.send(200, json.dumps({"success": True}), head=head)

    def route(self, head, body=b""):
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        if parts and parts[0] == "secure":
            parts = parts[1:]
            if not self.authorized():
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="mis"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        kind = parts[0] if parts else ""
        arg = parts[1] if len(parts) > 1 else ""
        if kind == "success":
            self.send(200, json.dumps({"success": True}), head=head)
        elif kind == "refuse":
            reason = query.get("reason", ["Время занято"])[0]
            self.send(200, json.dumps({"success": False, "error": reason}, ensure_ascii=False), head=head)
        elif kind == "json":
            self.send(200, query.get("body", [""])[0], head=head)
        elif kind == "garbage":
            self.send(200, "<html><body>Bad Gateway</body></html>", "text/html", head=head)
        elif kind == "status":
            code = int(arg)
            self.send(code, "status %d" % code, "text/plain", head=head)
        elif kind == "sleep":
            time.sleep(float(arg))
            self.send(200, json.dumps({"success": True}), head=head)
        elif kind == "stall-body":
            body = b'{"success": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            time.sleep(float(arg))
            if not head:
                self.wfile.write(body)
        elif kind in ("slow-book", "slow-lose"):
            self.slow(arg, head, body, keep=kind == "slow-book")
        elif kind == "v2":
            self.send(200, json.dumps({"status_code": int(arg), "claim_id": "C-1"}), head=head)
        elif kind == "v2http":
            self.send(int(arg), b"", head=head)
        else:
            self.send(404, "no such mode", "text/plain", head=head)

    def do_POST(self):
        body = self.read_body()
        self.record(body)
        self.route(head=False, body=body)

    def do_HEAD(self):
        self.record(b"")
        self.route(head=True)

    def do_GET(self):
        if self.path == "/_received":
            with LOCK:
                try:
                    with open(self.server.log_path, encoding="utf-8") as f:
                        records = [json.loads(line) for line in f if line.strip()]
                except FileNotFoundError:
                    records = []
            self.send(200, json.dumps(records, ensure_ascii=False))
            return
        if self.path == "/_booked":
            with LOCK:
                booked = list(self.server.booked)
            self.send(200, json.dumps(booked, ensure_ascii=False))
            return
        self.record(b"")
        self.route(head=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--basic", help="USER:PASSWORD required on /secure/…")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.log_path = args.log
    server.basic = args.basic
    server.seen = set()  # times /slow-book and /slow-lose were asked for
    server.booked = []  # times /slow-book booked
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("READY %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
