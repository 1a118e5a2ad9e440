"""A threaded HTTP server on loopback, serving from a daemon thread: what the emulators (and the tests' proxies)
run on. Port 0 by default, so a test never collides with another; TLS when given a certificate chain."""

from __future__ import annotations

import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that went away (killed, timed out) is no server error: nothing to print."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LoopbackServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler], *, host: str = "127.0.0.1", port: int = 0,
                 name: str = "loopback", tls: tuple[str, str] | None = None):
        self.handler, self.host, self.port, self.name, self.tls = handler, host, port, name, tls
        self._server: _Server | None = None
        self.url = ""

    def start(self) -> str:
        """Listen and serve; the URL (`http://127.0.0.1:PORT`, https with `tls`)."""
        self._server = _Server((self.host, self.port), self.handler)
        scheme = "http"
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
            self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name,
                         daemon=True).start()
        self.url = f"{scheme}://{self.host}:{self.port}"
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
