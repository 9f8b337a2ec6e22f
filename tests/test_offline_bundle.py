"""Offline verification (issue 11, points 5 and 6): the demo's bundle verifies every demo
artifact with the verdict and check codes an online verifier gives, with networking
unavailable, and a bundle cannot vouch for itself.

The CLI runs go through one process per side (a driver invoking the typer app for every
artifact), the offline one under ``unshare -n`` when the machine allows it and always with
``socket.socket`` replaced by one that refuses and records every attempt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import run_oretrust
from oretrust.bundle import BundlePins, load_bundle, pins_from_home
from oretrust.codes import Code
from oretrust.custody.ledger import ledger_head
from oretrust.encoding import b64url_decode, b64url_encode
from oretrust.errors import InputError, ResolutionError
from oretrust.formats.jws import parse_compact, sign_compact
from oretrust.home import Home
from oretrust.identities import signer_for
from oretrust.jwk import thumbprint
from oretrust.keys import LocalSigner, generate_private_key
from oretrust.report import VerificationReport
from oretrust.verifier.offline import verify_token_offline

REGISTRY = "did:web:registry.minerals-trust.example"
MINISTRY = "did:web:mines.gouv.cd.example"

DRIVER = r"""
import json, socket, sys
attempts = []
if sys.argv[1] == "offline":
    class _Refused(socket.socket):
        def __init__(self, *args, **kwargs):
            attempts.append(repr(args)[:200])
            raise OSError("networking is unavailable in this test")
    def _refuse(*args, **kwargs):
        attempts.append(repr(args)[:200])
        raise OSError("networking is unavailable in this test")
    socket.socket = _Refused
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
from typer.testing import CliRunner
from oretrust.cli.main import app
results = []
for argv in json.loads(open(sys.argv[2]).read()):
    result = CliRunner().invoke(app, argv)
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    results.append({"exit": result.exit_code, "stdout": result.stdout, "crash": repr(crash)})
print(json.dumps({"results": results, "socket_attempts": attempts}))
"""


def _unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "true"], check=False).returncode == 0
    except OSError:
        return False


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("offline") / "demo"
    result = run_oretrust("demo", "--out", str(out), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def summary(demo: Path) -> dict[str, Any]:
    return dict(json.loads((demo / "summary.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def pins(demo: Path) -> BundlePins:
    home = Home.open(demo)
    try:
        return pins_from_home(home)
    finally:
        home.engine.dispose()


def _artifacts(demo: Path, summary: dict[str, Any]) -> list[tuple[str, list[str], str]]:
    """(name, verify arguments, expected verdict after the demo) for every artifact."""
    found = []
    for entry in summary["credentials"]:
        found.append((entry["name"], [str(demo / entry["file"])], entry["expected"]["after"]))
    for entry in summary["presentations"]:
        record = json.loads((demo / entry["file"]).read_text(encoding="utf-8"))
        args = [str(demo / entry["file"]), "--nonce", record["nonce"]]
        found.append(
            (entry["name"], [*args, "--audience", record["audience"]], entry["expected"]["after"])
        )
    return found


def _drive(mode: str, runs: list[list[str]], tmp_path: Path) -> dict[str, Any]:
    driver, argv_file = tmp_path / "driver.py", tmp_path / f"{mode}.json"
    driver.write_text(DRIVER, encoding="utf-8")
    argv_file.write_text(json.dumps(runs), encoding="utf-8")
    command = [sys.executable, str(driver), mode, str(argv_file)]
    if mode == "offline" and _unshare_works():
        command = ["unshare", "-n", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


def _codes(report: dict[str, Any]) -> list[Any]:
    """Every check as (id, code), nested credentials' too: what must agree both ways."""
    own = [(check["id"], check["code"]) for check in report["checks"]]
    return [own, *(_codes(nested) for nested in report.get("credentials", []))]


