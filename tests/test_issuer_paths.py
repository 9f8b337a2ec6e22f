"""vc+jwt and dc+sd-jwt issuance share one allocation-and-record path, so they agree.

Every test runs over both formats through the public face (:mod:`oretrust.issuer`): the same
refusal (exception class and code) for a taken credential id, an unknown issuer, an unknown
type and a validity period that ends before it starts; the same record (id, format, hash of
the token, holder) and a status reference that is the allocated one; and no allocated index
and no record left behind when issuance fails after the index was allocated.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from oretrust import identities
from oretrust.credentials import EXAMPLES
from oretrust.errors import ConflictError, InputError, NotFoundError, OreTrustError
from oretrust.formats.jws import parse_compact
from oretrust.home import Home
from oretrust.issuer import issue_credential, issue_sd_jwt_credential
from oretrust.keys import LocalSigner
from oretrust.status.allocation import (
    credential_status_entries,
    find_allocation,
    token_status_reference,
)
from oretrust.store.models import IssuedCredentialRecord, KeyRecord
from oretrust.store.status_models import StatusEntryRecord

MINISTRY = "did:web:mines.gouv.cd.example"
FORMATS = ("vc+jwt", "dc+sd-jwt")
LICENCE = "MiningLicenceCredential"  # revocable and suspendable: two vc+jwt status entries


@dataclass
class Issuing:
    """A home with one issuer (``ministry``) and one did:jwk holder (``kivu``)."""

    home: Home
    holder: str
    now: datetime

    def issue(self, credential_format: str, **options: Any) -> Any:
        """Issue a licence about and to ``kivu`` in ``credential_format``; ``options`` win."""
        subject = copy.deepcopy(EXAMPLES[LICENCE])
        subject["holder"]["id"] = self.holder
        arguments: dict[str, Any] = {
            "issuer": "ministry",
            "type_name": LICENCE,
            "subject": subject,
            "holder": self.holder,
            "now": self.now,
            "valid_until": self.now + timedelta(days=365),
        }
        arguments.update(options)
        issue = issue_credential if credential_format == "vc+jwt" else issue_sd_jwt_credential
        return issue(self.home, **arguments)

    def refusal(self, credential_format: str, **options: Any) -> tuple[type[Exception], str]:
        """The exception class and code an issuance that must fail raises."""
        with pytest.raises(Exception) as caught:
            self.issue(credential_format, **options)
        error = caught.value
        return type(error), error.code if isinstance(error, OreTrustError) else "<no code>"

    def records(self) -> list[IssuedCredentialRecord]:
        with self.home.session() as session:
            return list(session.exec(select(IssuedCredentialRecord)))

    def entries(self) -> list[StatusEntryRecord]:
        with self.home.session() as session:
            return list(session.exec(select(StatusEntryRecord)))


@pytest.fixture
def issuing(tmp_path: Path, now: datetime) -> Issuing:
    home = Home.open(tmp_path / "home")
    identities.add_issuer(
        home, "ministry", display_name="Ministère des Mines", did=MINISTRY, now=now
    )
    holder = identities.add_holder(home, "kivu", display_name="Kivu Minerals SARL", now=now)
    return Issuing(home, holder.did, now)


@pytest.fixture
def fixed_uuid(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every generated credential id is the same one: a collision on purpose."""
    value = uuid.UUID("0b0e6f7a-7d4c-4a53-9a55-2f0c3c1d9e11")
    monkeypatch.setattr(uuid, "uuid4", lambda: value)
    return f"urn:uuid:{value}"


# ---------------------------------------------------------------------- refusals
@pytest.mark.parametrize("with_status", [True, False], ids=["status", "no-status"])
@pytest.mark.parametrize("first", FORMATS)
@pytest.mark.parametrize("credential_format", FORMATS)
def test_a_taken_credential_id_is_refused_alike(
    issuing: Issuing, fixed_uuid: str, credential_format: str, first: str, with_status: bool
) -> None:
    issuing.issue(first, with_status=with_status)
    entries_before = len(issuing.entries())
    refused = issuing.refusal(credential_format, with_status=with_status)
    assert refused == (ConflictError, "CREDENTIAL_EXISTS")
    assert [record.id for record in issuing.records()] == [fixed_uuid]
    assert len(issuing.entries()) == entries_before  # nothing allocated for the refused one


def test_a_given_credential_id_that_is_taken_is_refused(issuing: Issuing) -> None:
    issued = issuing.issue("dc+sd-jwt")
    refused = issuing.refusal("vc+jwt", credential_id=issued.id)
    assert refused == (ConflictError, "CREDENTIAL_EXISTS")
    assert len(issuing.records()) == len(issuing.entries()) == 1


@pytest.mark.parametrize("credential_format", FORMATS)
def test_an_unknown_issuer_is_refused_alike(issuing: Issuing, credential_format: str) -> None:
    for issuer in ("nobody", "did:web:nobody.example"):
        refused = issuing.refusal(credential_format, issuer=issuer)
        assert refused == (NotFoundError, "NOT_FOUND")
    assert issuing.records() == [] and issuing.entries() == []


@pytest.mark.parametrize("credential_format", FORMATS)
def test_an_issuer_without_an_active_key_is_refused_alike(
    issuing: Issuing, credential_format: str
) -> None:
    with issuing.home.session() as session:  # as an older oretrust could leave it
        for record in session.exec(select(KeyRecord).where(KeyRecord.owner_did == MINISTRY)):
            record.active = False
            session.add(record)
        session.commit()
    assert issuing.refusal(credential_format) == (NotFoundError, "NOT_FOUND")
    assert issuing.records() == [] and issuing.entries() == []


