"""Bulk issuance: many credentials of one issuer, one transaction per batch (internal; the
face is :mod:`oretrust.issuer`).

One :func:`~oretrust.issuer.issue_credential` call looks up the issuer, reads and parses its
PEM key, builds a trust source, and commits twice (the status index, then the record): about
20 ms on SQLite, nearly all of it two fsyncs. :class:`BatchIssuer` does the lookups once
(issuer, signer, this home's registry) and issues a batch in one transaction: the status
entries (:func:`oretrust.status.bulk_allocation.allocate_many`) and the records
(id + hash, never the credential) are inserted together and committed once, so a batch
stands or falls as a whole.

The shared rules are those of :mod:`oretrust.issuer._record`, with its codes: the subject is
validated against its type (SchemaValidationError naming the field), the validity period
checked, and in a home that runs its own registry the issuer must be accredited for the
type and jurisdiction (``ISSUER_NOT_ACCREDITED_TO_ISSUE``). :meth:`BatchIssuer.prepare`
makes every such check for one request before anything is written, so a caller can stop at
a bad line with nothing of it issued.

``before_commit`` is the caller's durable step: it receives the batch's signed credentials
after their rows are flushed and before the commit (``oretrust issue --batch`` writes and
fsyncs its journal there). A process killed in between leaves journal entries whose ids
were never recorded; the journal's reader drops them, so no credential is issued twice.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from oretrust.codes import Code
from oretrust.credentials import build_credential, get_credential_type
from oretrust.credentials.disclosure import sd_jwt_vc_claims
from oretrust.did import create_did_jwk
from oretrust.errors import InputError
from oretrust.formats.sd_jwt import SD_JWT_VC_TYP
from oretrust.home import Home
from oretrust.identities import find_issuer, signer_for
from oretrust.issuer import _sd_jwt, _vc_jwt
from oretrust.issuer._batch_checks import RunAccreditation
from oretrust.issuer._record import Issuance, release_quietly
from oretrust.status.allocation import Allocation, allocate_index
from oretrust.status.bulk_allocation import allocate_many
from oretrust.status.publication import refresh_status_list
from oretrust.store.bulk import insert_rows
from oretrust.store.db import as_utc
from oretrust.store.models import IssuedCredentialRecord
from oretrust.store.write_lock import lock_for_writing

__all__ = ["BatchIssued", "BatchIssuer", "BatchRequest", "PreparedCredential"]

FORMATS = (_vc_jwt.VC_JWT_FORMAT, SD_JWT_VC_TYP)
_RETRIES = 3  # a batch that lost a race for an index (or SQLite's lock) is drawn again


@dataclass(frozen=True)
class BatchRequest:
    """One credential to issue: its type, subject, holder DID and end of validity."""

    type_name: str
    subject: dict[str, Any]
    holder: str | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class BatchIssued:
    """One credential of a batch, signed (and, once the batch committed, recorded)."""

    id: str
    type: str
    format: str
    holder: str | None
    token: str


@dataclass(frozen=True)
class PreparedCredential:
    """A request that passed every check: signing it needs only its status index."""

    issuance: Issuance
    holder: str | None
    sign: Callable[[Allocation | None], str]


class BatchIssuer:
    """Issues credentials of one issuer in ``credential_format`` at ``now``, batch by batch.

    Raises NotFoundError (no such issuer or no active key) and InputError
    ``UNSUPPORTED_FORMAT`` when built.
    """

    def __init__(self, home: Home, *, issuer: str, now: datetime, credential_format: str):
        if credential_format not in FORMATS:
            raise InputError(
                f"format must be one of {', '.join(FORMATS)}, not {credential_format!r}",
                code=Code.UNSUPPORTED_FORMAT,
            )
        self.home, self.now, self.format = home, now, credential_format
        self.issuer = find_issuer(home, issuer)
        self.signer = signer_for(home, self.issuer.did)  # read and parsed once per batch run
        self.accreditation = RunAccreditation(home, self.issuer.did, now)
        self.base_url = home.base_url
        self._holder_keys: dict[str, dict[str, Any]] = {}

    def prepare(self, request: BatchRequest) -> PreparedCredential:
        """Check ``request`` as issuance does (same errors and codes); nothing is written."""
        subject = request.subject
        if not isinstance(subject, dict):
            raise InputError("credentialSubject must be a JSON object", code=Code.INVALID_SUBJECT)
        if request.valid_until is not None and request.valid_until <= self.now:
            raise InputError("validUntil must be after now", code=Code.INVALID_VALIDITY_PERIOD)
        credential_type = get_credential_type(request.type_name)
        issuance = Issuance(
            f"urn:uuid:{uuid.uuid4()}", credential_type, self.issuer, self.signer, self.now,
            self.now, request.valid_until, True, subject,
        )  # fmt: skip
        if self.format == SD_JWT_VC_TYP:
            return self._prepare_sd_jwt(issuance, request)
        return self._prepare_vc_jwt(issuance, request)

    def issue(
        self,
        batch: Sequence[PreparedCredential],
        *,
        before_commit: Callable[[list[BatchIssued]], None] = lambda issued: None,
    ) -> list[BatchIssued]:
        """Allocate, sign and record ``batch`` in one transaction; return what was issued.

        ``before_commit`` runs after the rows are inserted and before the commit. A batch that
        loses a race (an index taken meanwhile, SQLite busy) before ``before_commit`` ran is
        retried with fresh indices; once it ran (the caller has the tokens), a failure is
        raised, never retried with other tokens under the same ids.
        """
        handed_over: list[bool] = []

        def hand_over(issued: list[BatchIssued]) -> None:
            handed_over.append(True)
            before_commit(issued)

        for attempt in range(_RETRIES):
            try:
                issued, lists = self._issue_once(batch, hand_over)
            except (IntegrityError, OperationalError):
                if handed_over or attempt == _RETRIES - 1:
                    raise
                continue
            for list_id in lists:  # stale documents (max-age) are re-signed by the writer
                refresh_status_list(self.home, list_id, now=self.now)
            return issued
        raise AssertionError("unreachable")  # pragma: no cover

    def _issue_once(
        self,
        batch: Sequence[PreparedCredential],
        before_commit: Callable[[list[BatchIssued]], None],
    ) -> tuple[list[BatchIssued], set[str]]:
        wanted = [(p.issuance.credential_id, p.issuance.credential_type.name) for p in batch]
        committed_alone: list[Allocation] = []
        with self.home.session() as session:
            try:
                allocations = self._allocations(session, batch, wanted, committed_alone)
                issued = [self._signed(p, a) for p, a in zip(batch, allocations, strict=True)]
                insert_rows(
                    session,
                    IssuedCredentialRecord.__tablename__,
                    [self._row(p, i) for p, i in zip(batch, issued, strict=True)],
                )
                before_commit(issued)
                session.commit()
            except BaseException:
                session.rollback()
                for allocation in committed_alone:  # as a failed single issuance does
                    release_quietly(self.home, allocation.credential_id, allocation)
                raise
        return issued, {allocation.list_id for allocation in allocations}

    def _allocations(
        self,
        session: Session,
        batch: Sequence[PreparedCredential],
        wanted: list[tuple[str, str]],
        committed_alone: list[Allocation],
    ) -> list[Allocation]:
        """One index per credential, inserted in ``session`` (under the issuer's write lock).

        Where the bulk allocator declines (no list yet, or near a list's end) one credential
        at a time goes through the one-by-one allocator, which opens and publishes the next
        list and commits its index on its own (noted in ``committed_alone``); the rest are
        tried in bulk again.
        """
        allocations: list[Allocation] = []
        while True:
            lock_for_writing(session, f"status-allocation:{self.issuer.did}")
            bulk = allocate_many(
                session, issuer_did=self.issuer.did, credentials=wanted[len(allocations) :],
                now=self.now,
            )  # fmt: skip
            if bulk is not None:
                return allocations + bulk
            session.rollback()  # the one-by-one allocator takes the write lock itself
            one = self._allocate_one(batch[len(allocations)].issuance)
            committed_alone.append(one)
            allocations.append(one)

    def _allocate_one(self, issuance: Issuance) -> Allocation:
        return allocate_index(
            self.home,
            issuer_did=self.issuer.did,
            credential_id=issuance.credential_id,
            type_name=issuance.credential_type.name,
            now=self.now,
        )

    def _signed(self, prepared: PreparedCredential, allocation: Allocation) -> BatchIssued:
        issuance = prepared.issuance
        token = prepared.sign(allocation)
        return BatchIssued(
            issuance.credential_id, issuance.credential_type.name, self.format, prepared.holder,
            token,
        )  # fmt: skip

    def _row(self, prepared: PreparedCredential, issued: BatchIssued) -> dict[str, Any]:
        until = prepared.issuance.valid_until
        return {
            "id": issued.id, "type": issued.type, "format": issued.format,
            "issuer_did": self.issuer.did, "holder_did": issued.holder,
            "issued_at": as_utc(self.now), "valid_from": as_utc(self.now),
            "valid_until": as_utc(until) if until else None,
            "sha256": hashlib.sha256(issued.token.encode()).hexdigest(),
        }  # fmt: skip

    def _prepare_vc_jwt(self, issuance: Issuance, request: BatchRequest) -> PreparedCredential:
        subject = dict(request.subject)  # build_credential writes a new document from it
        if request.holder and "id" not in subject:
            subject["id"] = request.holder
        parsed = issuance.credential_type.parse_subject(subject)  # once, for both uses
        self.accreditation.require(issuance.credential_type, issuance.subject, parsed)
        document = build_credential(
            issuance.credential_type.name,
            issuer=self.issuer.did,
            issuer_name=self.issuer.display_name,
            subject=parsed,
            valid_from=self.now,
            valid_until=request.valid_until,
            credential_id=issuance.credential_id,
        )
        holder = request.holder or _vc_jwt.subject_id(document)
        return PreparedCredential(
            issuance, holder, lambda a: _vc_jwt.sign_document(self.base_url, issuance, document, a)
        )

    def _prepare_sd_jwt(self, issuance: Issuance, request: BatchRequest) -> PreparedCredential:
        if issuance.credential_type.subject_array:
            raise InputError(
                f"{issuance.credential_type.name} is issued as vc+jwt only",
                code=Code.UNSUPPORTED_FORMAT,
            )
        holder = request.holder or ""
        if holder not in self._holder_keys:
            self._holder_keys[holder] = _sd_jwt.holder_key(self.home, request.holder)
        key = self._holder_keys[holder]
        claims = sd_jwt_vc_claims(issuance.credential_type.name, request.subject)
        parsed = issuance.credential_type.parse_subject(request.subject)
        self.accreditation.require(issuance.credential_type, request.subject, parsed)
        disclosable = _sd_jwt.disclosable_paths(issuance.credential_type.name, claims, None)
        base_url = self.base_url
        return PreparedCredential(
            issuance,
            holder or create_did_jwk(key),
            lambda a: _sd_jwt.sign_token(base_url, issuance, claims, key, disclosable, None, a),
        )
