"""SD-JWT issuance (RFC 9901 §4-5) and the SD-JWT VC profile on top of it (internal).

The caller names the selectively disclosable claims by claim path; a path under another
disclosable claim nests its disclosure inside the parent's (recursive disclosure, §6.3).
Digests in every ``_sd`` array are sorted, so their order reveals nothing about the claims;
decoy digests (§4.2.5) can be added to every object. Salts come from ``salt_source``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.formats.jws import JwsSigner, sign_compact
from oretrust.formats.sd_jwt_core import (
    DEFAULT_LIMITS,
    ELLIPSIS,
    SD_ALG,
    SD_ALG_KEY,
    SD_JWT_VC_NEVER_DISCLOSABLE,
    SD_JWT_VC_TYP,
    SD_KEY,
    ClaimPath,
    DisclosedClaim,
    Disclosure,
    SaltSource,
    SdJwtLimits,
    StatusListReference,
    b64_digest,
    check_claim_path,
    new_salt,
)
from oretrust.jwk import public_key_from_jwk

__all__ = ["IssuedSdJwt", "issue_sd_jwt", "issue_sd_jwt_vc"]


@dataclass(frozen=True)
class IssuedSdJwt:
    """What the issuer hands the holder: the signed JWT and every disclosure, with its path."""

    jwt: str
    disclosures: tuple[DisclosedClaim, ...]
    #: The signed payload, digests and all (what a verifier sees before processing).
    payload: dict[str, Any]

    @property
    def compact(self) -> str:
        """``<JWT>~<Disclosure 1>~...~<Disclosure N>~`` (RFC 9901 §4)."""
        return self.jwt + "~" + "".join(d.disclosure.encoded + "~" for d in self.disclosures)

    def __str__(self) -> str:
        return self.compact


def issue_sd_jwt(
    claims: Mapping[str, Any],
    signer: JwsSigner,
    *,
    disclosable: Iterable[Sequence[str | int | None]] = (),
    typ: str | None = None,
    decoys: tuple[int, int] = (0, 0),
    salt_source: SaltSource = new_salt,
    never_disclosable: frozenset[str] = frozenset(),
    limits: SdJwtLimits = DEFAULT_LIMITS,
) -> IssuedSdJwt:
    """Issue a plain SD-JWT over ``claims`` (the sharp tool; prefer :func:`issue_sd_jwt_vc`).

    ``disclosable`` lists claim paths (``None`` selects every array element); ``decoys`` is
    the (min, max) number of decoy digests added to each object. Raises InputError:
    ``CLAIM_PATH_NOT_FOUND``/``CLAIM_PATH_INVALID`` for a bad path, ``CLAIM_NOT_DISCLOSABLE``
    for a path under ``never_disclosable``, ``RESERVED_CLAIM_NAME`` when claims use ``_sd``,
    ``...`` or a top-level ``_sd_alg``, ``CLAIMS_NOT_JSON``, ``CLAIMS_TOO_DEEP``,
    ``TOKEN_TOO_LARGE``.
    """
    low, high = decoys
    if not 0 <= low <= high:
        raise InputError(f"bad decoy range {decoys!r}", code=Code.INVALID_INPUT)
    if SD_ALG_KEY in claims:
        raise InputError("'_sd_alg' is set by the issuer", code=Code.RESERVED_CLAIM_NAME)
    marked: set[ClaimPath] = set()
    for raw in disclosable:
        path = check_claim_path(raw)
        if isinstance(path[0], str) and path[0] in never_disclosable:
            raise InputError(
                f"claim {path[0]!r} must never be selectively disclosable",
                code=Code.CLAIM_NOT_DISCLOSABLE,
            )
        marked.update(_expand(claims, path))
    builder = _Builder(marked, salt_source, (low, high), never_disclosable, limits.max_depth)
    payload = builder.object(dict(claims), (), 1)
    payload[SD_ALG_KEY] = SD_ALG
    header = {"typ": typ} if typ is not None else {}
    try:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"claims are not JSON: {exc}", code=Code.CLAIMS_NOT_JSON) from exc
    issued = IssuedSdJwt(
        sign_compact(header, body.encode(), signer), tuple(builder.disclosed), payload
    )
    if len(issued.compact) > limits.max_bytes:
        raise InputError("the SD-JWT would exceed the size limit", code=Code.TOKEN_TOO_LARGE)
    return issued


def issue_sd_jwt_vc(
    claims: Mapping[str, Any],
    signer: JwsSigner,
    *,
    issuer: str,
    vct: str,
    now: datetime,
    holder_jwk: Mapping[str, Any] | None = None,
    disclosable: Iterable[Sequence[str | int | None]] = (),
    expires_at: datetime | None = None,
    not_before: datetime | None = None,
    status: StatusListReference | None = None,
    decoys: tuple[int, int] = (0, 0),
    salt_source: SaltSource = new_salt,
) -> IssuedSdJwt:
    """Issue an SD-JWT VC (``typ: dc+sd-jwt``) with ``iss``, ``vct``, ``iat`` and optional
    ``nbf``, ``exp``, ``cnf.jwk`` and ``status.status_list`` set from the arguments.

    ``iss``, ``vct``, ``cnf``, ``status``, ``exp`` and ``nbf`` can never be disclosable.
    Raises InputError as :func:`issue_sd_jwt`, plus ``RESERVED_CLAIM_NAME`` when ``claims``
    already holds one of the claims set here, ``PRIVATE_KEY_EXPOSED``/``UNSUPPORTED_KEY``
    for a bad ``holder_jwk`` and ``INVALID_VALIDITY`` when ``expires_at`` is not after ``now``.
    """
    registered: dict[str, Any] = {"iss": issuer, "vct": vct, "iat": _seconds(now)}
    if not_before is not None:
        registered["nbf"] = _seconds(not_before)
    if expires_at is not None:
        if expires_at <= now:
            raise InputError("expires_at must be after now", code=Code.INVALID_VALIDITY)
        registered["exp"] = _seconds(expires_at)
    if holder_jwk is not None:
        public_key_from_jwk(dict(holder_jwk))
        registered["cnf"] = {"jwk": dict(holder_jwk)}
    if status is not None:
        registered["status"] = {"status_list": {"idx": status.idx, "uri": status.uri}}
    clash = (registered.keys() | {"nbf", "exp", "cnf", "status"}) & claims.keys()
    if clash:
        raise InputError(
            f"claims {sorted(clash)} are set by the issuer", code=Code.RESERVED_CLAIM_NAME
        )
    return issue_sd_jwt(
        {**registered, **claims},
        signer,
        disclosable=disclosable,
        typ=SD_JWT_VC_TYP,
        decoys=decoys,
        salt_source=salt_source,
        never_disclosable=SD_JWT_VC_NEVER_DISCLOSABLE,
    )


class _Builder:
    """Replaces marked claims by digests, depth first, so nested disclosures come first."""

    def __init__(
        self,
        marked: set[ClaimPath],
        salt_source: SaltSource,
        decoys: tuple[int, int],
        plain: frozenset[str],
        max_depth: int,
    ) -> None:
        self.marked = marked
        self.salt_source = salt_source
        self.decoys = decoys
        self.plain = plain
        self.max_depth = max_depth
        self.disclosed: list[DisclosedClaim] = []

    def value(self, value: Any, path: ClaimPath, depth: int) -> Any:
        if isinstance(value, Mapping):
            return self.object(value, path, depth)
        if isinstance(value, list | tuple):
            return self.array(value, path, depth)
        return value

    def object(self, obj: Mapping[str, Any], path: ClaimPath, depth: int) -> dict[str, Any]:
        self._check_depth(depth)
        out: dict[str, Any] = {}
        digests: list[str] = []
        for key, value in obj.items():
            if not isinstance(key, str) or key in (SD_KEY, ELLIPSIS):
                raise InputError(
                    f"claim name {key!r} is not allowed", code=Code.RESERVED_CLAIM_NAME
                )
            child = self.value(value, (*path, key), depth + 1)
            if (*path, key) in self.marked:
                digests.append(self._disclose((*path, key), key, child))
            else:
                out[key] = child
        if not (path and isinstance(path[0], str) and path[0] in self.plain):
            low, high = self.decoys
            for _ in range(low + secrets.randbelow(high - low + 1)):
                digests.append(b64_digest(self.salt_source()))
        return {SD_KEY: sorted(digests), **out} if digests else out

    def array(self, array: Sequence[Any], path: ClaimPath, depth: int) -> list[Any]:
        self._check_depth(depth)
        out: list[Any] = []
        for index, value in enumerate(array):
            child = self.value(value, (*path, index), depth + 1)
            if (*path, index) in self.marked:
                out.append({ELLIPSIS: self._disclose((*path, index), None, child)})
            else:
                out.append(child)
        return out

    def _disclose(self, path: ClaimPath, name: str | None, value: Any) -> str:
        disclosure = Disclosure.create(self.salt_source(), name, value)
        self.disclosed.append(DisclosedClaim(path, disclosure))
        return disclosure.digest

    def _check_depth(self, depth: int) -> None:
        if depth > self.max_depth:
            raise InputError(f"claims nest deeper than {self.max_depth}", code=Code.CLAIMS_TOO_DEEP)


def _expand(claims: Any, path: ClaimPath) -> list[ClaimPath]:
    """The concrete paths ``path`` selects in ``claims``; InputError if it selects nothing."""
    found: list[ClaimPath] = []

    def walk(node: Any, done: ClaimPath, rest: ClaimPath) -> None:
        if not rest:
            found.append(done)
            return
        head, tail = rest[0], rest[1:]
        if isinstance(node, Mapping) and isinstance(head, str) and head in node:
            walk(node[head], (*done, head), tail)
        elif isinstance(node, list | tuple) and head is None:
            for index, element in enumerate(node):
                walk(element, (*done, index), tail)
        elif isinstance(node, list | tuple) and isinstance(head, int) and head < len(node):
            walk(node[head], (*done, head), tail)
        else:
            raise InputError(f"no claim at path {list(path)!r}", code=Code.CLAIM_PATH_NOT_FOUND)

    walk(claims, (), path)
    if not found:
        raise InputError(f"no claim at path {list(path)!r}", code=Code.CLAIM_PATH_NOT_FOUND)
    return found


def _seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise InputError("datetimes must be timezone-aware", code=Code.NAIVE_DATETIME)
    return int(moment.timestamp())
