"""``oretrust demo --out DIR``: runs the story and leaves artifacts per the scripting contract."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api_support import key_inventory
from conftest import run_oretrust
from oretrust.encoding import b64url_decode
from oretrust.home import Home
from oretrust.verifier import verify_token


def _oretrust(*args: str) -> subprocess.CompletedProcess[str]:
    return run_oretrust(*args, timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    result = _oretrust("demo", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout
    return out


@pytest.fixture(scope="module")
def summary(demo: Path) -> dict[str, Any]:
    return json.loads((demo / "summary.json").read_text())


@pytest.fixture
def demo_home(demo: Path) -> Iterator[Home]:
    """The demo's home opened in this process (what ``oretrust verify --home`` opens), so a
    whole folder of artifacts is checked without a process start per file."""
    home = Home.open(demo, database_url=f"sqlite:///{demo / 'oretrust.db'}")
    yield home
    home.engine.dispose()


def _verdict(home: Home, file: Path) -> str:
    """What ``oretrust verify FILE`` would conclude now; a presentation file is checked with
    the nonce and audience the demo's verifier asked for (``--nonce``/``--audience``)."""
    text = file.read_text()
    wrapper = json.loads(text) if text.lstrip().startswith("{") else {}
    return verify_token(
        home,
        text,
        nonce=wrapper.get("nonce"),
        audience=wrapper.get("audience"),
        now=datetime.now(UTC),
    ).verdict


def _header_and_payload(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def test_home_and_keys_exist(demo: Path) -> None:
    assert (demo / "oretrust.db").is_file()
    pems = list((demo / "keys").glob("*.pem"))
    assert pems
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in pems)


def test_summary_shape(summary: dict[str, Any]) -> None:
    verdicts = {"VALID", "REVOKED", "SUSPENDED", "INVALID"}
    assert {"credentials", "presentations", "steps"} <= summary.keys()
    types = {c["type"] for c in summary["credentials"]}
    assert {
        "BusinessIdentityCredential",
        "MiningLicenceCredential",
        "MineralOriginCertificate",
    } <= types
    for credential in summary["credentials"]:
        assert {
            "name",
            "file",
            "format",
            "type",
            "issuer",
            "holder",
            "status",
            "expected",
        } <= credential.keys()
        assert credential["format"] in ("vc+jwt", "dc+sd-jwt")
        assert (
            credential["expected"]["before"] in verdicts
            and credential["expected"]["after"] in verdicts
        )
    assert summary["presentations"] and summary["steps"]
    for presentation in summary["presentations"]:
        assert {"name", "file", "format", "expected"} <= presentation.keys()
    for step in summary["steps"]:
        assert {"name", "report", "expected_code"} <= step.keys()


def test_credentials_are_vc_jwt_per_standards(demo: Path, summary: dict[str, Any]) -> None:
    for credential in [c for c in summary["credentials"] if c["format"] == "vc+jwt"]:
        header, payload = _header_and_payload((demo / credential["file"]).read_text().strip())
        assert header["typ"] == "vc+jwt" and header["cty"] == "vc"
        assert header["alg"] in ("EdDSA", "ES256")
        assert header["kid"].startswith(credential["issuer"] + "#")
        assert payload["@context"][0] == "https://www.w3.org/ns/credentials/v2"
        assert "vc" not in payload
        issuer = payload["issuer"]
        assert (issuer if isinstance(issuer, str) else issuer["id"]) == credential["issuer"]


def test_did_documents_for_every_issuer_and_holder(demo: Path, summary: dict[str, Any]) -> None:
    documents = {json.loads(p.read_text())["id"] for p in (demo / "did").glob("*.json")}
    for credential in summary["credentials"]:
        assert credential["issuer"] in documents
        assert credential["holder"] in documents
    ministry = json.loads((demo / "did" / "ministry-of-mines.json").read_text())
    assert ministry["id"].startswith("did:web:")
    assert ministry["verificationMethod"][0]["type"] == "JsonWebKey"


def test_every_credential_verifies_as_expected(
    demo: Path, demo_home: Home, summary: dict[str, Any]
) -> None:
    expected = {c["name"]: c["expected"]["after"] for c in summary["credentials"]}
    assert {"VALID", "REVOKED"} <= set(expected.values())
    verdicts = {c["name"]: _verdict(demo_home, demo / c["file"]) for c in summary["credentials"]}
    assert verdicts == expected


