"""The mass ledger over HTTP (the real app, and a real ``oretrust serve``) and the CLI: two
refineries' chains on one origin certificate, registered and checked across homes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api_support import ApiClient, serve_home
from conftest import run_oretrust
from oretrust.api import ServiceSettings, create_app
from oretrust.api.tokens import create_token
from oretrust.codes import Code
from oretrust.custody.ledger import HttpLedger, verify_chain_with_ledger
from oretrust.status.publication import refresh_status_lists
from test_mass_ledger import NOW, World, build_world, origin_id


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    built = build_world(tmp_path)
    yield built
    for home in (built.platform, *built.homes.values()):
        home.engine.dispose()


@pytest.fixture
def client(world: World) -> Iterator[ApiClient]:
    settings = ServiceSettings(home=world.platform.path, allow_network=False, rate_limit=None)
    app = ApiClient(create_app(settings, clock=lambda: NOW))
    yield app
    app.close()


def bearer(world: World, role: str, issuer: str | None = None) -> dict[str, str]:
    _, token = create_token(
        world.platform, role=role, issuer=issuer, now=NOW, expires_in=timedelta(days=1)
    )
    return {"Authorization": f"Bearer {token}"}


def register(client: ApiClient, chain: list[str]) -> Any:
    return client.post("/custody/events", json={"event": chain[0], "documents": chain[1:]})


def test_the_second_buyers_registration_is_409_with_the_excess_and_no_names(
    world: World, client: ApiClient
) -> None:
    chain_a, chain_b = world.two_chains()
    first = register(client, chain_a)
    assert first.status_code == 201, first.text
    assert first.json()["balances"][0]["remaining"]["wet_kg"] == pytest.approx(4850.0)
    second = register(client, chain_b)
    assert second.status_code == 409
    assert second.headers["content-type"].startswith("application/problem+json")
    problem = second.json()
    assert problem["code"] == Code.MASS_BALANCE_EXCEEDED
    assert problem["excess_kg"]["wet"] == pytest.approx(15150.0)
    assert "15,150.0 kg wet" in problem["detail"] and "did:" not in second.text
    balance = client.get(f"/custody/balance/{origin_id(world)}")
    assert balance.status_code == 200 and "public" in balance.headers["cache-control"]
    assert balance.json()["consumed"]["wet_kg"] == pytest.approx(20000.0)
    assert "did:" not in balance.text and "urn:uuid" not in balance.text.replace(
        origin_id(world), ""
    )  # the balance names no party and no event
    broken = register(client, [chain_b[0], chain_b[2]])  # the link in between left out
    assert broken.status_code == 422 and broken.json()["code"] == Code.CUSTODY_LINK_BROKEN
    unknown = client.get("/custody/balance/urn:uuid:00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 404 and unknown.json()["code"] == Code.ORIGIN_NOT_IN_LEDGER


def test_customs_exports_consume_the_certificate_and_stay_with_auditors(
    world: World, client: ApiClient
) -> None:
    body = {
        "origin": origin_id(world), "certificate": world.origin,
        "declaration_number": "CD-DGDA-2026-0457", "hs_code": "282200",
        "seals": ["DGDA-123456", "DGDA-123457"], "importer": "Baltic Cathode Refining Oy",
        "mass": "24.85t",
    }  # fmt: skip
    assert client.post("/custody/exports", json=body).status_code == 401
    ministry = bearer(world, "issuer", "ministry")
    assert client.post("/custody/exports", json=body, headers=ministry).status_code == 403
    customs = bearer(world, "issuer", "customs")
    first = client.post("/custody/exports", json=body, headers=customs)
    assert first.status_code == 201, first.text
    assert first.json()["balance"]["remaining"]["wet_kg"] == pytest.approx(0.0, abs=1e-6)
    truck = {**body, "declaration_number": "CD-DGDA-2026-0458", "certificate": None}
    second = client.post("/custody/exports", json=truck, headers=customs)
    assert second.status_code == 409 and second.json()["code"] == Code.MASS_BALANCE_EXCEEDED
    assert second.json()["excess_kg"]["wet"] == pytest.approx(24850.0)
    public = client.get(f"/custody/balance/{origin_id(world)}")
    assert "DGDA" not in public.text and "Baltic" not in public.text
    assert client.get("/custody/exports", headers=customs).status_code == 403
    audited = client.get("/custody/exports", headers=bearer(world, "auditor"))
    assert [e["declaration"] for e in audited.json()] == ["CD-DGDA-2026-0457"]
    assert audited.json()[0]["seals"] == ["DGDA-123456", "DGDA-123457"]


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_a_refinery_asks_a_served_registry_and_the_cli_reads_and_verifies_the_log(
    world: World, client: ApiClient
) -> None:
    chain_a, chain_b = world.two_chains()
    assert register(client, chain_a).status_code == 201
    with serve_home(world.platform.path) as base, HttpLedger(base) as ledger:
        kwargs: dict[str, Any] = {"verifier": world.verifier(), "ledger": ledger, "now": NOW}
        assert verify_chain_with_ledger(chain_a[0], chain_a[1:], **kwargs).verified
        caught = verify_chain_with_ledger(chain_b[0], chain_b[1:], **kwargs)
        assert caught.code == Code.MASS_BALANCE_EXCEEDED and "15,150.0 kg wet" in str(
            caught.problems
        )
        shown = run_oretrust("ledger", "balance", origin_id(world), "--registry", base, "--json")
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["remaining"]["wet_kg"] == pytest.approx(4850.0)
    home = str(world.platform.path)
    assert run_oretrust("ledger", "verify-log", "--home", home).returncode == 0
    with world.platform.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM ledger_entry WHERE seq = 1"))
    tampered = run_oretrust("ledger", "verify-log", "--home", home, "--json")
    assert tampered.returncode == 1 and not json.loads(tampered.stdout)["intact"]


def test_the_cli_registers_locally_and_refuses_an_over_claim_in_one_line(
    world: World, tmp_path: Path
) -> None:
    chain_a, chain_b = world.two_chains()
    files = {}
    for name, token in (("a", chain_a[0]), ("ka", chain_a[1]), ("b", chain_b[0]),
                        ("kb", chain_b[1]), ("origin", world.origin)):  # fmt: skip
        files[name] = tmp_path / f"{name}.jwt"
        files[name].write_text(token)
    refresh_status_lists(world.platform, now=datetime.now(UTC))  # the CLI reads the real clock
    home = str(world.platform.path)
    base = ["ledger", "register", "--home", home]
    done = run_oretrust(*base, str(files["a"]), "--with", str(files["ka"]),
                        "--with", str(files["origin"]))  # fmt: skip
    assert done.returncode == 0, done.stderr
    refused = run_oretrust(*base, str(files["b"]), "--with", str(files["kb"]),
                           "--with", str(files["origin"]))  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "MASS_BALANCE_EXCEEDED" in refused.stderr
    assert "15,150.0 kg wet" in refused.stderr
