"""did:web: turning a DID into its HTTPS URL, and building the document an institution serves.

The mapping follows the did:web method spec (W3C CCG): ``:`` separates path segments, a port is
written ``%3A<port>`` in the host, and with no path the document lives at
``/.well-known/did.json``. Anything that could steer the URL elsewhere — user info, queries,
fragments, ``.``/``..`` segments, IPv6 literals, empty segments — is refused.

Rotated-out keys stay in ``verificationMethod`` so credentials they signed still verify; the
caller chooses which keys may *sign new* credentials (``assertionMethod``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any
from urllib.parse import unquote

from oretrust.codes import Code
from oretrust.did._document import DID_CONTEXT, JWK_CONTEXT, jwk_verification_method
from oretrust.errors import InputError, ResolutionError
from oretrust.jwk import is_signing_jwk, public_key_from_jwk

__all__ = ["build_did_web_document", "did_web_url"]

_PREFIX = "did:web:"
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"^({_LABEL}(?:\.{_LABEL})*)(?::([0-9]{{1,5}}))?$")
_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$")
_FRAGMENT = re.compile(r"^[A-Za-z0-9._~:-]+$")


def did_web_url(did: str) -> str:
    """Return the HTTPS URL of a did:web document.

    ``did:web:mines.gov.example`` → ``https://mines.gov.example/.well-known/did.json``;
    ``did:web:host%3A8443:path:to`` → ``https://host:8443/path/to/did.json``.
    Raises ResolutionError(code="INVALID_DID") for anything that is not a plain did:web DID.
    """
    host, port, segments = _parse(did)
    authority = f"{host}:{port}" if port else host
    path = "/".join(segments) if segments else ".well-known"
    return f"https://{authority}/{path}/did.json"


def build_did_web_document(
    did: str,
    keys: Sequence[tuple[str, dict[str, Any]]],
    *,
    assertion_kids: Collection[str] | None = None,
    authentication_kids: Collection[str] | None = None,
) -> dict[str, Any]:
    """Build the DID document for ``did`` from ``(kid, public JWK)`` pairs.

    A kid is a fragment (``key-1``), relative (``#key-1``) or absolute (``<did>#key-1``).
    Every key appears in ``verificationMethod``; ``assertion_kids`` (default: all) are listed
    under ``assertionMethod`` and ``authentication_kids`` (default: the assertion kids) under
    ``authentication``. Raises :class:`InputError` for a bad DID, a duplicate or foreign kid, a
    kid chosen that is not among ``keys``, or a JWK that is private or not a signing key.
    """
    try:
        _parse(did)
    except ResolutionError as exc:
        raise InputError(exc.detail, code=Code.INVALID_DID) from exc
    methods: list[dict[str, Any]] = []
    for kid, jwk in keys:
        method_id = _absolute_kid(did, kid)
        if any(method["id"] == method_id for method in methods):
            raise InputError(f"duplicate kid {method_id}", code=Code.DUPLICATE_KID)
        public_key_from_jwk(jwk)  # raises InputError for private members or unsupported keys
        if not is_signing_jwk(jwk):
            raise InputError(f"key {method_id} is not a signing key", code=Code.KEY_NOT_FOR_SIGNING)
        methods.append(jwk_verification_method(method_id, did, jwk))
    known = [method["id"] for method in methods]
    assertion = _chosen(did, known, assertion_kids, known)
    authentication = _chosen(did, known, authentication_kids, assertion)
    return {
        "@context": [DID_CONTEXT, JWK_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": assertion,
        "authentication": authentication,
    }


def _parse(did: str) -> tuple[str, str, list[str]]:
    if not isinstance(did, str) or not did.startswith(_PREFIX) or len(did) > 2048:
        raise ResolutionError("not a did:web DID", code=Code.INVALID_DID)
    host_part, *segments = did[len(_PREFIX) :].split(":")
    host_text = re.sub("%3[Aa]", ":", host_part)
    match = _HOST.match(host_text)
    if match is None:
        raise ResolutionError(
            f"did:web has an invalid host: {host_part[:80]!r}", code=Code.INVALID_DID
        )
    host, port = match.group(1).lower(), match.group(2) or ""
    if port and not 0 < int(port) < 65536:
        raise ResolutionError(f"did:web has an invalid port {port}", code=Code.INVALID_DID)
    for segment in segments:
        if (
            not _SEGMENT.match(segment)
            or unquote(segment) in (".", "..")
            or "/" in unquote(segment)
        ):
            raise ResolutionError(
                f"did:web has an invalid path segment {segment[:80]!r}", code=Code.INVALID_DID
            )
    return host, port, segments


def _absolute_kid(did: str, kid: str) -> str:
    base, _, fragment = kid.partition("#") if "#" in kid else ("", "", kid)
    if base not in ("", did):
        raise InputError(f"kid {kid!r} does not belong to {did}", code=Code.KID_NOT_IN_ISSUER_DID)
    if not _FRAGMENT.match(fragment):
        raise InputError(f"invalid kid {kid!r}", code=Code.KID_INVALID)
    return f"{did}#{fragment}"


def _chosen(
    did: str, known: list[str], kids: Collection[str] | None, default: list[str]
) -> list[str]:
    if kids is None:
        return list(default)
    wanted = {_absolute_kid(did, kid) for kid in kids}
    missing = sorted(wanted.difference(known))
    if missing:
        raise InputError(f"kids not among the document's keys: {missing}", code=Code.KID_NOT_FOUND)
    return [method_id for method_id in known if method_id in wanted]
