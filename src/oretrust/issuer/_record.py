"""The one issuance path every format takes (internal; the face is :mod:`oretrust.issuer`).

vc+jwt and dc+sd-jwt differ only in the token they build and sign. Everything around it is
here, once, so both formats refuse the same inputs with the same codes and record the same
facts:

* :func:`begin_issuance` — the checks made before anything is written: the subject is an
  object, the validity period ends after it starts (``INVALID_VALIDITY_PERIOD``), the type
  is known (``UNKNOWN_CREDENTIAL_TYPE``), the issuer exists and has an active key
  (NotFoundError), the credential id is unused (ConflictError ``CREDENTIAL_EXISTS``);
* :func:`sign_and_record` — once the format has validated the subject, in a home that runs
  its own trust registry, refuse what that registry does not accredit the issuer for (type,
  jurisdiction, now: ConflictError ``ISSUER_NOT_ACCREDITED_TO_ISSUE``); then allocate the
  status index for the issuer (with status), let the
  format sign with it, record id + hash (never the credential) as an
  :class:`~oretrust.store.models.IssuedCredentialRecord`.

**Allocation and record stand or fall together.** :func:`oretrust.status.allocation.
allocate_index` commits the index in its own transactions (its retry under contention needs
that), so the record cannot share its transaction. Instead, when anything fails once the
index was taken — in the allocator itself (after it committed the index), the format's
checks, the signer, the record (a concurrent issuance took the id) — the index is released
again in a compensating transaction before the error goes on, so a failed issuance leaves
neither an index nor a record. The release deletes only an entry still untouched (VALID, no
revocation-log entry); an index someone changed the status of in the meantime stays, as the
log that replays it requires. A process that dies between allocation and record leaves an
unused index (never a record without a hash).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from oretrust.codes import Code
from oretrust.credentials import CredentialType, get_credential_type
from oretrust.errors import ConflictError, InputError, NotFoundError
from oretrust.home import Home
from oretrust.identities import IssuerPublic, find_issuer, signer_for
from oretrust.keys import Signer
from oretrust.registry.checks import judge_issuance
from oretrust.registry.sources import RegistryTrustSource
from oretrust.status.allocation import Allocation, allocate_index, find_allocation
from oretrust.status.rules import STATUS_VALID
from oretrust.store.db import as_utc
from oretrust.store.models import IssuedCredentialRecord
from oretrust.store.status_models import RevocationLogRecord, StatusEntryRecord

__all__ = ["Issuance", "SignWith", "begin_issuance", "release_quietly", "sign_and_record"]

log = logging.getLogger(__name__)

#: The format's part: build and sign the token, given the allocated index (None without status).
SignWith = Callable[[Allocation | None], str]


@dataclass(frozen=True)
class Issuance:
    """An issuance that passed the shared checks: what is issued, by whom, under which id.

    ``valid_from`` is the effective start (the given one, else ``now``); ``signer`` is the
    issuer's active key, looked up before anything is allocated.
    """

    credential_id: str
    credential_type: CredentialType
    issuer: IssuerPublic
    signer: Signer
    now: datetime
    valid_from: datetime
    valid_until: datetime | None
    with_status: bool
    subject: dict[str, Any]


def begin_issuance(
    home: Home,
    *,
    issuer: str,
    type_name: str,
    subject: object,
    now: datetime,
    valid_from: datetime | None,
    valid_until: datetime | None,
    with_status: bool,
    credential_id: str | None = None,
) -> Issuance:
    """Run the checks every format shares, before anything is allocated or written.

    One order and one code each, whatever the format: InputError ``INVALID_SUBJECT``,
    InputError ``INVALID_VALIDITY_PERIOD`` (``valid_until`` not after ``valid_from``, else
    ``now``: such a credential would never be valid), InputError
    ``UNKNOWN_CREDENTIAL_TYPE``, NotFoundError (no such issuer, or it has no active key),
    ConflictError ``CREDENTIAL_EXISTS`` (``credential_id`` already issued or allocated).
    Without ``credential_id`` a fresh ``urn:uuid:`` is drawn (and checked the same way).
    """
    if not isinstance(subject, dict):
        raise InputError("credentialSubject must be a JSON object", code=Code.INVALID_SUBJECT)
    start = valid_from or now
    if valid_until is not None and valid_until <= start:
        raise InputError(
            "validUntil must be after validFrom (or after now, when validFrom is not given)",
            code=Code.INVALID_VALIDITY_PERIOD,
        )
    credential_type = get_credential_type(type_name)
    record = find_issuer(home, issuer)
    signer = signer_for(home, record.did)
    credential_id = credential_id or f"urn:uuid:{uuid.uuid4()}"
    _require_unused(home, credential_id)
    return Issuance(
        credential_id, credential_type, record, signer, now, start, valid_until, with_status,
        subject,
    )  # fmt: skip


def sign_and_record(
    home: Home,
    issuance: Issuance,
    *,
    credential_format: str,
    holder_did: str | None,
    sign_with: SignWith,
) -> tuple[str, Allocation | None]:
    """Allocate the status index (with status), sign through ``sign_with``, record the token.

    Returns the signed token and its allocation. On any failure after the allocation the
    index is released before the error propagates (see the module docstring); a concurrent
    issuance that took the id is ConflictError ``CREDENTIAL_EXISTS`` here too. First, in a
    home that runs its own trust registry, the issuer must be accredited by it for the type
    and the subject's jurisdiction now (ConflictError ``ISSUER_NOT_ACCREDITED_TO_ISSUE``).
    """
    _require_accredited(home, issuance)
    allocation = _allocate(home, issuance) if issuance.with_status else None
    try:
        token = sign_with(allocation)
        _record(home, issuance, credential_format, holder_did, token)
    except BaseException:
        if allocation is not None:
            release_quietly(home, allocation.credential_id, allocation)
        raise
    return token, allocation


def _require_accredited(home: Home, issuance: Issuance) -> None:
    """Refuse what this home's own registry does not accredit the issuer for, as its verifier
    would (``issuer_accredited`` judges the same type, jurisdiction and time): a credential
    every verifier rejects is better not made. Called once the subject is validated, so its
    jurisdiction is readable. A home without a registry issues as before; its verifiers
    judge against the registries they subscribe to.
    """
    try:
        source = RegistryTrustSource(home)
    except NotFoundError as exc:
        if exc.code != Code.REGISTRY_NOT_INITIALISED:
            raise
        return
    judgement = judge_issuance(
        source,
        issuer=issuance.issuer.did,
        type_name=issuance.credential_type.name,
        subject=issuance.subject,
        issued_at=issuance.now,
    )
    if not judgement.authorized:
        raise ConflictError(
            f"this home's trust registry does not accredit {issuance.issuer.did} to issue "
            f"{issuance.credential_type.name} now: {judgement.detail}",
            code=Code.ISSUER_NOT_ACCREDITED_TO_ISSUE,
        )


def _require_unused(home: Home, credential_id: str) -> None:
    """Refuse an id that names an issued credential or holds a status index already.

    Checked before allocating so a taken id costs no index; the record's primary key and
    the allocation's unique credential id still decide a race (see :func:`sign_and_record`).
    """
    with home.session() as session:
        issued = session.get(IssuedCredentialRecord, credential_id) is not None
    if issued or find_allocation(home, credential_id) is not None:
        raise _exists(credential_id)


def _allocate(home: Home, issuance: Issuance) -> Allocation:
    """A fresh index in the issuer's current list; a racing twin of the id is CREDENTIAL_EXISTS.

    The allocator commits the index before it returns and may still fail after that (it
    may do more work once the index is taken, such as publishing the list); on any failure
    but its own refusals, which take no index, the index the id holds by now is released:
    the id held none when :func:`begin_issuance` checked it. (Only a concurrent issuance
    of the very same caller-given id could own that index instead; the release then still
    spares it once that issuance has recorded the credential, see :func:`_release`.)
    """
    try:
        return allocate_index(
            home,
            issuer_did=issuance.issuer.did,
            credential_id=issuance.credential_id,
            type_name=issuance.credential_type.name,
            now=issuance.now,
        )
    except ConflictError as exc:
        if exc.code == "STATUS_ALREADY_ALLOCATED":  # the id was issued since the check
            raise _exists(issuance.credential_id) from exc
        raise  # STATUS_ALLOCATION_FAILED: no index was taken
    except BaseException:
        release_quietly(home, issuance.credential_id)
        raise


def _record(
    home: Home, issuance: Issuance, credential_format: str, holder_did: str | None, token: str
) -> None:
    """Write id + hash of ``token`` (never the credential); a taken id is CREDENTIAL_EXISTS."""
    with home.session() as session:
        session.add(
            IssuedCredentialRecord(
                id=issuance.credential_id,
                type=issuance.credential_type.name,
                format=credential_format,
                issuer_did=issuance.issuer.did,
                holder_did=holder_did,
                issued_at=as_utc(issuance.now),
                valid_from=as_utc(issuance.valid_from),
                valid_until=as_utc(issuance.valid_until) if issuance.valid_until else None,
                sha256=hashlib.sha256(token.encode()).hexdigest(),
            )
        )
        try:
            session.commit()
        except IntegrityError as exc:
            raise _exists(issuance.credential_id) from exc


def _release(home: Home, credential_id: str, allocation: Allocation | None = None) -> None:
    """Delete the index of an issuance that failed, if nobody has used it since.

    The compensating half of :func:`sign_and_record`: an entry that is still VALID and has
    no revocation-log entry was never seen by anyone, so removing it changes no published
    bit and no log replay. ``allocation`` (the allocator returned it: the slot is this
    issuance's) pins the exact slot; without it (the allocator failed after taking one)
    the entry is also spared once a credential with the id is recorded, so an issuance of
    the same id that did succeed keeps its index.
    """
    conditions = [
        col(StatusEntryRecord.credential_id) == credential_id,
        col(StatusEntryRecord.status) == STATUS_VALID,
        ~exists().where(col(RevocationLogRecord.credential_id) == credential_id),
    ]
    if allocation is not None:
        conditions.append(col(StatusEntryRecord.list_id) == allocation.list_id)
        conditions.append(col(StatusEntryRecord.list_index) == allocation.index)
    else:
        conditions.append(~exists().where(col(IssuedCredentialRecord.id) == credential_id))
    with home.session() as session:
        session.execute(delete(StatusEntryRecord).where(*conditions))
        session.commit()


def release_quietly(home: Home, credential_id: str, allocation: Allocation | None = None) -> None:
    """:func:`_release`, logging instead of raising: the issuance's own error is the one to
    report (a release that fails leaves an unused index, as a crash would)."""
    try:
        _release(home, credential_id, allocation)
    except Exception:
        log.exception("could not release the status index of failed issuance %s", credential_id)


def _exists(credential_id: str) -> ConflictError:
    return ConflictError(
        f"a credential {credential_id} was already issued", code=Code.CREDENTIAL_EXISTS
    )
