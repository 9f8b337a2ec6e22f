"""Property-based run over the OpenAPI document (schemathesis): no input makes a server error.

Every operation gets its documented examples plus generated (valid and invalid) requests,
with a token of the role that may call it, so generated bodies reach the services and not
only the authentication check, on SQLite and on PostgreSQL (whose errors differ: a NUL in a
string, a lost race for a sequence number). Bounded: a few examples per operation (fewer on
PostgreSQL, whose round trips cost more), no shrinking.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from schemathesis.python.asgi import shutdown_lifespans

from api_support import Cast, make_cast, postgres_schema
from oretrust.api import ServiceSettings, create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    return make_cast(tmp_path_factory.mktemp("fuzz") / "home")


@pytest.fixture(scope="module")
def app(cast: Cast) -> Iterator[FastAPI]:
    """The app under test; schemathesis starts its lifespan on the first request."""
    yield create_app(cast.settings())
    shutdown_lifespans()


@pytest.fixture(scope="module")
def pg_cast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    """The cast on a throwaway PostgreSQL schema."""
    with postgres_schema() as url:
        made = make_cast(tmp_path_factory.mktemp("fuzz-pg") / "home", url)
        yield made
        made.home.engine.dispose()


@pytest.fixture(scope="module")
def pg_app(pg_cast: Cast) -> Iterator[FastAPI]:
    """The app over the PostgreSQL cast."""
    yield create_app(pg_cast.settings())
    shutdown_lifespans()


# The OpenAPI document does not depend on the home: an app that is never started gives it.
# (schemathesis' lazy ``from_fixture`` loader does not run on pytest 9.)
schema = schemathesis.openapi.from_dict(create_app(ServiceSettings(home=Path("."))).openapi())

_ROLE_BY_PREFIX = (
    ("/credentials/issue", "ministry"),
    ("/credentials/status", "ministry"),
    ("/registry/history", "auditor"),
    ("/registry/", "admin"),
    ("/revocations/", "auditor"),
    ("/audit/", "auditor"),
)


_BOUNDS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": list(HealthCheck),
}


@schema.parametrize()
@settings(max_examples=10, **_BOUNDS)
def test_no_server_error(case: Any, cast: Cast, app: FastAPI) -> None:
    _call_and_check(case, cast, app)


@pytest.mark.postgres
@schema.parametrize()
@settings(max_examples=4, **_BOUNDS)
def test_no_server_error_on_postgres(case: Any, pg_cast: Cast, pg_app: FastAPI) -> None:
    _call_and_check(case, pg_cast, pg_app)


def _call_and_check(case: Any, cast: Cast, app: FastAPI) -> None:
    """Call the operation with a token of the role allowed to; no answer is a 5xx, and every
    error but a verification report is problem+json."""
    role = next((who for prefix, who in _ROLE_BY_PREFIX if case.path.startswith(prefix)), None)
    if role is not None:  # a valid token, whatever credentials were generated
        case.headers = {**(case.headers or {}), **cast.auth(role)}
    response = case.call(app=app)
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    report = case.path.endswith("/verify") and response.status_code == 400  # the report
    if response.status_code >= 400 and not report:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type == "application/problem+json", (case.path, response.status_code)
