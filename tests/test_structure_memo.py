"""The kept verifier replays what a credential's bytes passed, and nothing else.

:mod:`oretrust.verifier._structures` remembers, per exact signing input, the checks those
bytes alone decide (format, media type, data model, schema); :mod:`oretrust.verifier._replay`
what the kept verifier decided about them (the key, the accreditation). These tests warm both
memories with a genuine credential and then change everything else — the signature, the
clock, the status list, the issuer's key, its accreditation, the claims a caller was handed —
and prove each change is seen by the very next verification, as it is without the memory.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from memo_support import ISSUER, NOW, issued_home, self_signed
from oretrust import identities, registry
from oretrust.codes import CheckId, Code
from oretrust.did import DefaultDidResolver, create_did_jwk, signing_method
from oretrust.encoding import b64url_encode
from oretrust.home import Home
from oretrust.jwk import public_jwk
from oretrust.keys import generate_private_key
from oretrust.status.operations import revoke
from oretrust.verifier import verifier_for
from oretrust.verifier._structures import StructureMemo


@pytest.fixture
def issued(tmp_path: Path) -> Iterator[tuple[Home, str, str]]:
    """A home with a registry, an accredited ministry, and one credential it issued."""
    yield from issued_home(tmp_path / "home")


def _memo(home: Home) -> StructureMemo:
    structures = verifier_for(home, allow_network=False).structures
    assert structures is not None
    return structures


def _warm(home: Home, token: str) -> dict[str, Any]:
    """Verify ``token`` three times — the second replays the first's structure and keeps its
    outcome, the third replays that too (:mod:`oretrust.verifier._replay`) — all VALID and
    alike; every test after it then meets both memories warm."""
    verifier = verifier_for(home, allow_network=False)
    first = verifier.check_credential(token, now=NOW + timedelta(minutes=1))
    assert first.verdict == "VALID", first.to_dict()
    assert len(_memo(home)) == 1
    for _ in range(2):
        again = verifier_for(home, allow_network=False).check_credential(
            token, now=NOW + timedelta(minutes=1)
        )
        assert _comparable(again.to_dict()) == _comparable(first.to_dict())
    assert len(verifier_for(home, allow_network=False).outcomes or ()) == 1
    return first.to_dict()


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """``report`` without where its status list came from (the home's store, then the
    verifier's cache: that differs between any two verifications)."""
    checks = [
        {**check, "detail": ""} if check["id"] == CheckId.STATUS else check
        for check in report["checks"]
    ]
    return {**report, "checks": checks, "status_lists": None}


def _check(home: Home, token: str, at: datetime = NOW + timedelta(minutes=1)) -> dict[str, object]:
    return verifier_for(home, allow_network=False).check_credential(token, now=at).to_dict()


def _codes(report: dict[str, object]) -> list[str]:
    errors = report["errors"]
    assert isinstance(errors, list)
    return [str(error["code"]) for error in errors]


def test_the_replayed_structure_is_the_same_report(issued: tuple[Home, str, str]) -> None:
    home, token, _ = issued
    first = _warm(home, token)
    unremembered = replace(verifier_for(home, allow_network=False), structures=None, outcomes=None)
    again = unremembered.check_credential(token, now=NOW + timedelta(minutes=1)).to_dict()
    assert _comparable(again) == _comparable(first)
    assert [check["id"] for check in first["checks"]][:4] == [
        CheckId.FORMAT, CheckId.MEDIA_TYPE, CheckId.ISSUER_RESOLVED, CheckId.KID
    ]  # fmt: skip


@pytest.mark.parametrize("change", ["another signature", "bit flipped", "truncated", "empty"])
def test_remembered_bytes_with_another_signature_are_verified_afresh(
    issued: tuple[Home, str, str], change: str
) -> None:
    home, token, _ = issued
    _warm(home, token)
    signing_input, _, signature = token.rpartition(".")
    forged = {
        "another signature": b64url_encode(bytes(64)),
        "bit flipped": b64url_encode(bytes([signature.encode()[0] ^ 1]) + bytes(63)),
        "truncated": signature[:-4],
        "empty": "",
    }[change]
    report = _check(home, f"{signing_input}.{forged}")
    assert report["verdict"] == "INVALID"
    assert set(_codes(report)) & {Code.SIGNATURE_INVALID, Code.MALFORMED_TOKEN}


def test_the_clock_is_read_on_every_verification(issued: tuple[Home, str, str]) -> None:
    home, token, _ = issued
    _warm(home, token)
    before_issuance = _check(home, token, at=NOW - timedelta(days=1))
    assert before_issuance["verdict"] == "INVALID"
    assert Code.CREDENTIAL_NOT_YET_VALID in _codes(before_issuance)


def test_a_revocation_after_the_memory_is_warm_is_seen(issued: tuple[Home, str, str]) -> None:
    home, token, credential_id = issued
    _warm(home, token)
    revoke(home, credential_id, reason="forged lot", now=NOW)
    assert _check(home, token)["verdict"] == "REVOKED"


def test_a_compromised_key_after_the_memory_is_warm_is_seen(
    issued: tuple[Home, str, str],
) -> None:
    home, token, _ = issued
    _warm(home, token)
    (key,) = [k for k in identities.list_keys(home, ISSUER) if k.active]
    identities.mark_key_compromised(home, key.kid, as_of=NOW - timedelta(hours=1), now=NOW)
    report = _check(home, token)
    assert report["verdict"] == "INVALID"
    assert Code.KEY_COMPROMISED in _codes(report)


def test_a_withdrawn_accreditation_after_the_memory_is_warm_is_seen(
    issued: tuple[Home, str, str],
) -> None:
    home, token, _ = issued
    _warm(home, token)
    (accreditation,) = registry.list_accreditations(home, entity_id=ISSUER)
    registry.withdraw(
        home, accreditation.id, reason="captured office", now=NOW, effective=NOW - timedelta(days=1)
    )
    report = _check(home, token)
    assert report["verdict"] == "INVALID"
    assert Code.ISSUER_NOT_ACCREDITED in _codes(report)


def test_claims_a_caller_edits_are_not_remembered(issued: tuple[Home, str, str]) -> None:
    home, token, _ = issued
    original = _warm(home, token)["claims"]
    handed = verifier_for(home, allow_network=False).check_credential(token, now=NOW).claims
    assert handed is not None
    handed["issuer"] = "did:web:forger.example"
    handed["credentialSubject"]["mass"] = "999"
    assert _check(home, token)["claims"] == original


def test_only_a_structure_that_passed_is_remembered(issued: tuple[Home, str, str]) -> None:
    """Signed bytes that break the data model are judged afresh every time (and named by
    their own failure); signed bytes whose structure held are kept even when a later check
    (here: accreditation) fails."""
    home, _, _ = issued
    broken = self_signed(validUntil="2025-01-01T00:00:00Z")  # ends before it starts
    for _ in range(2):
        report = _check(home, broken)
        assert report["verdict"] == "INVALID"
        assert [e["id"] for e in report["errors"]][:1] == [CheckId.DATA_MODEL]
    assert len(_memo(home)) == 0
    sound = self_signed()
    assert _check(home, sound)["verdict"] == "INVALID"  # nobody accredits a fresh did:jwk
    assert len(_memo(home)) == 1


def test_a_method_is_remembered_only_while_its_document_is_held() -> None:
    """The resolver's kept verification method follows the very document it came from."""
    did = "did:web:mines.example"
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(bytes(32))}
    method = {"id": f"{did}#k", "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk}
    documents = {
        did: {"id": did, "verificationMethod": [method], "assertionMethod": [method["id"]]}
    }
    resolver = DefaultDidResolver(local=documents, remember_methods=True)
    resolver.remember_method(did, f"{did}#k", "assertionMethod", method)
    recalled = resolver.remembered_method(did, f"{did}#k", "assertionMethod")
    assert recalled == method and recalled is not method
    documents[did] = copy.deepcopy(documents[did])  # the home's document changed
    assert resolver.remembered_method(did, f"{did}#k", "assertionMethod") is None
    off = DefaultDidResolver(local=documents)
    off.remember_method(did, f"{did}#k", "assertionMethod", method)
    assert off.remembered_method(did, f"{did}#k", "assertionMethod") is None


def test_a_did_jwk_method_is_remembered_across_tokens() -> None:
    """A did:jwk is its own document: its method is recalled for the same DID read from
    another token (an equal string, not the same object)."""
    key = generate_private_key("EdDSA")
    did = create_did_jwk(public_jwk(key.public_key()))
    resolver = DefaultDidResolver(remember_methods=True)
    method = signing_method(resolver.resolve(did), f"{did}#0", "assertionMethod")
    resolver.remember_method(did, f"{did}#0", "assertionMethod", method)
    other_token_did = "".join(list(did))
    assert other_token_did == did and other_token_did is not did
    assert resolver.remembered_method(other_token_did, f"{did}#0", "assertionMethod") == method


def test_the_memory_outlives_a_rebuild_of_the_kept_verifier(
    issued: tuple[Home, str, str],
) -> None:
    home, token, credential_id = issued
    _warm(home, token)
    before = _memo(home)
    revoke(home, credential_id, reason="forged lot", now=NOW)  # a new trust state: rebuilt
    assert _memo(home) is before
    assert _check(home, token)["verdict"] == "REVOKED"
