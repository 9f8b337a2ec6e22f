"""``oretrust issue --format dc+sd-jwt``, ``wallet show|present``, ``verify [--policy]`` through
the real ``oretrust`` process (a handful of calls: each costs a process start)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chain import Chain
from conftest import run_oretrust
from oretrust import holder

AUDIENCE = "did:web:baltic-cathode.example"


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_oretrust(*args, "--home", str(home))


def present(home: Path, nonce: str, out: str, *options: str) -> Path:
    """``oretrust wallet present`` by the trader to the refinery, written to ``home/out``."""
    made = run(
        home,
        "wallet",
        "present",
        "--holder",
        "trader",
        "--nonce",
        nonce,
        "--audience",
        AUDIENCE,
        *options,
        "--out",
        str(home / out),
    )
    assert made.returncode == 0, made.stderr
    return home / out


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home at the real current time (the CLI reads the clock), the trader's wallet holding
    the licence, AEO status and identity anchor; the origin certificate comes from the CLI."""
    folder = tmp_path_factory.mktemp("wallet-cli")
    chain = Chain.build(folder, datetime.now(UTC))
    for issued in (
        chain.vc("ministry-of-mines", "MiningLicenceCredential", chain.licence_subject()),
        chain.sd(
            "customs", "AuthorisedEconomicOperatorCredential", chain.aeo_subject(chain.trader)
        ),
        chain.vc(
            "business-register", "BusinessIdentityCredential", chain.anchor_subject(chain.trader)
        ),
    ):
        holder.receive_credential(chain.home, "trader", issued.token, now=chain.now)
    (folder / "origin.json").write_text(json.dumps(chain.origin_subject()))
    chain.home.engine.dispose()
    return folder


@pytest.fixture(scope="module")
def origin(home: Path) -> dict[str, Any]:
    result = run(
        home,
        "issue",
        "--issuer",
        "ministry-of-mines",
        "--type",
        "MineralOriginCertificate",
        "--subject",
        str(home / "origin.json"),
        "--holder",
        "trader",
        "--format",
        "dc+sd-jwt",
        "--valid-until",
        "2099-01-01T00:00:00Z",
        "--out",
        str(home / "origin.sd-jwt"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    issued: dict[str, Any] = json.loads(result.stdout)
    return issued


def test_issue_as_sd_jwt_vc_lands_in_the_wallet_and_shows_what_it_would_disclose(
    home: Path, origin: dict[str, Any]
) -> None:
    assert origin["format"] == "dc+sd-jwt"
    assert (home / "origin.sd-jwt").read_text().strip().endswith("~")
    shown = run(home, "wallet", "show", origin["id"], "--holder", "trader", "--json")
    assert shown.returncode == 0, shown.stderr
    details = json.loads(shown.stdout)
    assert details["format"] == "dc+sd-jwt"
    assert {"mass", "price", "buyer"} <= details["withholdable"].keys()
    assert "mass" not in details["visible"]


def test_present_one_sd_jwt_and_verify_the_presentation_file(
    home: Path, origin: dict[str, Any]
) -> None:
    made = present(home, "n-cli-1", "p.json", "--credential", origin["id"], "--disclose", "mass")
    written = json.loads(made.read_text())
    assert written["format"] == "dc+sd-jwt" and written["nonce"] == "n-cli-1"
    result = run(home, "verify", str(made), "--nonce", "n-cli-1", "--audience", AUDIENCE, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    nested = report["credentials"][0]
    assert "mass" in nested["claims"]["credentialSubject"]
    assert "price" not in nested["claims"]["credentialSubject"]
    assert nested["disclosure"]["disclosed"] == ["mass"]
    assert "price" in nested["disclosure"]["not_disclosed"]


def test_present_for_a_policy_and_verify_against_it(home: Path, origin: dict[str, Any]) -> None:
    made = present(home, "n-cli-2", "vp.json", "--policy", "refinery-supplier")
    assert json.loads(made.read_text())["format"] == "vp+jwt"
    challenge = ("--nonce", "n-cli-2", "--audience", AUDIENCE)
    result = run(home, "verify", str(made), *challenge, "--policy", "refinery-supplier", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    checks = {c["id"]: c["code"] for c in json.loads(result.stdout)["checks"]}
    assert checks["policy:origin-certificate"] == "OK"
    assert checks["policy:identity-anchor"] == "OK"


def test_bad_policy_file_is_exit_2_naming_the_field(home: Path, origin: dict[str, Any]) -> None:
    bad = home / "bad-policy.yaml"
    bad.write_text(
        "name: x\ncredentials:\n  lot:\n    type: MineralOriginCertificate\n"
        "    disclose: [tonnage]\n"
    )
    result = run(home, "verify", str(home / "origin.sd-jwt"), "--policy", str(bad))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "credentials.lot.disclose[0]" in lines[0]
    assert "POLICY_INVALID" in lines[0]
