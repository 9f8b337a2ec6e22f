"""Turn an SD-JWT payload and its disclosures into processed claims (internal; RFC 9901 §7.1).

Used by the verifier on a signature-checked payload and by the holder on its own credential.
Every rule of §7.1 step 3 raises an :class:`~oretrust.errors.InvalidCredentialError` with its
own code:

- ``DUPLICATE_DIGEST``: a digest appears twice (in ``_sd`` arrays, ``...`` elements or values
  of disclosures), or the same disclosure is sent twice;
- ``DISCLOSURE_NOT_REFERENCED``: a disclosure's digest appears nowhere;
- ``DISCLOSURE_RESERVED_NAME``: a disclosed claim named ``_sd`` or ``...`` (or a top-level
  ``_sd_alg``);
- ``DISCLOSURE_OVERWRITES_CLAIM``: a disclosed name already present in its object;
- ``DISCLOSURE_MALFORMED``: a property disclosure referenced as an array element, or the
  reverse;
- ``CLAIM_NOT_DISCLOSABLE``: a top-level claim the profile says must stay visible;
- ``SD_JWT_MALFORMED``: ``_sd`` not an array of strings, ``...`` outside an array element.

Nesting beyond the depth limit raises MalformedTokenError ``SD_JWT_TOO_DEEP``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from oretrust.codes import Code
from oretrust.errors import InvalidCredentialError, MalformedTokenError
from oretrust.formats.sd_jwt_core import (
    ELLIPSIS,
    SD_ALG_KEY,
    SD_KEY,
    ClaimPath,
    DisclosedClaim,
    Disclosure,
)

__all__ = ["ProcessedClaims", "process_payload"]


@dataclass(frozen=True)
class ProcessedClaims:
    """Claims with disclosures applied and ``_sd``, ``_sd_alg`` and hidden ``...`` removed."""

    claims: dict[str, Any]
    disclosed: tuple[DisclosedClaim, ...]
    #: Digests left without a disclosure (undisclosed claims and decoys alike).
    undisclosed_count: int


def process_payload(
    payload: dict[str, Any],
    disclosures: Sequence[Disclosure],
    *,
    max_depth: int,
    never_disclosable: frozenset[str] = frozenset(),
) -> ProcessedClaims:
    """Apply ``disclosures`` to ``payload``; raise InvalidCredentialError (codes above)."""
    by_digest: dict[str, Disclosure] = {}
    for disclosure in disclosures:
        if disclosure.digest in by_digest:
            _reject(Code.DUPLICATE_DIGEST, "the same disclosure is included twice")
        by_digest[disclosure.digest] = disclosure
    walker = _Walker(by_digest, max_depth, never_disclosable)
    top = {key: value for key, value in payload.items() if key != SD_ALG_KEY}
    claims = walker.object(top, (), 1)
    unreferenced = by_digest.keys() - walker.seen
    if unreferenced:
        _reject(
            Code.DISCLOSURE_NOT_REFERENCED,
            f"{len(unreferenced)} disclosure(s) match no digest in the SD-JWT",
        )
    return ProcessedClaims(claims, tuple(walker.disclosed), walker.undisclosed)


class _Walker:
    def __init__(
        self, by_digest: dict[str, Disclosure], max_depth: int, never_disclosable: frozenset[str]
    ) -> None:
        self.by_digest = by_digest
        self.max_depth = max_depth
        self.never_disclosable = never_disclosable
        self.seen: set[str] = set()
        self.disclosed: list[DisclosedClaim] = []
        self.undisclosed = 0

    def value(self, value: Any, path: ClaimPath, depth: int) -> Any:
        if isinstance(value, dict):
            return self.object(value, path, depth)
        if isinstance(value, list):
            return self.array(value, path, depth)
        return value

    def object(self, obj: dict[str, Any], path: ClaimPath, depth: int) -> dict[str, Any]:
        self._check_depth(depth)
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if key == ELLIPSIS:
                _reject(
                    Code.SD_JWT_MALFORMED, "'...' may only be the single key of an array element"
                )
            if key != SD_KEY:
                out[key] = self.value(value, (*path, key), depth + 1)
        digests = obj.get(SD_KEY, [])
        if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
            _reject(Code.SD_JWT_MALFORMED, "'_sd' must be an array of digest strings")
        for digest in digests:
            disclosure = self._lookup(digest)
            if disclosure is None:
                continue
            name = disclosure.name
            if name is None:
                _reject(Code.DISCLOSURE_MALFORMED, "an array-element disclosure is listed in '_sd'")
            if name in (SD_KEY, ELLIPSIS) or (not path and name == SD_ALG_KEY):
                _reject(Code.DISCLOSURE_RESERVED_NAME, f"a disclosure may not be named {name!r}")
            if not path and name in self.never_disclosable:
                _reject(
                    Code.CLAIM_NOT_DISCLOSABLE, f"claim {name!r} must not be selectively disclosed"
                )
            if name in out:
                _reject(Code.DISCLOSURE_OVERWRITES_CLAIM, f"a disclosure would overwrite {name!r}")
            self.disclosed.append(DisclosedClaim((*path, name), disclosure))
            out[name] = self.value(disclosure.value, (*path, name), depth + 1)
        return out

    def array(self, array: list[Any], path: ClaimPath, depth: int) -> list[Any]:
        self._check_depth(depth)
        out: list[Any] = []
        for element in array:
            if not (isinstance(element, dict) and ELLIPSIS in element):
                out.append(self.value(element, (*path, len(out)), depth + 1))
                continue
            digest = element[ELLIPSIS]
            if len(element) != 1 or not isinstance(digest, str):
                _reject(Code.SD_JWT_MALFORMED, "an array digest must be {'...': <digest>} alone")
            disclosure = self._lookup(digest)
            if disclosure is None:
                continue
            if disclosure.name is not None:
                _reject(
                    Code.DISCLOSURE_MALFORMED, "a property disclosure is listed as an array element"
                )
            self.disclosed.append(DisclosedClaim((*path, len(out)), disclosure))
            out.append(self.value(disclosure.value, (*path, len(out)), depth + 1))
        return out

    def _lookup(self, digest: str) -> Disclosure | None:
        if digest in self.seen:
            _reject(Code.DUPLICATE_DIGEST, "a digest appears more than once")
        self.seen.add(digest)
        disclosure = self.by_digest.get(digest)
        if disclosure is None:
            self.undisclosed += 1
        return disclosure

    def _check_depth(self, depth: int) -> None:
        if depth > self.max_depth:
            raise MalformedTokenError(
                f"claims nest deeper than {self.max_depth}", code=Code.SD_JWT_TOO_DEEP
            )


def _reject(code: str, detail: str) -> NoReturn:
    raise InvalidCredentialError(detail, code=code)