def test_the_cli_verifies_the_demo_folder_with_exit_codes(
    demo: Path, summary: dict[str, Any]
) -> None:
    """One credential expected VALID and one not, through the real process (exit 0 / 1)."""
    for verdict in ("VALID", "REVOKED"):
        credential = next(c for c in summary["credentials"] if c["expected"]["after"] == verdict)
        result = _oretrust("verify", str(demo / credential["file"]), "--home", str(demo), "--json")
        assert json.loads(result.stdout)["verdict"] == verdict, credential["name"]
        assert result.returncode == (0 if verdict == "VALID" else 1)


def test_presentations_verify_with_their_nonce_and_audience(
    demo: Path, demo_home: Home, summary: dict[str, Any]
) -> None:
    assert any(p["format"] == "vp+jwt" for p in summary["presentations"])
    for presentation in summary["presentations"]:
        record = json.loads((demo / presentation["file"]).read_text())
        assert record["format"] == presentation["format"] and record["nonce"] and record["audience"]
        if record["format"] == "dc+sd-jwt":
            continue  # checked in test_sd_jwt_presentation_withholds_mass_and_price
        header, payload = _header_and_payload(record["presentation"])
        assert header["typ"] == "vp+jwt"
        assert payload["nonce"] == record["nonce"] and payload["aud"] == record["audience"]
        assert all(
            e["type"] == "EnvelopedVerifiableCredential" for e in payload["verifiableCredential"]
        )
        verdict = _verdict(demo_home, demo / presentation["file"])
        assert verdict == presentation["expected"]["after"], presentation["name"]


def test_reports_match_expected_codes(demo: Path, summary: dict[str, Any]) -> None:
    names = {step["name"] for step in summary["steps"]}
    assert "refinery-verifies-trader" in names
    for step in summary["steps"]:
        report = json.loads((demo / step["report"]).read_text())
        assert {"verified", "checks", "errors", "warnings"} <= report.keys()
        first = report["errors"][0]["code"] if report["errors"] else "OK"
        assert first == step["expected_code"], step["name"]
    refinery = json.loads((demo / "reports" / "refinery-verifies-trader.json").read_text())
    assert refinery["verified"] is True


def test_status_lists_follow_the_contract(demo: Path, summary: dict[str, Any]) -> None:
    with_status = [c for c in summary["credentials"] if c["status"] and c["format"] == "vc+jwt"]
    sd_jwts = [c for c in summary["credentials"] if c["format"] == "dc+sd-jwt"]
    assert sd_jwts, "the story issues an SD-JWT VC with a Token Status List entry"
    for credential in sd_jwts:
        reference = credential["status"]["status_list"]
        listed = demo / "status" / f"{reference['uri'].rsplit('/', 1)[-1]}.jwt"
        header, payload = _header_and_payload(listed.read_text().strip())
        assert header["typ"] == "statuslist+jwt"
        assert payload["sub"] == reference["uri"]
        assert isinstance(reference["idx"], int)
    assert with_status, "credentials carry status entries"
    for credential in with_status:
        entries = (
            credential["status"]
            if isinstance(credential["status"], list)
            else [credential["status"]]
        )
        for entry in entries:
            assert entry["type"] == "BitstringStatusListEntry"
            assert entry["statusListIndex"].isdigit()
            url = entry["statusListCredential"]
            listed = demo / "status" / f"{url.rsplit('/', 1)[-1]}.jwt"
            header, payload = _header_and_payload(listed.read_text().strip())
            assert header["typ"] == "vc+jwt"
            assert payload["id"] == url
            assert payload["credentialSubject"]["statusPurpose"] == entry["statusPurpose"]
            assert "BitstringStatusListCredential" in payload["type"]


def test_trust_list_follows_the_contract(demo: Path) -> None:
    _, payload = _header_and_payload((demo / "trust-list.jwt").read_text().strip())
    registry = json.loads((demo / "did" / "registry.json").read_text())
    assert payload["iss"] == registry["id"]
    assert isinstance(payload["iat"], int) and isinstance(payload["exp"], int)
    required = {"entity_id", "action", "resource", "valid_from", "valid_until", "status"}
    assert payload["accreditations"]
    for accreditation in payload["accreditations"]:
        assert required <= accreditation.keys()
        assert accreditation["action"].startswith("issue:")


