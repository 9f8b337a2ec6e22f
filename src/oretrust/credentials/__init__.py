"""The credential types oretrust issues, and the builder of their unsigned credentials.

The types, each a :class:`CredentialType` in :data:`CREDENTIAL_TYPES`:

==========================================  ==============================  ===================
type                                        subject model                   jurisdiction
==========================================  ==============================  ===================
``BusinessIdentityCredential`` (UNTP DIA)   :class:`RegisteredIdentity`     register country
``MiningLicenceCredential``                 :class:`MiningLicence`          licence jurisdiction
``MineralOriginCertificate``                :class:`MineralOrigin`          country of origin
``AuthorisedEconomicOperatorCredential``    :class:`AuthorisedEconomicOperator`  customs territory
``ConformityAssessmentCredential`` (DCC)    :class:`ConformityAttestation`  facility country
``CustodyTransferCredential`` (DTE)         :class:`CustodyEvent`           event's place
``SiteStatusCredential``                    :class:`SiteStatus`             site's country
``ChainAttestationCredential``              :class:`ChainAttestation`       country of origin
``PeriodAccountCredential``                 :class:`PeriodAccount`          facility country
==========================================  ==============================  ===================

Everything here is pure: dicts in, dicts out, no clock, no I/O. Invalid subjects raise
:class:`~oretrust.errors.SchemaValidationError` whose ``field`` is a dotted path such as
``credentialSubject.mineSite.coordinates.latitude``.
"""

from __future__ import annotations

from oretrust.credentials._aeo import AeoCriterion, AuthorisedEconomicOperator
from oretrust.credentials._base import (
    DidParty,
    GeoPoint,
    GeoPolygon,
    MineSite,
    Party,
    Period,
    SubjectModel,
)
from oretrust.credentials._builder import build_credential, xsd_datetime
from oretrust.credentials._chain_attestation import ChainAttestation
from oretrust.credentials._codes import ISO_3166_ALPHA2, Mineral
from oretrust.credentials._conformity import ConformityAttestation
from oretrust.credentials._custody import CustodyEvent, Quantity
from oretrust.credentials._identity import RegisteredIdentity
from oretrust.credentials._licence import LicenceType, MiningLicence
from oretrust.credentials._origin import MineralOrigin
from oretrust.credentials._period_account import PeriodAccount, period_limit
from oretrust.credentials._registry import (
    CREDENTIAL_TYPES,
    EXAMPLES,
    ORETRUST_CONTEXT,
    SCHEMA_BASE_URL,
    UNTP_DCC_CONTEXT,
    UNTP_DIA_CONTEXT,
    VC_V2_CONTEXT,
    CredentialType,
    get_credential_type,
)
from oretrust.credentials._site_status import CERTIFIED_RATINGS, SiteStatus

__all__ = [
    "CERTIFIED_RATINGS",
    "CREDENTIAL_TYPES",
    "EXAMPLES",
    "ISO_3166_ALPHA2",
    "ORETRUST_CONTEXT",
    "SCHEMA_BASE_URL",
    "UNTP_DCC_CONTEXT",
    "UNTP_DIA_CONTEXT",
    "VC_V2_CONTEXT",
    "AeoCriterion",
    "AuthorisedEconomicOperator",
    "ChainAttestation",
    "ConformityAttestation",
    "CredentialType",
    "CustodyEvent",
    "DidParty",
    "GeoPoint",
    "GeoPolygon",
    "LicenceType",
    "MineSite",
    "Mineral",
    "MineralOrigin",
    "MiningLicence",
    "Party",
    "Period",
    "PeriodAccount",
    "Quantity",
    "RegisteredIdentity",
    "SiteStatus",
    "SubjectModel",
    "build_credential",
    "get_credential_type",
    "period_limit",
    "xsd_datetime",
]
