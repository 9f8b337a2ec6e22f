"""The demo's cast and data: institutions, companies and the credential subjects they get."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime
from typing import Any

from oretrust.credentials import EXAMPLES
from oretrust.encoding import b64url_decode, b64url_encode

__all__ = [
    "AUDITOR",
    "DOMAIN",
    "HOLDERS",
    "ISSUERS",
    "aeo",
    "anchor",
    "inflate_mass",
    "licence",
    "origin",
    "sale",
]

#: The registry operator's host: status lists are published under it.
DOMAIN = "registry.minerals-trust.example"

ISSUERS = {
    "business-register": (
        "did:web:guichet-unique.gouv.cd.example",
        "Guichet Unique de Création d'Entreprise (RCCM)",
    ),
    "ministry-of-mines": (
        "did:web:mines.gouv.cd.example",
        "Ministère des Mines, République Démocratique du Congo",
    ),
    "customs": ("did:web:douanes.gouv.cd.example", "Direction Générale des Douanes et Accises"),
    "auditor": ("did:web:mulumba-assurance.example", "Mulumba Assurance SARL (accredited auditor)"),
}
AUDITOR = ISSUERS["auditor"][0]
HOLDERS = {
    "kivu-minerals": ("Kivu Minerals SARL", "CD/KLZ/RCCM/14-B-1234"),
    "lualaba-trading": ("Lualaba Metals Trading SARL", "CD/LSH/RCCM/19-B-0871"),
    "baltic-refinery": ("Baltic Cathode Refining Oy", "FI-3124567-8"),
    "kasai-metals": ("Kasai Metals Trading SARL", "CD/KSA/RCCM/21-B-0412"),
    "nordkobolt-refinery": ("Nordkobolt Refining AB", "SE-556677-8899"),
}

#: Each company's DID, by its name in :data:`HOLDERS` (made in its own home).
Holders = dict[str, str]


def party(holders: Holders, name: str) -> dict[str, str]:
    display, registered = HOLDERS[name]
    return {"id": holders[name], "name": display, "registeredId": registered}


def anchor(holders: Holders, name: str) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["BusinessIdentityCredential"])
    display, registered = HOLDERS[name]
    subject.update({"id": holders[name], "name": display, "registeredId": registered})
    return subject


def licence(holders: Holders) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["MiningLicenceCredential"])
    subject["holder"] = party(holders, "kivu-minerals")
    return subject


def origin(holders: Holders, now: datetime) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    subject["exporter"] = party(holders, "kivu-minerals")
    subject["buyer"] = {"id": holders["lualaba-trading"], "name": HOLDERS["lualaba-trading"][0]}
    subject["exportDate"] = now.date().isoformat()
    return subject


def sale(
    holders: Holders,
    now: datetime,
    *,
    buyer: str = "lualaba-trading",
    lot_in: str | None = None,
    lot_out: str = "LMT-2026-0091",
) -> dict[str, Any]:
    """A seller hands the whole of lot 0457 (``lot_in``; the origin's lot by default) on to
    ``buyer`` as ``lot_out``, as weighed and assayed at the Kolwezi weighbridge (the custody
    event the seller signs; sourceParty and derivedFrom are filled in by the wallet)."""
    origin = EXAMPLES["MineralOriginCertificate"]
    lot = {
        "value": origin["mass"]["value"],
        "unit": "t",
        "moisture": origin["moisture"],
        "grade": 30.5,
    }
    return {
        "type": ["TransactionEvent", "Event"],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "processType": "sale",
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
        "destinationParty": holders[buyer],
        "place": {"name": "Kolwezi weighbridge", "country": "CD"},
        "mineral": "cobalt",
        "commodity": "cobalt hydroxide",
        "inputs": [{"lotId": lot_in or origin["lotId"], "mass": lot}],
        "outputs": [{"lotId": lot_out, "mass": lot}],
    }


def aeo(holders: Holders, now: datetime) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["AuthorisedEconomicOperatorCredential"])
    subject["operator"] = party(holders, "lualaba-trading")
    return subject


def inflate_mass(token: str) -> str:
    """Reuse one origin document for more tonnage: edit the payload, keep the signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["credentialSubject"]["mass"]["value"] *= 2
    return f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"
