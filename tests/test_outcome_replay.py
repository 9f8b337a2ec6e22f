"""The kept verifier replays what it decided about remembered bytes — and only that.

:mod:`oretrust.verifier._replay` keeps, per remembered structure, the key a credential was
checked with (while its DID document is held) and what the checks marked ``fixed`` recorded.
These tests show the replayed report is the report, that the signature, the clock and every
check not marked fixed still run on every call, and that nothing failing is kept.
(``test_structure_memo.py`` changes the trust state under a warm replay memory.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from memo_support import NOW, issued_home, self_signed
from oretrust.codes import CheckId, Code
from oretrust.formats.jws import signature_verifier
from oretrust.home import Home
from oretrust.jwk import public_jwk
from oretrust.keys import generate_private_key
from oretrust.report import Check, CredentialCheck, VerificationReport
from oretrust.verifier import Verifier, verifier_for
from oretrust.verifier._replay import Outcome, OutcomeMemo
from oretrust.verifier._structures import StructureMemo

AT = NOW + timedelta(minutes=1)


@pytest.fixture
def issued(tmp_path: Path) -> Iterator[tuple[Home, str, str]]:
    yield from issued_home(tmp_path / "home")


def _kept(home: Home) -> Verifier:
    return verifier_for(home, allow_network=False)


def _without_status(report: dict[str, Any]) -> dict[str, Any]:
    """``report`` without the status detail and provenance (the home's store the first time,
    the verifier's cache after: they differ between any two verifications)."""
    checks = [{**c, "detail": ""} if c["id"] == CheckId.STATUS else c for c in report["checks"]]
    return {**report, "checks": checks, "status_lists": None}


def test_a_replayed_verification_is_the_report_of_a_verifier_without_memory(
    issued: tuple[Home, str, str],
) -> None:
    home, token, _ = issued
    reports = [_kept(home).check_credential(token, now=AT).to_dict() for _ in range(4)]
    outcomes = _kept(home).outcomes
    assert outcomes is not None and len(outcomes) == 1
    forgetful = replace(_kept(home), structures=None, outcomes=None)
    fresh = forgetful.check_credential(token, now=AT).to_dict()
    assert fresh["verdict"] == "VALID"
    assert all(_without_status(r) == _without_status(fresh) for r in reports)
    assert reports[3]["status_lists"][0]["source"] == "cache"


def _counting(check_id: str, fixed: bool, runs: list[str]) -> CredentialCheck:
    def run(_credential: dict[str, Any], report: VerificationReport, _now: datetime) -> None:
        runs.append(check_id)
        report.passed(check_id, f"{check_id} ran")
        report.warnings.append(f"{check_id} warns")

    return CredentialCheck(check_id, run, fixed=fixed)


def test_only_checks_marked_fixed_are_replayed(issued: tuple[Home, str, str]) -> None:
    """Five verifications: the fixed check runs for the first two (first sight, then the
    structure's first replay, whose outcome is kept), the other check every time; the
    replayed fixed check records what it recorded, warnings included."""
    home, token, _ = issued
    kept = _kept(home)
    runs: list[str] = []
    verifier = replace(
        kept,
        extra_checks=[*kept.extra_checks, _counting("fixed", True, runs),
                      _counting("changing", False, runs)],
        structures=StructureMemo(),
        outcomes=OutcomeMemo(kept.did_resolver.holding),  # type: ignore[attr-defined]
    )  # fmt: skip
    reports = [verifier.check_credential(token, now=AT) for _ in range(5)]
    assert [r.verdict for r in reports] == ["VALID"] * 5
    assert runs.count("fixed") == 2 and runs.count("changing") == 5
    last = reports[-1]
    assert Check("fixed", True, "OK", "fixed ran") in last.checks
    assert last.warnings.count("fixed warns") == 1 and last.warnings.count("changing warns") == 1


def test_the_signature_and_the_clock_are_checked_on_every_replay(
    issued: tuple[Home, str, str],
) -> None:
    home, token, _ = issued
    for _ in range(3):
        assert _kept(home).check_credential(token, now=AT).verdict == "VALID"
    signing_input, _, signature = token.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    forged = _kept(home).check_credential(f"{signing_input}.{flipped}", now=AT)
    assert forged.verdict == "INVALID" and forged.code == Code.SIGNATURE_INVALID
    too_early = _kept(home).check_credential(token, now=NOW - timedelta(days=2))
    assert too_early.verdict == "INVALID"
    assert Code.CREDENTIAL_NOT_YET_VALID in [error.code for error in too_early.errors]
    assert _kept(home).check_credential(token, now=AT).verdict == "VALID"


def test_an_outcome_that_failed_is_not_kept(issued: tuple[Home, str, str]) -> None:
    home, _, _ = issued
    token = self_signed()
    for _ in range(3):
        report = _kept(home).check_credential(token, now=AT)
        assert report.verdict == "INVALID" and report.code == Code.ISSUER_NOT_ACCREDITED
    assert len(_kept(home).structures or ()) == 1
    assert len(_kept(home).outcomes or ()) == 0


def test_an_outcome_holds_only_while_its_document_is_held(
    issued: tuple[Home, str, str],
) -> None:
    """Recalled while the resolver answers the very object the key was chosen from; a
    document fetched again (or changed) is another object, and the key is decided afresh;
    an outcome decided from a document fetched again meanwhile is not kept at all."""
    home, token, _ = issued
    for _ in range(3):
        _kept(home).check_credential(token, now=AT)
    structures = _kept(home).structures
    assert structures is not None
    recalled = structures.recall_token(token)
    assert recalled is not None
    _, structure = recalled
    held: list[object] = [object()]
    memo = OutcomeMemo(lambda _did: held[0])
    key = public_jwk(generate_private_key("EdDSA").public_key())
    outcome = Outcome(held[0], (), signature_verifier({"alg": "EdDSA"}, key), (), {}, ())
    memo.remember(structure, outcome)
    assert memo.recall(structure) is outcome
    held[0] = object()
    assert memo.recall(structure) is None
    fresh = OutcomeMemo(lambda _did: held[0])
    fresh.remember(structure, outcome)  # decided from a document no longer held: not filed
    assert len(fresh) == 0


def test_an_outcome_is_made_only_of_a_passing_key_step() -> None:
    """An outcome is made only of a key step whose checks all passed, signature included."""
    passed = Check(CheckId.SIGNATURE, True, "OK", "EdDSA signature verifies")
    failed = Check(CheckId.KID, False, Code.KID_NOT_IN_ISSUER_DID, "not here")
    report = VerificationReport(kind="credential", checks=[failed, passed])
    key = public_jwk(generate_private_key("EdDSA").public_key())
    verifier = signature_verifier({"alg": "EdDSA"}, key)
    assert Outcome.of(object(), (failed, passed), verifier, report, {}) is None
    good = VerificationReport(kind="credential", checks=[passed])
    assert Outcome.of(object(), (), verifier, good, {}) is None  # no signature among them
    made = Outcome.of(object(), (passed,), verifier, good, {})
    assert made is not None and made.signed == (passed,) and made.resolved == ()
