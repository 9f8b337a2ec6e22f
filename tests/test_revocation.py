"""Revocation through a real home: issue with status, revoke/suspend/reinstate, log, publish.

Everything runs through the services and ``Home.verifier`` — the same path as the CLI, the
holder's wallet and the demo — with the home serving its own status lists from its database.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from oretrust import holder as wallet
from oretrust import identities
from oretrust.credentials import EXAMPLES
from oretrust.errors import ConflictError, InputError, InvalidCredentialError, NotFoundError
from oretrust.formats.jws import parse_compact
from oretrust.formats.vc_jwt import sign_credential
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.issuer import IssuedCredential, issue_credential
from oretrust.report import VerificationReport
from oretrust.status.bitstring import decode_bitstring
from oretrust.status.check import StatusListCache
from oretrust.status.list_tokens import verify_bitstring_status_list, verify_status_list_token
from oretrust.status.log import list_log, verify_log
from oretrust.status.operations import credential_status, reinstate, revoke, suspend
from oretrust.status.publication import (
    publish_all,
    publish_status_list,
    refresh_status_lists,
    stored_status_list,
)
from oretrust.status.rules import local_document_id
from oretrust.verifier import verifier_for, verify_token

MINISTRY = "did:web:mines.gouv.cd.example"
BUYER = "did:web:buyer.example"


@dataclass
class Registry:
    home: Home
    holder_did: str
    now: datetime

    def issue(self, type_name: str = "MiningLicenceCredential", **options: Any) -> IssuedCredential:
        subject = copy.deepcopy(EXAMPLES[type_name])
        for party in ("holder", "exporter", "operator"):
            if party in subject:
                subject[party]["id"] = self.holder_did
        if "id" in subject and type_name == "BusinessIdentityCredential":
            subject["id"] = self.holder_did
        return issue_credential(
            self.home,
            issuer="ministry",
            type_name=type_name,
            subject=subject,
            holder=self.holder_did,
            now=self.now,
            **options,
        )

    def check(self, token: str, *, at: datetime | None = None) -> VerificationReport:
        return verifier_for(self.home).check_credential(token, now=at or self.now)

    def present(self, issued: IssuedCredential, nonce: str) -> str:
        """The holder presents ``issued`` (already in the wallet) to the buyer."""
        return wallet.present(
            self.home, "kivu", [issued.id], nonce=nonce, audience=BUYER, now=self.now
        )


@pytest.fixture
def registry(tmp_path: Path, now: datetime) -> Registry:
    home = Home.open(tmp_path / "home")
    identities.add_issuer(
        home, "ministry", display_name="Ministère des Mines", did=MINISTRY, now=now
    )
    identities.add_issuer(home, "customs", display_name="Douanes", now=now)
    holder = identities.add_holder(home, "kivu", display_name="Kivu Minerals SARL", now=now)
    return Registry(home, holder.did, now)


def _status(report: VerificationReport) -> Any:
    return next(check for check in report.checks if check.id == "status")


# ---------------------------------------------------------------------- issuance
def test_issued_licence_carries_revocation_and_suspension_entries(registry: Registry) -> None:
    issued = registry.issue("MiningLicenceCredential")
    entries = issued.credential["credentialStatus"]
    assert [entry["statusPurpose"] for entry in entries] == ["revocation", "suspension"]
    for entry in entries:
        assert entry["type"] == "BitstringStatusListEntry"
        assert entry["statusListIndex"].isdigit()
        assert entry["id"] == f"{entry['statusListCredential']}#{entry['statusListIndex']}"
        assert entry["statusListCredential"].startswith("https://localhost:8000/status/")
    payload = parse_compact(issued.token).unverified_payload()
    assert payload["credentialStatus"] == entries
    assert registry.check(issued.token).verdict == "VALID"


def test_origin_certificate_has_revocation_only(registry: Registry) -> None:
    issued = registry.issue("MineralOriginCertificate")
    assert [e["statusPurpose"] for e in issued.credential["credentialStatus"]] == ["revocation"]
    with pytest.raises(ConflictError) as caught:
        suspend(registry.home, issued.id, reason="audit", now=registry.now)
    assert caught.value.code == "SUSPENSION_NOT_ALLOWED"


def test_status_urls_follow_the_home_domain(registry: Registry) -> None:
    registry.home.set_domain("mines.gouv.cd.example")
    assert registry.home.base_url == "https://mines.gouv.cd.example"
    issued = registry.issue()
    url = issued.credential["credentialStatus"][0]["statusListCredential"]
    assert url.startswith("https://mines.gouv.cd.example/status/")
    assert registry.check(issued.token).verdict == "VALID"


def test_issue_without_status(registry: Registry) -> None:
    issued = registry.issue(with_status=False)
    assert "credentialStatus" not in issued.credential
    report = registry.check(issued.token)
    assert report.verified
    assert _status(report).detail == "no status"
    with pytest.raises(ConflictError) as caught:
        revoke(registry.home, issued.id, reason="x", now=registry.now)
    assert caught.value.code == "NO_STATUS_ENTRY"


# ---------------------------------------------------------------------- operations
def test_revoke_then_verifier_reports_revoked(registry: Registry) -> None:
    issued = registry.issue()
    assert registry.check(issued.token).verdict == "VALID"
    change = revoke(
        registry.home, issued.id, reason="licence withdrawn", actor="j.kabila", now=registry.now
    )
    assert (change.previous, change.status, change.changed, change.log_seq) == (
        "VALID",
        "REVOKED",
        True,
        1,
    )
    report = registry.check(issued.token)
    assert report.verdict == "REVOKED"
    assert report.code == "REVOKED"
    assert _status(report).code == "REVOKED"


def test_suspend_then_reinstate(registry: Registry) -> None:
    issued = registry.issue()
    suspend(registry.home, issued.id, reason="environmental audit", now=registry.now)
    assert registry.check(issued.token).verdict == "SUSPENDED"
    assert credential_status(registry.home, issued.id).status == "SUSPENDED"
    reinstate(registry.home, issued.id, reason="audit passed", now=registry.now)
    assert registry.check(issued.token).verdict == "VALID"


@pytest.mark.parametrize("operation", [reinstate, suspend])
def test_reinstate_or_suspend_after_revoke_refused(registry: Registry, operation: Any) -> None:
    issued = registry.issue()
    revoke(registry.home, issued.id, reason="fraud", now=registry.now)
    with pytest.raises(ConflictError) as caught:
        operation(registry.home, issued.id, reason="appeal", now=registry.now)
    assert caught.value.code == "CREDENTIAL_REVOKED"
    assert registry.check(issued.token).verdict == "REVOKED"


def test_revoke_a_suspended_credential(registry: Registry) -> None:
    issued = registry.issue()
    suspend(registry.home, issued.id, reason="audit", now=registry.now)
    revoke(registry.home, issued.id, reason="audit failed", now=registry.now)
    report = registry.check(issued.token)
    assert report.verdict == "REVOKED"
    assert [e.new_status for e in list_log(registry.home, issued.id)] == ["SUSPENDED", "REVOKED"]


def test_reinstate_a_valid_credential_refused(registry: Registry) -> None:
    issued = registry.issue()
    with pytest.raises(ConflictError) as caught:
        reinstate(registry.home, issued.id, reason="?", now=registry.now)
    assert caught.value.code == "NOT_SUSPENDED"


def test_revoke_twice_is_idempotent(registry: Registry) -> None:
    issued = registry.issue()
    first = revoke(registry.home, issued.id, reason="fraud", now=registry.now)
    second = revoke(registry.home, issued.id, reason="fraud again", now=registry.now)
    assert first.changed and not second.changed
    assert second.status == "REVOKED" and second.log_seq is None
    assert len(list_log(registry.home)) == 1
    assert verify_log(registry.home).intact


def test_unknown_credential_not_found(registry: Registry) -> None:
    with pytest.raises(NotFoundError) as caught:
        revoke(
            registry.home,
            "urn:uuid:00000000-0000-4000-8000-000000000000",
            reason="x",
            now=registry.now,
        )
    assert caught.value.code == "CREDENTIAL_NOT_FOUND"


def test_reason_is_required(registry: Registry) -> None:
    issued = registry.issue()
    with pytest.raises(InputError):
        revoke(registry.home, issued.id, reason="   ", now=registry.now)


def test_log_records_reason_actor_and_default_actor(registry: Registry) -> None:
    issued = registry.issue()
    suspend(registry.home, issued.id, reason="audit", actor="inspector 7", now=registry.now)
    reinstate(registry.home, issued.id, reason="cleared", now=registry.now + timedelta(days=2))
    first, second = list_log(registry.home)
    assert (first.action, first.reason, first.actor) == ("suspend", "audit", "inspector 7")
    assert (second.action, second.actor, second.at) == (
        "reinstate",
        MINISTRY,
        registry.now + timedelta(days=2),
    )
    assert second.prev_hash == first.entry_hash


# ---------------------------------------------------------------------- tamper evidence
def _history(registry: Registry) -> list[IssuedCredential]:
    a, b = registry.issue(), registry.issue()
    suspend(registry.home, a.id, reason="audit", now=registry.now)
    revoke(registry.home, b.id, reason="fraud", now=registry.now)
    reinstate(registry.home, a.id, reason="cleared", now=registry.now)
    assert verify_log(registry.home).intact
    return [a, b]


def _sql(registry: Registry, statement: str) -> None:
    with registry.home.engine.begin() as connection:
        connection.execute(sa.text(statement))


def test_tampered_log_entry_detected(registry: Registry) -> None:
    _history(registry)
    _sql(registry, "UPDATE revocation_log SET reason = 'clerical error' WHERE seq = 2")
    result = verify_log(registry.home)
    assert not result.intact
    assert result.first_broken == 2
    assert "altered" in result.detail


def test_deleted_middle_entry_detected(registry: Registry) -> None:
    _history(registry)
    _sql(registry, "DELETE FROM revocation_log WHERE seq = 2")
    result = verify_log(registry.home)
    assert not result.intact and result.first_broken == 3


def test_deleted_newest_entry_detected(registry: Registry) -> None:
    _history(registry)
    _sql(registry, "DELETE FROM revocation_log WHERE seq = 3")  # the reinstatement
    result = verify_log(registry.home)
    assert not result.intact
    assert "SUSPENDED" in result.detail or "VALID" in result.detail


def test_status_changed_outside_the_log_detected(registry: Registry) -> None:
    _, revoked = _history(registry)
    _sql(registry, f"UPDATE status_entry SET status = 0 WHERE credential_id = '{revoked.id}'")
    result = verify_log(registry.home)
    assert not result.intact
    assert revoked.id in result.detail


# ---------------------------------------------------------------------- publication
def _list_id(issued: IssuedCredential, purpose: str = "revocation") -> tuple[str, int]:
    entry = next(e for e in issued.credential["credentialStatus"] if e["statusPurpose"] == purpose)
    published_id = local_document_id("https://localhost:8000", entry["statusListCredential"])
    assert published_id is not None
    return published_id, int(entry["statusListIndex"])


def test_stored_list_is_re_signed_by_a_change_not_by_a_refresh_of_a_fresh_one(
    registry: Registry,
) -> None:
    issued = registry.issue()
    published_id, index = _list_id(issued)
    first = stored_status_list(registry.home, published_id)  # signed at issuance
    assert refresh_status_lists(registry.home, now=registry.now + timedelta(minutes=1)) == []
    assert stored_status_list(registry.home, published_id) == first  # same document, version
    revoke(registry.home, issued.id, reason="fraud", now=registry.now)
    changed = stored_status_list(registry.home, published_id)  # signed by the revocation
    assert changed.version == first.version + 1
    assert changed.token != first.token
    subject = parse_compact(changed.token).unverified_payload()["credentialSubject"]
    assert decode_bitstring(subject["encodedList"]).get(index) == 1


def test_revocation_visible_in_published_list_within_one_second(registry: Registry) -> None:
    issued = registry.issue()
    published_id, index = _list_id(issued)
    revoke(registry.home, issued.id, reason="fraud", now=registry.now)
    acknowledged = time.monotonic()
    token = stored_status_list(registry.home, published_id).token
    elapsed = time.monotonic() - acknowledged
    subject = parse_compact(token).unverified_payload()["credentialSubject"]
    assert decode_bitstring(subject["encodedList"]).get(index) == 1
    assert elapsed < 1.0


def test_published_bitstring_list_verifies(registry: Registry) -> None:
    issued = registry.issue()
    published_id, _ = _list_id(issued, "suspension")
    url = f"https://localhost:8000/status/{published_id}"
    media_type, token, _ = stored_status_list(registry.home, published_id)
    assert media_type == "application/vc+jwt"
    verified = verify_bitstring_status_list(
        token, url=url, did_resolver=did_resolver(registry.home), now=registry.now
    )
    assert verified.issuer == MINISTRY
    assert verified.purposes == ("suspension",)
    payload = parse_compact(token).unverified_payload()
    assert payload["id"] == url
    assert payload["credentialSubject"]["id"] == f"{url}#list"
    assert payload["credentialSubject"]["ttl"] == 300_000


@pytest.mark.parametrize(("operation", "value"), [(revoke, 1), (suspend, 2)])
def test_token_status_list_shows_the_change(registry: Registry, operation: Any, value: int) -> None:
    issued = registry.issue()
    list_id, index = _list_id(issued)
    tsl_id = list_id.rsplit("-", 1)[0] + "-tsl"
    url = f"https://localhost:8000/status/{tsl_id}"
    operation(registry.home, issued.id, reason="x", now=registry.now)
    media_type, token, _ = stored_status_list(registry.home, tsl_id)
    assert media_type == "application/statuslist+jwt"
    assert parse_compact(token).unverified_header["typ"] == "statuslist+jwt"
    verified = verify_status_list_token(
        token, url=url, did_resolver=did_resolver(registry.home), now=registry.now
    )
    assert verified.status_at(index) == value
    claims = parse_compact(token).unverified_payload()
    assert claims["sub"] == url and claims["iss"] == MINISTRY
    assert claims["status_list"]["bits"] == 2
    assert claims["exp"] > claims["iat"] and claims["ttl"] == 300


def test_publish_all_writes_lists_named_by_their_last_url_segment(
    registry: Registry, tmp_path: Path
) -> None:
    issued = registry.issue()
    revoke(registry.home, issued.id, reason="fraud", now=registry.now)
    paths = publish_all(registry.home, tmp_path / "status", now=registry.now)
    names = sorted(path.name for path in paths)
    published_id, _ = _list_id(issued)
    assert f"{published_id}.jwt" in names
    assert len(names) == 3
    served = stored_status_list(registry.home, published_id).token
    assert (tmp_path / "status" / f"{published_id}.jwt").read_text().strip() == served


def test_refresh_re_signs_stored_lists_with_the_new_key(registry: Registry) -> None:
    issued = registry.issue()
    published_id, _ = _list_id(issued)
    before = stored_status_list(registry.home, published_id)
    identities.rotate_key(registry.home, "ministry", now=registry.now)
    assert registry.check(issued.token).verdict == "VALID"  # key-1 is still published
    refresh_status_lists(registry.home, now=registry.now)
    after = stored_status_list(registry.home, published_id)
    assert after.version == before.version
    assert parse_compact(after.token).unverified_header["kid"] == f"{MINISTRY}#key-2"
    assert registry.check(issued.token).verdict == "VALID"


def test_lists_still_verify_after_key_rotation(registry: Registry) -> None:
    issued = registry.issue()
    identities.rotate_key(registry.home, "ministry", now=registry.now)
    revoke(registry.home, issued.id, reason="fraud", now=registry.now)  # re-signed with key-2
    assert registry.check(issued.token).verdict == "REVOKED"


def test_unknown_status_list_of_the_home_is_a_retrieval_error(registry: Registry) -> None:
    issued = registry.issue(with_status=False)
    document = dict(issued.credential)
    document["credentialStatus"] = {
        "id": "https://localhost:8000/status/0000000000000000-revocation#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://localhost:8000/status/0000000000000000-revocation",
    }
    token = sign_credential(
        document, identities.signer_for(registry.home, MINISTRY), now=registry.now
    )
    report = registry.check(token)
    assert _status(report).code == "STATUS_RETRIEVAL_ERROR"


def test_a_list_of_another_issuer_in_the_same_home_rejected(registry: Registry) -> None:
    """Customs' genuine list cannot stand in for the ministry's: the signer must be the issuer."""
    customs = identities.find_issuer(registry.home, "customs")
    aeo = issue_credential(
        registry.home,
        issuer="customs",
        type_name="AuthorisedEconomicOperatorCredential",
        subject={**EXAMPLES["AuthorisedEconomicOperatorCredential"]},
        now=registry.now,
    )
    revoke(registry.home, aeo.id, reason="x", now=registry.now)
    licence = registry.issue(with_status=False)
    document = dict(licence.credential)
    document["credentialStatus"] = aeo.credential["credentialStatus"][0]  # customs' list
    token = sign_credential(
        document, identities.signer_for(registry.home, MINISTRY), now=registry.now
    )
    report = registry.check(token)
    assert _status(report).code == "STATUS_RETRIEVAL_ERROR"
    assert "STATUS_LIST_ISSUER_MISMATCH" in _status(report).detail
    assert customs.did in _status(report).detail


# ---------------------------------------------------------------------- callers with a home
def test_verify_token_reports_revoked(registry: Registry) -> None:
    issued = registry.issue()
    revoke(registry.home, issued.id, reason="fraud", now=registry.now)
    report = verify_token(registry.home, issued.token, nonce=None, audience=None, now=registry.now)
    assert report.to_dict()["verdict"] == "REVOKED"


@pytest.mark.parametrize(
    ("operation", "code"),
    [(revoke, "CREDENTIAL_REVOKED"), (suspend, "CREDENTIAL_SUSPENDED")],
    ids=["revoked", "suspended"],
)
def test_wallet_refuses_to_present_a_revoked_or_suspended_credential(
    registry: Registry, operation: Any, code: str
) -> None:
    issued = registry.issue()
    wallet.receive_credential(registry.home, "kivu", issued.token, now=registry.now)
    assert registry.present(issued, nonce="n-1").count(".") == 2
    operation(registry.home, issued.id, reason="audit", now=registry.now)
    with pytest.raises(ConflictError) as caught:
        registry.present(issued, nonce="n-2")
    assert caught.value.code == code


def test_wallet_refuses_to_receive_a_revoked_credential(registry: Registry) -> None:
    issued = registry.issue()
    revoke(registry.home, issued.id, reason="fraud", now=registry.now)
    with pytest.raises(InvalidCredentialError) as caught:
        wallet.receive_credential(registry.home, "kivu", issued.token, now=registry.now)
    assert caught.value.code == "REVOKED"


def test_presentation_of_a_credential_revoked_afterwards_is_revoked(registry: Registry) -> None:
    issued = registry.issue()
    wallet.receive_credential(registry.home, "kivu", issued.token, now=registry.now)
    token = registry.present(issued, nonce="n")
    revoke(registry.home, issued.id, reason="fraud", now=registry.now)
    report = verifier_for(registry.home).check_presentation(
        token, nonce="n", audience=BUYER, now=registry.now
    )
    assert report.verdict == "REVOKED"


def test_shared_cache_keeps_lists_for_their_ttl(registry: Registry) -> None:
    issued = registry.issue()
    cache = StatusListCache()
    verifier = verifier_for(registry.home, cache=cache)
    assert verifier.check_credential(issued.token, now=registry.now).verdict == "VALID"
    revoke(registry.home, issued.id, reason="fraud", now=registry.now)
    # A verifier may serve a cached list until its ttl (5 minutes) passes — lists, never verdicts.
    assert verifier.check_credential(issued.token, now=registry.now).verdict == "VALID"
    later = registry.now + timedelta(minutes=5, seconds=1)
    assert verifier.check_credential(issued.token, now=later).verdict == "REVOKED"


def test_list_signed_at_a_later_time_is_accepted_for_an_earlier_check(registry: Registry) -> None:
    issued = registry.issue()
    published_id, _ = _list_id(issued)
    list_id = published_id.rsplit("-", 1)[0]
    publish_status_list(registry.home, list_id, now=registry.now + timedelta(hours=2))
    assert registry.check(issued.token).verdict == "VALID"


def test_expired_stored_list_fails_the_check_until_the_refresh_re_signs_it(
    registry: Registry,
) -> None:
    issued = registry.issue()
    published_id, _ = _list_id(issued)
    first = stored_status_list(registry.home, published_id)
    later = registry.now + timedelta(days=3)
    expired = registry.check(issued.token, at=later)
    assert (expired.verdict, _status(expired).code) == ("INVALID", "STATUS_RETRIEVAL_ERROR")
    assert "STATUS_LIST_EXPIRED" in _status(expired).detail
    assert stored_status_list(registry.home, published_id) == first  # the verifier wrote nothing
    assert refresh_status_lists(registry.home, now=later) == [published_id.rsplit("-", 1)[0]]
    again = stored_status_list(registry.home, published_id)
    assert again.token != first.token and again.version == first.version
    assert registry.check(issued.token, at=later + timedelta(hours=1)).verdict == "VALID"
