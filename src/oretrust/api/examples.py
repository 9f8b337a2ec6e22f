"""Example values shown in ``/docs`` and ``/openapi.json`` (and tried by schemathesis).

Constants only: the story's ministry, registry, credential and log entries, abbreviated.
"""

from __future__ import annotations

import copy
from typing import Any

from oretrust.credentials import EXAMPLES, get_credential_type

V2 = "https://www.w3.org/ns/credentials/v2"
JWT = "eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDp3ZWI6bWluZXMuZ291di5jZC5leGFtcGxlI2tleS0xIn0.e30.c2ln"
MINISTRY = "did:web:mines.gouv.cd.example"
REGISTRY = "did:web:registry.minerals-trust.example"
CREDENTIAL_ID = "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5"
ACCREDITATION_ID = "urn:uuid:5b7f0d0e-8f3a-4c55-9d1e-0b7f3f3f4a21"
CALLER_ID = "4f1c2a9b7e30"
X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
AT = "2026-11-23T12:00:00Z"

VERIFY_CREDENTIAL: Any = {"verifiableCredential": JWT, "options": {}}
VERIFY_PRESENTATION: Any = {
    "verifiablePresentation": JWT,
    "options": {"challenge": "n-0S6_WzA2Mj", "domain": "did:web:refinery.example"},
}
REPORT: Any = {
    "verified": False,
    "verdict": "REVOKED",
    "kind": "credential",
    "checks": [
        {"id": "signature", "passed": True, "code": "OK", "detail": "EdDSA signature verifies"},
        {"id": "status", "passed": False, "code": "REVOKED", "detail": "revoked"},
    ],
    "errors": [{"id": "status", "passed": False, "code": "REVOKED", "detail": "revoked"}],
    "warnings": [],
}


def credential() -> dict[str, Any]:
    """An unsigned MineralOriginCertificate as a ministry submits it for issuance."""
    ctype = get_credential_type("MineralOriginCertificate")
    return {
        "@context": list(ctype.contexts),
        "type": list(ctype.types),
        "issuer": MINISTRY,
        "validFrom": "2026-10-14T00:00:00Z",
        "validUntil": "2027-10-14T00:00:00Z",
        "credentialSubject": copy.deepcopy(EXAMPLES["MineralOriginCertificate"]),
    }


ISSUED: Any = {
    "verifiableCredential": {
        "@context": V2,
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{JWT}",
    },
    "credentialId": CREDENTIAL_ID,
}
STATUS_REQUEST: Any = {
    "credentialId": CREDENTIAL_ID,
    "action": "revoke",
    "reason": "licence cancelled",
}
STATUS_CHANGE: Any = {
    "credential_id": CREDENTIAL_ID,
    "list_id": "69114893845142be",
    "index": 90481,
    "previous": "VALID",
    "status": "REVOKED",
    "changed": True,
    "log_seq": 12,
}
LOG_ENTRY: Any = {
    "seq": 12,
    "credential_id": CREDENTIAL_ID,
    "list_id": "69114893845142be",
    "index": 90481,
    "action": "revoke",
    "previous_status": "VALID",
    "new_status": "REVOKED",
    "reason": "licence cancelled",
    "actor": f"api-token:{CALLER_ID} (issuer)",
    "at": AT,
    "prev_hash": "41ab…",
    "entry_hash": "9f2c…",
}
ACCREDITATION_REQUEST: Any = {
    "entity_id": MINISTRY,
    "credential_type": "MineralOriginCertificate",
    "jurisdiction": "CD",
    "valid_until": "2028-01-01T00:00:00Z",
    "reason": "accredited under the regional framework",
}
ACCREDITATION: Any = {
    "id": ACCREDITATION_ID,
    "entity_id": MINISTRY,
    "action": "issue:MineralOriginCertificate",
    "resource": "CD",
    "valid_from": "2026-01-01T00:00:00Z",
    "valid_until": "2028-01-01T00:00:00Z",
    "status": "suspended",
    "withdrawn_at": None,
    "suspensions": [{"from": AT, "until": None}],
}
RECOGNITION_REQUEST: Any = {
    "entity_id": "did:web:cami.gouv.cd.example",
    "action": "accredit:MineralOriginCertificate",
    "resource": "CD",
    "reason": "national accreditation body",
}
RECOGNITION: Any = {
    "id": "urn:uuid:0c0f6c43-5f6e-4a8f-8d7c-2f1e9b3a6d10",
    "entity_id": "did:web:cami.gouv.cd.example",
    "action": "accredit:MineralOriginCertificate",
    "resource": "CD",
    "valid_from": "2026-01-01T00:00:00Z",
    "valid_until": None,
    "withdrawn_at": None,
}
TRQP_QUERY: Any = {
    "entity_id": MINISTRY,
    "authority_id": REGISTRY,
    "action": "issue:MineralOriginCertificate",
    "resource": "CD-LU",
    "context": {"time": AT},
}
TRQP_ANSWER: Any = {
    **TRQP_QUERY,
    "time_requested": AT,
    "time_evaluated": "2026-11-23T12:00:05Z",
    "message": f"{MINISTRY} is accredited for issue:MineralOriginCertificate",
}
EVENT: Any = {
    "seq": 7,
    "hash": "9f2c…",
    "prev": "41ab…",
    "type": "accreditation.suspended",
    "authority_id": REGISTRY,
    "actor": f"api-token:{CALLER_ID} (registry-admin)",
    "recorded_at": AT,
    "subject": ACCREDITATION_ID,
    "data": {"effective_at": AT},
    "reason": "audit finding",
    "jws": "eyJ0eXAiOiJyZWdpc3RyeS1ldmVudCtqd3MifQ.e30.c2ln",
}
AUDIT_ENTRY: Any = {
    "at": "2026-11-23T12:00:00+00:00",
    "token_id": CALLER_ID,
    "role": "issuer",
    "issuer": MINISTRY,
    "method": "POST",
    "path": "/credentials/status",
    "target": CREDENTIAL_ID,
    "status": 200,
    "code": "OK",
}
PROBLEM: Any = {
    "type": "https://oretrust.example/problems/credential-not-found",
    "title": "Not found",
    "status": 404,
    "detail": f"no credential {CREDENTIAL_ID!r} issued by {MINISTRY}",
    "code": "CREDENTIAL_NOT_FOUND",
}
DID_DOCUMENT: Any = {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
    "id": MINISTRY,
    "verificationMethod": [
        {
            "id": f"{MINISTRY}#key-1",
            "type": "JsonWebKey",
            "controller": MINISTRY,
            "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": X},
        }
    ],
    "assertionMethod": [f"{MINISTRY}#key-1"],
}
ISSUER_METADATA: Any = {
    "issuer": "https://registry.minerals-trust.example/issuers/customs",
    "jwks": {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": X,
                "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
                "alg": "EdDSA",
                "use": "sig",
            }
        ]
    },
}
SCHEMA_LIST: Any = [
    {
        "type": "MineralOriginCertificate",
        "description": "The producing country certifies the origin of an exported lot.",
        "schema": "/schemas/MineralOriginCertificate",
    }
]
SCHEMA: Any = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://oretrust.example/schemas/MiningLicenceCredential",
    "title": "MiningLicenceCredential",
    "type": "object",
}
