"""The mass ledger across buyers: Kivu sells 20 t of one 24.85 t origin lot to each of two
traders, who sell on to two refineries. Each chain alone verifies; the registry's ledger —
fed by registered events and customs exports, in separate homes — catches the second.

Every home is real (its own SQLite database, its own keys); the registry's ledger runs on
SQLite and on PostgreSQL, including concurrent registrations.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from oretrust import identities
from oretrust.codes import Code
from oretrust.credentials import EXAMPLES
from oretrust.custody import verify_chain
from oretrust.custody.ledger import (
    ChainRejectedError,
    ExportDeclaration,
    ExportNotAuthorisedError,
    HomeLedger,
    MassBalanceExceededError,
    balance_of,
    list_ledger,
    record_export,
    register_event,
    verify_chain_with_ledger,
    verify_ledger,
)
from oretrust.holder import issue_custody_event
from oretrust.home import Home
from oretrust.issuer import issue_credential
from oretrust.registry.service import accredit, init_registry
from oretrust.status.publication import refresh_status_lists
from oretrust.verifier import Verifier, verifier_for

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
MINISTRY = "did:web:mines.gouv.cd.example"
CUSTOMS = "did:web:douanes.gouv.cd.example"
LOT = "KVM-2026-LOT-0457"  # 24.85 t wet, 20 % moisture, 30.5 % Co
PARTIES = ("kivu", "trader-a", "trader-b", "refinery-a", "refinery-b")


def lot(lot_id: str, tonnes: float) -> dict[str, Any]:
    return {
        "lotId": lot_id,
        "mass": {"value": tonnes, "unit": "t", "moisture": 20.0, "grade": 30.5},
    }


@dataclass
class World:
    platform: Home
    homes: dict[str, Home]
    dids: dict[str, str]
    origin: str

    def verifier(self) -> Verifier:
        return verifier_for(self.platform, allow_network=False)

    def sale(self, seller: str, buyer: str, derived: list[str], into: str, out: str, t: float,
             when: str = "2026-11-02T08:00:00Z") -> str:  # fmt: skip
        event = copy.deepcopy(EXAMPLES["CustodyTransferCredential"])
        event.pop("sourceParty"), event.pop("derivedFrom")
        event.update(
            destinationParty=self.dids[buyer], eventTime=when, inputs=[lot(into, t)],
            outputs=[lot(out, t)],
        )  # fmt: skip
        return issue_custody_event(
            self.homes[seller], seller, event, derived_from=derived, now=NOW
        ).token

    def two_chains(self) -> tuple[list[str], list[str]]:
        """(final, documents…) of each refinery's chain; each draws 20 t of the 24.85 t lot."""
        chains = []
        for suffix in ("a", "b"):
            first = self.sale("kivu", f"trader-{suffix}", [self.origin], LOT, f"T{suffix}", 20.0)
            second = self.sale(
                f"trader-{suffix}", f"refinery-{suffix}", [first], f"T{suffix}", f"R{suffix}",
                20.0, "2026-11-10T08:00:00Z",
            )  # fmt: skip
            chains.append([second, first, self.origin])
        return chains[0], chains[1]


def build_world(folder: Path, platform_url: str | None = None) -> World:
    homes = {
        name: Home.open(folder / name, database_url=f"sqlite:///{folder / name / 'oretrust.db'}")
        for name in PARTIES
    }
    platform = Home.open(folder / "platform", database_url=platform_url)
    platform.set_domain("registry.minerals-trust.example")
    before = NOW - timedelta(days=30)
    init_registry(platform, did="did:web:registry.minerals-trust.example", display_name="R",
                  now=before)  # fmt: skip
    for name, did in (("ministry", MINISTRY), ("customs", CUSTOMS)):
        identities.add_issuer(platform, name, display_name=name.title(), did=did, now=before)
    accredit(platform, MINISTRY, "MineralOriginCertificate", "CD", now=before)
    accredit(platform, CUSTOMS, "AuthorisedEconomicOperatorCredential", "CD", now=before)
    dids = {
        name: identities.add_holder(homes[name], name, display_name=name, now=NOW).did
        for name in PARTIES
    }
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    subject["exporter"]["id"] = dids["kivu"]
    origin = issue_credential(
        platform, issuer="ministry", type_name="MineralOriginCertificate", subject=subject,
        holder=dids["kivu"], now=NOW - timedelta(days=20), valid_until=NOW + timedelta(days=300),
    )  # fmt: skip
    refresh_status_lists(platform, now=NOW)
    return World(platform, homes, dids, origin.token)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    built = build_world(tmp_path)
    yield built
    for home in (built.platform, *built.homes.values()):
        home.engine.dispose()


