"""SD-JWT building blocks shared by issuer, holder and verifier (internal; RFC 9901 §4-5).

Disclosures, digests, claim paths, size limits and the parser that splits
``<issuer-signed JWT>~<Disclosure>~...~<KB-JWT or empty>`` (or the JWS JSON serialization of
§8) into an :class:`UnverifiedSdJwt`. Nothing here checks a signature: everything parsed is
named ``unverified_*`` until :func:`oretrust.formats.sd_jwt.verify_sd_jwt` has run.

Decoding failures (bad base64url, bad JSON, duplicate JSON keys, over a size limit) are
:class:`~oretrust.errors.MalformedTokenError`; a well-formed disclosure of the wrong shape is
an :class:`~oretrust.errors.InvalidCredentialError` with code ``DISCLOSURE_MALFORMED``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from oretrust.codes import Code
from oretrust.encoding import (
    MAX_JSON_DEPTH,
    TOO_DEEP,
    b64url_decode,
    b64url_encode,
    loads_json,
)
from oretrust.errors import InputError, InvalidCredentialError, MalformedTokenError
from oretrust.formats.jws import UnverifiedJws, parse_compact

__all__ = [
    "DEFAULT_LIMITS",
    "ELLIPSIS",
    "KB_JWT_TYP",
    "SD_ALG",
    "SD_ALG_KEY",
    "SD_JWT_VC_NEVER_DISCLOSABLE",
    "SD_JWT_VC_TYP",
    "SD_JWT_VC_TYP_LEGACY",
    "SD_KEY",
    "ClaimPath",
    "DisclosedClaim",
    "Disclosure",
    "SaltSource",
    "SdJwtLimits",
    "StatusListReference",
    "UnverifiedSdJwt",
    "b64_digest",
    "check_claim_path",
    "loads_strict",
    "new_salt",
    "parse_sd_jwt",
    "parse_sd_jwt_json",
]

SD_KEY = "_sd"
ELLIPSIS = "..."
SD_ALG_KEY = "_sd_alg"
SD_ALG = "sha-256"
KB_JWT_TYP = "kb+jwt"
SD_JWT_VC_TYP = "dc+sd-jwt"
SD_JWT_VC_TYP_LEGACY = "vc+sd-jwt"

#: SD-JWT VC claims that must always be visible in the issuer-signed JWT.
SD_JWT_VC_NEVER_DISCLOSABLE: frozenset[str] = frozenset(
    {"iss", "vct", "cnf", "status", "exp", "nbf"}
)

#: A claim path as in SD-JWT VC claim metadata: a property name, an array index, or ``None``
#: for every element of an array. ``("address", "street_address")``, ``("nationalities", 0)``.
ClaimPath = tuple[str | int | None, ...]

#: Returns a fresh base64url salt; inject a deterministic one in tests.
SaltSource = Callable[[], str]


def new_salt() -> str:
    """A 128-bit salt from the OS CSPRNG, base64url-encoded (RFC 9901 §9.3)."""
    return b64url_encode(secrets.token_bytes(16))


def b64_digest(text: str) -> str:
    """base64url(SHA-256(ASCII ``text``)): the digest of a disclosure, and ``sd_hash``."""
    return b64url_encode(hashlib.sha256(text.encode("ascii")).digest())


@dataclass(frozen=True)
class SdJwtLimits:
    """Bounds on what a parser accepts: total size, disclosure count, JSON nesting depth
    (by default the one bound of every token's JSON, :data:`~oretrust.encoding.MAX_JSON_DEPTH`).
    """

    max_bytes: int = 256 * 1024
    max_disclosures: int = 1000
    max_depth: int = MAX_JSON_DEPTH


DEFAULT_LIMITS = SdJwtLimits()


@dataclass(frozen=True)
class StatusListReference:
    """``status.status_list`` of an SD-JWT VC (IETF Token Status List): index and list URI."""

    idx: int
    uri: str


@dataclass(frozen=True)
class Disclosure:
    """One disclosure: ``[salt, name, value]`` for a property, ``[salt, value]`` for an element.

    ``encoded`` is the base64url string exactly as transmitted; ``digest`` is computed over it.
    """

    encoded: str
    salt: str
    name: str | None
    value: Any
    digest: str

    @classmethod
    def create(cls, salt: str, name: str | None, value: Any) -> Disclosure:
        """Encode a new disclosure; raise InputError if ``value`` is not plain JSON.

        The JSON text is Python's default (``", "`` separators, ASCII escapes), the form of
        the RFC's own examples, so re-issuing them with their salts reproduces their digests.
        """
        array = [salt, value] if name is None else [salt, name, value]
        try:
            text = json.dumps(array, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InputError(f"claim value is not JSON: {exc}", code=Code.CLAIMS_NOT_JSON) from exc
        encoded = b64url_encode(text.encode("utf-8"))
        return cls(encoded, salt, name, value, b64_digest(encoded))

    @classmethod
    def decode(cls, encoded: str, *, max_depth: int = DEFAULT_LIMITS.max_depth) -> Disclosure:
        """Decode a received disclosure.

        Raises MalformedTokenError (code ``DISCLOSURE_MALFORMED``) when it is not base64url
        JSON, and InvalidCredentialError (same code) when it is not a 2- or 3-element array
        with a string salt and a string name.
        """
        try:
            raw = b64url_decode(encoded)
        except MalformedTokenError as exc:
            raise MalformedTokenError(
                "a disclosure is not base64url", code=Code.DISCLOSURE_MALFORMED
            ) from exc
        array = loads_strict(raw, "disclosure", max_depth=max_depth, code=Code.DISCLOSURE_MALFORMED)
        if not isinstance(array, list) or len(array) not in (2, 3):
            _malformed("a disclosure must be a JSON array of 2 or 3 elements")
        if not isinstance(array[0], str):
            _malformed("a disclosure's salt must be a string")
        if len(array) == 2:
            return cls(encoded, array[0], None, array[1], b64_digest(encoded))
        if not isinstance(array[1], str):
            _malformed("a disclosure's claim name must be a string")
        return cls(encoded, array[0], array[1], array[2], b64_digest(encoded))


@dataclass(frozen=True)
class DisclosedClaim:
    """A disclosure and the claim path it discloses (positions in the processed claims)."""

    path: ClaimPath
    disclosure: Disclosure


@dataclass(frozen=True)
class UnverifiedSdJwt:
    """An SD-JWT (or SD-JWT+KB) split and decoded; NO signature or digest checked yet."""

    jws: UnverifiedJws
    disclosures: tuple[Disclosure, ...]
    kb_jwt: UnverifiedJws | None
    unverified_payload: dict[str, Any]
    #: The presentation up to and including the last ``~``: the input of ``sd_hash``.
    sd_hash_input: str

    @property
    def unverified_header(self) -> dict[str, Any]:
        """The issuer-signed JWT's protected header (unverified)."""
        return self.jws.unverified_header

    @property
    def unverified_issuer(self) -> str | None:
        """``iss`` from the payload, to look up the issuer's key (unverified)."""
        iss = self.unverified_payload.get("iss")
        return iss if isinstance(iss, str) else None

    @property
    def unverified_kid(self) -> str | None:
        """``kid`` from the protected header, to look up the issuer's key (unverified)."""
        kid = self.jws.unverified_header.get("kid")
        return kid if isinstance(kid, str) else None

    @property
    def compact(self) -> str:
        """The compact serialization: ``sd_hash_input`` followed by the KB-JWT, if any."""
        return self.sd_hash_input + (self.kb_jwt.token if self.kb_jwt else "")


def parse_sd_jwt(token: str, *, limits: SdJwtLimits = DEFAULT_LIMITS) -> UnverifiedSdJwt:
    """Split and decode a compact SD-JWT or SD-JWT+KB without verifying anything.

    Raises MalformedTokenError: ``TOKEN_TOO_LARGE``, ``SD_JWT_TOO_MANY_DISCLOSURES``,
    ``SD_JWT_TOO_DEEP``, ``SD_JWT_MALFORMED``, ``DISCLOSURE_MALFORMED``, ``KB_JWT_MALFORMED``;
    InvalidCredentialError ``DISCLOSURE_MALFORMED`` for a disclosure of the wrong shape.
    """
    if not isinstance(token, str):
        raise MalformedTokenError("an SD-JWT must be a string", code=Code.SD_JWT_MALFORMED)
    if len(token) > limits.max_bytes:
        raise MalformedTokenError(
            f"SD-JWT of {len(token)} bytes exceeds the {limits.max_bytes}-byte limit",
            code=Code.TOKEN_TOO_LARGE,
        )
    token = token.strip()
    if not _COMPACT.fullmatch(token) or "~" not in token:
        raise MalformedTokenError(
            "an SD-JWT is <JWT>~<Disclosure>~...~ in base64url", code=Code.SD_JWT_MALFORMED
        )
    jwt_part, *encoded, kb_part = token.split("~")
    if len(encoded) > limits.max_disclosures:
        raise MalformedTokenError(
            f"{len(encoded)} disclosures exceed the limit of {limits.max_disclosures}",
            code=Code.SD_JWT_TOO_MANY_DISCLOSURES,
        )
    if "" in encoded:
        raise MalformedTokenError("an SD-JWT has an empty disclosure", code=Code.SD_JWT_MALFORMED)
    try:
        jws = parse_compact(jwt_part, max_bytes=limits.max_bytes, max_depth=limits.max_depth)
    except MalformedTokenError as exc:
        raise _part_error(exc, "issuer-signed JWT", "SD_JWT_MALFORMED") from exc
    payload = loads_strict(
        jws.unverified_payload_bytes,
        "JWT payload",
        max_depth=limits.max_depth,
        code=Code.SD_JWT_MALFORMED,
    )
    if not isinstance(payload, dict):
        raise MalformedTokenError(
            "the JWT payload is not a JSON object", code=Code.SD_JWT_MALFORMED
        )
    kb_jwt = None
    if kb_part:
        try:
            kb_jwt = parse_compact(kb_part, max_bytes=limits.max_bytes, max_depth=limits.max_depth)
        except MalformedTokenError as exc:
            raise _part_error(exc, "key binding JWT", "KB_JWT_MALFORMED") from exc
    disclosures = tuple(Disclosure.decode(d, max_depth=limits.max_depth) for d in encoded)
    sd_hash_input = token[: len(token) - len(kb_part)]
    return UnverifiedSdJwt(jws, disclosures, kb_jwt, payload, sd_hash_input)


def parse_sd_jwt_json(
    document: str | Mapping[str, Any], *, limits: SdJwtLimits = DEFAULT_LIMITS
) -> UnverifiedSdJwt:
    """Parse the JWS JSON serialization of RFC 9901 §8 (flattened or general).

    ``disclosures`` and ``kb_jwt`` are read from the unprotected ``header`` (of the first
    signature, in the general form); only that first signature is kept, and ``sd_hash`` is
    over its compact equivalent, as §8 prescribes. Raises MalformedTokenError like
    :func:`parse_sd_jwt`.
    """
    if isinstance(document, str):
        if len(document) > limits.max_bytes:
            raise MalformedTokenError(
                "SD-JWT JSON exceeds the size limit", code=Code.TOKEN_TOO_LARGE
            )
        document = loads_strict(
            document.encode(), "SD-JWT JSON", max_depth=limits.max_depth, code=Code.SD_JWT_MALFORMED
        )
    if not isinstance(document, Mapping):
        raise MalformedTokenError("SD-JWT JSON is not an object", code=Code.SD_JWT_MALFORMED)
    signature: Any = document
    if "signatures" in document:
        signatures = document["signatures"]
        if not isinstance(signatures, list) or not signatures:
            raise MalformedTokenError(
                "'signatures' must be a non-empty array", code=Code.SD_JWT_MALFORMED
            )
        signature = signatures[0]
    if not isinstance(signature, Mapping):
        raise MalformedTokenError(
            "a JWS signature entry is not an object", code=Code.SD_JWT_MALFORMED
        )
    header = signature.get("header", {})
    parts = [signature.get("protected"), document.get("payload"), signature.get("signature")]
    disclosures = header.get("disclosures", []) if isinstance(header, Mapping) else None
    kb_jwt = header.get("kb_jwt", "") if isinstance(header, Mapping) else None
    jws_parts = [part for part in parts if isinstance(part, str)]
    if (
        len(jws_parts) != 3
        or not isinstance(disclosures, list)
        or not all(isinstance(d, str) for d in disclosures)
        or not isinstance(kb_jwt, str)
    ):
        raise MalformedTokenError(
            "SD-JWT JSON needs protected, payload, signature and header.disclosures strings",
            code=Code.SD_JWT_MALFORMED,
        )
    compact = ".".join(jws_parts) + "~" + "".join(d + "~" for d in disclosures) + kb_jwt
    return parse_sd_jwt(compact, limits=limits)


def check_claim_path(path: Sequence[str | int | None]) -> ClaimPath:
    """Validate a claim path and return it as a tuple; raise InputError when malformed."""
    if isinstance(path, str | bytes) or not isinstance(path, Sequence) or not path:
        raise InputError(
            f"a claim path is a non-empty sequence of names, indexes and None, not {path!r}",
            code=Code.CLAIM_PATH_INVALID,
        )
    for component in path:
        if isinstance(component, bool) or not isinstance(component, str | int | None):
            raise InputError(
                f"bad claim path component {component!r}", code=Code.CLAIM_PATH_INVALID
            )
        if isinstance(component, int) and component < 0:
            raise InputError(f"negative index in claim path {path!r}", code=Code.CLAIM_PATH_INVALID)
    return tuple(path)


_COMPACT = re.compile(r"[A-Za-z0-9_\-.~]*")
_TOO_DEEP = Code.SD_JWT_TOO_DEEP


def loads_strict(raw: bytes, what: str, *, max_depth: int, code: str) -> Any:
    """Parse untrusted JSON: UTF-8, no duplicate keys, no NaN/Infinity, nesting ≤ ``max_depth``.

    :func:`oretrust.encoding.loads_json` with duplicate keys refused, so no claim can be read
    two ways. Raises MalformedTokenError with ``code``, or ``SD_JWT_TOO_DEEP`` past the depth
    limit.
    """
    return loads_json(
        raw, what, code=code, max_depth=max_depth, too_deep_code=_TOO_DEEP, unique_keys=True
    )


def _part_error(exc: MalformedTokenError, part: str, code: str) -> MalformedTokenError:
    """A JWS part of an SD-JWT failed to parse: ``code``, but keep the depth code."""
    deep = exc.code in (TOO_DEEP, _TOO_DEEP)
    return MalformedTokenError(f"{part}: {exc}", code=_TOO_DEEP if deep else code)


def _malformed(detail: str) -> NoReturn:
    raise InvalidCredentialError(detail, code=Code.DISCLOSURE_MALFORMED)
