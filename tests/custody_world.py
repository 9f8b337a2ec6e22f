"""The custody tests' world: a platform home (registry, ministry, status lists) and three
holders' homes (Kivu, a trader, a refinery), each with its own keys, and the ministry's origin
certificate for Kivu's lot."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from oretrust import identities
from oretrust.credentials import EXAMPLES
from oretrust.encoding import b64url_decode
from oretrust.holder import issue_custody_event
from oretrust.home import Home
from oretrust.issuer import issue_credential
from oretrust.registry.service import accredit, init_registry
from oretrust.status.publication import refresh_status_lists
from oretrust.verifier import Verifier, verifier_for

__all__ = ["LOT", "MINISTRY", "NOW", "World", "custody_world", "lot", "payload"]

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
MINISTRY = "did:web:mines.gouv.cd.example"
LOT = "KVM-2026-LOT-0457"  # 24.85 t wet, 20 % moisture, 30.5 % Co: 6,063.4 kg contained


@dataclass
class World:
    platform: Home
    kivu: Home
    trader: Home
    refinery: Home
    dids: dict[str, str]
    origin: str

    def verifier(self) -> Verifier:
        """The refinery's check of every link (the platform hosts the ministry, the registry
        and the status lists; holders' did:jwk resolve alone)."""
        return verifier_for(self.platform, allow_network=False)

    def sale(self, home: Home, seller: str, buyer: str, derived: list[str], **change: Any) -> str:
        """``seller`` (its home) sells lot(s) to ``buyer``; ``change`` edits the event."""
        event = copy.deepcopy(EXAMPLES["CustodyTransferCredential"])
        event.pop("sourceParty"), event.pop("derivedFrom")
        event["destinationParty"] = self.dids[buyer]
        event["eventTime"] = "2026-11-02T08:00:00Z"
        for key, value in change.items():
            event[key] = value
        return issue_custody_event(home, seller, event, derived_from=derived, now=NOW).token


def lot(lot_id: str, tonnes: float, moisture: float = 20.0, grade: float = 30.5) -> dict[str, Any]:
    return {
        "lotId": lot_id,
        "mass": {"value": tonnes, "unit": "t", "moisture": moisture, "grade": grade},
    }


def custody_world(tmp_path: Path) -> Iterator[World]:
    """The four homes and the origin certificate (a generator: use it in a fixture)."""
    homes = {
        name: Home.open(
            tmp_path / name, database_url=f"sqlite:///{tmp_path / name / 'oretrust.db'}"
        )
        for name in ("platform", "kivu", "trader", "refinery")
    }
    platform = homes["platform"]
    platform.set_domain("registry.minerals-trust.example")
    init_registry(
        platform,
        did="did:web:registry.minerals-trust.example",
        display_name="R",
        now=NOW - timedelta(days=30),
    )
    identities.add_issuer(
        platform,
        "ministry",
        display_name="Ministère des Mines",
        did=MINISTRY,
        now=NOW - timedelta(days=30),
    )
    accredit(platform, MINISTRY, "MineralOriginCertificate", "CD", now=NOW - timedelta(days=30))
    dids = {
        name: identities.add_holder(homes[name], name, display_name=name.title(), now=NOW).did
        for name in ("kivu", "trader", "refinery")
    }
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    subject["exporter"]["id"] = dids["kivu"]
    origin = issue_credential(
        platform,
        issuer="ministry",
        type_name="MineralOriginCertificate",
        subject=subject,
        holder=dids["kivu"],
        now=NOW - timedelta(days=20),
        valid_until=NOW + timedelta(days=300),
    )
    refresh_status_lists(platform, now=NOW)  # the lists as the platform publishes them today
    yield World(platform, homes["kivu"], homes["trader"], homes["refinery"], dids, origin.token)
    for home in homes.values():
        home.engine.dispose()


def payload(token: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return value