def test_a_certificate_reused_across_buyers_is_caught_by_how_much(demo: Path) -> None:
    """Kivu sells lot 0457 twice (to two traders, two refineries): each chain alone balances,
    the registry's ledger says the certificate is overdrawn by the whole lot, 24,850 kg."""
    report = json.loads(
        (demo / "reports" / "second-refinery-catches-reused-certificate.json").read_text()
    )
    assert report["verified"] is False and report["errors"][0]["code"] == "MASS_BALANCE_EXCEEDED"
    assert "24,850.0 kg wet" in report["errors"][0]["detail"]
    assert [link["kind"] for link in report["links"]] == [
        "origin",
        "TransactionEvent",
        "TransactionEvent",
    ]


def test_story_covers_accreditation_and_revocation(summary: dict[str, Any]) -> None:
    codes = {step["name"]: step["expected_code"] for step in summary["steps"]}
    assert codes["refinery-rejects-unaccredited-ministry"] == "ISSUER_NOT_ACCREDITED"
    assert codes["refinery-sees-revoked-origin"] == "REVOKED"
    assert codes["second-refinery-catches-reused-certificate"] == "MASS_BALANCE_EXCEEDED"
    origin = next(c for c in summary["credentials"] if c["name"] == "origin-lot-0457")
    assert origin["expected"] == {"before": "VALID", "after": "REVOKED"}


def test_sd_jwt_presentation_withholds_mass_and_price(demo: Path, summary: dict[str, Any]) -> None:
    credential = next(c for c in summary["credentials"] if c["format"] == "dc+sd-jwt")
    issued = (demo / credential["file"]).read_text().strip()
    header, _ = _header_and_payload(issued.split("~")[0])
    assert header["typ"] == "dc+sd-jwt"
    record = json.loads((demo / "presentations" / "trader-to-refinery-sd-jwt.json").read_text())
    assert record["format"] == "dc+sd-jwt"
    disclosures = record["presentation"].split("~")[1:-1]
    names = {
        json.loads(b64url_decode(d))[1]
        for d in disclosures
        if len(json.loads(b64url_decode(d))) == 3
    }
    assert not names & {"mass", "price", "buyer", "assay"}
    report = json.loads((demo / "reports" / "refinery-verifies-sd-jwt-origin.json").read_text())
    assert report["verified"] is True
    claims = json.dumps(report)
    assert '"price"' not in json.dumps(report["credentials"][0]["claims"])
    assert "countryOfOrigin" in claims
    file = str(demo / "presentations" / "trader-to-refinery-sd-jwt.json")
    challenge = ("--nonce", record["nonce"], "--audience", record["audience"])
    result = _oretrust("verify", file, *challenge, "--home", str(demo), "--json")
    assert json.loads(result.stdout)["verified"] is True, result.stdout


def test_presentation_file_is_never_checked_with_the_holders_own_nonce(demo: Path) -> None:
    """The nonce in a presentation file is the holder's word: without this verifier's own
    challenge the CLI refuses (exit 2), and --no-replay-check says it could be a replay."""
    file = str(demo / "presentations" / "trader-to-refinery-sd-jwt.json")
    refused = _oretrust("verify", file, "--home", str(demo), "--json")
    assert refused.returncode == 2, refused.stdout
    assert "--nonce" in refused.stderr and "Traceback" not in refused.stderr
    waived = _oretrust("verify", file, "--no-replay-check", "--home", str(demo), "--json")
    assert "replay" in waived.stderr
    assert any("replay" in warning for warning in json.loads(waived.stdout)["warnings"])


KIVU = "kivu-minerals"
PARTIES = (KIVU, "lualaba-trading", "baltic-refinery", "kasai-metals", "nordkobolt-refinery")


@pytest.fixture(scope="module")
def nodes(demo: Path) -> dict[str, Any]:
    nodes: dict[str, Any] = json.loads((demo / "nodes.json").read_text())
    return nodes


