"""The verifier's status check: is this credential revoked or suspended right now?

:func:`status_check` builds a :data:`~oretrust.verifier.CredentialCheck` that reads every
status reference of a signature-verified credential — ``credentialStatus`` entries of type
``BitstringStatusListEntry`` (vc+jwt) and the SD-JWT VC claim ``status.status_list`` — fetches
each list through a :class:`~oretrust.status.resolver.StatusListResolver`, verifies it (see
:mod:`oretrust.status.list_tokens`), checks that **the credential's issuer signed it**, and
reads the entry. It records one check, id ``status``, with code:

* ``REVOKED`` — a verified revocation list (or token list value 1) says so;
* ``SUSPENDED`` — otherwise, a verified suspension list (or token list value 2) says so;
* ``STATUS_RETRIEVAL_ERROR`` — otherwise, some list could not be fetched, verified or read,
  or a reference is malformed or of an unsupported type: the check fails, never passes
  silently;
* ``OK`` — every reference was read and says valid.

A credential names its own status lists, so it could make a verifier fetch without end: each
list URL is fetched at most once per credential, and a credential naming more than
``max_lists`` distinct lists (:data:`MAX_STATUS_LISTS_PER_CREDENTIAL`, 4 by default; an
oretrust credential names two) fails ``STATUS_RETRIEVAL_ERROR`` before any is fetched.

A credential with **no** status reference gets a *passed* ``status`` check with detail
``no status`` (it cannot be revoked; whether that is acceptable is a policy question for the
caller). Entries with purposes other than revocation/suspension (``message``, ``refresh``)
are skipped with a warning.

Lists — never verdicts — are cached per URL in a :class:`StatusListCache` until their ``ttl``
(bounded by their expiry) passes; the cache takes ``now`` as a parameter. A source that keeps
verified lists itself (:class:`~oretrust.status.http_cache.CachingStatusListSource`: other
homes' lists over HTTP with their ``Cache-Control``/``ETag``) is asked directly instead. The
cache's :attr:`StatusListCache.remote` is such a source, living as long as the cache.

The check says where each list came from: its detail names, per entry, the list URL, the
source (``home`` — this home's own list, ``https`` — fetched now, ``revalidated`` — a 304,
``cache`` — with the cached copy's age, ``resolver`` — any other resolver), the list's ``iat``
and its age at the verification time; the same facts are in ``report.status_lists``.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from oretrust import cache_stats
from oretrust.codes import CheckId, Code
from oretrust.did import DidResolver
from oretrust.errors import MalformedTokenError, OreTrustError
from oretrust.formats.vc_jwt import issuer_id
from oretrust.formats.vcdm import as_list
from oretrust.home import Home
from oretrust.report import CredentialCheck, VerificationReport
from oretrust.status.bitstring import DEFAULT_MAX_BITSTRING_ENTRIES
from oretrust.status.http_cache import (
    CachingStatusListSource,
    HttpStatusListCache,
    SourcedStatusList,
    VerifyToken,
)
from oretrust.status.list_tokens import (
    VerifiedStatusList,
    verify_bitstring_status_list,
    verify_status_list_token,
)
from oretrust.status.resolver import (
    STATUS_RETRIEVAL_ERROR,
    HomeStatusListResolver,
    HttpsStatusListResolver,
    StatusListResolver,
)

__all__ = [
    "MAX_STATUS_LISTS_PER_CREDENTIAL",
    "StatusListCache",
    "StatusReference",
    "remote_status_lists",
    "status_check",
    "status_references",
]

#: The most distinct status lists one credential may make the verifier fetch.
MAX_STATUS_LISTS_PER_CREDENTIAL = 4

_REMOTE_KEY = ("status", "http_cache")
_INDEX = re.compile(r"^[0-9]{1,10}$")
_CHECKED_PURPOSES = ("revocation", "suspension")


@dataclass(frozen=True)
class StatusReference:
    """One pointer from a credential into a status list."""

    format: str  # "bitstring" or "token"
    url: str
    index: int
    purpose: str  # "revocation" / "suspension" / other BSL purposes; "status" for token lists


class StatusListCache:
    """Verified status lists by URL, each kept until its ``cache_until``; LRU-bounded.

    ``remote`` is the HTTP cache for other homes' lists (see :func:`remote_status_lists`),
    kept here so that whoever keeps this cache keeps that one too.
    """

    def __init__(self, max_items: int = 256, *, remote: HttpStatusListCache | None = None) -> None:
        self._items: OrderedDict[tuple[str, str], VerifiedStatusList] = OrderedDict()
        self._stored_at: dict[tuple[str, str], datetime] = {}
        self._max_items = max_items
        self._lock = threading.Lock()  # a kept verifier serves a worker's threads at once
        self._counter = cache_stats.counter("status_lists")
        self.remote = remote if remote is not None else HttpStatusListCache()

    def age(self, url: str, format: str, now: datetime) -> timedelta | None:
        """How long ago the list at ``url`` was stored (as of ``now``), if it was."""
        stored = self._stored_at.get((format, url))
        return None if stored is None else max(now - stored, timedelta(0))

    def put_at(self, item: VerifiedStatusList, now: datetime) -> None:
        """:meth:`put`, remembering ``now`` as when the list was stored (for its age)."""
        with self._lock:
            self._put(item)
            self._stored_at[(item.format, item.url)] = now

    def get(self, url: str, format: str, now: datetime) -> VerifiedStatusList | None:
        """The cached list for ``url`` if still fresh at ``now``, else None (and forget it)."""
        key = (format, url)
        with self._lock:
            item = self._items.get(key)
            if item is None or now >= item.cache_until:
                self._items.pop(key, None)
                self._counter.miss()
                return None
            self._items.move_to_end(key)
            self._counter.hit()
            return item

    def put(self, item: VerifiedStatusList) -> None:
        """Remember a verified list (evicting the least recently used beyond the bound)."""
        with self._lock:
            self._put(item)

    def _put(self, item: VerifiedStatusList) -> None:
        self._items[(item.format, item.url)] = item
        self._items.move_to_end((item.format, item.url))
        while len(self._items) > self._max_items:
            evicted, _ = self._items.popitem(last=False)
            self._stored_at.pop(evicted, None)

    def clear(self) -> None:
        """Forget every list (and everything the remote cache keeps)."""
        with self._lock:
            self._items.clear()
            self._stored_at.clear()
        self.remote.clear()


def remote_status_lists(home: Home, cache: StatusListCache | None = None) -> HttpStatusListCache:
    """The source of other homes' lists: ``cache``'s HTTP cache when the caller keeps one,
    else the one ``home`` keeps (in ``Home.services``, memory only) for as long as it is open
    — so an app's per-request verifiers share what they fetched, within HTTP freshness."""
    if cache is not None:
        return cache.remote
    remote = home.services.setdefault(_REMOTE_KEY, HttpStatusListCache())
    assert isinstance(remote, HttpStatusListCache)
    return remote


