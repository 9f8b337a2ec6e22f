"""Loading a bundle: its signature against a pinned key, then its trust lists (internal).

Order matters: the payload is read unverified only to find the signer's key (a did:web
signer's document travels inside the bundle), and that key counts only if its thumbprint is
pinned; everything else is read after the signature checked out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from oretrust.bundle._format import (
    BUNDLE_TYP,
    BUNDLE_VERSION,
    MAX_BUNDLE_BYTES,
    MAX_BUNDLE_DEPTH,
    invalid,
    mapping_of,
    numeric,
)
from oretrust.codes import Code
from oretrust.did import DefaultDidResolver, StaticDidResolver, did_method, signing_method
from oretrust.errors import InputError, OreTrustError, ResolutionError
from oretrust.formats.dates import parse_datetime
from oretrust.formats.jws import UnverifiedJws, parse_compact, verify_signature
from oretrust.jwk import thumbprint
from oretrust.registry.trust_list import MAX_TRUST_LIST_BYTES, VerifiedTrustList, load_trust_list

__all__ = ["BundlePins", "VerifiedBundle", "load_bundle"]


@dataclass(frozen=True)
class BundlePins:
    """What the verifier trusts before it opens a bundle.

    ``registries`` maps each pinned root registry DID to the thumbprints (RFC 7638) of the
    keys it may sign with; ``bundle_keys`` are thumbprints of other bundle signers the
    verifier trusts (an office that exports for its own border post).
    """

    registries: Mapping[str, frozenset[str]]
    bundle_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle whose signature, lifetime and root trust lists were checked."""

    signer: str
    signer_thumbprint: str
    issued_at: datetime
    expires_at: datetime
    trust_lists: tuple[VerifiedTrustList, ...]
    roots: frozenset[str]
    did_documents: Mapping[str, dict[str, Any]]
    status_lists: Mapping[str, str]
    schemas: Mapping[str, dict[str, Any]]
    ledger: dict[str, Any] | None
    sha256: str
    size: int = field(default=0)

    def age(self, now: datetime) -> timedelta:
        """How long ago the bundle was exported (never negative)."""
        return max(now - self.issued_at, timedelta(0))


def load_bundle(
    text: str, *, pins: BundlePins, now: datetime, leeway: timedelta = timedelta(seconds=60)
) -> VerifiedBundle:
    """Verify ``text`` as a bundle against ``pins`` at ``now``.

    Raises InputError ``BUNDLE_PIN_REQUIRED`` without a pinned registry; ResolutionError
    ``BUNDLE_INVALID``, ``BUNDLE_SIGNER_NOT_PINNED``, ``BUNDLE_SIGNATURE_INVALID``,
    ``BUNDLE_EXPIRED``, ``BUNDLE_NOT_YET_VALID``, or a ``TRUST_LIST_*`` code for a bundled
    root trust list that does not verify.
    """
    if not pins.registries:
        raise InputError(
            "an offline bundle is checked against a pinned registry: give its DID and key "
            "thumbprint, or a home that subscribes to it",
            code=Code.BUNDLE_PIN_REQUIRED,
        )
    try:
        unverified = parse_compact(text, max_bytes=MAX_BUNDLE_BYTES, max_depth=MAX_BUNDLE_DEPTH)
    except OreTrustError as exc:
        raise invalid(f"not a compact JWS: {exc.detail}") from exc
    if unverified.unverified_header.get("typ") != BUNDLE_TYP:
        raise invalid(f"typ is {unverified.unverified_header.get('typ')!r}, not {BUNDLE_TYP}")
    try:
        unverified_payload = unverified.unverified_payload(max_depth=MAX_BUNDLE_DEPTH)
    except OreTrustError as exc:
        raise invalid(f"the payload is not a JSON object: {exc.detail}") from exc
    signer, key = _pinned_signer(unverified, unverified_payload, pins)
    try:
        verify_signature(unverified, key["publicKeyJwk"])
    except OreTrustError as exc:
        raise ResolutionError(
            f"bundle signature rejected: {exc.detail}", code=Code.BUNDLE_SIGNATURE_INVALID
        ) from exc
    payload = unverified_payload  # the signature covers these bytes: verified from here on
    issued, expires = _lifetime(payload, signer, key, now, leeway)
    documents = mapping_of(payload, "did_documents", dict)
    lists, roots = _trust_lists(payload, documents, pins, now)
    ledger = payload.get("ledger")
    if ledger is not None and not isinstance(ledger, dict):
        raise invalid("'ledger' must be an object or null")
    return VerifiedBundle(
        signer=signer,
        signer_thumbprint=thumbprint(key["publicKeyJwk"]),
        issued_at=issued,
        expires_at=expires,
        trust_lists=lists,
        roots=roots,
        did_documents=documents,
        status_lists=mapping_of(payload, "status_lists", str),
        schemas=mapping_of(payload, "schemas", dict),
        ledger=ledger,
        sha256=hashlib.sha256(unverified.unverified_payload_bytes).hexdigest(),
        size=len(text),
    )


