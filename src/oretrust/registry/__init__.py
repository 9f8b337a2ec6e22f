"""The trust registry: who may issue what, where, and since when.

A registry operator (an authority with its own did:web, registered with ``role="registry"``)
accredits entities (issuer DIDs) to perform actions (``issue:<CredentialType>``) on
resources (jurisdictions, ISO 3166-1/-2; a country covers its subdivisions) for a period;
accreditations can be suspended, reinstated, withdrawn (effective possibly in the past) and
renewed; authorities can recognise other authorities; jurisdictions can be flagged
conflict-affected or high-risk. Every change is a signed, hash-chained event.

The public surface::

    service      init_registry, registry_info, accredit, suspend, reinstate, withdraw, renew,
                 find_accreditation, list_accreditations; history (paged), verify_log (the log)
    bulk         accredit_many, GrantRequest (one transaction of ordinary chained events)
    recognitions recognise, withdraw_recognition, list_recognitions
    flags        flag_jurisdiction, unflag_jurisdiction, list_flags (+ packaged seeds)
    trqp         AuthorizationRequest/Response, RecognitionRequest/Response,
                 authorization(source, request, now=), recognition(source, request, now=)
    sources      TrustSource, RegistryTrustSource(home), StaticTrustSource
    trust_list   export_trust_list, sign_trust_list, load_trust_list, trust_list_source,
                 VerifiedTrustList, MAX_TRUST_LIST_BYTES
    trust_list_store  TrustListStore, InMemoryTrustListStore, FileTrustListStore
    checks       accreditation_check(source), home_accreditation_check(home), judge_issuer
    policy       identify_holder(report, source), require_high_risk_evidence(report, source)

``demo_support`` (helpers for ``oretrust demo``) is imported on its own.
"""

from __future__ import annotations

from oretrust.registry._claims import accreditation_claim, recognition_claim
from oretrust.registry._log import (
    HISTORY_DEFAULT_LIMIT,
    HISTORY_MAX_LIMIT,
    LogVerification,
    RegistryEvent,
    head_of,
    history,
    verify_log,
)
from oretrust.registry._model import (
    Accreditation,
    Decision,
    JurisdictionFlag,
    Recognition,
    Suspension,
    decide,
    format_time,
    issue_action,
    jurisdiction_covers,
    whole_seconds,
)
from oretrust.registry._store import registry_did_of
from oretrust.registry.bulk import GrantRequest, accredit_many
from oretrust.registry.checks import (
    IssuerJudgement,
    accreditation_check,
    home_accreditation_check,
    judge_issuer,
)
from oretrust.registry.flags import flag_jurisdiction, list_flags, unflag_jurisdiction
from oretrust.registry.policy import HolderIdentity, identify_holder, require_high_risk_evidence
from oretrust.registry.recognitions import list_recognitions, recognise, withdraw_recognition
from oretrust.registry.service import (
    RegistryInfo,
    accredit,
    find_accreditation,
    init_registry,
    list_accreditations,
    registry_info,
    reinstate,
    renew,
    suspend,
    withdraw,
)
from oretrust.registry.sources import RegistryTrustSource, StaticTrustSource, TrustSource
from oretrust.registry.trqp import (
    AuthorizationRequest,
    AuthorizationResponse,
    RecognitionRequest,
    RecognitionResponse,
    authorization,
    recognition,
)
from oretrust.registry.trust_list import (
    MAX_TRUST_LIST_BYTES,
    SignedTrustList,
    VerifiedTrustList,
    export_trust_list,
    load_trust_list,
    sign_trust_list,
    trust_list_source,
)
from oretrust.registry.trust_list_store import (
    FileTrustListStore,
    InMemoryTrustListStore,
    TrustListStore,
)
from oretrust.registry.verified import verified_trust_source

__all__ = [
    "HISTORY_DEFAULT_LIMIT",
    "HISTORY_MAX_LIMIT",
    "MAX_TRUST_LIST_BYTES",
    "Accreditation",
    "AuthorizationRequest",
    "AuthorizationResponse",
    "Decision",
    "FileTrustListStore",
    "GrantRequest",
    "HolderIdentity",
    "InMemoryTrustListStore",
    "IssuerJudgement",
    "JurisdictionFlag",
    "LogVerification",
    "Recognition",
    "RecognitionRequest",
    "RecognitionResponse",
    "RegistryEvent",
    "RegistryInfo",
    "RegistryTrustSource",
    "SignedTrustList",
    "StaticTrustSource",
    "Suspension",
    "TrustListStore",
    "TrustSource",
    "VerifiedTrustList",
    "accredit",
    "accredit_many",
    "accreditation_check",
    "accreditation_claim",
    "authorization",
    "decide",
    "export_trust_list",
    "find_accreditation",
    "flag_jurisdiction",
    "format_time",
    "head_of",
    "history",
    "home_accreditation_check",
    "identify_holder",
    "init_registry",
    "issue_action",
    "judge_issuer",
    "jurisdiction_covers",
    "list_accreditations",
    "list_flags",
    "list_recognitions",
    "load_trust_list",
    "recognise",
    "recognition",
    "recognition_claim",
    "registry_did_of",
    "registry_info",
    "reinstate",
    "renew",
    "require_high_risk_evidence",
    "sign_trust_list",
    "suspend",
    "trust_list_source",
    "unflag_jurisdiction",
    "verified_trust_source",
    "verify_log",
    "whole_seconds",
    "withdraw",
    "withdraw_recognition",
]