def test_every_demo_artifact_gets_the_online_verdict_offline_with_no_network(
    demo: Path, summary: dict[str, Any], tmp_path: Path
) -> None:
    """Point 6: same verdict, same check codes, every artifact; point 5: no socket opened."""
    artifacts = _artifacts(demo, summary)
    assert len(artifacts) == len(summary["credentials"]) + len(summary["presentations"]) >= 10
    online = _drive(
        "online", [["verify", *a, "--home", str(demo), "--json"] for _, a, _ in artifacts], tmp_path
    )
    offline = _drive(
        "offline",
        [
            ["verify", "--offline", str(demo / "bundle.jwt"), *a, "--home", str(demo), "--json"]
            for _, a, _ in artifacts
        ],
        tmp_path,
    )
    assert offline["socket_attempts"] == []
    for (name, _, expected), on, off in zip(
        artifacts, online["results"], offline["results"], strict=True
    ):
        assert on["crash"] == off["crash"] == "None", name
        on_report, off_report = json.loads(on["stdout"]), json.loads(off["stdout"])
        assert on_report["verdict"] == off_report["verdict"] == expected, name
        assert on["exit"] == off["exit"] == (0 if expected == "VALID" else 1), name
        assert _codes(on_report) == _codes(off_report), name
        sources = {e["source"] for e in off_report.get("status_lists", [])} | {
            e["source"]
            for n in off_report.get("credentials", [])
            for e in n.get("status_lists", [])
        }
        assert sources <= {"bundle"}, name
    revoked = json.loads(
        offline["results"][[a[0] for a in artifacts].index("origin-lot-0457")]["stdout"]
    )
    (entry,) = [e for e in revoked["status_lists"] if e["purpose"] == "revocation"]
    assert entry["source"] == "bundle" and entry["age_seconds"] >= 0 and "cached_seconds" in entry
    assert any("verified offline against a bundle" in w for w in revoked["warnings"])


def test_the_demo_bundle_carries_what_the_issue_lists(demo: Path, pins: BundlePins) -> None:
    bundle = load_bundle(
        (demo / "bundle.jwt").read_text(encoding="utf-8"), pins=pins, now=datetime.now(UTC)
    )
    assert bundle.signer == REGISTRY and bundle.roots == {REGISTRY}
    home = Home.open(demo)
    try:  # the mass ledger's head as the platform keeps it (Kivu's registered sale)
        assert bundle.ledger == ledger_head(home) and bundle.ledger["seq"] >= 2
    finally:
        home.engine.dispose()
    accredited = {a.entity_id for tl in bundle.trust_lists for a in tl.accreditations}
    assert accredited and accredited <= set(bundle.did_documents)
    assert "MineralOriginCertificate" in bundle.schemas
    assert len(bundle.status_lists) >= 3 and bundle.expires_at > bundle.issued_at


def _resigned(
    demo: Path, change: Any, *, signer: Any = None, header: dict[str, Any] | None = None
) -> str:
    """The demo bundle's payload changed by ``change`` and signed again (by the registry
    unless ``signer`` is given)."""
    token = (demo / "bundle.jwt").read_text(encoding="utf-8").strip()
    payload = json.loads(parse_compact(token, max_bytes=1 << 25).unverified_payload_bytes)
    change(payload)
    home = Home.open(demo)
    try:
        key = signer or signer_for(home, REGISTRY)
        body = json.dumps(payload).encode()
        return sign_compact(header or {"typ": "oretrust-bundle+jwt"}, body, key)
    finally:
        home.engine.dispose()


def _offline(bundle_text: str, pins: BundlePins, file: Path) -> VerificationReport:
    bundle = load_bundle(bundle_text, pins=pins, now=datetime.now(UTC))
    return verify_token_offline(
        bundle, file.read_text(encoding="utf-8"), nonce=None, audience=None, now=datetime.now(UTC)
    )


