"""The issuer role for SD-JWT VC (``dc+sd-jwt``): a typed credential its holder can disclose
selectively, bound to the holder's key, revocable through the Token Status List.

Re-exported by :mod:`oretrust.issuer`. The checks, the status allocation (the same as
vc+jwt's, published as ``<list>-tsl``) and the record (id + hash with format ``dc+sd-jwt``,
never the credential) are the shared path of :mod:`oretrust.issuer._record`; this module
validates the subject against its type, applies the type's disclosure profile (each
withholdable claim becomes its own disclosure; nothing else is hidden) and signs with the
issuer's active key (``kid`` = its DID URL).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oretrust.codes import Code
from oretrust.credentials import get_credential_type
from oretrust.credentials.disclosure import (
    disclosure_profile,
    format_path,
    has_claim,
    sd_jwt_vc_claims,
    vct_for,
)
from oretrust.did import create_did_jwk, signing_jwk
from oretrust.errors import InputError, OreTrustError
from oretrust.formats.sd_jwt import SD_JWT_VC_TYP, StatusListReference, issue_sd_jwt_vc
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.issuer._record import Issuance, begin_issuance, sign_and_record
from oretrust.status.allocation import Allocation, token_status_reference

__all__ = ["IssuedSdJwtCredential", "holder_key", "issue_sd_jwt_credential"]


@dataclass(frozen=True)
class IssuedSdJwtCredential:
    """A freshly issued SD-JWT VC and the facts recorded about it.

    ``token`` is the issuance form ``<JWT>~<disclosure>~…~`` (every disclosure: the holder's
    copy); ``withholdable`` names the claims the holder may keep back.
    """

    id: str
    type: str
    format: str
    issuer: str
    holder: str
    token: str
    claims: dict[str, Any]
    withholdable: tuple[str, ...]
    status: dict[str, Any] | None


def issue_sd_jwt_credential(
    home: Home,
    *,
    issuer: str,
    type_name: str,
    subject: dict[str, Any],
    now: datetime,
    holder: str | None = None,
    holder_jwk: Mapping[str, Any] | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    with_status: bool = True,
    withhold: Iterable[Sequence[str]] | None = None,
) -> IssuedSdJwtCredential:
    """Issue ``type_name`` from ``issuer`` (name or DID) as an SD-JWT VC.

    ``holder`` is the DID whose key the credential is bound to (``cnf.jwk``: its first
    ``authentication`` key; a did:jwk is the key itself), or give ``holder_jwk``. The subject
    says whom the credential is *about* (an origin certificate is about the exporter, and may
    be bound to the trader who presents it). ``withhold`` narrows the type's profile (default:
    every withholdable claim present is made selectively disclosable). Claims: ``iss``,
    ``vct``, ``iat``, ``exp`` (``valid_until``), ``nbf`` (``valid_from`` when later than
    ``now``), ``jti``, ``cnf``, ``status.status_list`` (with ``with_status``), ``sub`` and the
    subject's claims. Checks, allocation and record are the shared path of
    :mod:`oretrust.issuer._record`, with the same codes as vc+jwt (``INVALID_SUBJECT``,
    ``INVALID_VALIDITY_PERIOD``, ``UNKNOWN_CREDENTIAL_TYPE``, NotFoundError, ConflictError
    ``CREDENTIAL_EXISTS``). Also raises SchemaValidationError naming the bad field,
    InputError ``HOLDER_KEY_REQUIRED``, ``DISCLOSURE_PROFILE_VIOLATION`` (a ``withhold``
    path outside the profile) and ``INVALID_VALIDITY_PERIOD`` for a ``valid_until`` not
    after ``now`` (an SD-JWT VC's ``exp`` must lie ahead), and ``UNSUPPORTED_FORMAT`` for a
    type issued as vc+jwt only (custody events: a chain is balanced from every mass).
    """
    if get_credential_type(type_name).subject_array:
        raise InputError(f"{type_name} is issued as vc+jwt only", code=Code.UNSUPPORTED_FORMAT)
    issuance = begin_issuance(
        home,
        issuer=issuer,
        type_name=type_name,
        subject=subject,
        now=now,
        valid_from=valid_from,
        valid_until=valid_until,
        with_status=with_status,
    )
    if valid_until is not None and valid_until <= now:
        raise InputError(
            "an SD-JWT VC's validUntil (exp) must be after now", code=Code.INVALID_VALIDITY_PERIOD
        )
    key = dict(holder_jwk) if holder_jwk is not None else holder_key(home, holder)
    bound_to = holder or create_did_jwk(key)
    claims = sd_jwt_vc_claims(issuance.credential_type.name, subject)
    disclosable = disclosable_paths(issuance.credential_type.name, claims, withhold)
    token, allocation = sign_and_record(
        home,
        issuance,
        credential_format=SD_JWT_VC_TYP,
        holder_did=bound_to,
        sign_with=lambda allocation: sign_token(
            home.base_url, issuance, claims, key, disclosable, valid_from, allocation
        ),
    )
    return IssuedSdJwtCredential(
        issuance.credential_id,
        issuance.credential_type.name,
        SD_JWT_VC_TYP,
        issuance.issuer.did,
        bound_to,
        token,
        claims,
        tuple(format_path(path) for path in disclosable),
        token_status_reference(allocation, home.base_url) if allocation else None,
    )


def sign_token(
    base_url: str,
    issuance: Issuance,
    claims: dict[str, Any],
    holder_jwk: dict[str, Any],
    disclosable: list[tuple[str, ...]],
    valid_from: datetime | None,
    allocation: Allocation | None,
) -> str:
    """The SD-JWT VC part of issuance: the status claim for ``allocation``, the profile's
    disclosures, ``cnf`` = the holder's key; ``nbf`` only for a start later than now."""
    reference = None
    if allocation is not None:
        entry = token_status_reference(allocation, base_url)["status_list"]
        reference = StatusListReference(entry["idx"], entry["uri"])
    now = issuance.now
    issued = issue_sd_jwt_vc(
        {"jti": issuance.credential_id, **claims},
        issuance.signer,
        issuer=issuance.issuer.did,
        vct=vct_for(issuance.credential_type.name),
        now=now,
        holder_jwk=holder_jwk,
        disclosable=disclosable,
        expires_at=issuance.valid_until,
        not_before=valid_from if valid_from is not None and valid_from > now else None,
        status=reference,
    )
    return issued.compact


def holder_key(home: Home, holder: str | None) -> dict[str, Any]:
    """The public JWK a credential for ``holder`` (a DID) is bound to: its first
    ``authentication`` key. did:jwk and did:key resolve locally, with no network; a did:web
    resolves through the home's resolver (a DID this home hosts from its database, any other
    over HTTPS), because a holder is usually another organisation whose key this home never
    holds. Raises InputError ``HOLDER_KEY_REQUIRED``."""
    if not holder or not holder.startswith("did:"):
        raise InputError(
            "an SD-JWT VC is bound to its holder's key: give the holder's DID or JWK",
            code=Code.HOLDER_KEY_REQUIRED,
        )
    try:
        networked = holder.startswith("did:web:")
        document = did_resolver(home, allow_network=networked).resolve(holder)
        methods = document.get("authentication", [])
        first = methods[0] if isinstance(methods, list) and methods else None
        method_id = first.get("id") if isinstance(first, dict) else first
        if not isinstance(method_id, str):
            raise InputError(f"{holder} lists no authentication key")
        return signing_jwk(document, method_id, "authentication")
    except OreTrustError as exc:
        raise InputError(
            f"no key to bind the credential to for {holder}: {exc.detail}",
            code=Code.HOLDER_KEY_REQUIRED,
        ) from exc


def disclosable_paths(
    type_name: str, claims: dict[str, Any], withhold: Iterable[Sequence[str]] | None
) -> list[tuple[str, ...]]:
    """The profile's withholdable paths present in ``claims`` (narrowed by ``withhold``)."""
    profile = disclosure_profile(type_name)
    wanted = profile.withholdable if withhold is None else [tuple(p) for p in withhold]
    for path in wanted:
        if path not in profile.withholdable:
            raise InputError(
                f"{format_path(path)} is not a claim the {type_name} profile lets a holder "
                "withhold",
                code=Code.DISCLOSURE_PROFILE_VIOLATION,
            )
    return [path for path in wanted if has_claim(claims, path)]
