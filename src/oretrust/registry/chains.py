"""Trust chains: a root registry accredits a national registry to accredit issuers (pure).

A registry may grant another registry the action ``accredit:<CredentialType>`` on a
jurisdiction (its *scope*); the accredited registry may then accredit issuers
(``issue:<CredentialType>``) — and further registries (``accredit:<CredentialType>``) — only
within that scope: same type, and a jurisdiction its own grant covers (a country covers its
subdivisions). A verifier pins one or more *roots*; an issuer is accredited when a chain of
links leads from the issuer's ``issue:`` accreditation up to a pinned root, each link

* listed in the trust list of the registry that granted it (lists verified beforehand:
  signature, signer, no rollback — :mod:`oretrust.registry.subscriptions`),
* from a list not expired at ``now`` (the time of the check),
* in force at ``at`` (the credential's issuance time: not pending, suspended, withdrawn or
  expired then), and
* contained in the scope of the link above it (the grant above covers this grant's
  jurisdiction, for the same credential type).

Chains are at most :data:`MAX_DEPTH` links long and never revisit a registry. No I/O, no clock:
:func:`walk_chain` is a function of verified trust lists and two instants.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from oretrust.registry._model import (
    ISSUE_PREFIX,
    Accreditation,
    format_time,
    jurisdiction_covers,
)
from oretrust.registry.trust_list import VerifiedTrustList

__all__ = [
    "ACCREDIT_PREFIX",
    "MAX_DEPTH",
    "ChainJudgement",
    "ChainLink",
    "accredit_action",
    "walk_chain",
]

ACCREDIT_PREFIX = "accredit:"
MAX_DEPTH = 4


def accredit_action(credential_type: str) -> str:
    """``accredit:<CredentialType>``: may accredit others to issue (or accredit) that type."""
    return ACCREDIT_PREFIX + credential_type


@dataclass(frozen=True)
class ChainLink:
    """One grant on the way from an issuer to a root, and whether it held."""

    authority: str
    entity: str
    action: str
    resource: str
    accreditation_id: str | None
    passed: bool
    detail: str

    def describe(self) -> str:
        """``authority -[action on resource]-> entity: detail``."""
        mark = "ok" if self.passed else "BROKEN"
        return (
            f"{self.authority} -[{self.action} on {self.resource}]-> {self.entity} "
            f"({mark}: {self.detail})"
        )


@dataclass(frozen=True)
class ChainJudgement:
    """Whether a chain to a pinned root exists; ``links`` runs from the issuer upwards."""

    authorized: bool
    links: tuple[ChainLink, ...]
    detail: str
    root: str | None = None


@dataclass(frozen=True)
class _Walk:
    """What one step of the walk found: a whole chain, or the failed paths below it."""

    chain: tuple[ChainLink, ...] | None
    failures: tuple[tuple[ChainLink, ...], ...]


def walk_chain(
    lists: Sequence[VerifiedTrustList],
    roots: Collection[str],
    *,
    issuer: str,
    credential_type: str,
    jurisdiction: str,
    at: datetime,
    now: datetime,
) -> ChainJudgement:
    """Find a chain from ``issuer``'s ``issue:<type>`` on ``jurisdiction`` at ``at`` to a root.

    Never raises. On failure, ``detail`` and ``links`` name the broken link of the longest
    path tried (the one that came closest to a root).
    """
    action = ISSUE_PREFIX + credential_type
    walk = _walk(
        lists, frozenset(roots), issuer, action, jurisdiction, credential_type, at, now, ()
    )
    if walk.chain is not None:
        root = walk.chain[-1].authority
        return ChainJudgement(True, walk.chain, _describe(walk.chain), root)
    if not walk.failures:
        return ChainJudgement(
            False,
            (),
            f"{issuer} holds no {action} covering {jurisdiction} in any subscribed trust list",
        )
    closest = max(walk.failures, key=len)
    return ChainJudgement(False, closest, "no chain to a pinned root: " + _describe(closest))


def _walk(
    lists: Sequence[VerifiedTrustList],
    roots: frozenset[str],
    entity: str,
    action: str,
    resource: str,
    credential_type: str,
    at: datetime,
    now: datetime,
    seen: tuple[str, ...],
) -> _Walk:
    """Depth-first search upwards from ``entity``'s grants for ``action`` on ``resource``."""
    failures: list[tuple[ChainLink, ...]] = []
    for trust_list, grant in _grants(lists, entity, action, resource):
        link = _link(trust_list, grant, at, now)
        authority = trust_list.registry_did
        if not link.passed:
            failures.append((link,))
            continue
        if authority in roots:
            return _Walk((link,), ())
        if authority in seen or authority == entity or len(seen) + 1 >= MAX_DEPTH:
            failures.append((_broken(link, "the chain loops or is too long"),))
            continue
        above = _walk(
            lists,
            roots,
            authority,
            accredit_action(credential_type),
            grant.resource,
            credential_type,
            at,
            now,
            (*seen, entity),
        )
        if above.chain is not None:
            return _Walk((link, *above.chain), ())
        if not above.failures:
            reason = (
                f"{authority} is not a pinned root and holds no "
                f"{accredit_action(credential_type)} covering {grant.resource} "
                "in any subscribed trust list"
            )
            failures.append((_broken(link, reason),))
        failures.extend((link, *path) for path in above.failures)
    return _Walk(None, tuple(failures))


def _grants(
    lists: Sequence[VerifiedTrustList], entity: str, action: str, resource: str
) -> list[tuple[VerifiedTrustList, Accreditation]]:
    """Every grant of ``action`` to ``entity`` covering ``resource``, in any list."""
    return [
        (trust_list, grant)
        for trust_list in lists
        for grant in trust_list.accreditations
        if grant.entity_id == entity
        and grant.action == action
        and jurisdiction_covers(grant.resource, resource)
    ]


def _link(
    trust_list: VerifiedTrustList, grant: Accreditation, at: datetime, now: datetime
) -> ChainLink:
    """Judge one grant: its list current at ``now``, the grant in force at ``at``."""
    if now >= trust_list.expires_at:
        passed, detail = (
            False,
            f"trust list of {trust_list.registry_did} expired at "
            f"{format_time(trust_list.expires_at)}: run 'oretrust trust refresh'",
        )
    elif grant.authorizes_at(at):
        passed, detail = True, f"{grant.describe_status(at)}"
    else:
        passed, detail = False, f"at {format_time(at)}: {grant.describe_status(at)}"
    return ChainLink(
        trust_list.registry_did,
        grant.entity_id,
        grant.action,
        grant.resource,
        grant.id,
        passed,
        detail,
    )


def _broken(link: ChainLink, reason: str) -> ChainLink:
    return ChainLink(
        link.authority,
        link.entity,
        link.action,
        link.resource,
        link.accreditation_id,
        False,
        reason,
    )


def _describe(links: Sequence[ChainLink]) -> str:
    return "; ".join(link.describe() for link in links)
