"""What the kept verifier decided about remembered credential bytes, replayed while what it
decided from still holds (internal).

The kept verifier (:func:`oretrust.verifier.verifier_for`) lives exactly as long as the
home's trust state it was built from. For a vc+jwt whose structure is remembered
(:mod:`._structures`), two parts of a verification are then fixed for that life:

* **the key**: while the resolver still holds the very DID document the key was chosen from
  (:meth:`~oretrust.did.DefaultDidResolver.holding`, compared by identity on every call —
  a remote document past its freshness, or a new kept verifier, decides afresh), the key
  lookup (``issuer_resolved``, ``kid``), the algorithm agreed with the header and the
  imported key, and ``key_validity`` (the key's compromise time against the token's
  signing time, both fixed) are what they were;
* **the checks marked fixed** (:attr:`~oretrust.report.CredentialCheck.fixed`: the
  accreditation check over the registry answers the kept verifier remembers).

Issue 13's profile: re-deciding them was most of what a repeat verification spent beyond the
signature. Never replayed: the signature (verified on every call, with the remembered key,
over the bytes and signature received now), the validity period (judged at each call's
``now`` from the remembered bounds), the status (read from the status-list cache each time)
and every check not marked fixed. Only outcomes of verifications whose every check passed
are kept, so a failure is always decided afresh. The memory lives in the kept verifier and
dies with it; it is bounded (forgotten all at once past ``max_items``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oretrust.cache_stats import CountedMemory
from oretrust.codes import CheckId
from oretrust.formats.jws import SignatureVerifier
from oretrust.report import Check, VerificationReport
from oretrust.verifier._checks import FixedOutcomes
from oretrust.verifier._structures import MAX_STRUCTURES, Structure

__all__ = ["Outcome", "OutcomeMemo"]

#: Answers what stands for a DID's document while it stays the same (None: nothing held).
Holding = Callable[[str], object | None]


@dataclass(frozen=True)
class Outcome:
    """What one remembered structure's verification decided beyond its bytes."""

    #: The resolver's stand-in for the DID document the key was chosen from.
    held: object
    #: ``issuer_resolved`` and ``kid``, as recorded.
    resolved: tuple[Check, ...]
    signature: SignatureVerifier
    #: ``signature`` (passed) and ``key_validity``, as recorded.
    signed: tuple[Check, ...]
    fixed: FixedOutcomes
    #: What the checks kept in ``report.memo`` (pure functions of the bytes, by its rule):
    #: the parsed subject, the status references.
    memo: tuple[tuple[tuple[str, str], Any], ...]

    @staticmethod
    def of(
        held: object,
        key_checks: tuple[Check, ...],
        signature: SignatureVerifier,
        report: VerificationReport,
        fixed: FixedOutcomes,
    ) -> Outcome | None:
        """The outcome of ``report`` (``key_checks``: what the key step recorded, in order)
        — None unless every check of the report passed and the signature is among them."""
        ids = [check.id for check in key_checks]
        if CheckId.SIGNATURE not in ids or not all(check.passed for check in report.checks):
            return None
        at = ids.index(CheckId.SIGNATURE)
        memo = tuple(report.memo.items())
        return Outcome(held, key_checks[:at], signature, key_checks[at:], fixed, memo)


class OutcomeMemo:
    """Outcomes by structure, each valid while ``holding`` answers the same object for its
    issuer; thread-safe, bounded."""

    def __init__(self, holding: Holding, *, max_items: int = MAX_STRUCTURES) -> None:
        self._holding = holding
        self._items: CountedMemory[Structure, Outcome] = CountedMemory(
            "verification_outcomes", max_items=max_items
        )

    def holding(self, did: str) -> object | None:
        """What the resolver holds for ``did`` now (see the module)."""
        return self._holding(did)

    def recall(self, structure: Structure) -> Outcome | None:
        """The outcome kept for ``structure`` while its DID document is still held."""
        found = self._items.get(structure)
        if found is None or self._holding(structure.issuer) is not found.held:
            return None
        return found

    def remember(self, structure: Structure, outcome: Outcome) -> None:
        """Keep ``outcome`` for ``structure`` — only while the document it was decided from
        is still the one held (a fetch racing the verification files nothing)."""
        if self._holding(structure.issuer) is outcome.held:
            self._items.put(structure, outcome)

    def __len__(self) -> int:
        return len(self._items)
