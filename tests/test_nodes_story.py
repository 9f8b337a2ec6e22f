"""The supply-chain story across separate nodes, end to end.

Five homes, each its own folder with its own database and keys/: the *platform* (registry
operator ``did:web:registry.minerals-trust.example`` and the ministry
``did:web:mines.gouv.cd.example``), *Kivu* (the mine operator, holder), a *trader*, a
*refinery* (no registry: it subscribes to one), and a *decoy* node hosting another domain.
The platform and the decoy run real ``oretrust serve`` processes on loopback ports; every
other party is a CLI process with ``ORETRUST_DID_WEB_HOSTS`` mapping the domains to them.
Between homes travel only files (credentials, presentations) and what the servers publish.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_support import key_inventory, serve_home
from oretrust import registry
from oretrust.codes import Code
from oretrust.credentials import EXAMPLES
from oretrust.home import Home
from oretrust.identities import add_issuer
from oretrust.verifier import same_key

pytestmark = pytest.mark.slow

MINISTRY = "did:web:mines.gouv.cd.example"
REGISTRY = "did:web:registry.minerals-trust.example"
DECOY = "did:web:decoy.example"
MOC = "MineralOriginCertificate"
TRADER_AUDIENCE = "https://trader.example/verify"
REFINERY_AUDIENCE = "https://refinery.example/verify"


def _env(**extra: str) -> dict[str, str]:
    """The caller's environment without ``ORETRUST_*``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    env.update(extra)
    return env


