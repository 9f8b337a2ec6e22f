"""Helpers ``oretrust demo`` calls to put a trust registry into its story.

* :func:`setup_demo_registry` — create the registry operator, accredit the demo's issuers,
  write ``DIR/did/registry.json`` and ``DIR/trust-list.jwt``;
* :func:`issue_from_unaccredited_ministry` — a "ministry" with its own did:web and a perfectly
  valid key, which no registry accredited: what it signs verifies, and is still rejected
  with ``ISSUER_NOT_ACCREDITED``;
* :func:`offline_accreditation_check` — ``issuer_accredited`` from ``DIR/trust-list.jwt``
  alone, the way a verifier without connectivity works.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from oretrust import identities
from oretrust.did import StaticDidResolver
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.issuer import issue_credential
from oretrust.registry import Accreditation
from oretrust.registry.checks import accreditation_check
from oretrust.registry.flags import flag_jurisdiction
from oretrust.registry.service import accredit, init_registry
from oretrust.registry.trust_list import export_trust_list, load_trust_list, trust_list_source
from oretrust.report import CredentialCheck

__all__ = [
    "DEMO_REGISTRY_DID",
    "ROGUE_MINISTRY_DID",
    "DemoRegistry",
    "issue_from_unaccredited_ministry",
    "offline_accreditation_check",
    "setup_demo_registry",
]

DEMO_REGISTRY_DID = "did:web:registry.minerals-trust.example"
DEMO_REGISTRY_NAME = "Regional Critical Minerals Trust Registry"
ROGUE_MINISTRY_DID = "did:web:mines-gouv-cd.example"


@dataclass(frozen=True)
class DemoRegistry:
    """What :func:`setup_demo_registry` made."""

    did: str
    trust_list: Path
    did_document: Path
    accreditations: list[Accreditation]


def setup_demo_registry(
    home: Home,
    out_dir: Path,
    *,
    now: datetime,
    ministry: str,
    customs: str,
    business_register: str,
    auditor: str | None = None,
    jurisdiction: str = "CD",
    flag_high_risk: Sequence[str] = (),
    trust_list_lifetime: timedelta = timedelta(days=30),
) -> DemoRegistry:
    """Create the registry, accredit each issuer DID for ``jurisdiction``, export the trust list.

    Accreditations run from a year before ``now`` to five years after. ``flag_high_risk``
    lists jurisdictions to flag ``high`` (the demo's refinery then needs conformity evidence).
    The trust list stays valid for ``trust_list_lifetime`` so the artifacts can be checked
    offline for a while after the demo ran.
    """
    init_registry(
        home, did=DEMO_REGISTRY_DID, display_name=DEMO_REGISTRY_NAME, now=now, name="registry"
    )
    plan = [
        (ministry, "MiningLicenceCredential"),
        (ministry, "MineralOriginCertificate"),
        (customs, "AuthorisedEconomicOperatorCredential"),
        (business_register, "BusinessIdentityCredential"),
    ]
    if auditor is not None:
        plan.append((auditor, "ConformityAssessmentCredential"))
    start, until = now - timedelta(days=365), now + timedelta(days=5 * 365)
    made = [
        accredit(
            home,
            entity,
            type_name,
            jurisdiction,
            now=now,
            valid_from=start,
            valid_until=until,
            reason="demo: accredited under the regional framework",
        )
        for entity, type_name in plan
    ]
    for code in flag_high_risk:
        flag_jurisdiction(
            home,
            code,
            risk="high",
            source="demo: regional registry risk assessment",
            as_of=now.date(),
            now=now,
            reason="demo",
        )
    document = did_resolver(home, allow_network=False).resolve(DEMO_REGISTRY_DID)
    did_path = out_dir / "did" / "registry.json"
    did_path.parent.mkdir(parents=True, exist_ok=True)
    did_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    list_path = out_dir / "trust-list.jwt"
    list_path.write_text(
        export_trust_list(home, now=now, lifetime=trust_list_lifetime) + "\n", encoding="utf-8"
    )
    return DemoRegistry(DEMO_REGISTRY_DID, list_path, did_path, made)


def issue_from_unaccredited_ministry(
    home: Home,
    *,
    subject: dict[str, Any],
    holder: str,
    now: datetime,
    valid_until: datetime | None = None,
    out_dir: Path | None = None,
) -> str:
    """A MineralOriginCertificate from a look-alike ministry that no registry accredited.

    Its did:web is hosted by the home, so its signature verifies; ``issuer_accredited`` fails.
    With ``out_dir`` its DID document goes to ``did/rogue-ministry.json``.
    """
    identities.add_issuer(
        home,
        "rogue-ministry",
        display_name="Ministère des Mines (unaccredited look-alike)",
        did=ROGUE_MINISTRY_DID,
        now=now,
    )
    if out_dir is not None:
        document = did_resolver(home, allow_network=False).resolve(ROGUE_MINISTRY_DID)
        path = out_dir / "did" / "rogue-ministry.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    issued = issue_credential(
        home,
        issuer="rogue-ministry",
        type_name="MineralOriginCertificate",
        subject=subject,
        holder=holder,
        now=now,
        valid_until=valid_until,
    )
    return issued.token


def offline_accreditation_check(out_dir: Path, *, now: datetime) -> CredentialCheck:
    """``issuer_accredited`` from ``DIR/trust-list.jwt``, keys from ``did/registry.json``."""
    document = json.loads((out_dir / "did" / "registry.json").read_text(encoding="utf-8"))
    trust_list = load_trust_list(
        (out_dir / "trust-list.jwt").read_text(encoding="utf-8").strip(),
        registry_did=DEMO_REGISTRY_DID,
        resolver=StaticDidResolver({DEMO_REGISTRY_DID: document}),
        now=now,
    )
    return accreditation_check(trust_list_source(trust_list))
