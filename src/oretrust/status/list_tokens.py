"""Verifying a fetched status list: signature, issuer, type, validity, then bounded decoding.

A status list arrives from the network as an attacker-controlled string until its signature
is checked against the key its issuer's DID document lists under ``assertionMethod``. Two
forms are accepted:

* a W3C ``BitstringStatusListCredential`` secured as ``vc+jwt``: its ``id`` must be the URL it
  was fetched from, its subject a ``BitstringStatusList`` with an ``encodedList`` (gzip,
  decoded with a size bound — a gzip bomb is refused) and optional ``ttl`` in milliseconds;
* an IETF ``statuslist+jwt``: ``sub`` must be the URL, ``iat`` present, ``status_list``
  decoded with a size bound (zlib), optional ``ttl`` in seconds.

A list past its ``validUntil``/``exp`` (with ``leeway``) is refused. A list issued *after* the
verification time is accepted: status lists only describe the present, so verifying "as of"
an earlier time uses the newest list there is. Any failure raises an
:class:`~oretrust.errors.OreTrustError` whose code says why; the status check reports them all
as ``STATUS_RETRIEVAL_ERROR``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from oretrust.codes import Code
from oretrust.did import DidResolver, signing_method
from oretrust.errors import InvalidCredentialError, MalformedTokenError
from oretrust.formats.dates import parse_datetime, shift
from oretrust.formats.jws import UnverifiedJws, parse_compact, verify_signature
from oretrust.formats.vc_jwt import issuer_id
from oretrust.formats.vcdm import as_list, split_jwt_payload, validate_credential
from oretrust.status.bitstring import (
    DEFAULT_MAX_BITSTRING_ENTRIES,
    BitstringStatusList,
    decode_bitstring,
)
from oretrust.status.token_status_list import TokenStatusList, decode_status_list

__all__ = [
    "DEFAULT_CACHE_TTL",
    "MAX_CACHE_TTL",
    "VerifiedStatusList",
    "ensure_unexpired",
    "verify_bitstring_status_list",
    "verify_status_list_token",
]

#: How long a list without ``ttl`` is cached.
DEFAULT_CACHE_TTL = timedelta(minutes=5)
#: The longest a list is cached, whatever its ``ttl`` says.
MAX_CACHE_TTL = timedelta(days=1)

_TSL_TYPES = ("statuslist+jwt", "application/statuslist+jwt")
_VC_TYPES = ("vc+jwt", "application/vc+jwt")


@dataclass(frozen=True)
class VerifiedStatusList:
    """A status list whose signature and shape were checked; cache it until ``cache_until``."""

    url: str
    issuer: str
    format: Literal["bitstring", "token"]
    purposes: tuple[str, ...]
    entries: BitstringStatusList | TokenStatusList
    cache_until: datetime
    #: When the issuer signed the list (``iat``, else ``validFrom``), if it says.
    issued_at: datetime | None = None
    #: The list's own end (``validUntil`` / ``exp``, the earlier), if it has one.
    expires_at: datetime | None = None
    #: How long the list may be cached (its ``ttl`` claim, bounded; the default without one).
    ttl: timedelta = DEFAULT_CACHE_TTL

    def status_at(self, index: int) -> int:
        """The value at ``index``; raise MalformedTokenError if the list is too short for it."""
        if not 0 <= index < len(self.entries):
            raise MalformedTokenError(
                f"index {index} is outside the list of {len(self.entries)} entries",
                code=Code.STATUS_LIST_LENGTH_ERROR,
            )
        return self.entries.get(index)


def verify_bitstring_status_list(
    token: str,
    *,
    url: str,
    did_resolver: DidResolver,
    now: datetime,
    max_entries: int = DEFAULT_MAX_BITSTRING_ENTRIES,
    leeway: timedelta = timedelta(seconds=60),
) -> VerifiedStatusList:
    """Verify a ``BitstringStatusListCredential`` (vc+jwt) fetched from ``url``.

    Raises MalformedTokenError (format, bomb, truncated), InvalidCredentialError (signature,
    key, type, id, expiry), ResolutionError (issuer DID), DataModelError.
    """
    unverified = _parse(token, _VC_TYPES)
    issuer = issuer_id(unverified.unverified_payload())
    payload = _verify(unverified, issuer, did_resolver)
    credential, _ = split_jwt_payload(payload)
    validate_credential(credential)
    if "BitstringStatusListCredential" not in as_list(payload.get("type")):
        raise _invalid("not a BitstringStatusListCredential", "STATUS_LIST_TYPE_INVALID")
    if payload.get("id") != url:
        raise _invalid(
            f"list id {payload.get('id')!r} is not the URL it came from", "STATUS_LIST_ID_MISMATCH"
        )
    subject = payload.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise _invalid("subject is not a single BitstringStatusList", "STATUS_LIST_TYPE_INVALID")
    purposes = tuple(p for p in as_list(subject.get("statusPurpose")) if isinstance(p, str))
    encoded = subject.get("encodedList")
    if not purposes or not isinstance(encoded, str):
        raise _malformed("statusPurpose and encodedList are required")
    ends = [parse_datetime(str(payload["validUntil"]))] if "validUntil" in payload else []
    if isinstance(payload.get("exp"), int | float):
        ends.append(_from_timestamp(payload["exp"]))
    expiry = _check_not_expired(ends, now, leeway)
    ttl = _ttl(subject.get("ttl"), timedelta(milliseconds=1))
    entries = decode_bitstring(encoded, max_entries=max_entries)
    issued: Any = payload.get("iat")
    issued_at = _from_timestamp(issued) if _is_number(issued) else None
    if issued_at is None and isinstance(payload.get("validFrom"), str):
        issued_at = parse_datetime(payload["validFrom"])
    return VerifiedStatusList(
        url,
        issuer,
        "bitstring",
        purposes,
        entries,
        _cache_until(now, ttl, expiry),
        issued_at=issued_at,
        expires_at=expiry,
        ttl=ttl,
    )


def verify_status_list_token(
    token: str,
    *,
    url: str,
    did_resolver: DidResolver,
    now: datetime,
    max_entries: int = DEFAULT_MAX_BITSTRING_ENTRIES,
    leeway: timedelta = timedelta(seconds=60),
) -> VerifiedStatusList:
    """Verify an IETF ``statuslist+jwt`` fetched from ``url`` (its ``sub``).

    The signer is the DID of the header's ``kid``; ``iss``, when present, must be that DID.
    Raises as :func:`verify_bitstring_status_list` does.
    """
    unverified = _parse(token, _TSL_TYPES)
    kid = unverified.unverified_header.get("kid")
    if not isinstance(kid, str) or not kid.startswith("did:") or "#" not in kid:
        raise _invalid("a status list token needs a DID URL 'kid'", "KID_MISSING")
    issuer = kid.split("#", 1)[0]
    payload = _verify(unverified, issuer, did_resolver)
    if payload.get("iss", issuer) != issuer:
        raise _invalid("'iss' is not the DID of the signing key", "ISSUER_MISMATCH")
    if payload.get("sub") != url:
        raise _invalid(
            f"list sub {payload.get('sub')!r} is not the URI it came from",
            "STATUS_LIST_ID_MISMATCH",
        )
    if not _is_number(payload.get("iat")):
        raise _malformed("a status list token needs a numeric 'iat'")
    exp = payload.get("exp")
    if exp is not None and not _is_number(exp):
        raise _malformed("'exp' is not a NumericDate")
    ends = [_from_timestamp(exp)] if exp is not None else []
    expiry = _check_not_expired(ends, now, leeway)
    claim = payload.get("status_list")
    if not isinstance(claim, dict):
        raise _malformed("a status list token needs a 'status_list' object")
    entries = decode_status_list(claim, max_entries=max_entries)
    ttl = _ttl(payload.get("ttl"), timedelta(seconds=1))
    return VerifiedStatusList(
        url,
        issuer,
        "token",
        (),
        entries,
        _cache_until(now, ttl, expiry),
        issued_at=_from_timestamp(payload["iat"]),
        expires_at=expiry,
        ttl=ttl,
    )


def ensure_unexpired(
    status_list: VerifiedStatusList, now: datetime, leeway: timedelta = timedelta(seconds=60)
) -> VerifiedStatusList:
    """``status_list`` if it is not past its own end at ``now``; raise STATUS_LIST_EXPIRED.

    A list verified earlier and kept (a cache, a 304) is judged again at each use: its
    signature does not change, its expiry does matter.
    """
    _check_not_expired([status_list.expires_at] if status_list.expires_at else [], now, leeway)
    return status_list


# ---------------------------------------------------------------------- internals
def _parse(token: str, typs: tuple[str, ...]) -> UnverifiedJws:
    unverified = parse_compact(token)
    typ = unverified.unverified_header.get("typ")
    if typ not in typs:
        raise _invalid(f"status list typ is {typ!r}, expected {typs[0]!r}", "TYP_INVALID")
    return unverified


def _verify(unverified: UnverifiedJws, issuer: str, did_resolver: DidResolver) -> dict[str, Any]:
    """Check the signature with ``issuer``'s assertion key named by ``kid``; return the payload."""
    kid = unverified.unverified_header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _invalid("the status list's header has no 'kid'", "KID_MISSING")
    if kid.startswith("#"):
        kid = issuer + kid
    if kid.split("#", 1)[0] != issuer:
        raise _invalid(f"kid {kid} does not belong to {issuer}", "KID_NOT_IN_ISSUER_DID")
    method = signing_method(did_resolver.resolve(issuer), kid, "assertionMethod")
    verify_signature(unverified, method["publicKeyJwk"])
    payload = unverified.unverified_payload()  # verified from here on
    _check_key_not_compromised(method, kid, payload)
    return payload


