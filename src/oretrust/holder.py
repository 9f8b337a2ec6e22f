"""The holder role: a wallet (in the home's database) and presentations built from it.

A credential is verified before the wallet accepts it, so a holder never carries a forgery
unknowingly; a presentation is bound to the verifier's nonce and audience and signed with
the holder's own key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from oretrust.errors import ConflictError, InputError, NotFoundError
from oretrust.formats.vc_jwt import sign_presentation
from oretrust.home import Home
from oretrust.identities import find_holder, signer_for
from oretrust.store.db import as_utc, utc_naive
from oretrust.store.models import WalletEntry
from oretrust.verification_checks import parse_datetime
from oretrust.verifier import Verifier

__all__ = ["WalletCredential", "list_wallet", "present", "receive_credential"]


@dataclass(frozen=True)
class WalletCredential:
    """A credential in a wallet, as callers see it."""

    credential_id: str
    type: str
    format: str
    issuer: str
    token: str
    received_at: datetime


def receive_credential(home: Home, holder: str, token: str, *, now: datetime) -> WalletCredential:
    """Verify ``token`` and store it in ``holder``'s wallet; raise InvalidCredentialError."""
    owner = find_holder(home, holder)
    verified = home.verifier(now=now).verify_credential(token, now=now)
    credential_id = str(verified.credential.get("id", ""))
    if not credential_id:
        raise InputError(
            "a wallet keeps only credentials that have an id", code="CREDENTIAL_ID_MISSING"
        )
    types = [t for t in verified.report.types if t != "VerifiableCredential"]
    entry = WalletEntry(
        holder_did=owner.did,
        credential_id=credential_id,
        type=types[-1] if types else "VerifiableCredential",
        format="vc+jwt",
        issuer_did=verified.issuer,
        token=token,
        received_at=utc_naive(now),
    )
    with home.session() as session:
        session.add(entry)
        try:
            session.commit()
        except IntegrityError as exc:
            raise ConflictError(f"{credential_id} is already in {owner.name}'s wallet") from exc
    return _public(entry)


def list_wallet(home: Home, holder: str) -> list[WalletCredential]:
    """The credentials in ``holder``'s wallet, oldest first."""
    owner = find_holder(home, holder)
    with home.session() as session:
        rows = session.exec(
            select(WalletEntry).where(WalletEntry.holder_did == owner.did).order_by(WalletEntry.id)  # type: ignore[arg-type]
        )
        return [_public(row) for row in rows]


def present(
    home: Home,
    holder: str,
    credential_ids: Sequence[str],
    *,
    nonce: str,
    audience: str,
    now: datetime,
    lifetime: timedelta = timedelta(minutes=5),
) -> str:
    """A ``vp+jwt`` of the chosen wallet credentials for one verifier challenge.

    Refuses credentials not in the wallet and ones the holder can see are expired, revoked
    or suspended (their status is checked as a verifier would).
    """
    if not credential_ids:
        raise InputError("choose at least one credential to present", code="NOTHING_TO_PRESENT")
    if not nonce or not audience:
        raise InputError(
            "a presentation needs the verifier's nonce and audience", code="CHALLENGE_REQUIRED"
        )
    owner = find_holder(home, holder)
    wallet = {entry.credential_id: entry for entry in list_wallet(home, owner.did)}
    tokens: list[str] = []
    verifier = home.verifier(now=now)
    for credential_id in credential_ids:
        entry = wallet.get(credential_id)
        if entry is None:
            raise NotFoundError(f"{credential_id} is not in {owner.name}'s wallet")
        _refuse_unusable(verifier, entry, now)
        tokens.append(entry.token)
    return sign_presentation(
        tokens,
        signer_for(home, owner.did),
        holder=owner.did,
        nonce=nonce,
        audience=audience,
        now=now,
        lifetime_seconds=int(lifetime.total_seconds()),
    )


def _refuse_unusable(verifier: Verifier, entry: WalletCredential, now: datetime) -> None:
    """Refuse what the holder can see is expired (InputError), revoked or suspended (Conflict)."""
    report = verifier.check_credential(entry.token, now=now)
    valid_until = (report.claims or {}).get("validUntil")
    end = parse_datetime(str(valid_until)) if valid_until else None
    if end is not None and end <= now:
        raise InputError(
            f"{entry.credential_id} expired at {valid_until}", code="CREDENTIAL_EXPIRED"
        )
    if report.verdict in ("REVOKED", "SUSPENDED"):
        raise ConflictError(
            f"{entry.credential_id} is {report.verdict.lower()} by its issuer",
            code=f"CREDENTIAL_{report.verdict}",
        )


def _public(entry: WalletEntry) -> WalletCredential:
    return WalletCredential(
        entry.credential_id,
        entry.type,
        entry.format,
        entry.issuer_did,
        entry.token,
        as_utc(entry.received_at),
    )
