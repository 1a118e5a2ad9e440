"""Servers in front of the emulators: a forwarding proxy that can answer a chosen request with a 500 (or a
Fault) echoing the request it received, headers and body, as some misconfigured gateways do; the same proxy
over HTTPS with a self-signed certificate; and a port where nothing listens."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import socket
import subprocess
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import requests

from adapters.loopback import LoopbackServer

# (method, path, raw request) -> (status, content type, body) to answer instead of forwarding, or None.
Echo = Callable[[str, str, bytes], "tuple[int, str, bytes] | None"]


def raw_request(handler: BaseHTTPRequestHandler, body: bytes) -> bytes:
    return (handler.requestline + "\r\n" + str(handler.headers)).encode("latin-1") + body


def odoo_echo_500(method: str, path: str, raw: bytes) -> tuple[int, str, bytes] | None:
    """JSON-2 calls answered 500 with Odoo's error shape whose message is the whole request (and a base64
    copy in `debug`, as a tracing gateway would add)."""
    if not path.startswith("/json/2/"):
        return None
    text = raw.decode("latin-1")
    body = {"name": "werkzeug.exceptions.InternalServerError", "message": f"upstream failed on request:\n{text}",
            "arguments": [text], "context": {}, "debug": base64.b64encode(raw).decode()}
    return 500, "application/json", json.dumps(body).encode()


def xmlrpc_echo_500(method: str, path: str, raw: bytes) -> tuple[int, str, bytes] | None:
    if not path.startswith("/xmlrpc/2/object"):
        return None
    return 500, "text/html", b"<h1>Internal Server Error</h1><pre>" + raw + b"</pre>" + base64.b64encode(raw)


def qbo_echo_fault(method: str, path: str, raw: bytes) -> tuple[int, str, bytes] | None:
    """API reads answered 400 with an Intuit Fault whose Detail is the whole request (Authorization included)."""
    if "/v3/company/" not in path or method != "GET" or "/companyinfo/" in path or "/preferences" in path:
        return None
    text = raw.decode("latin-1")
    body = {"Fault": {"Error": [{"Message": "Request has invalid or unsupported property",
                                 "Detail": f"echo: {text} b64: {base64.b64encode(raw).decode()}", "code": "2010"}],
                      "type": "ValidationFault"}, "time": "2026-03-02T10:00:00.000-08:00"}
    return 400, "application/json", json.dumps(body).encode()


def token_echo_500(method: str, path: str, raw: bytes) -> tuple[int, str, bytes] | None:
    """Intuit's token endpoint answering 500 with the request (Basic client credentials, refresh token) in it."""
    if "/oauth2/v1/tokens" not in path:
        return None
    return 500, "application/json", json.dumps({"error": raw.decode("latin-1"),
                                                "error_description": base64.b64encode(raw).decode()}).encode()


def token_echo_400(method: str, path: str, raw: bytes) -> tuple[int, str, bytes] | None:
    if "/oauth2/v1/tokens" not in path:
        return None
    return 400, "application/json", json.dumps({"error": raw.decode("latin-1")[-60:],
                                                "error_description": raw.decode("latin-1")}).encode()


class Proxy:
    """Forwards every request to `target` (rewriting `target` into its own address in answers), unless
    `echo` answers it. With `tls=(certfile, keyfile)` it speaks HTTPS."""

    def __init__(self, target: str, echo: Echo | None = None, tls: tuple[str, str] | None = None):
        self.target, self.echo, self.tls = target.rstrip("/"), echo, tls
        self.seen: list[tuple[str, str]] = []
        self.echoed = 0
        self._server: LoopbackServer | None = None
        self.url = ""

    def start(self) -> str:
        proxy = self
        session = requests.Session()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append((self.command, self.path))
                answer = proxy.echo(self.command, self.path.split("?")[0], raw_request(self, body)) if proxy.echo else None
                if answer is not None:
                    proxy.echoed += 1
                    status, ctype, data = answer
                else:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                    resp = session.request(self.command, proxy.target + self.path, data=body, headers=headers,
                                           timeout=60)
                    status, ctype = resp.status_code, resp.headers.get("Content-Type", "application/octet-stream")
                    data = resp.content.replace(proxy.target.encode(), proxy.url.encode())
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

        self._server = LoopbackServer(Handler, name="secrets-proxy", tls=self.tls)
        self.url = self._server.start()
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.stop()
            self._server = None


def closed_port_url(scheme: str = "http") -> str:
    """An address on loopback where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}"


def self_signed_cert(folder: Path) -> tuple[str, str] | None:
    """A self-signed certificate for 127.0.0.1/localhost: with `cryptography` if installed, else the openssl
    command; None when neither is available."""
    cert, key = folder / "server.crt", folder / "server.key"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        x509 = None
    if x509 is not None:
        import ipaddress

        pkey = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relance-test")])
        now = dt.datetime.now(dt.timezone.utc)
        crt = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(pkey.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                           x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                              critical=False)
               .sign(pkey, hashes.SHA256()))
        cert.write_bytes(crt.public_bytes(serialization.Encoding.PEM))
        key.write_bytes(pkey.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        return str(cert), str(key)
    if shutil.which("openssl"):
        done = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                               "-nodes", "-days", "1", "-subj", "/CN=relance-test",
                               "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                               "-keyout", str(key), "-out", str(cert)], capture_output=True, timeout=60)
        if done.returncode == 0:
            return str(cert), str(key)
    return None


class VerifySpy:
    """The `verify` value every HTTP request of this process was sent with, at the transport (HTTPAdapter.send),
    after requests merged the session, the call and the environment (REQUESTS_CA_BUNDLE)."""

    def __init__(self, monkeypatch):
        from requests.adapters import HTTPAdapter

        self.seen: list[tuple[str, object]] = []
        original = HTTPAdapter.send

        def send(adapter, request, *args, **kwargs):
            if request.url.startswith("https:"):
                self.seen.append((request.url.split("?")[0], kwargs.get("verify")))
            return original(adapter, request, *args, **kwargs)

        monkeypatch.setattr(HTTPAdapter, "send", send)