def status_references(credential: dict[str, Any]) -> Iterator[StatusReference]:
    """Every status reference of ``credential``; raise MalformedTokenError for a bad one."""
    for entry in as_list(credential.get("credentialStatus", [])):
        if not isinstance(entry, dict):
            raise _malformed("credentialStatus entries must be objects")
        if "BitstringStatusListEntry" not in as_list(entry.get("type")):
            raise _malformed(f"unsupported status entry type {entry.get('type')!r}")
        index = entry.get("statusListIndex")
        url, purpose = entry.get("statusListCredential"), entry.get("statusPurpose")
        if not isinstance(index, str) or not _INDEX.match(index):
            raise _malformed("statusListIndex must be a decimal string")
        if not isinstance(url, str) or not isinstance(purpose, str):
            raise _malformed("statusListCredential and statusPurpose must be strings")
        if entry.get("statusSize", 1) != 1:
            raise _malformed("only statusSize 1 is supported")
        yield StatusReference("bitstring", url, int(index), purpose)
    status = credential.get("status")
    if isinstance(status, dict) and "status_list" in status:
        claim = status["status_list"]
        idx, uri = (claim.get("idx"), claim.get("uri")) if isinstance(claim, dict) else (None, None)
        if not isinstance(idx, int) or isinstance(idx, bool) or idx < 0 or not isinstance(uri, str):
            raise _malformed("status.status_list needs an integer idx and a string uri")
        yield StatusReference("token", uri, idx, "status")


