"""The holder's wallet (in the home's database): receive, list and show credentials.

Part of the holder role (:mod:`oretrust.holder` re-exports everything here). The wallet keeps
``vc+jwt`` and SD-JWT VC (``dc+sd-jwt``, as issued: the JWT and every disclosure). A credential
is verified before the wallet accepts it, so a holder never carries a forgery unknowingly; an
SD-JWT VC must moreover be bound (``cnf``) to one of the holder's own keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from oretrust.codes import Code
from oretrust.credentials import CREDENTIAL_TYPES
from oretrust.credentials.disclosure import format_path
from oretrust.custody import CHAIN_TYPES
from oretrust.errors import ConflictError, InputError, NotFoundError, OreTrustError
from oretrust.formats.jws import parse_compact
from oretrust.formats.sd_jwt import SD_JWT_VC_TYP, parse_sd_jwt
from oretrust.formats.sd_jwt_core import DEFAULT_LIMITS
from oretrust.formats.sd_jwt_processing import process_payload
from oretrust.home import Home
from oretrust.identities import HolderPublic, find_holder, list_keys
from oretrust.store.db import as_utc
from oretrust.store.models import WalletEntry
from oretrust.verifier import Verifier, looks_like_sd_jwt, same_key, verifier_for

__all__ = [
    "VC_JWT",
    "WalletCredential",
    "WalletCredentialDetails",
    "describe",
    "find_entry",
    "list_wallet",
    "receive_credential",
    "show",
    "wallet_of",
]

VC_JWT = "vc+jwt"


@dataclass(frozen=True)
class WalletCredential:
    """A credential in a wallet, as callers see it."""

    credential_id: str
    type: str
    format: str
    issuer: str
    token: str
    received_at: datetime


@dataclass(frozen=True)
class WalletCredentialDetails:
    """What a wallet credential would disclose: ``visible`` claims are always shown;
    ``withholdable`` ones (SD-JWT VC only, by claim path) only when the holder chooses."""

    credential: WalletCredential
    visible: dict[str, Any]
    withholdable: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (no token)."""
        entry = self.credential
        return {
            "credential_id": entry.credential_id,
            "type": entry.type,
            "format": entry.format,
            "issuer": entry.issuer,
            "received_at": entry.received_at.isoformat(),
            "visible": self.visible,
            "withholdable": self.withholdable,
        }


def receive_credential(
    home: Home, holder: str, token: str, *, now: datetime, verifier: Verifier | None = None
) -> WalletCredential:
    """Verify ``token`` (vc+jwt, or an SD-JWT VC as issued) and store it in ``holder``'s wallet.

    ``verifier`` (default: the home's own, :func:`~oretrust.verifier.verifier_for`) decides
    whether the credential verifies — the holder's home resolves the issuer's DID and status
    list itself; the issuer's home is not involved.

    Raises InvalidCredentialError (with the report) when it does not verify, InputError
    ``CREDENTIAL_ID_MISSING``, ``KEY_BINDING_MISMATCH`` (an SD-JWT VC bound to a key the holder
    does not have), ``CREDENTIAL_NOT_FOR_HOLDER`` (a vc+jwt not about the holder, unless of a
    type that travels with the material) or ``ALREADY_PRESENTED`` (an SD-JWT with a KB-JWT),
    ConflictError when the wallet already has it.
    """
    owner = find_holder(home, holder)
    token = token.strip()
    is_sd_jwt = looks_like_sd_jwt(token)
    if is_sd_jwt and not token.endswith("~"):
        raise InputError(
            "a wallet keeps SD-JWT VCs as issued, not presentations", code=Code.ALREADY_PRESENTED
        )
    checker = verifier if verifier is not None else verifier_for(home)
    verified = checker.verify_credential(token, now=now)
    credential_id = str(verified.credential.get("id", ""))
    if not credential_id:
        raise InputError(
            "a wallet keeps only credentials that have an id", code=Code.CREDENTIAL_ID_MISSING
        )
    types = [t for t in verified.report.types if t != "VerifiableCredential"]
    if is_sd_jwt:
        _require_own_key(home, owner, verified.credential)
    else:
        _require_own_subject(owner, verified.credential, types, checker.forwardable_types)
    entry = WalletEntry(
        holder_did=owner.did,
        credential_id=credential_id,
        type=types[-1] if types else "VerifiableCredential",
        format=SD_JWT_VC_TYP if is_sd_jwt else VC_JWT,
        issuer_did=verified.issuer,
        token=token,
        received_at=as_utc(now),
    )
    with home.session() as session:
        session.add(entry)
        try:
            session.commit()
        except IntegrityError as exc:
            raise ConflictError(f"{credential_id} is already in {owner.name}'s wallet") from exc
    return _public(entry)


