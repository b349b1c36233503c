#!/usr/bin/env python3
"""An SMTP server (aiosmtpd) that writes each message it receives into a folder.

    python3 smtp_sink.py --port PORT --dir DIR [--tls-cert CERT --tls-key KEY]
                         [--user USER --password PASSWORD]

PORT 0 takes any free port; once listening it prints "READY <port>" on stdout.

For message N it writes DIR/N.eml (the bytes as received) and DIR/N.json with what Python's
e-mail parser reads from it: {"mail_from", "rcpt_tos", "from", "to", "subject", "body",
"content_type"} — the subject and body decoded (RFC 2047, quoted-printable, base64), so a test
can compare them with the text it sent. The .json appears last and atomically: when it exists,
the message is complete.

--tls-cert/--tls-key offer STARTTLS (and require it before AUTH). --user/--password require
AUTH PLAIN/LOGIN with exactly these credentials before MAIL.
"""

import argparse
import email
import email.policy
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

COUNTER = {"n": 0}
LOCK = threading.Lock()


class Sink:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        with LOCK:
            COUNTER["n"] += 1
            n = COUNTER["n"]
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        info = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "body": msg.get_content() if not msg.is_multipart() else None,
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
        }
        base = os.path.join(self.folder, str(n))
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(info, f, ensure_ascii=False)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


class SinkController(Controller):
    """A controller that may bind port 0: it wakes the server on the port it really got."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode("utf-8")
        self.password = password.encode("utf-8")

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()

    kwargs = {}
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = True
    if args.user:
        kwargs["authenticator"] = Authenticator(args.user, args.password or "")
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = bool(args.tls_cert)

    os.makedirs(args.dir, exist_ok=True)
    controller = SinkController(Sink(args.dir), hostname=args.host, port=args.port, **kwargs)
    controller.start()
    print("READY %d" % controller.port, flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
