"""A home's DID resolvers: its own DIDs from the database, others over HTTPS only when allowed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from oretrust.did import HttpsFetcher
from oretrust.errors import ResolutionError
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.identities import add_issuer

ELSEWHERE = "did:web:elsewhere.example"


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Home]:
    opened = Home.open(tmp_path, database_url=f"sqlite:///{tmp_path / 'oretrust.db'}")
    yield opened
    opened.engine.dispose()


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """URLs the networked resolver asked for (nothing leaves the process)."""
    urls: list[str] = []

    def fetch(_self: HttpsFetcher, url: str) -> Any:
        urls.append(url)
        raise ResolutionError("no network in tests", code="DID_RESOLUTION_ERROR")

    monkeypatch.setattr(HttpsFetcher, "fetch", fetch)
    return urls


def test_offline_resolver_stays_offline_after_a_networked_one(
    home: Home, fetched: list[str]
) -> None:
    did_resolver(home)  # a networked resolver is built (and kept) first
    with pytest.raises(ResolutionError) as caught:
        did_resolver(home, allow_network=False).resolve(ELSEWHERE)
    assert caught.value.code == "DID_NOT_FOUND"
    assert fetched == []


def test_networked_resolver_fetches_after_an_offline_one(home: Home, fetched: list[str]) -> None:
    did_resolver(home, allow_network=False)
    with pytest.raises(ResolutionError):
        did_resolver(home).resolve(ELSEWHERE)
    assert fetched == ["https://elsewhere.example/.well-known/did.json"]


def test_both_resolvers_serve_the_homes_own_dids_and_are_reused(
    home: Home, fetched: list[str], now: datetime
) -> None:
    issuer = add_issuer(home, "ministry", display_name="Ministry", now=now)
    for allow_network in (True, False):
        assert (
            did_resolver(home, allow_network=allow_network).resolve(issuer.did)["id"] == issuer.did
        )
        assert did_resolver(home, allow_network=allow_network) is did_resolver(
            home, allow_network=allow_network
        )
    assert fetched == []