def _oretrust(*args: str, hosts: str = "") -> subprocess.CompletedProcess[str]:
    """``python -m oretrust ARGS`` in a fresh process (fresh in-memory caches), with
    ``ORETRUST_DID_WEB_HOSTS=hosts`` when given."""
    extra = {"ORETRUST_DID_WEB_HOSTS": hosts} if hosts else {}
    return subprocess.run(
        [sys.executable, "-m", "oretrust", *args],
        capture_output=True,
        text=True,
        env=_env(**extra),
        timeout=120,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode in (0, 1), result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _check(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    """The (first) check named ``check_id`` in a JSON report, looking into presented
    credentials' reports too."""
    found = [c for c in _all_checks(report) if c.get("id") == check_id]
    assert found, json.dumps(report)[:3000]
    return found[0]


def _all_checks(report: Any) -> Iterator[dict[str, Any]]:
    if isinstance(report, dict):
        if "id" in report and "passed" in report:
            yield report
        for value in report.values():
            yield from _all_checks(value)
    elif isinstance(report, list):
        for item in report:
            yield from _all_checks(item)


def _platform(folder: Path, decoy: Path) -> None:
    """The platform home (registry + ministry, ministry accredited for MOC in CD) and the
    decoy home (hosting only ``did:web:decoy.example``)."""
    now = datetime.now(UTC)
    home = Home.open(folder)
    home.set_domain("mines.gouv.cd.example")  # status lists are published under it
    registry.init_registry(home, did=REGISTRY, display_name="Regional Minerals Registry", now=now)
    add_issuer(home, "ministry", display_name="Ministère des Mines", did=MINISTRY, now=now)
    registry.accredit(home, MINISTRY, MOC, "CD", now=now)
    home.engine.dispose()
    other = Home.open(decoy)
    other.set_domain("decoy.example")
    add_issuer(other, "decoy", display_name="Decoy Authority", did=DECOY, now=now)
    other.engine.dispose()


def test_the_supply_chain_story_across_separate_nodes(tmp_path: Path) -> None:
    platform, kivu, trader, refinery, decoy = (
        tmp_path / name for name in ("platform", "kivu", "trader", "refinery", "decoy")
    )
    _platform(platform, decoy)
    with serve_home(platform) as platform_url, serve_home(decoy) as decoy_url:
        hosts = (
            f"mines.gouv.cd.example={platform_url},registry.minerals-trust.example={platform_url}"
        )
        # 1. The platform serves the ministry's DID document under its own Host.
        served = httpx.get(
            f"{platform_url}/.well-known/did.json",
            headers={"Host": "mines.gouv.cd.example"},
            timeout=10,
        )
        assert served.status_code == 200 and served.json()["id"] == MINISTRY

        # 2. Kivu makes its own key; the ministry issues to that did:jwk; Kivu receives.
        added = json.loads(
            _ok(
                _oretrust(
                    "holder",
                    "add",
                    "kivu",
                    "--display-name",
                    "Kivu Minerals SARL",
                    "--json",
                    "--home",
                    str(kivu),
                )
            )
        )
        kivu_did = added["did"]
        assert kivu_did.startswith("did:jwk:")
        subject = copy.deepcopy(EXAMPLES[MOC])
        subject["exporter"]["id"] = kivu_did
        subject_file = tmp_path / "origin-subject.json"
        subject_file.write_text(json.dumps(subject), encoding="utf-8")
        issued = {}
        for name in ("first", "second"):
            out = tmp_path / f"{name}.jwt"
            issued[name] = json.loads(
                _ok(_oretrust(
                    "issue", "--issuer", "ministry", "--type", MOC,
                    "--subject", str(subject_file), "--holder-did", kivu_did,
                    "--out", str(out), "--json", "--home", str(platform),
                ))
            )  # fmt: skip
            assert issued[name]["holder"] == kivu_did
        first, second = tmp_path / "first.jwt", tmp_path / "second.jwt"
        received = _ok(
            _oretrust(
                "wallet",
                "receive",
                str(first),
                "--holder",
                "kivu",
                "--home",
                str(kivu),
                hosts=hosts,
            )
        )
        assert issued["first"]["id"] in received

        # 3. Kivu presents to the trader with the trader's nonce and audience: VALID there.
        to_trader = tmp_path / "to-trader.vp.jwt"
        _ok(_oretrust(
            "wallet", "present", "--holder", "kivu", "--credential", issued["first"]["id"],
            "--nonce", "trader-n-1", "--audience", TRADER_AUDIENCE, "--out", str(to_trader),
            "--home", str(kivu),
        ))  # fmt: skip
        at_trader = _report(_oretrust(
            "verify", str(to_trader), "--nonce", "trader-n-1", "--audience", TRADER_AUDIENCE,
            "--json", "--home", str(trader), hosts=hosts,
        ))  # fmt: skip
        assert at_trader["verdict"] == "VALID", at_trader

        # 4. The refinery (no registry) subscribes; a presentation to it is VALID, the
        # issuer judged accredited against the subscribed list.
        _ok(_oretrust("trust", "add-registry", REGISTRY, "--json", "--home", str(refinery),
                      hosts=hosts))  # fmt: skip
        to_refinery = tmp_path / "to-refinery.vp.jwt"
        _ok(_oretrust(
            "wallet", "present", "--holder", "kivu", "--credential", issued["first"]["id"],
            "--nonce", "refinery-n-1", "--audience", REFINERY_AUDIENCE,
            "--out", str(to_refinery), "--home", str(kivu),
        ))  # fmt: skip
        at_refinery = _report(_oretrust(
            "verify", str(to_refinery), "--nonce", "refinery-n-1",
            "--audience", REFINERY_AUDIENCE, "--json", "--home", str(refinery), hosts=hosts,
        ))  # fmt: skip
        assert at_refinery["verdict"] == "VALID", at_refinery
        accredited = _check(at_refinery, "issuer_accredited")
        assert accredited["passed"] is True
        assert "subscribed trust lists" in accredited["detail"] and REGISTRY in accredited["detail"]

        # 5. The ministry revokes; the refinery's next check (a fresh process: a fresh
        # status-list cache) says REVOKED.
        _ok(_oretrust("revoke", issued["first"]["id"], "--reason", "smuggled ore",
                      "--home", str(platform)))  # fmt: skip
        revoked = _report(
            _oretrust("verify", str(first), "--json", "--home", str(refinery), hosts=hosts)
        )
        assert revoked["verdict"] == "REVOKED", revoked

        # 6. The registry withdraws the ministry's accreditation (effective from its start);
        # the refinery sees it only after `trust refresh`.
        home = Home.open(platform)
        accreditation = registry.find_accreditation(home, MINISTRY, MOC, "CD")
        registry.withdraw(
            home,
            accreditation.id,
            effective=accreditation.valid_from,
            reason="licence fraud",
            now=datetime.now(UTC),
        )
        home.engine.dispose()
        before = _report(
            _oretrust("verify", str(second), "--json", "--home", str(refinery), hosts=hosts)
        )
        assert before["verdict"] == "VALID", before  # nothing fetched during a verify
        _ok(_oretrust("trust", "refresh", "--force", "--home", str(refinery), hosts=hosts))
        after = _report(
            _oretrust("verify", str(second), "--json", "--home", str(refinery), hosts=hosts)
        )
        assert after["verdict"] != "VALID", after
        withdrawn = _check(after, "issuer_accredited")
        assert withdrawn["passed"] is False
        assert (
            withdrawn["code"] == Code.ISSUER_NOT_ACCREDITED and "withdrawn" in withdrawn["detail"]
        )

        # 7. The ministry's domain mapped to a server hosting another domain: not accepted.
        decoy_document = httpx.get(
            f"{decoy_url}/.well-known/did.json", headers={"Host": "decoy.example"}, timeout=10
        )
        assert decoy_document.json()["id"] == DECOY  # it hosts a DID, just not the ministry's
        wrong = _report(_oretrust(
            "verify", str(second), "--json", "--home", str(refinery),
            hosts=f"mines.gouv.cd.example={decoy_url},registry.minerals-trust.example={platform_url}",
        ))  # fmt: skip
        assert wrong["verdict"] == "INVALID", wrong
        assert "DID_RESOLUTION_ERROR" in {e["code"] for e in wrong["errors"]}, wrong

    # 8. No home holds another party's private key.
    inventories = {
        name: key_inventory(tmp_path / name)
        for name in ("platform", "kivu", "trader", "refinery", "decoy")
    }
    owners = {name: {owner for owner, _ in keys} for name, keys in inventories.items()}
    assert {MINISTRY, REGISTRY} <= owners["platform"] and kivu_did not in owners["platform"]
    assert kivu_did in owners["kivu"] and not owners["kivu"] & {MINISTRY, REGISTRY, DECOY}
    assert DECOY in owners["decoy"]
    assert [
        k for k in inventories["trader"] + inventories["refinery"] if k[0].startswith("file:")
    ] == []
    own_keys = {
        name: [jwk for owner, jwk in keys if owner.startswith("file:")]
        for name, keys in inventories.items()
    }
    assert all(own_keys[name] for name in ("platform", "kivu", "decoy"))
    for name, keys in own_keys.items():
        for other, theirs in own_keys.items():
            if other != name:
                assert not any(same_key(a, b) for a in keys for b in theirs), (name, other)
