"""Attest a verified custody chain (internal; the face is :mod:`oretrust.issuer`).

An institution the registry accredits for ``ChainAttestationCredential`` (an auditor, or the
registry operator) walks a lot's chain with :func:`oretrust.custody.verify_chain` and, only
when the whole chain is valid, issues the last buyer an attestation naming the final lot,
the origin certificates and the mass the chain drew from each — never the intermediaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from oretrust.codes import Code
from oretrust.credentials import xsd_datetime
from oretrust.credentials.disclosure import jurisdiction_of
from oretrust.custody import (
    ChainReport,
    CredentialChecker,
    credential_digest,
    document_id,
    mineral_rule,
    verify_chain,
)
from oretrust.errors import InputError, InvalidCredentialError
from oretrust.home import Home
from oretrust.issuer._vc_jwt import IssuedCredential, issue_credential

__all__ = ["CHAIN_ATTESTATION_TYPE", "attest_chain"]

CHAIN_ATTESTATION_TYPE = "ChainAttestationCredential"
ORIGIN_TYPE = "MineralOriginCertificate"


def attest_chain(
    home: Home,
    issuer: str,
    final_token: str,
    documents: Sequence[str],
    *,
    verifier: CredentialChecker,
    now: datetime,
    lot_id: str | None = None,
    valid_until: datetime | None = None,
) -> IssuedCredential:
    """Verify the chain ending in ``final_token`` and issue its attestation as ``issuer``.

    ``documents`` are the chain's other credentials (events, origin certificates);
    ``verifier`` checks each link (signature, accreditation, status). ``lot_id`` picks the
    final lot when the final event has several outputs. The attestation is issued to the
    final event's holder, in the balancing basis of its mineral.

    Raises InvalidCredentialError carrying the chain's first problem code (e.g.
    ``MASS_BALANCE_EXCEEDED``) when the chain does not verify — nothing is issued then;
    InputError (``INVALID_INPUT``) when the final credential is no custody event, the lot is
    not among its outputs, or the origins come from more than one country; and whatever
    :func:`issue_credential` raises (ConflictError ``ISSUER_NOT_ACCREDITED_TO_ISSUE`` when
    this home's registry does not accredit ``issuer`` for the country of origin).
    """
    chain = verify_chain(final_token, documents, verifier=verifier, now=now)
    if not chain.verified:
        code, link, detail = chain.problems[0] if chain.problems else (chain.code, "", "")
        raise InvalidCredentialError(
            f"the chain does not verify, nothing was attested: {link}: {detail}",
            code=code,
            credential_id=document_id(final_token),
            report=chain,
        )
    subject = _subject(chain, credential_digest(final_token), lot_id, now)
    return issue_credential(
        home,
        issuer=issuer,
        type_name=CHAIN_ATTESTATION_TYPE,
        subject=subject,
        holder=subject["holder"],
        now=now,
        valid_until=valid_until,
    )


def _subject(
    chain: ChainReport, final_digest: str, lot_id: str | None, now: datetime
) -> dict[str, Any]:
    """The attestation's subject from a verified chain: final lot, origins, draws."""
    final = next(link for link in chain.links if link.digest == final_digest)
    if final.kind == "origin":
        raise InputError(
            "an origin certificate alone is no chain to attest", code=Code.INVALID_INPUT
        )
    lots = [lot for lot in final.outputs if lot_id is None or lot.lot_id == lot_id]
    if len(lots) != 1:
        raise InputError(
            f"name one of the final event's lots ({', '.join(o.lot_id for o in final.outputs)})",
            code=Code.INVALID_INPUT,
        )
    basis = mineral_rule(final.mineral).basis
    origins = [link for link in chain.links if link.kind == "origin"]
    countries = {
        jurisdiction_of(ORIGIN_TYPE, (link.report.claims or {}).get("credentialSubject"))
        for link in origins
    }
    if len(countries) != 1:
        raise InputError(
            f"the chain's origins come from {', '.join(sorted(countries))}: one attestation "
            "speaks of one country of origin",
            code=Code.INVALID_INPUT,
        )
    draws = []
    for origin in origins:
        lot = origin.outputs[0].lot_id
        drawn = sum(
            amount.of(basis) or 0.0
            for link in chain.links
            if origin.digest in {digest for _, digest in link.references}
            for amount in link.inputs
            if amount.lot_id == lot
        )
        draws.append({"id": origin.id, "sha256": origin.digest, "drawn": _mass(drawn, basis)})
    return {
        "holder": final.holder,
        "lotId": lots[0].lot_id,
        "mineral": final.mineral,
        "mass": _mass(lots[0].of(basis) or 0.0, basis),
        "countryOfOrigin": countries.pop(),
        "origins": draws,
        "attestedAt": xsd_datetime(now),
    }


def _mass(kilograms: float, basis: str) -> dict[str, Any]:
    return {"value": round(kilograms, 3), "unit": "kg", "basis": basis}
