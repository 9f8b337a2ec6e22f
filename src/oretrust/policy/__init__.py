"""Verifier policies: what a verifier requires, described as data, and applied to a report.

A refinery, a customs office or an auditor writes down what it needs (YAML or JSON): the
credential types, that their issuers are accredited by the trust registry, which claims must
be disclosed, how old they may be, that they carry a status (can be revoked) and are not
revoked, that the holder is identified by an identity anchor, and extra evidence for
high-risk origins. Policies shipped with oretrust (``oretrust/policies/*.yaml``):
``refinery-supplier`` and ``customs-import``.

::

    policy = load_policy("refinery-supplier")          # or a path to a file
    report = verifier.check_presentation(vp, nonce=n, audience=a, now=now)
    evaluate_policy(policy, report, trust_source=RegistryTrustSource(home), now=now)
    report.verified                                     # every requirement met, or …
    [c for c in report.checks if c.id.startswith("policy:") and not c.passed]

The holder's side, :func:`oretrust.holder.request_for_policy`, picks from a wallet what
meets a policy and discloses no more. A policy is checked over **one** presentation: a vp+jwt whose
``EnvelopedVerifiableCredential`` entries may be vc+jwt or dc+sd-jwt (their holder binding is
the vp signature and nonce), or a single SD-JWT+KB when the policy asks for one credential.

Errors: a bad policy file is an :class:`~oretrust.errors.InputError` ``POLICY_INVALID``
naming the field, an unknown name ``POLICY_NOT_FOUND`` (CLI exit 2).
"""

from __future__ import annotations

from oretrust.policy._evaluate import (
    EXTRA_EVIDENCE_REQUIRED,
    POLICY_CLAIM_NOT_DISCLOSED,
    POLICY_CREDENTIAL_INVALID,
    POLICY_CREDENTIAL_MISSING,
    POLICY_CREDENTIAL_REVOKED,
    POLICY_CREDENTIAL_SUSPENDED,
    POLICY_CREDENTIAL_TOO_OLD,
    POLICY_HOLDER_NOT_IDENTIFIED,
    POLICY_ISSUER_NOT_ACCREDITED,
    POLICY_LINK_MISMATCH,
    POLICY_STATUS_REQUIRED,
    POLICY_SUBJECT_NOT_HOLDER,
    evaluate_policy,
)
from oretrust.policy._model import (
    POLICY_INVALID,
    CredentialRequirement,
    Link,
    Policy,
    load_policy,
    parse_duration,
    parse_policy,
    shipped_policies,
)

__all__ = [
    "EXTRA_EVIDENCE_REQUIRED",
    "POLICY_CLAIM_NOT_DISCLOSED",
    "POLICY_CREDENTIAL_INVALID",
    "POLICY_CREDENTIAL_MISSING",
    "POLICY_CREDENTIAL_REVOKED",
    "POLICY_CREDENTIAL_SUSPENDED",
    "POLICY_CREDENTIAL_TOO_OLD",
    "POLICY_HOLDER_NOT_IDENTIFIED",
    "POLICY_INVALID",
    "POLICY_ISSUER_NOT_ACCREDITED",
    "POLICY_LINK_MISMATCH",
    "POLICY_STATUS_REQUIRED",
    "POLICY_SUBJECT_NOT_HOLDER",
    "CredentialRequirement",
    "Link",
    "Policy",
    "evaluate_policy",
    "load_policy",
    "parse_duration",
    "parse_policy",
    "shipped_policies",
]