def status_check(
    resolver: StatusListResolver,
    did_resolver: DidResolver,
    cache: StatusListCache | None = None,
    *,
    max_entries: int = DEFAULT_MAX_BITSTRING_ENTRIES,
    leeway: timedelta = timedelta(seconds=60),
    max_lists: int = MAX_STATUS_LISTS_PER_CREDENTIAL,
) -> CredentialCheck:
    """A credential check recording ``status`` as the module docstring describes."""
    lists = cache if cache is not None else StatusListCache()

    def verifying(reference: StatusReference, now: datetime) -> VerifyToken:
        verifier = (
            verify_status_list_token
            if reference.format == "token"
            else verify_bitstring_status_list
        )
        return partial(
            verifier,
            url=reference.url,
            did_resolver=did_resolver,
            now=now,
            max_entries=max_entries,
            leeway=leeway,
        )

    def fetch_list(reference: StatusReference, now: datetime) -> SourcedStatusList:
        answerer = _answerer(resolver, reference.url)
        if callable(getattr(answerer, "obtain", None)):  # a CachingStatusListSource
            assert isinstance(answerer, CachingStatusListSource)  # the remote path only
            verify = verifying(reference, now)
            return answerer.obtain(reference.url, reference.format, now, verify, leeway)
        cached = lists.get(reference.url, reference.format, now)
        if cached is not None:
            return SourcedStatusList(
                cached, "cache", lists.age(reference.url, reference.format, now)
            )
        verified = verifying(reference, now)(resolver.fetch(reference.url))
        lists.put_at(verified, now)
        return SourcedStatusList(verified, _source_name(resolver, answerer))

    def check(credential: dict[str, Any], report: VerificationReport, now: datetime) -> None:
        prepared = _prepared(credential, report)
        if prepared is None:
            return
        references, issuer, wanted = prepared
        if not references:
            report.passed(CheckId.STATUS, "no status")
            return
        if wanted > max_lists:
            report.failed(
                CheckId.STATUS,
                STATUS_RETRIEVAL_ERROR,
                f"{Code.STATUS_ENTRY_INVALID}: the credential names {wanted} status lists;"
                f" at most {max_lists} are fetched for one credential",
            )
            return
        found: dict[str, list[str]] = {"REVOKED": [], "SUSPENDED": [], "ERROR": [], "OK": []}
        fetched: dict[tuple[str, str], SourcedStatusList | OreTrustError] = {}
        for reference in references:
            if not _checked(reference):
                report.warnings.append(
                    f"status entry with purpose {reference.purpose!r} was not checked"
                )
                continue
            try:
                sourced = _once(fetched, reference, partial(fetch_list, reference, now))
                outcome = _read(sourced.status_list, reference, issuer)
            except OreTrustError as exc:
                found["ERROR"].append(f"{reference.url}: {exc.code}: {exc.detail}")
                continue
            provenance = _provenance(sourced, reference, now)
            report.status_lists.append(provenance)
            found[outcome].append(
                f"{reference.purpose} list {reference.url} index {reference.index}"
                f" ({_describe(provenance)})"
            )
            if sourced.note:
                report.warnings.append(f"status list {reference.url}: {sourced.note}")
        _record(report, found)

    return CredentialCheck(CheckId.STATUS, check)


#: Where :func:`_prepared` keeps what it read in ``report.memo``.
_PREPARED = ("status", "references")

#: A credential's status references, its issuer and how many lists the check would read.
Prepared = tuple[tuple[StatusReference, ...], str, int]


def _prepared(credential: dict[str, Any], report: VerificationReport) -> Prepared | None:
    """What the check reads from the credential's bytes alone, kept in ``report.memo`` (a
    pure function of the credential: the kept verifier replays it with the bytes); None
    once a malformed entry failed the check."""
    prepared: Prepared | None = report.memo.get(_PREPARED)
    if prepared is not None:
        return prepared
    try:
        references = tuple(status_references(credential))
        issuer = _issuer(credential)
    except OreTrustError as exc:
        report.failed(CheckId.STATUS, STATUS_RETRIEVAL_ERROR, f"{exc.code}: {exc.detail}")
        return None
    wanted = len({(r.format, r.url) for r in references if _checked(r)})
    prepared = report.memo[_PREPARED] = (references, issuer, wanted)
    return prepared


def _checked(reference: StatusReference) -> bool:
    """Is this a reference the check reads (token lists, and BSL revocation/suspension)?"""
    return reference.format != "bitstring" or reference.purpose in _CHECKED_PURPOSES


