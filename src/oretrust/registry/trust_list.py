"""The signed trust list: exported by the registry, cached and checked by verifiers offline.

A compact JWS (header ``typ: trust-list+jwt``, ``kid`` a key of the registry operator's DID)
whose payload is::

    {"iss": "<registry DID>", "iat": 1795000000, "exp": 1795086400,
     "log_head": {"seq": 42, "hash": "<sha-256 hex>"},
     "accreditations": [{"id", "entity_id", "action": "issue:<Type>", "resource": "CD",
                         "valid_from", "valid_until" (or null), "status", "withdrawn_at"
                         (or null), "suspensions": [{"from", "until" (or null)}]}],
     "recognitions": [{"id", "entity_id", "action", "resource", "valid_from",
                       "valid_until", "withdrawn_at"}],
     "high_risk_jurisdictions": [{"code", "risk": "high" | "conflict", "source", "as_of"}]}

Every accreditation is listed, withdrawn and expired ones included (``status`` as of
``iat``), so an offline verifier judges a credential at its issuance time exactly as the
registry would. :func:`load_trust_list` refuses a list that is not signed by the configured
registry DID (or signed with a registry key marked compromised by its ``iat``), expired,
issued in the future, or older than one already accepted (no
rollback: a :class:`TrustListStore` keeps the highest ``iat`` seen per registry).
Errors are :class:`~oretrust.errors.ResolutionError` with codes ``TRUST_LIST_INVALID``,
``TRUST_LIST_SIGNATURE_INVALID``, ``TRUST_LIST_EXPIRED``, ``TRUST_LIST_NOT_YET_VALID``,
``TRUST_LIST_ROLLBACK``.

**Size.** One signed document, bounded by :data:`MAX_TRUST_LIST_BYTES` (32 MiB, about 90,000
accreditations at ~360 bytes each once base64url-encoded) instead of the 256 KiB bound of
credential tokens, which a registry passed at ~750 accreditations. The bound is enforced
before anything is decoded, by every reader: :func:`load_trust_list`, the subscription
fetcher (streamed, stops reading past it) and offline bundles. The publisher signs it once
per log head (see :mod:`oretrust.api.publication`), so its size costs one signature per
change, not one per request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from oretrust.codes import Code
from oretrust.did import DidResolver, signing_method
from oretrust.errors import OreTrustError, ResolutionError
from oretrust.formats.jws import parse_compact, sign_compact, verify_signature
from oretrust.home import Home
from oretrust.identities import signer_for
from oretrust.registry._claims import (
    accreditation_claim,
    accreditation_from_claim,
    flag_claim,
    flag_from_claim,
    recognition_claim,
    recognition_from_claim,
)
from oretrust.registry._log import compromised_as_of
from oretrust.registry._model import Accreditation, JurisdictionFlag, Recognition, format_time
from oretrust.registry._store import registry_did_of
from oretrust.registry.sources import StaticTrustSource
from oretrust.registry.trust_list_store import TrustListStore
from oretrust.registry.verified import verified_registry
from oretrust.store.models import HomeSetting

__all__ = [
    "MAX_TRUST_LIST_BYTES",
    "TRUST_LIST_TYP",
    "SignedTrustList",
    "VerifiedTrustList",
    "export_trust_list",
    "load_trust_list",
    "sign_trust_list",
    "trust_list_source",
]

TRUST_LIST_TYP = "trust-list+jwt"
DEFAULT_LIFETIME = timedelta(hours=24)
#: The largest trust list oretrust signs or reads (a compact JWS, in bytes).
MAX_TRUST_LIST_BYTES = 32 * 1024 * 1024
_LAST_IAT_SETTING = "trust_list_last_iat"


# ---------------------------------------------------------------------------- export
@dataclass(frozen=True)
class SignedTrustList:
    """A trust list this home just signed, with the claims a publisher keys it by."""

    token: str
    iat: int
    exp: int
    log_seq: int
    log_hash: str


def export_trust_list(home: Home, *, now: datetime, lifetime: timedelta = DEFAULT_LIFETIME) -> str:
    """Sign the home's current registry state as a trust list valid for ``lifetime``.

    ``iat`` strictly increases from one export to the next (even within one second), so
    verifiers can refuse an older list. Raises NotFoundError without a registry.
    """
    return sign_trust_list(home, now=now, lifetime=lifetime).token


def sign_trust_list(
    home: Home, *, now: datetime, lifetime: timedelta = DEFAULT_LIFETIME
) -> SignedTrustList:
    """:func:`export_trust_list`, returning the token with its ``iat``, ``exp`` and log head
    (a publisher stores them without parsing back a document it just built).

    Raises ResolutionError ``TRUST_LIST_INVALID`` for a non-positive lifetime or a list past
    :data:`MAX_TRUST_LIST_BYTES` (no reader would accept it), and IntegrityViolationError
    ``REGISTRY_LOG_MISMATCH`` when the registry's tables are not what its signed log replays
    to. The list is built from the log's replay (:mod:`oretrust.registry.verified`), never
    from the tables: a table edited past oretrust is never signed with the registry's key.
    """
    registry_did = registry_did_of(home)
    if lifetime <= timedelta(0):
        raise ResolutionError("trust list lifetime must be positive", code=Code.TRUST_LIST_INVALID)
    verified = verified_registry(home)
    state, (seq, head) = verified.state, verified.head
    with home.session() as session:
        last = session.get(HomeSetting, _LAST_IAT_SETTING)
        iat = max(int(now.timestamp()), int(last.value) + 1 if last else 0)
        session.merge(HomeSetting(key=_LAST_IAT_SETTING, value=str(iat)))
        session.commit()
    at = datetime.fromtimestamp(iat, tz=UTC)
    exp = iat + int(lifetime.total_seconds())
    claims = {
        "iss": registry_did,
        "iat": iat,
        "exp": exp,
        "log_head": {"seq": seq, "hash": head},
        "accreditations": [
            accreditation_claim(a, at)
            for a in sorted(state.accreditations.values(), key=lambda a: (a.entity_id, a.id))
        ],
        "recognitions": [
            recognition_claim(r) for r in sorted(state.recognitions.values(), key=lambda r: r.id)
        ],
        "high_risk_jurisdictions": [flag_claim(f) for _, f in sorted(state.flags.items())],
    }
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    token = sign_compact({"typ": TRUST_LIST_TYP}, payload, signer_for(home, registry_did))
    if len(token) > MAX_TRUST_LIST_BYTES:
        raise ResolutionError(
            f"the trust list would be {len(token)} bytes, past the "
            f"{MAX_TRUST_LIST_BYTES}-byte bound readers accept",
            code=Code.TRUST_LIST_INVALID,
        )
    return SignedTrustList(token, iat, exp, seq, head)


# ---------------------------------------------------------------------------- load (verifier side)
@dataclass(frozen=True)
class VerifiedTrustList:
    """A trust list whose signature, issuer, freshness and order were all checked."""

    registry_did: str
    issued_at: datetime
    expires_at: datetime
    accreditations: tuple[Accreditation, ...]
    recognitions: tuple[Recognition, ...]
    flags: tuple[JurisdictionFlag, ...]
    log_head: dict[str, Any]
    token: str
    sha256: str


def load_trust_list(
    token: str,
    *,
    registry_did: str,
    resolver: DidResolver,
    now: datetime,
    store: TrustListStore | None = None,
    leeway: timedelta = timedelta(seconds=60),
) -> VerifiedTrustList:
    """Verify ``token`` as the trust list of ``registry_did`` and record it in ``store``.

    The key is taken from ``registry_did``'s DID document (``assertionMethod``) through
    ``resolver`` — for offline use a :class:`~oretrust.did.StaticDidResolver` over the
    registry's saved document, which pins its keys. Raises ResolutionError (codes above).
    """
    try:
        unverified = parse_compact(token, max_bytes=MAX_TRUST_LIST_BYTES)
    except OreTrustError as exc:
        raise ResolutionError(
            f"trust list is not a compact JWS: {exc.detail}", code=Code.TRUST_LIST_INVALID
        ) from exc
    header = unverified.unverified_header
    if header.get("typ") not in (TRUST_LIST_TYP, f"application/{TRUST_LIST_TYP}"):
        raise ResolutionError(
            f"trust list typ is {header.get('typ')!r}, expected {TRUST_LIST_TYP}",
            code=Code.TRUST_LIST_INVALID,
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or kid.split("#", 1)[0] != registry_did:
        raise ResolutionError(
            f"trust list is signed by {kid!r}, not by the registry {registry_did}",
            code=Code.TRUST_LIST_SIGNATURE_INVALID,
        )
    try:
        method = signing_method(resolver.resolve(registry_did), kid, "assertionMethod")
        payload = verify_signature(unverified, method["publicKeyJwk"])
    except OreTrustError as exc:
        raise ResolutionError(
            f"trust list signature rejected: {exc.detail}", code=Code.TRUST_LIST_SIGNATURE_INVALID
        ) from exc
    claims = unverified.unverified_payload()  # verified from here on
    if claims.get("iss") != registry_did:
        raise ResolutionError(
            f"trust list iss is {claims.get('iss')!r}, not {registry_did}",
            code=Code.TRUST_LIST_SIGNATURE_INVALID,
        )
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int) or isinstance(iat, bool) or exp <= iat:
        raise ResolutionError(
            "trust list needs integer iat and exp with exp > iat", code=Code.TRUST_LIST_INVALID
        )
    issued, expires = datetime.fromtimestamp(iat, tz=UTC), datetime.fromtimestamp(exp, tz=UTC)
    revoked = compromised_as_of(method, issued)
    if revoked is not None:
        raise ResolutionError(
            f"trust list is signed with {kid}, compromised as of {revoked}",
            code=Code.TRUST_LIST_SIGNATURE_INVALID,
        )
    if now - leeway >= expires:
        raise ResolutionError(
            f"trust list expired at {format_time(expires)}", code=Code.TRUST_LIST_EXPIRED
        )
    if issued > now + leeway:
        raise ResolutionError(
            f"trust list is issued in the future ({format_time(issued)})",
            code=Code.TRUST_LIST_NOT_YET_VALID,
        )
    digest = hashlib.sha256(payload).hexdigest()
    if store is not None:
        _check_not_rolled_back(store, registry_did, iat, digest)
    verified = _parse_claims(claims, registry_did, issued, expires, token, digest)
    if store is not None:
        store.accept(registry_did, iat, digest, token)
    return verified


def _check_not_rolled_back(store: TrustListStore, registry_did: str, iat: int, digest: str) -> None:
    highest = store.highest(registry_did)
    if highest is None:
        return
    seen_iat, seen_digest = highest
    if iat < seen_iat or (iat == seen_iat and digest != seen_digest):
        raise ResolutionError(
            f"trust list issued at {_stamp(iat)} is older than the one already accepted "
            f"({_stamp(seen_iat)})",
            code=Code.TRUST_LIST_ROLLBACK,
        )


def _stamp(numeric: int) -> str:
    return format_time(datetime.fromtimestamp(numeric, tz=UTC))


def _parse_claims(
    claims: dict[str, Any],
    registry_did: str,
    issued: datetime,
    expires: datetime,
    token: str,
    digest: str,
) -> VerifiedTrustList:
    try:
        accreditations = tuple(
            accreditation_from_claim(item, registry_did)
            for item in claims.get("accreditations", [])
        )
        recognitions = tuple(
            recognition_from_claim(item, registry_did) for item in claims.get("recognitions", [])
        )
        flags = tuple(flag_from_claim(item) for item in claims.get("high_risk_jurisdictions", []))
    except (KeyError, TypeError, ValueError, AttributeError, OreTrustError) as exc:
        raise ResolutionError(
            f"trust list entries are malformed: {exc!r}", code=Code.TRUST_LIST_INVALID
        ) from exc
    head = claims.get("log_head")
    return VerifiedTrustList(
        registry_did,
        issued,
        expires,
        accreditations,
        recognitions,
        flags,
        head if isinstance(head, dict) else {},
        token,
        digest,
    )


def trust_list_source(trust_list: VerifiedTrustList) -> StaticTrustSource:
    """An offline :class:`~oretrust.registry.sources.TrustSource` over a verified trust list."""
    return StaticTrustSource(
        trust_list.registry_did,
        trust_list.accreditations,
        trust_list.recognitions,
        trust_list.flags,
    )
