#!/usr/bin/env python3
"""An SMTP server (aiosmtpd) that writes each message it receives into a folder.

    python3 smtp_sink.py --port PORT --dir DIR [--tls-cert CERT --tls-key KEY
                         [--tls-optional | --starttls-refuse]] [--user USER --password PASSWORD]

PORT 0 takes any free port; once listening it prints "READY <port>" on stdout.

For message N it writes DIR/N.eml (the bytes as received) and DIR/N.json with what Python's
e-mail parser reads from it: {"mail_from", "rcpt_tos", "from", "to", "subject", "body",
"content_type", "tls"} — "tls" whether the session that carried it was encrypted (STARTTLS), the
subject and body decoded (RFC 2047, quoted-printable, base64), so a test
can compare them with the text it sent. The .json appears last and atomically: when it exists,
the message is complete.

--tls-cert/--tls-key offer STARTTLS and require it before MAIL (and before AUTH);
--tls-optional offers it without requiring it (a relay on port 25 that accepts plain text too);
--starttls-refuse offers it and answers STARTTLS "454 TLS not available", plain text accepted.
--user/--password require AUTH PLAIN/LOGIN with exactly these credentials before MAIL.
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
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, syntax

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
            "tls": session.ssl is not None,
        }
        base = os.path.join(self.folder, str(n))
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(info, f, ensure_ascii=False)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


class RefusingSMTP(SMTP):
    """Offers STARTTLS in EHLO, then refuses it (a relay whose TLS is broken)."""

    @syntax("STARTTLS", when="tls_context")
    async def smtp_STARTTLS(self, arg):
        await self.push("454 4.7.0 TLS not available due to temporary reason")


class SinkController(Controller):
    """A controller that may bind port 0: it wakes the server on the port it really got."""

    smtp_class = SMTP

    def factory(self):
        return self.smtp_class(self.handler, **self.SMTP_kwargs)

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
    ap.add_argument("--tls-optional", action="store_true")
    ap.add_argument("--starttls-refuse", action="store_true")
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()

    kwargs = {}
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = not (args.tls_optional or args.starttls_refuse)
    if args.user:
        kwargs["authenticator"] = Authenticator(args.user, args.password or "")
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = bool(args.tls_cert) and not (
            args.tls_optional or args.starttls_refuse
        )

    os.makedirs(args.dir, exist_ok=True)
    controller = SinkController(Sink(args.dir), hostname=args.host, port=args.port, **kwargs)
    if args.starttls_refuse:
        controller.smtp_class = RefusingSMTP
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
