"""How many credentials a compromise of an issuer's active key would touch.

The issuer's records keep no ``kid`` per credential, but they do not need to: an issuer has
one active key at a time (:mod:`oretrust.identities`: a rotation or a compromise retires it
and makes a new one active in one transaction), and every credential is signed with the key
active when it is issued. So the credentials the active key signed are exactly those issued
since it was created (:func:`oretrust.issuer.list_issued` with ``since``). Were the key
reported compromised as of its creation, each of them would fail the ``key_validity``
check; ``in_force`` counts those a verifier accepts today (not revoked, not expired) —
the ones whose holders would have to be issued new credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oretrust.home import Home
from oretrust.identities import list_keys
from oretrust.issuer import list_issued
from oretrust.store.db import as_utc

__all__ = ["KeyReach", "active_key_reach"]


@dataclass(frozen=True)
class KeyReach:
    """The active key and the credentials it signed (all, and those still in force)."""

    kid: str
    algorithm: str
    created_at: datetime
    signed: int
    in_force: int


def active_key_reach(home: Home, issuer_did: str, *, now: datetime) -> KeyReach | None:
    """The reach of ``issuer_did``'s active key (None when it has none)."""
    active = next((key for key in list_keys(home, issuer_did) if key.active), None)
    if active is None:
        return None
    created = as_utc(active.created_at)
    signed = list_issued(home, issuer=issuer_did, since=created)
    in_force = sum(
        1
        for row in signed
        if row.status != "revoked" and (row.valid_until is None or row.valid_until > now)
    )
    return KeyReach(active.kid, active.algorithm, created, len(signed), in_force)