@pytest.mark.parametrize("credential_format", FORMATS)
def test_an_unknown_type_is_refused_alike(issuing: Issuing, credential_format: str) -> None:
    refused = issuing.refusal(credential_format, type_name="GoldStarCredential")
    assert refused == (InputError, "UNKNOWN_CREDENTIAL_TYPE")
    assert issuing.records() == [] and issuing.entries() == []


@pytest.mark.parametrize(
    "period",
    [
        pytest.param((None, -1), id="ends-before-now"),
        pytest.param((0, 0), id="ends-as-it-starts"),
        pytest.param((30, 10), id="ends-before-a-later-start"),
    ],
)
@pytest.mark.parametrize("credential_format", FORMATS)
def test_a_period_that_ends_before_it_starts_is_refused_alike(
    issuing: Issuing, credential_format: str, period: tuple[int | None, int]
) -> None:
    start, end = period
    refused = issuing.refusal(
        credential_format,
        valid_from=None if start is None else issuing.now + timedelta(days=start),
        valid_until=issuing.now + timedelta(days=end),
    )
    assert refused == (InputError, "INVALID_VALIDITY_PERIOD")
    assert issuing.records() == [] and issuing.entries() == []


def test_an_sd_jwt_vc_that_would_be_expired_is_refused_before_allocation(
    issuing: Issuing,
) -> None:
    """vc+jwt may record an already-ended period; an SD-JWT VC's ``exp`` must be ahead."""
    refused = issuing.refusal(
        "dc+sd-jwt",
        valid_from=issuing.now - timedelta(days=30),
        valid_until=issuing.now - timedelta(days=1),
    )
    assert refused == (InputError, "INVALID_VALIDITY_PERIOD")
    assert issuing.records() == [] and issuing.entries() == []


# ---------------------------------------------------------------------- the record
def _status_reference(credential_format: str, token: str) -> Any:
    """What the signed token says about its status (vc+jwt entries, SD-JWT VC claim)."""
    payload = parse_compact(token.split("~")[0]).unverified_payload()
    if credential_format == "vc+jwt":
        return payload.get("credentialStatus")
    return payload.get("status")


@pytest.mark.parametrize("credential_format", FORMATS)
def test_both_formats_record_the_token_hash_and_the_allocated_status(
    issuing: Issuing, credential_format: str
) -> None:
    issued = issuing.issue(credential_format)
    [record] = issuing.records()
    assert (record.id, record.format, record.type) == (issued.id, credential_format, LICENCE)
    assert (record.issuer_did, record.holder_did) == (MINISTRY, issuing.holder)
    assert issued.format == credential_format and issued.holder == issuing.holder
    assert record.sha256 == hashlib.sha256(issued.token.encode()).hexdigest()
    assert record.valid_until == issuing.now + timedelta(days=365)
    allocation = find_allocation(issuing.home, issued.id)
    assert allocation is not None and allocation.issuer_did == MINISTRY
    base_url = issuing.home.base_url
    expected = (
        credential_status_entries(allocation, base_url)
        if credential_format == "vc+jwt"
        else token_status_reference(allocation, base_url)
    )
    assert _status_reference(credential_format, issued.token) == expected


@pytest.mark.parametrize("credential_format", FORMATS)
def test_without_status_both_formats_record_and_allocate_nothing(
    issuing: Issuing, credential_format: str
) -> None:
    issued = issuing.issue(credential_format, with_status=False)
    [record] = issuing.records()
    assert record.sha256 == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issuing.entries() == []
    assert _status_reference(credential_format, issued.token) is None


# ---------------------------------------------------------------------- atomicity
def _signer_fails(issuing: Issuing, monkeypatch: pytest.MonkeyPatch) -> type[Exception]:
    def broken(self: LocalSigner, message: bytes) -> bytes:
        raise RuntimeError("the key store went away")

    monkeypatch.setattr(LocalSigner, "sign", broken)
    return RuntimeError


def _credential_signing_fails(issuing: Issuing, monkeypatch: pytest.MonkeyPatch) -> type[Exception]:
    """Only the credential's own signature fails (a status list may still be signed)."""
    sign = LocalSigner.sign

    def broken(self: LocalSigner, message: bytes) -> bytes:
        encoded = message.split(b".")[0]
        header = json.loads(base64.urlsafe_b64decode(encoded + b"=" * (-len(encoded) % 4)))
        if header.get("typ") in FORMATS:
            raise RuntimeError("the key store went away")
        return sign(self, message)

    monkeypatch.setattr(LocalSigner, "sign", broken)
    return RuntimeError


def _record_fails(issuing: Issuing, monkeypatch: pytest.MonkeyPatch) -> type[Exception]:
    def broken(self: IssuedCredentialRecord, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(IssuedCredentialRecord, "__init__", broken)
    return RuntimeError


Failure = Callable[[Issuing, pytest.MonkeyPatch], type[Exception]]


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(_signer_fails, id="signer-raises"),
        pytest.param(_credential_signing_fails, id="credential-signing-raises"),
        pytest.param(_record_fails, id="record-fails"),
    ],
)
@pytest.mark.parametrize("credential_format", FORMATS)
def test_a_failure_after_allocation_leaves_no_index_and_no_record(
    issuing: Issuing, monkeypatch: pytest.MonkeyPatch, credential_format: str, failure: Failure
) -> None:
    expected = failure(issuing, monkeypatch)
    with pytest.raises(expected):
        issuing.issue(credential_format)
    assert issuing.records() == []
    assert issuing.entries() == []
    monkeypatch.undo()  # the same issuance goes through once the fault is gone
    issued = issuing.issue(credential_format)
    assert [record.id for record in issuing.records()] == [issued.id]
    assert [entry.credential_id for entry in issuing.entries()] == [issued.id]
