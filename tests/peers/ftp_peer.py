#!/usr/bin/env python3
"""pyftpdlib serving one folder read-write for one user, for the tests.

    python3 ftp_peer.py --port PORT --dir ROOT --user USER --password PASSWORD
                        [--tls-cert CERT --tls-key KEY]

PORT 0 takes any free port. Once listening it prints "READY <port>" on stdout: the tests read the
port from that line, so no other process can take it between choosing and binding. With a TLS
certificate the server is explicit FTPS, TLS required on the control and data connections.
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
    args = ap.parse_args()

    authorizer = DummyAuthorizer()
    authorizer.add_user(args.user, args.password, args.dir, perm="elradfmwMT")
    if args.tls_cert:
        from pyftpdlib.handlers import TLS_FTPHandler  # needs pyOpenSSL

        handler = TLS_FTPHandler
        handler.certfile = args.tls_cert
        handler.keyfile = args.tls_key
        handler.tls_control_required = True
        handler.tls_data_required = True
    else:
        handler = FTPHandler
    handler.authorizer = authorizer
    server = FTPServer((args.host, args.port), handler)
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