def test_a_missing_status_list_or_did_document_fails_clearly_and_fetches_nothing(
    demo: Path, pins: BundlePins, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the offline verifier tried to open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    licence = demo / "credentials" / "licence-kivu.jwt"
    no_lists = _resigned(demo, lambda p: p["status_lists"].clear())
    report = _offline(no_lists, pins, licence)
    status = next(c for c in report.checks if c.id == "status")
    assert report.verdict == "INVALID" and status.code == Code.STATUS_RETRIEVAL_ERROR
    assert "not in the offline bundle" in status.detail
    no_ministry = _resigned(demo, lambda p: p["did_documents"].pop(MINISTRY))
    report = _offline(no_ministry, pins, licence)
    assert report.code == Code.DID_RESOLUTION_ERROR
    assert "not in the offline bundle" in report.errors[0].detail


def test_bundle_cannot_vouch_for_itself_with_a_key_of_its_own(demo: Path, pins: BundlePins) -> None:
    """An attacker's bundle naming the registry DID, carrying a registry DID document with
    the attacker's key, signed by that key: refused, the key is not pinned."""
    attacker = LocalSigner(generate_private_key(), f"{REGISTRY}#key-evil")

    def swap_registry_key(payload: dict[str, Any]) -> None:
        document = payload["did_documents"][REGISTRY]
        method = {
            "id": attacker.kid,
            "type": "JsonWebKey",
            "controller": REGISTRY,
            "publicKeyJwk": attacker.public_jwk,
        }
        document["verificationMethod"] = [method]
        document["assertionMethod"] = [attacker.kid]

    forged = _resigned(demo, swap_registry_key, signer=attacker)
    with pytest.raises(ResolutionError) as raised:
        load_bundle(forged, pins=pins, now=datetime.now(UTC))
    assert raised.value.code == Code.BUNDLE_SIGNER_NOT_PINNED
    assert thumbprint(attacker.public_jwk) in raised.value.detail


def test_bundle_signed_by_an_accredited_issuer_is_not_the_registrys(
    demo: Path, pins: BundlePins
) -> None:
    home = Home.open(demo)
    try:
        ministry = signer_for(home, MINISTRY)
    finally:
        home.engine.dispose()
    forged = _resigned(demo, lambda p: p.update(iss=MINISTRY), signer=ministry)
    with pytest.raises(ResolutionError) as raised:
        load_bundle(forged, pins=pins, now=datetime.now(UTC))
    assert raised.value.code == Code.BUNDLE_SIGNER_NOT_PINNED


def test_tampered_expired_future_and_malformed_bundles_are_refused(
    demo: Path, pins: BundlePins
) -> None:
    text = (demo / "bundle.jwt").read_text(encoding="utf-8").strip()
    now = datetime.now(UTC)
    header, payload, signature = text.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["exp"] += 86_400 * 365  # a bundle made to last a year, its signature kept
    tampered = f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"
    cases = {
        Code.BUNDLE_SIGNATURE_INVALID: (tampered, now),
        Code.BUNDLE_EXPIRED: (text, now + timedelta(days=2)),
        Code.BUNDLE_NOT_YET_VALID: (text, now - timedelta(days=2)),
        Code.BUNDLE_INVALID: (_resigned(demo, lambda p: None, header={"typ": "JWT"}), now),
    }
    broken = f"{header}.{payload[:-8]}AAAAAAAA.{signature}"  # no longer JSON
    with pytest.raises(ResolutionError) as unreadable:
        load_bundle(broken, pins=pins, now=now)
    assert unreadable.value.code == Code.BUNDLE_INVALID
    for code, (bundle, at) in cases.items():
        with pytest.raises(ResolutionError) as raised:
            load_bundle(bundle, pins=pins, now=at)
        assert raised.value.code == code, (code, raised.value.detail)
    with pytest.raises(InputError) as no_pin:
        load_bundle(text, pins=BundlePins({}), now=now)
    assert no_pin.value.code == Code.BUNDLE_PIN_REQUIRED


def test_cli_offline_needs_a_pin_and_names_an_expired_bundle_in_one_line(demo: Path) -> None:
    licence = str(demo / "credentials" / "licence-kivu.jwt")
    bundle = str(demo / "bundle.jwt")
    unpinned = run_oretrust("verify", "--offline", bundle, licence)
    assert unpinned.returncode == 2 and "BUNDLE_PIN_REQUIRED" in unpinned.stderr
    assert len(unpinned.stderr.strip().splitlines()) == 1
    later = run_oretrust(
        "verify", "--offline", bundle, licence, "--home", str(demo), "--at", "2030-01-01T00:00:00Z"
    )
    assert later.returncode == 2 and "BUNDLE_EXPIRED" in later.stderr


def test_a_policy_demanding_fresher_revocation_data_fails_on_an_old_bundle(
    demo: Path, pins: BundlePins, tmp_path: Path
) -> None:
    from oretrust.policy import parse_policy

    record = json.loads(
        (demo / "presentations" / "trader-to-refinery-sd-jwt.json").read_text(encoding="utf-8")
    )
    bundle = load_bundle(
        (demo / "bundle.jwt").read_text(encoding="utf-8"), pins=pins, now=datetime.now(UTC)
    )

    def checked(max_age: str) -> VerificationReport:
        policy = parse_policy(
            "name: fresh-origin\nversion: 1\ncredentials:\n  origin:\n"
            "    type: MineralOriginCertificate\n"
            f"high_risk_evidence: not-required\nmax_status_age: {max_age}\n"
        )
        return verify_token_offline(
            bundle,
            json.dumps(record),
            nonce=record["nonce"],
            audience=record["audience"],
            now=datetime.now(UTC),
            policy=policy,
        )

    relaxed = checked("24h")
    assert relaxed.verified, [c for c in relaxed.errors]
    assert [c.code for c in relaxed.checks if c.id == "policy:status-age"] == ["OK"]
    strict = checked("1s")  # the demo signed its lists seconds before the bundle was made
    assert strict.verdict == "INVALID"
    (age,) = [c for c in strict.checks if c.id == "policy:status-age"]
    assert age.code == Code.POLICY_STATUS_TOO_OLD and "source bundle" in age.detail
    with pytest.raises(InputError) as bad:
        parse_policy(
            "name: x\nversion: 1\ncredentials:\n  o:\n    type: MineralOriginCertificate\n"
            "max_status_age: soon\n"
        )
    assert bad.value.code == Code.POLICY_INVALID and "max_status_age" in bad.value.detail


def test_bundle_bench_runs_small(tmp_path: Path) -> None:
    """Point 7's benchmark, with tiny parameters: it builds, exports, loads and prints."""
    done = subprocess.run(
        [
            sys.executable,
            "bench/bench_bundle.py",
            "--issuers",
            "2",
            "--credentials",
            "3000",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
        env={k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "bundle file" in done.stdout and "fits comfortably" in done.stdout
    assert "load bundle" in done.stdout and "Ed25519" in done.stdout


def test_a_subscribing_verifier_home_exports_a_bundle_anchored_in_the_registry(
    demo: Path, tmp_path: Path
) -> None:
    """The refinery (no registry, a pinned subscription) bundles the registry-signed list, the
    issuers' DID documents and the status lists, signs with its own key; its border post
    pins that key as well as the registry's — without it the bundle is refused."""
    from oretrust.bundle import export_bundle_file
    from oretrust.did import StaticDidResolver
    from oretrust.status.resolver import InMemoryStatusListResolver

    documents = {}
    for path in (demo / "did").glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["id"]] = document
    lists = {
        f"https://registry.minerals-trust.example/status/{path.stem}": path.read_text().strip()
        for path in (demo / "status").glob("*.jwt")
    }
    refinery = Home.open(demo / "nodes" / "baltic-refinery")
    try:
        exported = export_bundle_file(
            refinery,
            tmp_path / "refinery-bundle.jwt",
            now=datetime.now(UTC),
            signer="baltic-refinery",
            status_urls=tuple(lists),
            resolver=StaticDidResolver(documents),
            fetcher=InMemoryStatusListResolver(lists),
        )
        assert exported.registries == (REGISTRY,) and exported.signer.startswith("did:jwk:")
        text = (tmp_path / "refinery-bundle.jwt").read_text(encoding="utf-8")
        with pytest.raises(ResolutionError) as unpinned:
            load_bundle(text, pins=pins_from_home(refinery), now=datetime.now(UTC))
        assert unpinned.value.code == Code.BUNDLE_SIGNER_NOT_PINNED
        pins = pins_from_home(refinery, bundle_keys=[exported.key_thumbprint])
    finally:
        refinery.engine.dispose()
    licence = demo / "credentials" / "licence-kivu.jwt"
    assert _offline(text, pins, licence).verdict == "VALID"
    assert _offline(text, pins, demo / "credentials" / "origin-lot-0457.jwt").verdict == "REVOKED"
