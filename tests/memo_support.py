"""A home that issued one accredited credential, and credentials signed by a fresh did:jwk,
for the tests of the kept verifier (``test_structure_memo.py``, ``test_outcome_replay.py``,
``test_inline_verify.py``)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oretrust import identities, registry
from oretrust.credentials import EXAMPLES
from oretrust.did import create_did_jwk
from oretrust.formats.jws import sign_compact
from oretrust.home import Home
from oretrust.issuer import issue_credential
from oretrust.jwk import public_jwk
from oretrust.keys import LocalSigner, generate_private_key

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DOMAIN = "registry.minerals-trust.example"
ISSUER = "did:web:mines.gouv.cd.example"
TYPE = "MineralOriginCertificate"


def issued_home(folder: Path) -> Iterator[tuple[Home, str, str]]:
    """A home in ``folder`` with a registry, an accredited ministry and one credential it
    issued: yields the home, the token and the credential's id; disposes of the engine."""
    home = Home.open(folder)
    home.set_domain(DOMAIN)
    registry.init_registry(home, did=f"did:web:{DOMAIN}", display_name="Registry", now=NOW)
    identities.add_issuer(home, "ministry", display_name="Ministry", did=ISSUER, now=NOW)
    holder = identities.add_holder(home, "kivu", display_name="Kivu Minerals", now=NOW)
    registry.accredit(home, ISSUER, TYPE, "CD", now=NOW)
    subject = copy.deepcopy(EXAMPLES[TYPE])
    subject["exporter"]["id"] = holder.did
    credential = issue_credential(
        home, issuer="ministry", type_name=TYPE, subject=subject, holder=holder.did, now=NOW
    )
    yield home, credential.token, credential.id
    home.engine.dispose()


def self_signed(subject: dict[str, Any] | None = None, **changes: Any) -> str:
    """A vc+jwt signed by a fresh did:jwk (its signature verifies; nobody accredits it):
    ``subject`` adds claims about the issuer itself, ``changes`` replace top-level members."""
    key = generate_private_key("EdDSA")
    signer = LocalSigner(key, f"{create_did_jwk(public_jwk(key.public_key()))}#0")
    issuer = signer.kid.split("#")[0]
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": issuer, **(subject or {})},
        **changes,
    }
    return sign_compact({"typ": "vc+jwt"}, json.dumps(payload).encode(), signer)
