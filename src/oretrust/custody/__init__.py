"""Chain of custody: a lot's custody events walked back to its origin certificates, each link
verified, connected, in order and in mass balance (:func:`verify_chain`)."""

from __future__ import annotations

from oretrust.custody.chain import (
    ChainReport,
    CredentialChecker,
    credential_digest,
    document_id,
    judge_links,
    verify_chain,
)
from oretrust.custody.links import CHAIN_TYPES, PERIOD_ACCOUNT, derived_digests, single_subject
from oretrust.custody.rules import MineralRule, mineral_rule, mineral_rules

__all__ = [
    "CHAIN_TYPES",
    "PERIOD_ACCOUNT",
    "ChainReport",
    "CredentialChecker",
    "MineralRule",
    "credential_digest",
    "derived_digests",
    "document_id",
    "judge_links",
    "mineral_rule",
    "mineral_rules",
    "single_subject",
    "verify_chain",
]