def test_nodes_json_names_each_party_with_its_own_home(
    demo: Path, nodes: dict[str, Any], summary: dict[str, Any]
) -> None:
    assert nodes["platform"]["home"] == "."
    assert nodes["platform"]["url"].startswith("http://127.0.0.1:")
    for party in PARTIES:
        assert nodes[party]["home"] == f"nodes/{party}"
        assert [did[:8] for did in nodes[party]["dids"]] == ["did:jwk:"]
    for node in nodes.values():
        assert (demo / node["home"] / "oretrust.db").is_file()
    owner = {did: name for name, node in nodes.items() for did in node["dids"]}
    for credential in summary["credentials"]:
        assert owner[credential["holder"]] in PARTIES, credential["name"]
        issuer = owner[credential["issuer"]]
        expected = {
            "origin-lot-0457-unaccredited": "rogue-ministry",
            "sale-kivu-trader": KIVU,
            "sale-kivu-kasai": KIVU,
            "sale-kasai-nordkobolt": "kasai-metals",
        }
        assert issuer == expected.get(credential["name"], "platform"), credential["name"]


def test_no_home_holds_another_partys_private_key(demo: Path, nodes: dict[str, Any]) -> None:
    """Each home's key table names only its own DIDs, and each private key file it holds
    belongs to one of them; no private key is in two homes."""
    private: dict[str, list[str]] = {}
    for name, node in nodes.items():
        keys = key_inventory(demo / node["home"])
        rows = [(owner, jwk) for owner, jwk in keys if not owner.startswith("file:")]
        files = [jwk["x"] for owner, jwk in keys if owner.startswith("file:")]
        assert {owner for owner, _ in rows} <= set(node["dids"]), name
        assert files and set(files) <= {jwk["x"] for _, jwk in rows}, name
        private[name] = files
    every = [x for files in private.values() for x in files]
    assert len(every) == len(set(every))


def test_each_wallet_is_in_its_holders_own_home(demo: Path, nodes: dict[str, Any]) -> None:
    held = {}
    for party in ("kivu-minerals", "lualaba-trading"):
        result = _oretrust(
            "wallet", "list", "--holder", party, "--home", str(demo / nodes[party]["home"]),
            "--json",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        held[party] = {entry["type"] for entry in json.loads(result.stdout)}
    assert {"MiningLicenceCredential", "BusinessIdentityCredential"} <= held["kivu-minerals"]
    assert "AuthorisedEconomicOperatorCredential" in held["lualaba-trading"]
    platform = _oretrust("wallet", "list", "--holder", "kivu-minerals", "--home", str(demo))
    assert platform.returncode == 2, platform.stdout  # the platform holds no wallets


def test_the_refinery_trusts_only_its_registry_subscription(demo: Path) -> None:
    refinery = demo / "nodes" / "baltic-refinery"
    listed = _oretrust("trust", "list", "--home", str(refinery), "--json")
    assert listed.returncode == 0, listed.stderr
    assert [s["registry"] for s in json.loads(listed.stdout)] == [
        "did:web:registry.minerals-trust.example"
    ]
    report = json.loads((demo / "reports" / "refinery-verifies-trader.json").read_text())
    accredited = {
        check["detail"].split(":")[0]: check
        for credential in report["credentials"]
        for check in credential["checks"]
        if check["id"] == "issuer_accredited"
    }
    assert all(c["passed"] for c in accredited.values())
    # the institutions' credentials through the subscription; Kivu's own sale self-issued
    assert set(accredited) == {"subscribed trust lists", "self-issued CustodyTransferCredential"}
    sources = {
        entry["source"]
        for credential in report["credentials"]
        for entry in credential.get("status_lists", [])
    }
    # fetched from the platform's server (then reused within the check), never read from a
    # database: the refinery's home holds none of the platform's lists
    assert "https" in sources and sources <= {"https", "cache"}


# Runs last: it replaces the module's demo folder.
@pytest.mark.slow  # CLI processes: behind the marker .ci/run also runs
def test_rerun_replaces_previous_demo_but_never_other_folders(demo: Path, tmp_path: Path) -> None:
    again = _oretrust("demo", "--out", str(demo))
    assert again.returncode == 0, again.stderr
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    refused = _oretrust("demo", "--out", str(precious))
    assert refused.returncode == 2
    assert (precious / "thesis.txt").read_text() == "do not delete"
