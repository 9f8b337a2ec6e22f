"""A home with a trust registry and the supply chain's cast, for the SD-JWT, wallet and policy
tests: the ministry, customs, the business register and an auditor (accredited for CD), a mine
operator (Kivu), a trader and a refinery (did:jwk holders)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from oretrust import identities
from oretrust.credentials import EXAMPLES
from oretrust.demo.registry import setup_demo_registry
from oretrust.home import Home
from oretrust.issuer import issue_credential, issue_sd_jwt_credential
from oretrust.verifier import Verifier, verifier_for

DOMAIN = "registry.minerals-trust.example"
MINISTRY = "did:web:mines.gouv.cd.example"
CUSTOMS = "did:web:douanes.gouv.cd.example"
REGISTER = "did:web:guichet-unique.gouv.cd.example"
AUDITOR = "did:web:mulumba-assurance.example"
YEAR = timedelta(days=365)


@dataclass
class Chain:
    home: Home
    now: datetime
    kivu: str
    trader: str
    refinery: str

    @classmethod
    def build(cls, folder: Path, now: datetime) -> Chain:
        home = Home.open(folder, database_url=f"sqlite:///{folder / 'oretrust.db'}")
        home.set_domain(DOMAIN)
        for name, did in (
            ("ministry-of-mines", MINISTRY),
            ("customs", CUSTOMS),
            ("business-register", REGISTER),
            ("auditor", AUDITOR),
        ):
            identities.add_issuer(home, name, display_name=name.title(), did=did, now=now)
        setup_demo_registry(
            home,
            folder,
            now=now,
            ministry=MINISTRY,
            customs=CUSTOMS,
            business_register=REGISTER,
            auditor=AUDITOR,
        )
        holders = {
            name: identities.add_holder(home, name, display_name=name.title(), now=now).did
            for name in ("kivu", "trader", "refinery")
        }
        return cls(home, now, holders["kivu"], holders["trader"], holders["refinery"])

    @property
    def verifier(self) -> Verifier:
        return verifier_for(self.home, allow_network=False)

    # ------------------------------------------------------------------ subjects
    def origin_subject(self) -> dict[str, Any]:
        subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
        subject["exporter"]["id"] = self.kivu
        subject["buyer"] = {"id": self.trader, "name": "Lualaba Metals Trading SARL"}
        return subject

    def licence_subject(self) -> dict[str, Any]:
        subject = copy.deepcopy(EXAMPLES["MiningLicenceCredential"])
        subject["holder"]["id"] = self.kivu
        return subject

    def aeo_subject(self, did: str) -> dict[str, Any]:
        subject = copy.deepcopy(EXAMPLES["AuthorisedEconomicOperatorCredential"])
        subject["operator"] = {"id": did, "name": "Lualaba Metals Trading SARL"}
        return subject

    def anchor_subject(self, did: str) -> dict[str, Any]:
        subject = copy.deepcopy(EXAMPLES["BusinessIdentityCredential"])
        subject.update({"id": did, "name": "Lualaba Metals Trading SARL"})
        return subject

    # ------------------------------------------------------------------ issuing
    def origin_sd_jwt(self, **kwargs: Any) -> Any:
        """The ministry's origin certificate about Kivu's lot, bound to the trader's key."""
        options: dict[str, Any] = {
            "issuer": "ministry-of-mines",
            "type_name": "MineralOriginCertificate",
            "subject": self.origin_subject(),
            "holder": self.trader,
            "now": self.now,
            "valid_until": self.now + YEAR,
        }
        options.update(kwargs)
        return issue_sd_jwt_credential(self.home, **options)

    def vc(self, issuer: str, type_name: str, subject: dict[str, Any], **kwargs: Any) -> Any:
        options: dict[str, Any] = {"now": self.now, "valid_until": self.now + 5 * YEAR}
        options.update(kwargs)
        return issue_credential(
            self.home, issuer=issuer, type_name=type_name, subject=subject, **options
        )

    def sd(self, issuer: str, type_name: str, subject: dict[str, Any], **kwargs: Any) -> Any:
        options: dict[str, Any] = {
            "holder": self.trader,
            "now": self.now,
            "valid_until": self.now + 5 * YEAR,
        }
        options.update(kwargs)
        return issue_sd_jwt_credential(
            self.home, issuer=issuer, type_name=type_name, subject=subject, **options
        )
