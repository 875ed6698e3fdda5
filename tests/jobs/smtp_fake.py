"""A tiny SMTP server for tests (Python 3.12 drops smtpd; aiosmtpd would be a dependency for one test):
enough of RFC 5321 for smtplib — EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT — with no TLS and no auth."""
from __future__ import annotations

import email
import email.policy
import socket
import threading


class FakeSMTP:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket):
        f = conn.makefile("rb")

        def say(line: str):
            conn.sendall(line.encode() + b"\r\n")

        try:
            say("220 fake ESMTP")
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.decode(errors="replace").strip().upper()
                if cmd.startswith("EHLO"):
                    conn.sendall(b"250-fake\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                elif cmd.startswith(("HELO", "MAIL", "RCPT", "RSET", "NOOP")):
                    say("250 OK")
                elif cmd == "DATA":
                    say("354 go ahead")
                    data = []
                    while True:
                        chunk = f.readline()
                        if chunk in (b".\r\n", b".\n", b""):
                            break
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    self.messages.append(email.message_from_bytes(b"".join(data), policy=email.policy.default))
                    say("250 queued")
                elif cmd == "QUIT":
                    say("221 bye")
                    return
                else:
                    say("502 not implemented")
        finally:
            f.close()
            conn.close()

    def close(self):
        self._stop = True
        self.sock.close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
