"""A registry of 10,000 accreditations serves its trust list, and a subscriber loads it
(issue 13, point 7): over a real ``oretrust serve``, fetched over loopback http by
``add_registry`` as an operator would (``oretrust trust add-registry URL``), verified,
pinned, stored and judged from, and carried in an offline bundle. Slow: 10,000 signed
events and a ~3.6 MB list."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api_support import REGISTRY, make_cast, serve_home
from oretrust import registry
from oretrust.bundle import export_bundle, load_bundle, pins_from_home
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.registry import GrantRequest
from oretrust.registry.subscriptions import (
    add_registry,
    subscribed_trust_lists,
    subscribed_trust_source,
)

pytestmark = pytest.mark.slow

COUNT = 10_000


def test_ten_thousand_accreditations_are_served_verified_and_subscribed(tmp_path: Path) -> None:
    cast = make_cast(tmp_path / "registry")
    grants = [
        GrantRequest(f"did:web:exporter-{n:05d}.cd.example", "MineralOriginCertificate", "CD")
        for n in range(COUNT)
    ]
    started = time.monotonic()
    registry.accredit_many(cast.home, grants, now=datetime.now(UTC), reason="national register")
    built = time.monotonic() - started
    assert built < 120, f"bulk load of {COUNT} took {built:.1f} s"
    assert registry.verify_log(cast.home, resolver=did_resolver(cast.home)).ok
    document = tmp_path / "registry-did.json"
    document.write_text(json.dumps(did_resolver(cast.home).resolve(REGISTRY)), encoding="utf-8")

    with serve_home(cast.folder) as base:
        first = httpx.get(f"{base}/trust-list", timeout=60)
        assert first.status_code == 200, first.text[:300]
        assert len(first.content) > 3 * 1024 * 1024  # ~360 bytes each: far past 256 KiB
        again = httpx.get(
            f"{base}/trust-list", headers={"If-None-Match": first.headers["etag"]}, timeout=60
        )
        assert again.status_code == 304
        subscriber = Home.open(tmp_path / "verifier")
        subscription = add_registry(
            subscriber,
            f"{base}/trust-list",
            did=REGISTRY,
            did_document=str(document),
            now=datetime.now(UTC),
        )
    assert subscription.registry_did == REGISTRY and subscription.accreditations == COUNT + 2
    verified = registry.load_trust_list(
        first.text,
        registry_did=REGISTRY,
        resolver=did_resolver(cast.home, allow_network=False),
        now=datetime.now(UTC),
    )
    assert len(verified.accreditations) == COUNT + 2  # and the cast's two issuers
    trust = subscribed_trust_lists(subscriber)
    source = subscribed_trust_source(trust)
    assert source is not None
    answer = registry.authorization(
        source,
        registry.AuthorizationRequest(
            entity_id="did:web:exporter-07321.cd.example",
            authority_id=REGISTRY,
            action="issue:MineralOriginCertificate",
            resource="CD",
            context={"time": datetime.now(UTC)},
        ),
        now=datetime.now(UTC),
    )
    assert answer.authorized
    offline_dids = did_resolver(cast.home, allow_network=False)  # the exporters' hosts are fiction
    bundle = export_bundle(cast.home, now=datetime.now(UTC), resolver=offline_dids)
    offline = load_bundle(bundle.token, pins=pins_from_home(subscriber), now=datetime.now(UTC))
    assert [len(t.accreditations) for t in offline.trust_lists] == [COUNT + 2]