def list_wallet(home: Home, holder: str) -> list[WalletCredential]:
    """The credentials in ``holder``'s wallet, oldest first. Raises NotFoundError."""
    return wallet_of(home, find_holder(home, holder))


def wallet_of(home: Home, owner: HolderPublic) -> list[WalletCredential]:
    """:func:`list_wallet` for a holder already looked up."""
    with home.session() as session:
        rows = session.exec(
            select(WalletEntry).where(WalletEntry.holder_did == owner.did).order_by(WalletEntry.id)  # type: ignore[arg-type]
        )
        return [_public(row) for row in rows]


def show(home: Home, holder: str, credential_id: str) -> WalletCredentialDetails:
    """What ``credential_id`` would disclose: for an SD-JWT VC the always-visible claims and
    the withholdable ones; a vc+jwt discloses everything. Raises NotFoundError."""
    return describe(find_entry(home, holder, credential_id))


def describe(entry: WalletCredential) -> WalletCredentialDetails:
    """:func:`show` for a wallet credential already in hand."""
    if entry.format != SD_JWT_VC_TYP:
        return WalletCredentialDetails(entry, parse_compact(entry.token).unverified_payload(), {})
    # The wallet verified this token when it received it; here it only reads its own copy.
    parsed = parse_sd_jwt(entry.token)
    depth = DEFAULT_LIMITS.max_depth
    visible = process_payload(parsed.unverified_payload, (), max_depth=depth).claims
    full = process_payload(parsed.unverified_payload, parsed.disclosures, max_depth=depth)
    withholdable = {format_path(item.path): item.disclosure.value for item in full.disclosed}
    return WalletCredentialDetails(entry, visible, withholdable)


def find_entry(home: Home, holder: str, credential_id: str) -> WalletCredential:
    """The wallet credential ``credential_id`` of ``holder``; raise NotFoundError."""
    owner = find_holder(home, holder)
    for entry in wallet_of(home, owner):
        if entry.credential_id == credential_id:
            return entry
    raise NotFoundError(f"{credential_id} is not in {owner.name}'s wallet")


def _require_own_key(home: Home, owner: HolderPublic, credential: dict[str, Any]) -> None:
    cnf = credential.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict) or not any(
        same_key(jwk, key.public_jwk) for key in list_keys(home, owner.did)
    ):
        raise InputError(
            f"this SD-JWT VC is bound to a key {owner.name} does not hold",
            code=Code.KEY_BINDING_MISMATCH,
        )


def _require_own_subject(
    owner: HolderPublic, credential: dict[str, Any], types: list[str], forwardable: frozenset[str]
) -> None:
    """A vc+jwt belongs in this wallet when the holder is a party it is about, or when it is
    of a type that travels with the material (``forwardable``, as the verifier allows, and
    the custody chain's documents: a buyer keeps the events and period accounts its seller
    hands over with the lot, which the verifier accepts when the chain ends with the buyer).

    The parties are the subjects' DID ids and the party each oretrust type names as holder
    (as the verifier's holder-binding check reads them), so a credential issued to another
    holder — or to nobody — is refused here with ``CREDENTIAL_NOT_FOR_HOLDER`` instead of
    failing at every verifier it is presented to.
    """
    subjects = credential.get("credentialSubject")
    listed = [s for s in (subjects if isinstance(subjects, list) else [subjects]) if s]
    parties = {
        s["id"] for s in listed if isinstance(s, dict) and str(s.get("id", "")).startswith("did:")
    }
    for known in (CREDENTIAL_TYPES[t] for t in types if t in CREDENTIAL_TYPES):
        for subject in listed:
            try:
                parties.add(known.holder_of(subject))
            except OreTrustError:
                continue  # a subject its schema refuses: the credential is about nobody here
    if owner.did in parties or (parties and (forwardable | CHAIN_TYPES) & set(types)):
        return
    named = ", ".join(sorted(parties)) or "nobody"
    raise InputError(
        f"this credential is issued to {named[:300]}, not to {owner.name} ({owner.did[:80]})",
        code=Code.CREDENTIAL_NOT_FOR_HOLDER,
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