def _once(
    fetched: dict[tuple[str, str], SourcedStatusList | OreTrustError],
    reference: StatusReference,
    fetch: Callable[[], SourcedStatusList],
) -> SourcedStatusList:
    """``fetch()`` for the first reference to a list in this credential, its memo after —
    a failure included, so a credential repeating one bad URL costs one fetch."""
    key = (reference.format, reference.url)
    if key not in fetched:
        try:
            fetched[key] = fetch()
        except OreTrustError as exc:
            fetched[key] = exc
    outcome = fetched[key]
    if isinstance(outcome, OreTrustError):
        raise outcome
    return outcome


def _answerer(resolver: StatusListResolver, url: str) -> StatusListResolver | None:
    """The resolver that will answer ``url`` (a home routes foreign URLs to its fallback)."""
    if isinstance(resolver, HomeStatusListResolver):
        return resolver.resolver_for(url)
    return resolver


def _source_name(resolver: StatusListResolver, answerer: StatusListResolver | None) -> str:
    """``home`` for this home's own lists, ``https`` for a fetch, ``resolver`` otherwise."""
    if isinstance(resolver, HomeStatusListResolver) and answerer is resolver:
        return "home"
    if isinstance(answerer, HttpsStatusListResolver):
        return "https"
    return "resolver"


def _provenance(
    sourced: SourcedStatusList, reference: StatusReference, now: datetime
) -> dict[str, Any]:
    """Where one list came from and how old it is, as the report's ``status_lists`` entry."""
    issued = sourced.status_list.issued_at
    entry: dict[str, Any] = {
        "url": reference.url,
        "purpose": reference.purpose,
        "index": reference.index,
        "source": sourced.source,
        "iat": issued.isoformat().replace("+00:00", "Z") if issued is not None else None,
        "age_seconds": None if issued is None else int((now - issued).total_seconds()),
    }
    if sourced.cached_age is not None:
        entry["cached_seconds"] = int(sourced.cached_age.total_seconds())
    return entry


def _describe(provenance: dict[str, Any]) -> str:
    source = provenance["source"]
    if "cached_seconds" in provenance:
        source += f" {provenance['cached_seconds']} s"
    if provenance["iat"] is None:
        return f"source {source}, issue time unknown"
    return f"source {source}, iat {provenance['iat']}, {provenance['age_seconds']} s old"


def _read(status_list: VerifiedStatusList, reference: StatusReference, issuer: str) -> str:
    """REVOKED, SUSPENDED or OK for one reference; raise for a list that does not apply."""
    if status_list.issuer != issuer:
        raise OreTrustError(
            f"list is signed by {status_list.issuer}, not by the credential's issuer {issuer}",
            code=Code.STATUS_LIST_ISSUER_MISMATCH,
        )
    if status_list.format == "bitstring" and reference.purpose not in status_list.purposes:
        raise OreTrustError(
            f"list is for {', '.join(status_list.purposes)}, not {reference.purpose}",
            code=Code.STATUS_PURPOSE_MISMATCH,
        )
    value = status_list.status_at(reference.index)
    if status_list.format == "bitstring":
        if not value:
            return "OK"
        return "REVOKED" if reference.purpose == "revocation" else "SUSPENDED"
    if value in (0, 1, 2):
        return ("OK", "REVOKED", "SUSPENDED")[value]
    raise OreTrustError(f"unknown token status value {value}", code=Code.STATUS_VALUE_UNKNOWN)


def _record(report: VerificationReport, found: dict[str, list[str]]) -> None:
    errors = "; ".join(found["ERROR"])
    for code in ("REVOKED", "SUSPENDED"):
        if found[code]:
            extra = f" (also: {errors})" if errors else ""
            report.failed(CheckId.STATUS, code, f"{code.lower()}: {'; '.join(found[code])}{extra}")
            return
    if errors:
        report.failed(CheckId.STATUS, STATUS_RETRIEVAL_ERROR, errors)
    elif found["OK"]:
        report.passed(CheckId.STATUS, "not revoked or suspended: " + "; ".join(found["OK"]))
    else:
        report.passed(CheckId.STATUS, "no status")  # only purposes we do not act on (warned above)


def _issuer(credential: dict[str, Any]) -> str:
    """``issuer`` (VC Data Model) or, for SD-JWT VC payloads, ``iss``."""
    if "issuer" not in credential and isinstance(credential.get("iss"), str):
        return str(credential["iss"])
    return issuer_id(credential)


def _malformed(detail: str) -> MalformedTokenError:
    return MalformedTokenError(detail, code=Code.STATUS_ENTRY_INVALID)
