"""Accreditation for a bulk issuance run (internal; used by :mod:`oretrust.issuer._batch`).

Single issuance asks this home's registry on every credential (``_record``'s
``_require_accredited``: a trust source built, the issuer's accreditations read). A batch
run has one issuer and one ``now``, so :class:`RunAccreditation` reads what the registry says
about the issuer once and judges each type and jurisdiction once: the same judgement,
:func:`oretrust.registry.checks.judge_issuance`, with the same code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oretrust.codes import Code
from oretrust.credentials import CredentialType, SubjectModel
from oretrust.errors import ConflictError, NotFoundError
from oretrust.home import Home
from oretrust.registry.checks import IssuerJudgement, judge_issuance
from oretrust.registry.sources import RegistryTrustSource, StaticTrustSource

__all__ = ["RunAccreditation"]


class RunAccreditation:
    """This home's registry's word on ``issuer_did`` at ``now``, for one batch run."""

    def __init__(self, home: Home, issuer_did: str, now: datetime) -> None:
        self.issuer_did, self.now = issuer_did, now
        self.source = _registry_snapshot(home, issuer_did)
        self._judgements: dict[tuple[str, str], IssuerJudgement] = {}

    def require(
        self, credential_type: CredentialType, subject: dict[str, Any], parsed: SubjectModel
    ) -> None:
        """Refuse what this home's registry does not accredit, as single issuance does
        (ConflictError ``ISSUER_NOT_ACCREDITED_TO_ISSUE``); ``parsed`` is ``subject``
        validated (its jurisdiction keys the kept judgement; self-issued types are judged on
        their subject each time). A home without a registry accredits nothing and refuses
        nothing, as single issuance."""
        if self.source is None:
            return
        key = None if credential_type.self_issued else (
            credential_type.name, parsed.jurisdiction_code()
        )  # fmt: skip
        judgement = self._judgements.get(key) if key else None
        if judgement is None:
            judgement = judge_issuance(
                self.source, issuer=self.issuer_did, type_name=credential_type.name,
                subject=subject, issued_at=self.now,
            )  # fmt: skip
            if key:
                self._judgements[key] = judgement
        if not judgement.authorized:
            raise ConflictError(
                f"this home's trust registry does not accredit {self.issuer_did} to issue "
                f"{credential_type.name} now: {judgement.detail}",
                code=Code.ISSUER_NOT_ACCREDITED_TO_ISSUE,
            )


def _registry_snapshot(home: Home, issuer_did: str) -> StaticTrustSource | None:
    """What this home's registry says about ``issuer_did``, read once for a batch run (every
    credential of the run is judged at the same ``now``); None for a home without registry."""
    try:
        registry = RegistryTrustSource(home)
    except NotFoundError as exc:
        if exc.code != Code.REGISTRY_NOT_INITIALISED:
            raise
        return None
    return StaticTrustSource(
        registry.authority_id,
        tuple(registry.accreditations(issuer_did)),
        tuple(registry.recognitions(issuer_did)),
        tuple(registry.jurisdiction_flags()),
    )
