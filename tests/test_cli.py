"""The CLI's scripting contract, exercised through the real ``oretrust`` process.

Exit codes: 0 success / valid, 1 invalid, 2 usage or input error; errors are one line on
stderr with no traceback; ``--json`` prints machine-readable output.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import run_oretrust
from oretrust.credentials import EXAMPLES
from oretrust.encoding import b64url_decode, b64url_encode


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_oretrust(*args, "--home", str(home), stdin=stdin)


def issue_licence(
    home: Path, subject: str, *options: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``oretrust issue`` of a MiningLicenceCredential by the ministry; ``subject`` is a path
    or ``-`` (``stdin``)."""
    return run(
        home,
        "issue",
        "--issuer",
        "ministry",
        "--type",
        "MiningLicenceCredential",
        "--subject",
        subject,
        *options,
        stdin=stdin,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("home")
    assert run(home, "init", "--domain", "oretrust.example").returncode == 0
    ministry = run(
        home,
        "issuer",
        "add",
        "ministry",
        "--display-name",
        "Ministry of Mines",
        "--did",
        "did:web:mines.example",
        "--json",
    )
    assert ministry.returncode == 0, ministry.stderr
    holder = run(home, "holder", "add", "kivu", "--display-name", "Kivu Minerals SARL", "--json")
    assert holder.returncode == 0, holder.stderr
    holder_did = json.loads(holder.stdout)["did"]
    subject = json.loads(json.dumps(EXAMPLES["MiningLicenceCredential"]))
    subject["holder"]["id"] = holder_did
    subject_file = home / "licence.json"
    subject_file.write_text(json.dumps(subject))
    issued = issue_licence(
        home,
        str(subject_file),
        "--holder",
        "kivu",
        "--out",
        str(home / "licence.jwt"),
        "--valid-until",
        "2046-02-28T00:00:00Z",
        "--json",
    )
    assert issued.returncode == 0, issued.stderr
    return {
        "home": home,
        "holder": holder_did,
        "credential": json.loads(issued.stdout),
        "subject": subject,
    }


def test_issued_credential_verifies_with_exit_0(registry: dict[str, Any]) -> None:
    home = registry["home"]
    result = run(home, "verify", str(home / "licence.jwt"), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["verified"] is True
    assert {check["id"] for check in report["checks"]} >= {
        "signature",
        "kid",
        "validity_period",
        "schema",
    }


def test_tampered_credential_exits_1(registry: dict[str, Any]) -> None:
    home = registry["home"]
    header, payload, signature = (home / "licence.jwt").read_text().strip().split(".")
    tampered = home / "tampered.jwt"
    claims = json.loads(b64url_decode(payload))
    claims["validUntil"] = "2099-01-01T00:00:00Z"  # still well-formed, no longer what was signed
    forged = b64url_encode(json.dumps(claims).encode())
    tampered.write_text(f"{header}.{forged}.{signature}")
    result = run(home, "verify", str(tampered), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["verified"] is False
    assert [error["code"] for error in report["errors"]] == ["SIGNATURE_INVALID"]


def test_verify_as_of_after_expiry_exits_1(registry: dict[str, Any]) -> None:
    home = registry["home"]
    result = run(
        home, "verify", str(home / "licence.jwt"), "--at", "2047-01-01T00:00:00Z", "--json"
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["errors"][0]["code"] == "CREDENTIAL_EXPIRED"


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_presentation_round_trip(registry: dict[str, Any]) -> None:
    home = registry["home"]
    credential_id = registry["credential"]["id"]
    listed = run(home, "wallet", "list", "--holder", "kivu", "--json")
    assert credential_id in [entry["credential_id"] for entry in json.loads(listed.stdout)]
    vp = run(
        home,
        "present",
        "--holder",
        "kivu",
        "--credential",
        credential_id,
        "--nonce",
        "n-42",
        "--audience",
        "did:web:refinery.example",
        "--out",
        str(home / "vp.jwt"),
    )
    assert vp.returncode == 0, vp.stderr

    def verify(nonce: str, *options: str) -> subprocess.CompletedProcess[str]:
        vp_file, audience = str(home / "vp.jwt"), "did:web:refinery.example"
        return run(home, "verify", vp_file, "--nonce", nonce, "--audience", audience, *options)

    good = verify("n-42")
    assert good.returncode == 0, good.stdout
    replay = verify("other", "--json")
    assert replay.returncode == 1
    assert "NONCE_MISMATCH" in {e["code"] for e in json.loads(replay.stdout)["errors"]}


def test_bad_subject_refused_naming_the_field(registry: dict[str, Any]) -> None:
    home = registry["home"]
    subject = json.loads(json.dumps(registry["subject"]))
    subject["mineSite"]["coordinates"]["latitude"] = 200
    bad = home / "bad.json"
    bad.write_text(json.dumps(subject))
    line = assert_one_line_error(issue_licence(home, str(bad)), 2)
    assert "latitude" in line


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["issue", "--issuer", "nobody", "--type", "MiningLicenceCredential", "--subject", "-"],
            "nobody",
        ),
        (
            ["issue", "--issuer", "ministry", "--type", "PizzaCredential", "--subject", "-"],
            "PizzaCredential",
        ),
        (["issuer", "add", "Bad Name!", "--display-name", "x"], "invalid name"),
        (
            [
                "issuer",
                "add",
                "ministry",
                "--display-name",
                "again",
                "--did",
                "did:web:mines.example",
            ],
            "already exists",
        ),
        (["verify", "/no/such/file.jwt"], "cannot read"),
        (
            [
                "present",
                "--holder",
                "kivu",
                "--credential",
                "urn:uuid:missing",
                "--nonce",
                "n",
                "--audience",
                "a",
            ],
            "not in",
        ),
        (["did", "show", "nobody"], "nobody"),
    ],
)
def test_input_errors_are_one_line_exit_2(
    registry: dict[str, Any], args: list[str], needle: str
) -> None:
    result = run(registry["home"], *args, stdin="{}")
    line = assert_one_line_error(result, 2)
    assert needle in line


def test_malformed_subject_json_is_exit_2(registry: dict[str, Any]) -> None:
    result = issue_licence(registry["home"], "-", stdin="{not json")
    assert "not valid JSON" in assert_one_line_error(result, 2)


def test_garbage_token_is_invalid_not_a_crash(registry: dict[str, Any]) -> None:
    garbage = registry["home"] / "garbage.jwt"
    garbage.write_text("definitely.not.a-token\n")
    result = run(registry["home"], "verify", str(garbage), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["errors"][0]["code"] == "MALFORMED_TOKEN"


def test_usage_error_is_exit_2(registry: dict[str, Any]) -> None:
    assert run(registry["home"], "verify").returncode == 2


def test_did_show_prints_issuer_document(registry: dict[str, Any]) -> None:
    result = run(registry["home"], "did", "show", "ministry")
    document = json.loads(result.stdout)
    assert document["id"] == "did:web:mines.example"
    assert document["assertionMethod"] == ["did:web:mines.example#key-1"]
    assert "d" not in document["verificationMethod"][0]["publicKeyJwk"]


def test_private_keys_never_in_the_database(registry: dict[str, Any]) -> None:
    database = (registry["home"] / "oretrust.db").read_bytes()
    assert b"PRIVATE KEY" not in database
    assert b'"d"' not in database


@pytest.mark.slow  # CLI processes: behind the marker .ci/run also runs
def test_quiet_prints_only_the_id_for_scripts(registry: dict[str, Any], tmp_path: Path) -> None:
    """``--quiet`` is for ``ID=$(oretrust …)``: the DID or credential id alone on stdout."""
    holder = run(registry["home"], "holder", "add", "quiet-one", "--display-name", "Q", "--quiet")
    assert holder.returncode == 0, holder.stderr
    assert holder.stdout.strip().startswith("did:jwk:") and "\n" not in holder.stdout.strip()
    subject = tmp_path / "licence.json"
    subject.write_text(json.dumps(registry["subject"]))
    out = tmp_path / "quiet.jwt"
    issued = issue_licence(
        registry["home"], str(subject), "--holder", "kivu", "--out", str(out), "-q"
    )
    assert issued.returncode == 0, issued.stderr
    credential_id = issued.stdout.strip()
    assert credential_id.startswith("urn:uuid:") and " " not in credential_id
    shown = run(registry["home"], "status", "show", credential_id)
    assert shown.returncode == 0, shown.stderr
    lost = issue_licence(registry["home"], str(subject), "--holder", "kivu", "--quiet")
    assert "--out" in assert_one_line_error(lost, 2)  # the token would go nowhere


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_schema_example_is_a_subject_that_issues(registry: dict[str, Any]) -> None:
    example = run_oretrust("schema", "MineralOriginCertificate", "--example")
    assert example.returncode == 0, example.stderr
    assert json.loads(example.stdout)["lotId"]
    issued = run(
        registry["home"], "issue", "--issuer", "ministry", "--type", "MineralOriginCertificate",
        "--subject", "-", "--holder-did", json.loads(example.stdout)["exporter"]["id"],
        "--out", str(registry["home"] / "example.jwt"), stdin=example.stdout,
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    unknown = run_oretrust("schema", "NoSuchCredential", "--example")
    assert_one_line_error(unknown, 2)
