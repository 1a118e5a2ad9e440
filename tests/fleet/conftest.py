"""A real redis-server for the fleet tests (skipped, saying why, where it is not installed), and the template
database every tenant's emulator is copied from."""

from __future__ import annotations

import pytest

from tests.fleet.fleetutil import RedisServer, template_store


@pytest.fixture(scope="session")
def redis_server():
    try:
        server = RedisServer()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    yield server
    server.close()


@pytest.fixture
def broker(redis_server) -> str:
    redis_server.flush()  # each test its own schedule, queues and locks
    return redis_server.url


@pytest.fixture(scope="session")
def store():
    return template_store()
