#!/usr/bin/env python3
"""pyftpdlib serving one folder read-write for one user, for the tests.

    python3 ftp_peer.py --port PORT --dir ROOT --user USER --password PASSWORD
                        [--tls-cert CERT --tls-key KEY [--tls-optional]
                         [--data-tls-cert CERT --data-tls-key KEY]]
                        [--log FILE]

PORT 0 takes any free port. Once listening it prints "READY <port>" on stdout: the tests read the
port from that line, so no other process can take it between choosing and binding. With a TLS
certificate the server is explicit FTPS, TLS required on the control and data connections;
with --tls-optional it offers AUTH TLS (FEAT lists it) but accepts plain logins and transfers.
--data-tls-cert/--data-tls-key: data connections present this other certificate (a client that
trusts the control connection's CA fails the data connection's handshake), and the server sends
no reply about the failed transfer.
--log FILE: one line appended per login ("login tls|plain USER"), per listing
("MLSD tls|plain PATH", as PROT asked) and per finished transfer ("RETR|STOR tls|plain PATH").
"""

import argparse
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-optional", action="store_true")
    ap.add_argument("--data-tls-cert")
    ap.add_argument("--data-tls-key")
    ap.add_argument("--log")
    args = ap.parse_args()

    authorizer = DummyAuthorizer()
    authorizer.add_user(args.user, args.password, args.dir, perm="elradfmwMT")
    if args.tls_cert:
        from pyftpdlib.handlers import TLS_FTPHandler  # needs pyOpenSSL

        base = TLS_FTPHandler
        base.certfile = args.tls_cert
        base.keyfile = args.tls_key
        base.tls_control_required = not args.tls_optional
        base.tls_data_required = not args.tls_optional
        if args.data_tls_cert:
            from OpenSSL import SSL
            from pyftpdlib.handlers import TLS_DTPHandler

            data_ctx = SSL.Context(TLS_FTPHandler.ssl_protocol)
            data_ctx.use_certificate_chain_file(args.data_tls_cert)
            data_ctx.use_privatekey_file(args.data_tls_key)

            class OtherCertDTPHandler(TLS_DTPHandler):
                def secure_connection(self, ssl_context):
                    super().secure_connection(data_ctx)

                def handle_failed_ssl_handshake(self):
                    # no 522 on the control connection: some servers never answer (pyftpdlib
                    # itself does not when the handshake fails while it sends)
                    self.close()

            base.dtp_handler = OtherCertDTPHandler
    else:
        base = FTPHandler

    def record(*words):
        if args.log:
            with open(args.log, "a", encoding="utf-8") as f:
                f.write(" ".join(words) + "\n")

    def tls(flag):
        return "tls" if flag else "plain"

    class Handler(base):
        def on_login(self, username):
            record("login", tls(getattr(self, "_ssl_established", False)), username)

        def on_file_sent(self, file):
            record("RETR", tls(getattr(self, "_prot", False)), file)

        def on_file_received(self, file):
            record("STOR", tls(getattr(self, "_prot", False)), file)

        def ftp_MLSD(self, path):
            record("MLSD", tls(getattr(self, "_prot", False)), path)
            return super().ftp_MLSD(path)

    Handler.authorizer = authorizer
    server = FTPServer((args.host, args.port), Handler)
    print("READY %d" % server.socket.getsockname()[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
