"""Trust sources: where a verifier learns who is accredited for what.

:class:`TrustSource` is the interface the checks and TRQP queries depend on. Two
implementations:

* :class:`RegistryTrustSource` reads a home's registry database (online, always current);
* :class:`StaticTrustSource` holds fixed data — what :func:`trust_list_source` builds from a
  verified trust list for offline use, and what tests build by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlmodel import select

from oretrust.home import Home
from oretrust.registry._model import Accreditation, JurisdictionFlag, Recognition
from oretrust.registry._store import (
    accreditation_from_row,
    flag_from_row,
    recognition_from_row,
    registry_did_of,
)
from oretrust.store.registry_models import (
    AccreditationRecord,
    JurisdictionFlagRecord,
    RecognitionRecord,
)

__all__ = ["RegistryTrustSource", "StaticTrustSource", "TrustSource"]


@runtime_checkable
class TrustSource(Protocol):
    """What the registry's authority (``authority_id``) says about entities and jurisdictions."""

    @property
    def authority_id(self) -> str: ...

    def accreditations(self, entity_id: str) -> Sequence[Accreditation]:
        """Every accreditation of ``entity_id`` in any state (withdrawn ones included)."""
        ...

    def recognitions(self, entity_id: str) -> Sequence[Recognition]:
        """Every recognition of the authority ``entity_id``."""
        ...

    def jurisdiction_flags(self) -> Sequence[JurisdictionFlag]:
        """Every jurisdiction flagged conflict-affected or high-risk."""
        ...


@dataclass(frozen=True)
class StaticTrustSource:
    """A trust source over fixed data (a verified trust list, or test data)."""

    authority_id: str
    all_accreditations: tuple[Accreditation, ...] = ()
    all_recognitions: tuple[Recognition, ...] = ()
    flags: tuple[JurisdictionFlag, ...] = ()

    def accreditations(self, entity_id: str) -> Sequence[Accreditation]:
        """Accreditations of ``entity_id``."""
        return [a for a in self.all_accreditations if a.entity_id == entity_id]

    def recognitions(self, entity_id: str) -> Sequence[Recognition]:
        """Recognitions of ``entity_id``."""
        return [r for r in self.all_recognitions if r.entity_id == entity_id]

    def jurisdiction_flags(self) -> Sequence[JurisdictionFlag]:
        """The flags."""
        return self.flags


class RegistryTrustSource:
    """A trust source over a home's registry database; raises NotFoundError without a registry."""

    def __init__(self, home: Home) -> None:
        self._home = home
        self._authority_id = registry_did_of(home)

    @property
    def authority_id(self) -> str:
        """The home's registry operator DID."""
        return self._authority_id

    def accreditations(self, entity_id: str) -> Sequence[Accreditation]:
        """Accreditations of ``entity_id`` from the database."""
        with self._home.session() as session:
            rows = session.exec(
                select(AccreditationRecord).where(
                    AccreditationRecord.entity_id == entity_id,
                    AccreditationRecord.authority_id == self._authority_id,
                )
            )
            return [accreditation_from_row(row) for row in rows]

    def recognitions(self, entity_id: str) -> Sequence[Recognition]:
        """Recognitions of ``entity_id`` from the database."""
        with self._home.session() as session:
            rows = session.exec(
                select(RecognitionRecord).where(
                    RecognitionRecord.entity_id == entity_id,
                    RecognitionRecord.authority_id == self._authority_id,
                )
            )
            return [recognition_from_row(row) for row in rows]

    def jurisdiction_flags(self) -> Sequence[JurisdictionFlag]:
        """Flags from the database."""
        with self._home.session() as session:
            return [flag_from_row(row) for row in session.exec(select(JurisdictionFlagRecord))]
