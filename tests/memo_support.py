"""A home that issued one accredited credential, for the tests of the kept verifier's
memories (``test_structure_memo.py``, ``test_outcome_replay.py``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from oretrust import identities, registry
from oretrust.credentials import EXAMPLES
from oretrust.home import Home
from oretrust.issuer import issue_credential

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
