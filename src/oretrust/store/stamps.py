"""The trust-state stamp: one cheap statement that changes whenever what a verifier built
for a home could have gone stale.

A home's verifier (:func:`oretrust.verifier.verifier_for`) is built once and kept; what it
captured when it was built — the home's domain (its status-list URLs), its registry DID,
its verified subscriptions — and what it caches while it runs — the home's own status lists,
verified against its DID documents — must follow the database. :func:`trust_state_stamp`
sums those up in a single ``SELECT`` of scalar aggregates (no row is loaded):

* ``home_setting``: the ``domain`` and ``registry_did`` values;
* ``trust_subscription``: count, roots, newest ``fetched_at`` / ``added_at`` / ``iat``
  (``trust add-registry`` and ``trust refresh`` set ``fetched_at`` on every write), and every
  row's registry, list digest, root flag, pins and fetch time joined in one string (a few
  rows: a home subscribes to a handful of registries);
* ``status_list_document``: count, the sum of ``version`` (versions only grow) and the newest
  ``issued_at`` (a re-signed document);
* ``signing_key``: count, active, retired and compromised counts, newest ``created_at`` and
  the span of ``compromised_at`` (rotation and compromise); ``issuer``: count (the DIDs the
  home hosts);
* ``registry_event``: the log head's ``seq`` and ``hash`` (every accreditation, recognition
  and flag change is an event of the hash-chained log, stored with its rows; the hash tells
  a restored or rewritten log of the same length apart).

A verifier whose stamp differs from the database's is rebuilt (fail closed: any change, of
any of these, rebuilds).

Reading the stamp is one statement, but at thousands of verifications a second it was a fifth
of each one's time. So :func:`recent_trust_state_stamp` reuses a stamp read less than
:data:`STAMP_FRESH_FOR` ago — unless a database commit happened in this process since (every
commit on any engine moves :func:`commit_generation`): this process's own writes are seen at
once, another process's (another worker, the CLI) within 50 ms — far inside the caching any
remote verifier applies to status lists and trust lists anyway.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import MutableMapping
from typing import Any

from sqlalchemy import Text, case, cast, event, func, select, true
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select
from sqlmodel import col

from oretrust.blocking import about_to_block
from oretrust.store.models import HomeSetting, IssuerRecord, KeyRecord
from oretrust.store.registry_models import RegistryEventRecord
from oretrust.store.status_models import StatusListDocumentRecord
from oretrust.store.trust_models import TrustSubscriptionRecord

__all__ = ["STAMP_FRESH_FOR", "commit_generation", "recent_trust_state_stamp", "trust_state_stamp"]

#: How long a stamp read from the database is reused (seconds) when this process committed
#: nothing since.
STAMP_FRESH_FOR = 0.05
_RECENT_KEY = ("stamps", "recent")
_generation_lock = threading.Lock()
_generation = 0


@event.listens_for(Engine, "commit")
def _count_commit(_connection: Connection) -> None:
    global _generation
    with _generation_lock:
        _generation += 1


def commit_generation() -> int:
    """How many database commits this process has made (any engine)."""
    return _generation


_SETTINGS = ("domain", "registry_did")


def _setting(key: str) -> Any:
    return select(col(HomeSetting.value)).where(col(HomeSetting.key) == key).scalar_subquery()


def _subscription_line() -> Any:
    """One subscription as text: registry, list digest, root flag, pins, fetch time."""
    record = TrustSubscriptionRecord
    parts = (
        col(record.registry_did),
        col(record.sha256),
        cast(col(record.root), Text),
        cast(col(record.pinned_thumbprints), Text),
        cast(col(record.fetched_at), Text),
    )
    line: Any = parts[0]
    for part in parts[1:]:
        line = line.concat(" ").concat(part)
    return line


def _count_true(column: Any) -> Any:
    return func.sum(case((column == True, 1), else_=0))  # noqa: E712


def trust_state_stamp(engine: Engine) -> tuple[Any, ...]:
    """The stamp of the module docstring, read in one statement on a pooled connection."""
    about_to_block("database stamp")
    with engine.connect() as connection:
        row = connection.execute(_statement()).one()
    return tuple(row)


def recent_trust_state_stamp(engine: Engine, memory: MutableMapping[Any, Any]) -> tuple[Any, ...]:
    """:func:`trust_state_stamp`, or the one read into ``memory`` (the home's services) less
    than :data:`STAMP_FRESH_FOR` ago with no commit in this process since."""
    generation, moment = commit_generation(), time.monotonic()
    recent = memory.get(_RECENT_KEY)
    if recent is not None and recent[0] == generation and moment - recent[1] < STAMP_FRESH_FOR:
        return tuple(recent[2])
    stamp = trust_state_stamp(engine)
    memory[_RECENT_KEY] = (generation, moment, stamp)
    return stamp


@functools.cache
def _statement() -> Select[Any]:
    """The stamp's statement, built on first use (building it costs more than running it)."""
    subscription = select(
        func.count(),
        _count_true(col(TrustSubscriptionRecord.root)),
        func.max(TrustSubscriptionRecord.fetched_at),
        func.max(TrustSubscriptionRecord.added_at),
        func.max(TrustSubscriptionRecord.iat),
        func.aggregate_strings(_subscription_line(), "\n"),
    ).select_from(TrustSubscriptionRecord)
    documents = select(
        func.count(),
        func.sum(StatusListDocumentRecord.version),
        func.max(StatusListDocumentRecord.issued_at),
    ).select_from(StatusListDocumentRecord)
    keys = select(
        func.count(),
        _count_true(col(KeyRecord.active)),
        func.count(col(KeyRecord.retired_at)),
        func.count(col(KeyRecord.compromised_at)),
        func.max(KeyRecord.created_at),
        func.min(KeyRecord.compromised_at),
        func.max(KeyRecord.compromised_at),
    ).select_from(KeyRecord)
    parts = [query.subquery() for query in (subscription, documents, keys)]
    joined = parts[0].join(parts[1], true()).join(parts[2], true())  # one-row aggregates
    head = select(col(RegistryEventRecord.seq)).order_by(col(RegistryEventRecord.seq).desc())
    columns = [_setting(key) for key in _SETTINGS] + [c for part in parts for c in part.c]
    columns += [
        select(func.count()).select_from(IssuerRecord).scalar_subquery(),
        head.with_only_columns(col(RegistryEventRecord.seq)).limit(1).scalar_subquery(),
        head.with_only_columns(col(RegistryEventRecord.hash)).limit(1).scalar_subquery(),
    ]
    return select(*columns).select_from(joined)