def _pinned_signer(
    unverified: UnverifiedJws, unverified_payload: dict[str, Any], pins: BundlePins
) -> tuple[str, dict[str, Any]]:
    """The signer's DID and verification method, if its key is pinned; raise otherwise.

    A did:web signer's document is read from the (still unverified) bundle: harmless, since
    only a key whose thumbprint the verifier pinned is accepted from it.
    """
    kid = unverified.unverified_header.get("kid")
    if not isinstance(kid, str) or "#" not in kid:
        raise invalid("the header needs a DID URL 'kid'")
    signer = kid.split("#", 1)[0]
    try:
        if did_method(signer) == "web":
            unverified_docs = unverified_payload.get("did_documents")
            docs = unverified_docs if isinstance(unverified_docs, dict) else {}
            document = StaticDidResolver(docs).resolve(signer)
        else:
            document = DefaultDidResolver().resolve(signer)
        method = signing_method(document, kid, "assertionMethod")
        print_ = thumbprint(method["publicKeyJwk"])
    except OreTrustError as exc:
        raise ResolutionError(
            f"bundle signer {kid[:160]} cannot be resolved from the bundle: {exc.detail}",
            code=Code.BUNDLE_SIGNER_NOT_PINNED,
        ) from exc
    allowed = pins.registries.get(signer, frozenset()) | pins.bundle_keys
    if print_ not in allowed:
        raise ResolutionError(
            f"the bundle is signed by {kid[:160]} (key {print_}), which this verifier has not "
            "pinned: a bundle cannot vouch for itself",
            code=Code.BUNDLE_SIGNER_NOT_PINNED,
        )
    return signer, method


def _lifetime(
    payload: dict[str, Any],
    signer: str,
    key: dict[str, Any],
    now: datetime,
    leeway: timedelta,
) -> tuple[datetime, datetime]:
    """The bundle's ``iat``/``exp`` judged at ``now``; its version, issuer and key state."""
    if payload.get("version") != BUNDLE_VERSION:
        raise invalid(f"version {payload.get('version')!r} is not {BUNDLE_VERSION}")
    if payload.get("iss") != signer:
        raise invalid(f"iss {str(payload.get('iss'))[:120]!r} is not the signer {signer}")
    iat, exp = numeric(payload, "iat"), numeric(payload, "exp")
    if exp <= iat:
        raise invalid("exp must be after iat")
    issued, expires = datetime.fromtimestamp(iat, tz=UTC), datetime.fromtimestamp(exp, tz=UTC)
    revoked = parse_datetime(str(key["revoked"])) if "revoked" in key else None
    if "revoked" in key and (revoked is None or issued >= revoked):
        raise ResolutionError(
            f"the bundle is signed with {key.get('id')}, compromised as of {key['revoked']}",
            code=Code.BUNDLE_SIGNATURE_INVALID,
        )
    if now - leeway >= expires:
        raise ResolutionError(
            f"the bundle expired at {_stamp(expires)} (exported {_stamp(issued)}): export a "
            "new one",
            code=Code.BUNDLE_EXPIRED,
        )
    if issued > now + leeway:
        raise ResolutionError(
            f"the bundle is issued in the future ({_stamp(issued)})",
            code=Code.BUNDLE_NOT_YET_VALID,
        )
    return issued, expires


def _trust_lists(
    payload: dict[str, Any],
    documents: Mapping[str, dict[str, Any]],
    pins: BundlePins,
    now: datetime,
) -> tuple[tuple[VerifiedTrustList, ...], frozenset[str]]:
    """Every bundled trust list verified; a root only when the verifier pinned it, and then
    signed by a pinned key of its registry."""
    entries = payload.get("registries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise invalid("'registries' must be a list of objects")
    lists: list[VerifiedTrustList] = []
    roots: set[str] = set()
    for entry in entries:
        did, token = entry.get("did"), entry.get("trust_list")
        if not isinstance(did, str) or not isinstance(token, str):
            raise invalid("each registry needs a string 'did' and 'trust_list'")
        if did not in documents:
            raise invalid(f"the DID document of registry {did[:120]} is not in the bundle")
        pinned = pins.registries.get(did)
        if pinned is not None:
            _check_list_key_pinned(token, did, documents[did], pinned)
        lists.append(
            load_trust_list(
                token,
                registry_did=did,
                resolver=StaticDidResolver({did: documents[did]}),
                now=now,
            )
        )
        if pinned is not None and entry.get("root", True) is True:
            roots.add(did)
    if not roots:
        raise invalid(
            "it carries no trust list of a registry this verifier pinned "
            f"({', '.join(sorted(pins.registries))})"
        )
    return tuple(lists), frozenset(roots)


def _check_list_key_pinned(
    token: str, did: str, document: dict[str, Any], pinned: frozenset[str]
) -> None:
    try:
        kid = parse_compact(token, max_bytes=MAX_TRUST_LIST_BYTES).unverified_header.get("kid")
        method = signing_method(
            StaticDidResolver({did: document}).resolve(did), str(kid), "assertionMethod"
        )
        signed_by = thumbprint(method["publicKeyJwk"])
    except OreTrustError as exc:
        raise ResolutionError(
            f"trust list of {did} names no key of its document: {exc.detail}",
            code=Code.TRUST_LIST_SIGNATURE_INVALID,
        ) from exc
    if signed_by not in pinned:
        raise ResolutionError(
            f"the bundled trust list of {did} is signed by key {signed_by}, not a pinned one",
            code=Code.TRUST_KEY_NOT_PINNED,
        )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