def _check_key_not_compromised(method: dict[str, Any], kid: str, payload: dict[str, Any]) -> None:
    if "revoked" not in method:
        return
    revoked = parse_datetime(str(method["revoked"]))
    signed: Any = payload.get("iat")
    if revoked is None or not _is_number(signed) or _from_timestamp(signed) >= revoked:
        raise _invalid(f"{kid} was compromised before this list was signed", "KEY_COMPROMISED")


def _check_not_expired(
    ends: Sequence[datetime | None], now: datetime, leeway: timedelta
) -> datetime | None:
    if any(end is None for end in ends):
        raise _malformed("the status list's validUntil is unreadable")
    known = [end for end in ends if end is not None]
    expiry = min(known) if known else None
    if expiry is not None and shift(now, -leeway) >= expiry:
        raise _invalid(f"the status list expired at {expiry.isoformat()}", "STATUS_LIST_EXPIRED")
    return expiry


def _ttl(value: Any, unit: timedelta) -> timedelta:
    if value is None:
        return DEFAULT_CACHE_TTL
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        raise _malformed("ttl must be a non-negative number")
    if value >= MAX_CACHE_TTL / unit:  # compared before any float conversion can overflow
        return MAX_CACHE_TTL
    return unit * float(value)


def _from_timestamp(value: float) -> datetime:
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise _malformed(f"{value!r} is not a usable NumericDate") from exc


def _cache_until(now: datetime, ttl: timedelta, expiry: datetime | None) -> datetime:
    until = now + ttl
    return min(until, expiry) if expiry is not None else until


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _invalid(detail: str, code: str) -> InvalidCredentialError:
    return InvalidCredentialError(detail, code=code)


def _malformed(detail: str) -> MalformedTokenError:
    return MalformedTokenError(detail, code=Code.STATUS_LIST_MALFORMED)
