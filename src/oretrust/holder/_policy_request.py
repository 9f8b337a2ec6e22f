"""The holder's side of a policy: which wallet credentials, and which claims, to present
(internal).

A verifier that publishes its policy lets the wallet answer with exactly what it needs: one
credential per requirement (the most recently received of the type), the identity anchor
about the holder when the policy wants one, conformity evidence when it may need some, and of
each SD-JWT VC only the claims the requirement names (everything withholdable that it does not
name stays hidden).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.holder._present import ClaimPath, PresentationRequest, WalletCredential
from oretrust.holder._wallet import describe, wallet_of
from oretrust.home import Home
from oretrust.identities import find_holder
from oretrust.policy import Policy
from oretrust.registry.policy import ANCHOR_TYPE, EVIDENCE_TYPE

__all__ = ["request_for_policy"]


def request_for_policy(
    home: Home,
    holder: str,
    policy: Policy,
    *,
    nonce: str,
    audience: str,
    lifetime: timedelta = timedelta(minutes=5),
) -> PresentationRequest:
    """The presentation request that meets ``policy`` from ``holder``'s wallet.

    Raises InputError ``POLICY_CREDENTIAL_MISSING`` when the wallet holds no credential of a
    required type (or no identity anchor about the holder when one is required).
    """
    owner = find_holder(home, holder)
    wallet = list(reversed(wallet_of(home, owner)))  # newest first
    chosen: list[str] = []
    disclose_for: dict[str, tuple[ClaimPath, ...]] = {}
    for requirement in policy.requirements:
        entry = next((e for e in wallet if e.type == requirement.type), None)
        if entry is None:
            raise InputError(
                f"{owner.name}'s wallet holds no {requirement.type} "
                f"(policy {policy.name}, requirement {requirement.name})",
                code=Code.POLICY_CREDENTIAL_MISSING,
            )
        _add(chosen, disclose_for, entry.credential_id, requirement.disclose)
    if policy.identity_anchor:
        anchor = next((e for e in wallet if e.type == ANCHOR_TYPE and _about(owner.did, e)), None)
        if anchor is None:
            raise InputError(
                f"{owner.name}'s wallet holds no identity anchor about {owner.did}",
                code=Code.POLICY_CREDENTIAL_MISSING,
            )
        _add(chosen, disclose_for, anchor.credential_id, ())
    if policy.high_risk_evidence:
        for entry in wallet:
            if entry.type == EVIDENCE_TYPE:
                _add(chosen, disclose_for, entry.credential_id, ())
    return PresentationRequest(
        nonce=nonce,
        audience=audience,
        credential_ids=tuple(chosen),
        disclose_for=disclose_for,
        lifetime=lifetime,
    )


def _add(
    chosen: list[str],
    disclose_for: dict[str, tuple[ClaimPath, ...]],
    credential_id: str,
    paths: Sequence[ClaimPath],
) -> None:
    if credential_id not in chosen:
        chosen.append(credential_id)
    merged = dict.fromkeys((*disclose_for.get(credential_id, ()), *paths))
    disclose_for[credential_id] = tuple(merged)


def _about(holder_did: str, entry: WalletCredential) -> bool:
    visible: dict[str, Any] = describe(entry).visible
    subject = visible.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else visible.get("sub")
    return subject_id == holder_did
