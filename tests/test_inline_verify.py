"""The verify routes answer from memory on the event loop, and fall back to a thread for I/O.

:mod:`oretrust.blocking`: a verification first runs inline; the moment it would open a
database session or fetch, it is abandoned and run again in a worker thread. These tests run
the real app and count the fallbacks: a cold verifier falls back, a warm one does not, and a
change of trust state (a revocation) is still seen at once — with the thread doing the
reading — so answering inline never answers from stale state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api_support import ApiClient, Cast, issue_origin_token, make_cast
from memo_support import self_signed
from oretrust.api import routes_verify
from oretrust.blocking import WouldBlock, about_to_block, inline
from oretrust.home import Home
from oretrust.report import VerificationReport


@pytest.fixture
def cast(tmp_path: Path) -> Cast:
    return make_cast(tmp_path / "home")


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each verification the route handed to a worker thread."""
    handed: list[str] = []
    original = routes_verify._in_worker_thread

    async def counting(verify: Callable[[], VerificationReport]) -> VerificationReport:
        handed.append("thread")
        return await original(verify)

    monkeypatch.setattr(routes_verify, "_in_worker_thread", counting)
    return handed


@pytest.fixture
def api(cast: Cast) -> Iterator[ApiClient]:
    client = cast.client()
    yield client
    client.close()


def _verdict(api: ApiClient, token: str) -> str:
    response = api.post("/credentials/verify", json={"verifiableCredential": token})
    verdict: str = response.json()["verdict"]
    return verdict


def test_a_warm_verification_is_answered_inline(
    api: ApiClient, cast: Cast, fallbacks: list[str]
) -> None:
    token, credential_id = issue_origin_token(api, cast)
    assert _verdict(api, token) == "VALID"
    assert fallbacks == ["thread"]  # the first reads the DID document, list and registry
    for _ in range(3):
        assert _verdict(api, token) == "VALID"
    assert fallbacks == ["thread"]  # the next ones needed nothing but memory
    change = {"credentialId": credential_id, "action": "revoke", "reason": "forged"}
    revoked = api.post("/credentials/status", json=change, headers=cast.auth("ministry"))
    assert revoked.status_code == 200, revoked.text
    assert _verdict(api, token) == "REVOKED"  # the new trust state, read in a thread
    assert fallbacks == ["thread", "thread"]


def test_an_inline_verification_runs_no_statement(api: ApiClient, cast: Cast) -> None:
    token, _ = issue_origin_token(api, cast)
    assert _verdict(api, token) == "VALID"
    home: Home = api.app.state.home
    inline_statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        try:
            about_to_block("a statement")
        except WouldBlock:
            inline_statements.append(statement)

    sa.event.listen(home.engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            assert _verdict(api, token) == "VALID"
    finally:
        sa.event.remove(home.engine, "before_cursor_execute", record)
    assert inline_statements == []


def test_blocking_is_refused_only_inline(cast: Cast) -> None:
    about_to_block("outside")  # nothing happens
    with inline(), pytest.raises(WouldBlock, match="database session"):
        cast.home.session()
    with cast.home.session():  # and the home works again afterwards
        pass


def test_would_block_is_no_verdict() -> None:
    """The verifier turns every ``Exception`` into a failed check; a ``WouldBlock`` must pass
    through it untouched, or an abandoned attempt would read as INVALID."""
    assert not issubclass(WouldBlock, Exception)


def test_a_report_orjson_cannot_write_is_still_answered(api: ApiClient) -> None:
    """A signed claim past 64 bits (JSON allows it; orjson does not write it): the report
    goes to json's encoder instead of a 500."""
    token = self_signed(subject={"tonnes": 2**70})
    response = api.post("/credentials/verify", json={"verifiableCredential": token})
    assert response.status_code == 400, response.text
    assert response.json()["claims"]["credentialSubject"]["tonnes"] == 2**70


def test_a_large_token_is_verified_in_a_thread_from_the_start(
    api: ApiClient, fallbacks: list[str]
) -> None:
    """Parsing a token near the size limit takes milliseconds every other request would wait
    on: past INLINE_MAX_CHARS it never runs on the event loop, warm or not."""
    large = "e" * (routes_verify.INLINE_MAX_CHARS + 1)
    for _ in range(2):
        response = api.post("/credentials/verify", json={"verifiableCredential": large})
        assert response.status_code == 400 and response.json()["verdict"] == "INVALID"
    assert fallbacks == ["thread", "thread"]
    small = api.post("/credentials/verify", json={"verifiableCredential": "e" * 100})
    assert small.json()["verdict"] == "INVALID"
    assert fallbacks == ["thread", "thread"]  # a garbage token needs no I/O: answered inline
