"""Registry at scale (issue 13, point 7), the fast half: a write's cost does not grow with the
log, history is paged, the trust list is signed once per change and served from memory, and
a bulk load is a log of ordinary signed events. The 10,000-accreditation registry is in
``test_registry_scale_slow.py``."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from api_support import MINISTRY, REGISTRY, Cast, make_cast
from conftest import postgres_schema
from oretrust import registry
from oretrust.api import publication
from oretrust.cli import main
from oretrust.errors import ConflictError, InputError
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.registry import GrantRequest

ORIGIN = "MineralOriginCertificate"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cast(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cast]:
    if request.param == "sqlite":
        yield make_cast(tmp_path / "home")
        return
    with postgres_schema() as url:
        made = make_cast(tmp_path / "home", url)
        yield made
        made.home.engine.dispose()


@contextmanager
def counted(home: Home) -> Iterator[dict[str, Any]]:
    """Statements run and ORM rows loaded on ``home``'s engine inside the block."""
    seen: dict[str, Any] = {"statements": [], "rows": 0}

    def on_statement(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen["statements"].append(statement)

    def on_load(_session: Session, _instance: Any) -> None:
        seen["rows"] += 1

    event.listen(home.engine, "before_cursor_execute", on_statement)
    event.listen(Session, "loaded_as_persistent", on_load)
    try:
        yield seen
    finally:
        event.remove(home.engine, "before_cursor_execute", on_statement)
        event.remove(Session, "loaded_as_persistent", on_load)


def _grants(count: int, start: int = 0) -> list[GrantRequest]:
    return [
        GrantRequest(f"did:web:exporter-{n}.cd.example", ORIGIN, "CD")
        for n in range(start, start + count)
    ]


def _one_write(home: Home, n: int) -> dict[str, Any]:
    with counted(home) as seen:
        registry.accredit(home, f"did:web:probe-{n}.example", ORIGIN, "CD", now=datetime.now(UTC))
    return seen


def test_a_registry_write_costs_the_same_with_10_or_410_events(cast: Cast) -> None:
    """The log head is one row by the primary key: the statements and the rows a write loads
    do not grow with the log (it once loaded every event to find the last one)."""
    small = _one_write(cast.home, 1)
    registry.accredit_many(cast.home, _grants(400), now=datetime.now(UTC))
    large = _one_write(cast.home, 2)
    assert len(large["statements"]) == len(small["statements"])
    assert large["rows"] == small["rows"]
    reads = [s for s in large["statements"] if "FROM registry_event" in s]
    assert reads and all("LIMIT" in s.upper() for s in reads)


def test_bulk_accreditation_is_a_log_of_ordinary_signed_events(cast: Cast) -> None:
    before = len(registry.history(cast.home))
    made = registry.accredit_many(cast.home, _grants(25), now=datetime.now(UTC), reason="import")
    assert len(made) == 25 and {a.status(datetime.now(UTC)) for a in made} == {"active"}
    assert len(registry.history(cast.home)) == before + 25
    assert registry.verify_log(cast.home, resolver=did_resolver(cast.home)).ok
    assert registry.list_accreditations(cast.home, entity_id=made[3].entity_id) == [made[3]]


def test_bulk_accreditation_writes_nothing_when_one_grant_is_refused(cast: Cast) -> None:
    before = len(registry.history(cast.home))
    duplicate = [*_grants(3), GrantRequest(MINISTRY, ORIGIN, "CD")]  # the cast accredits it
    with pytest.raises(ConflictError) as refused:
        registry.accredit_many(cast.home, duplicate, now=datetime.now(UTC))
    assert refused.value.code == "ALREADY_ACCREDITED"
    twice = [*_grants(2), *_grants(1)]
    with pytest.raises(ConflictError):
        registry.accredit_many(cast.home, twice, now=datetime.now(UTC))
    with pytest.raises(InputError):
        registry.accredit_many(
            cast.home, [GrantRequest("not-a-did", ORIGIN, "CD")], now=datetime.now(UTC)
        )
    assert len(registry.history(cast.home)) == before


def test_history_is_paged_by_seq(cast: Cast) -> None:
    registry.accredit_many(cast.home, _grants(30), now=datetime.now(UTC))
    everything = registry.history(cast.home)
    first = registry.history(cast.home, limit=10)
    second = registry.history(cast.home, after=first[-1].seq, limit=10)
    assert [e.seq for e in first + second] == [e.seq for e in everything[:20]]
    for bad in ({"limit": 0}, {"limit": registry.HISTORY_MAX_LIMIT + 1}, {"after": -1}):
        with pytest.raises(InputError):
            registry.history(cast.home, **bad)


def test_http_history_pages_with_a_next_link(cast: Cast) -> None:
    registry.accredit_many(cast.home, _grants(7), now=datetime.now(UTC))
    total = len(registry.history(cast.home))
    api = cast.client()
    try:
        auditor = cast.auth("auditor")
        seqs: list[int] = []
        url: str | None = "/registry/history?limit=4"
        while url is not None:
            page = api.get(url, headers=auditor)
            assert page.status_code == 200 and len(page.json()) <= 4
            seqs += [e["seq"] for e in page.json()]
            link = page.headers.get("link")
            url = link.split(">")[0].lstrip("<") if link else None
        assert seqs == list(range(1, total + 1))
        default = api.get("/registry/history", headers=auditor).json()
        assert len(default) == min(total, registry.HISTORY_DEFAULT_LIMIT)
        too_many = api.get(
            f"/registry/history?limit={registry.HISTORY_MAX_LIMIT + 1}", headers=auditor
        )
        assert too_many.status_code == 422
        assert too_many.headers["content-type"].startswith("application/problem+json")
        last = api.get(f"/registry/history?after={2**31 - 1}", headers=auditor)
        assert last.status_code == 200 and last.json() == []  # seq is 32-bit on PostgreSQL
        beyond = api.get(f"/registry/history?after={2**31}", headers=auditor)
        assert beyond.status_code == 422
        assert registry.history(cast.home, after=2**40, limit=5) == []
    finally:
        api.close()


def test_cli_history_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cast = make_cast(tmp_path / "home")
    registry.accredit_many(cast.home, _grants(5), now=datetime.now(UTC))
    for name in [k for k in os.environ if k.startswith("ORETRUST_")]:
        monkeypatch.delenv(name)
    argv = ["oretrust", "registry", "history", "--limit", "3", "--after", "2", "--json"]
    monkeypatch.setattr(sys, "argv", [*argv, "--home", str(cast.folder)])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main()
    page = capsys.readouterr()
    assert exited.value.code in (0, None), page.err
    assert "--after 5" in page.err
    assert [e["seq"] for e in json.loads(page.out)] == [3, 4, 5]


def test_a_second_trust_list_request_is_not_re_signed(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed once per change, then served from memory with its ETag (one statement: the
    log head) until the next registry write or half its lifetime."""
    signed: list[int] = []
    real = publication.sign_trust_list

    def counting(home: Home, **kwargs: Any) -> Any:
        signed.append(1)
        return real(home, **kwargs)

    monkeypatch.setattr(publication, "sign_trust_list", counting)
    api = cast.client()
    try:
        first = api.get("/trust-list")
        assert first.status_code == 200 and len(signed) == 1
        with counted(cast.home) as seen:
            again = api.get("/trust-list")
        assert again.text == first.text and len(signed) == 1
        assert not any("published_trust_list" in s for s in seen["statements"])
        tag = first.headers["etag"]
        assert api.get("/trust-list", headers={"If-None-Match": tag}).status_code == 304
        registry.accredit(cast.home, "did:web:new.cd.example", ORIGIN, "CD", now=datetime.now(UTC))
        changed = api.get("/trust-list", headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag and len(signed) == 2
        later = datetime.now(UTC) + timedelta(hours=13)  # past half its lifetime
        assert publication.current_trust_list(cast.home, now=later).iat > 0 and len(signed) == 3
    finally:
        api.close()


def test_a_trust_list_past_the_credential_token_bound_is_served_and_loads(cast: Cast) -> None:
    """~750 accreditations passed the 256 KiB bound of credential tokens (TOKEN_TOO_LARGE)."""
    registry.accredit_many(cast.home, _grants(900), now=datetime.now(UTC))
    api = cast.client()
    try:
        served = api.get("/trust-list")
    finally:
        api.close()
    assert served.status_code == 200 and len(served.content) > 256 * 1024
    verified = registry.load_trust_list(
        served.text,
        registry_did=REGISTRY,
        resolver=did_resolver(cast.home, allow_network=False),
        now=datetime.now(UTC),
    )
    assert len(verified.accreditations) == 902


def test_threads_asking_at_once_after_a_change_sign_once(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed: list[int] = []
    real = publication.sign_trust_list

    def slow_counting(home: Home, **kwargs: Any) -> Any:
        signed.append(1)
        time.sleep(0.05)  # long enough for the others to arrive while it signs
        return real(home, **kwargs)

    monkeypatch.setattr(publication, "sign_trust_list", slow_counting)
    now = datetime.now(UTC)
    with ThreadPoolExecutor(max_workers=8) as pool:
        served = list(
            pool.map(lambda _: publication.current_trust_list(cast.home, now=now), range(8))
        )
    assert len(signed) == 1 and len({s.etag for s in served}) == 1


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    for name in [k for k in os.environ if k.startswith("ORETRUST_")]:
        monkeypatch.delenv(name)
    monkeypatch.setattr(sys, "argv", ["oretrust", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main()
    return exited.value.code, capsys.readouterr()


def test_cli_imports_a_register_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cast = make_cast(tmp_path / "home")
    before = len(registry.history(cast.home))
    lines = [
        json.dumps({"entity_id": f"did:web:e{n}.cd.example", "credential_type": ORIGIN,
                    "jurisdiction": "CD", "valid_until": "2030-01-01T00:00:00Z"})
        for n in range(3)
    ]  # fmt: skip
    register = tmp_path / "register.jsonl"
    register.write_text("\n".join([*lines, '{"entity_id": "did:web:x.example"}']) + "\n")
    home = ("--home", str(cast.folder))
    code, out = _cli(monkeypatch, capsys, "registry", "import", str(register), *home)
    assert code == 2 and "line 4" in out.err and len(registry.history(cast.home)) == before
    csv_file = tmp_path / "register.csv"
    csv_file.write_text(
        "entity_id,credential_type,jurisdiction,valid_until\n"
        + "".join(f"did:web:c{n}.cd.example,{ORIGIN},CD-KN,\n" for n in range(4))
    )
    register.write_text("\n".join(lines) + "\n")
    for path, count in ((register, 3), (csv_file, 4)):
        code, out = _cli(monkeypatch, capsys, "registry", "import", str(path), "--json", *home)
        assert code in (0, None), out.err
        assert json.loads(out.out)["accredited"] == count
    assert len(registry.history(cast.home)) == before + 7
    assert registry.verify_log(cast.home, resolver=did_resolver(cast.home)).ok