def origin_id(world: World) -> str:
    payload = json.loads(_b64(world.origin.split(".")[1]))
    return str(payload["id"])


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_each_chain_alone_verifies_but_the_second_registration_is_an_over_claim(
    world: World,
) -> None:
    chain_a, chain_b = world.two_chains()
    for final, *documents in (chain_a, chain_b):
        assert verify_chain(final, documents, verifier=world.verifier(), now=NOW).verified
    first = register_event(world.platform, chain_a[0], chain_a[1:], verifier=world.verifier(),
                           now=NOW)  # fmt: skip
    assert first.appended == 1
    remaining = first.balances[0].to_dict()["remaining"]
    assert remaining["wet_kg"] == pytest.approx(4850.0)
    assert remaining["contained_kg"] == pytest.approx(4850 * 0.8 * 0.305, abs=0.01)
    again = register_event(world.platform, chain_a[1], chain_a[2:], verifier=world.verifier(),
                           now=NOW)  # fmt: skip
    assert again.appended == 0  # the same draw (event digest) is never counted twice
    with pytest.raises(MassBalanceExceededError) as caught:
        register_event(world.platform, chain_b[0], chain_b[1:], verifier=world.verifier(),
                       now=NOW)  # fmt: skip
    assert caught.value.code == Code.MASS_BALANCE_EXCEEDED
    assert caught.value.overdraw.excess_kg["wet"] == pytest.approx(15150.0)
    assert "15,150.0 kg wet" in caught.value.detail
    assert not any(did in caught.value.detail for did in world.dids.values())  # nobody named
    assert balance_of(world.platform, origin_id(world)).consumed.wet == pytest.approx(20000.0)
    assert len(list_ledger(world.platform)) == 2  # the origin's entry and one draw


def test_the_second_refinery_asking_the_ledger_is_told_the_excess(world: World) -> None:
    chain_a, chain_b = world.two_chains()
    register_event(world.platform, chain_a[0], chain_a[1:], verifier=world.verifier(), now=NOW)
    source = HomeLedger(world.platform)
    kwargs: dict[str, Any] = {"verifier": world.verifier(), "ledger": source, "now": NOW}
    assert verify_chain_with_ledger(chain_a[0], chain_a[1:], **kwargs).verified
    caught = verify_chain_with_ledger(chain_b[0], chain_b[1:], **kwargs)
    assert caught.code == Code.MASS_BALANCE_EXCEEDED
    assert "15,150.0 kg wet" in caught.problems[0][2]


def test_a_chain_that_does_not_verify_is_not_registered(world: World) -> None:
    chain_a, _ = world.two_chains()
    with pytest.raises(ChainRejectedError) as caught:
        register_event(world.platform, chain_a[0], [chain_a[2]], verifier=world.verifier(),
                       now=NOW)  # fmt: skip
    assert caught.value.code == Code.CUSTODY_LINK_BROKEN
    assert list_ledger(world.platform) == []


