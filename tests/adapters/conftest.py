"""Fixtures both adapters' tests use."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def closed_url() -> str:
    """An address on loopback where nothing listens: a port bound, then released, so connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
