"""The registry as its signed log says it is — what it publishes and answers from.

The tables are a cache of the log: a database write that bypassed oretrust (an accreditation
un-withdrawn, one added) changes them but cannot sign an event. So what the registry vouches
for — the trust list it signs, the TRQP answers it gives — comes from the log's replay, and
only when the whole log verified (every event's signature, the chain) and the tables agree
with it (:func:`~oretrust.registry._log.verify_log`); otherwise IntegrityViolationError
``REGISTRY_LOG_MISMATCH``, an alarm, not an answer. The verified state is kept in
``Home.services`` per log head: verifying costs one replay per registry change, and every
answer after it one ``ORDER BY seq DESC LIMIT 1``. A table edited after that replay changes
no answer (they come from the replay) and is caught at the next change.
"""

from __future__ import annotations

import threading

from oretrust.codes import Code
from oretrust.errors import IntegrityViolationError
from oretrust.home import Home
from oretrust.registry._events import RegistryState
from oretrust.registry._log import head_of, verify_log
from oretrust.registry._store import registry_did_of
from oretrust.registry.sources import StaticTrustSource

__all__ = ["VerifiedRegistry", "verified_registry", "verified_trust_source"]

_KEPT = ("registry", "verified")
_LOCK = ("registry", "verified_lock")


class VerifiedRegistry:
    """The replayed state at log head ``head`` (``(seq, hash)``)."""

    def __init__(self, head: tuple[int, str], state: RegistryState) -> None:
        self.head = head
        self.state = state


def verified_registry(home: Home) -> VerifiedRegistry:
    """The verified state at the current log head (see the module); raises
    IntegrityViolationError ``REGISTRY_LOG_MISMATCH``, NotFoundError without a registry."""
    registry_did_of(home)  # NotFoundError REGISTRY_NOT_INITIALISED first
    with home.session() as session:
        head = head_of(session)
    kept = home.services.get(_KEPT)
    if isinstance(kept, VerifiedRegistry) and kept.head == head:
        return kept
    lock = home.services.setdefault(_LOCK, threading.Lock())
    with lock:  # one replay per change, however many threads ask at once
        kept = home.services.get(_KEPT)
        if isinstance(kept, VerifiedRegistry) and kept.head == head:
            return kept
        verified = _replay(home)
        home.services[_KEPT] = verified
        return verified


def _replay(home: Home) -> VerifiedRegistry:
    """Verify and replay the log; a write racing the reads moves the head and is re-read."""
    for _attempt in range(3):
        verification = verify_log(home)
        if verification.ok and verification.state is not None:
            head = (verification.events, verification.head) if verification.head else None
            with home.session() as session:
                current = head_of(session)
            return VerifiedRegistry(head or current, verification.state)
        with home.session() as session:
            _, now_head = head_of(session)
        if now_head == verification.head:
            break
    problem = verification.problems[0] if verification.problems else "the log cannot be replayed"
    raise IntegrityViolationError(
        "the registry's tables disagree with its signed log; refusing to vouch for them "
        f"(run 'oretrust registry verify-log'): {problem[:300]}",
        code=Code.REGISTRY_LOG_MISMATCH,
    )


def verified_trust_source(home: Home) -> StaticTrustSource:
    """A trust source over the verified state (what TRQP answers from)."""
    verified = verified_registry(home)
    state = verified.state
    return StaticTrustSource(
        registry_did_of(home),
        tuple(state.accreditations.values()),
        tuple(state.recognitions.values()),
        tuple(state.flags.values()),
    )