def test_a_second_export_on_a_used_up_certificate_fails(world: World) -> None:
    truck = ExportDeclaration("CD-DGDA-2026-0001", "282200", "Baltic Cathode Refining Oy",
                              24850.0, ("SEAL-1", "SEAL-2"))  # fmt: skip
    kwargs: dict[str, Any] = {"verifier": world.verifier(), "now": NOW}
    first = record_export(world.platform, truck, origin_id=origin_id(world), recorded_by=CUSTOMS,
                          certificate=world.origin, **kwargs)  # fmt: skip
    assert first.balance.remaining().wet == pytest.approx(0.0, abs=1e-6)
    same = record_export(world.platform, truck, origin_id=origin_id(world), recorded_by=CUSTOMS,
                         certificate=None, **kwargs)  # fmt: skip
    assert same.id == first.id  # the same declaration again is the same record
    second = ExportDeclaration("CD-DGDA-2026-0002", "282200", "Other Importer", 24850.0, ("S3",))
    with pytest.raises(MassBalanceExceededError) as caught:
        record_export(world.platform, second, origin_id=origin_id(world), recorded_by=CUSTOMS,
                      certificate=None, **kwargs)  # fmt: skip
    assert caught.value.overdraw.excess_kg["wet"] == pytest.approx(24850.0)
    with pytest.raises(ExportNotAuthorisedError):  # the ministry is no customs administration
        record_export(world.platform, second, origin_id=origin_id(world), recorded_by=MINISTRY,
                      certificate=None, **kwargs)  # fmt: skip


def test_the_ledger_log_verifies_and_detects_tampering(world: World) -> None:
    chain_a, _ = world.two_chains()
    register_event(world.platform, chain_a[0], chain_a[1:], verifier=world.verifier(), now=NOW)
    truck = ExportDeclaration("CD-DGDA-2026-0003", "282200", "Importer", 4000.0, ("S1",))
    record_export(world.platform, truck, origin_id=origin_id(world), recorded_by=CUSTOMS,
                  certificate=None, verifier=world.verifier(), now=NOW)  # fmt: skip
    intact = verify_ledger(world.platform)
    assert intact.intact and intact.entries == 3, intact.detail
    with world.platform.engine.begin() as connection:
        connection.execute(sa.text("UPDATE ledger_entry SET wet_kg = 1000.0 WHERE seq = 2"))
    altered = verify_ledger(world.platform)
    assert not altered.intact and altered.first_broken == 2 and "altered" in altered.detail
    with world.platform.engine.begin() as connection:
        connection.execute(sa.text("UPDATE ledger_entry SET wet_kg = 20000.0 WHERE seq = 2"))
        connection.execute(sa.text("UPDATE ledger_export SET importer = 'Someone else'"))
    declaration = verify_ledger(world.platform)
    assert not declaration.intact and "export" in declaration.detail


def _concurrent_registrations(world: World) -> None:
    """Eight 5 t sales of the 24.85 t lot registered at once: four fit, never a fifth."""
    sales = [world.sale("kivu", "trader-a", [world.origin], LOT, f"C{i}", 5.0) for i in range(8)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(sales))

    def register(token: str) -> None:
        barrier.wait()
        try:
            register_event(world.platform, token, [world.origin], verifier=world.verifier(),
                           now=NOW)  # fmt: skip
            outcomes.append("ok")
        except MassBalanceExceededError:
            outcomes.append(Code.MASS_BALANCE_EXCEEDED)

    threads = [threading.Thread(target=register, args=(token,)) for token in sales]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [Code.MASS_BALANCE_EXCEEDED] * 4 + ["ok"] * 4, outcomes
    assert balance_of(world.platform, origin_id(world)).consumed.wet == pytest.approx(20000.0)
    assert verify_ledger(world.platform).intact


def test_concurrent_registrations_never_over_consume_on_sqlite(world: World) -> None:
    _concurrent_registrations(world)


@pytest.mark.postgres
def test_concurrent_registrations_never_over_consume_on_postgres(
    tmp_path: Path, postgres_url: str
) -> None:
    built = build_world(tmp_path, platform_url=postgres_url)
    try:
        _concurrent_registrations(built)
        assert verify_ledger(built.platform).entries == 5
    finally:
        for home in (built.platform, *built.homes.values()):
            home.engine.dispose()
