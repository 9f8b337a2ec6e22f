"""The verifier's SD-JWT VC path (``dc+sd-jwt``): every check of the vc+jwt path, on what the
holder chose to disclose.

:class:`~oretrust.verifier.Verifier` calls in here for a compact SD-JWT (a ``~`` in the token)
and for ``data:application/dc+sd-jwt,…`` entries of a vp+jwt. Checks recorded, in order:

``media_type``, ``issuer_resolved`` (the ``iss`` DID), ``kid`` (the header's DID URL, in
``assertionMethod``), ``signature``, ``disclosures`` (RFC 9901 §7.1: every code of
:mod:`oretrust.formats.sd_jwt_processing`), ``key_validity``, ``validity_period``,
``data_model`` (``vct`` names an oretrust type), ``disclosure_profile``
(``DISCLOSURE_PROFILE_VIOLATION``: a claim outside the type's withholdable set was hidden
behind a digest), ``schema`` (the disclosed claims; withheld ones are not errors), then the
verifier's extra checks (status from the Token Status List, issuer accreditation) over a
VC-Data-Model-shaped *view* of the disclosed claims. ``key_binding`` (the KB-JWT: ``kb+jwt``,
``cnf`` key, ``aud``, ``nonce``, freshness, ``sd_hash``) is recorded on the presentation.

The report's ``claims`` is that view (``type``, ``issuer``, ``credentialSubject`` from
``sub`` and the disclosed subject claims, and the JWT claims as signed), so every consumer of
reports reads both formats alike; its ``disclosure`` section says what was disclosed, which
withholdable claims were not, and how many digests stayed hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.credentials import get_credential_type
from oretrust.credentials.disclosure import (
    DISCLOSURE_PROFILES,
    format_path,
    has_claim,
    hidden_digests,
    parse_disclosed_subject,
    profile_violations,
    subject_from_sd_jwt_vc_claims,
    type_for_vct,
)
from oretrust.did import DidResolver
from oretrust.errors import (
    InvalidCredentialError,
    MalformedTokenError,
    SchemaValidationError,
)
from oretrust.formats.jws import verify_signature
from oretrust.formats.sd_jwt import (
    SD_JWT_VC_NEVER_DISCLOSABLE,
    SD_JWT_VC_TYP,
    SD_JWT_VC_TYP_LEGACY,
    DisclosedClaim,
    UnverifiedSdJwt,
    VerifiedKeyBinding,
    check_sd_jwt_vc_claims,
    parse_sd_jwt,
    verify_key_binding,
)
from oretrust.formats.sd_jwt_core import DEFAULT_LIMITS, SD_ALG, SD_ALG_KEY
from oretrust.formats.sd_jwt_processing import ProcessedClaims, process_payload
from oretrust.report import CredentialCheck, VerificationReport
from oretrust.verifier._checks import check_validity_period, run_extra_checks
from oretrust.verifier._keys import check_key_not_compromised, resolve_signing_method
from oretrust.verifier._pipeline import InputKind, begin, step

__all__ = [
    "PROFILE_VIOLATION",
    "SD_JWT_MEDIA_TYPES",
    "SdJwtContext",
    "SdJwtState",
    "check_key_binding",
    "check_sd_jwt_credential",
    "looks_like_sd_jwt",
    "parse_into",
    "unverified_kb_expectations",
]

PROFILE_VIOLATION = Code.DISCLOSURE_PROFILE_VIOLATION
#: Media types of SD-JWT VC inside an ``EnvelopedVerifiableCredential`` data: URL.
SD_JWT_MEDIA_TYPES = frozenset(
    {f"application/{SD_JWT_VC_TYP}", f"application/{SD_JWT_VC_TYP_LEGACY}"}
)


@dataclass(frozen=True)
class SdJwtContext:
    """What the verifier lends this path: its trust sources and leeways."""

    did_resolver: DidResolver
    extra_checks: Sequence[CredentialCheck]
    leeway: timedelta
    kb_max_age: timedelta

    @property
    def required_extras(self) -> tuple[str, ...]:
        """The ids of the extra checks every credential must pass."""
        return tuple(extra.id for extra in self.extra_checks if extra.required)


@dataclass(frozen=True)
class SdJwtState:
    """An SD-JWT whose issuer signature and disclosures verified: what key binding needs."""

    unverified: UnverifiedSdJwt
    claims: dict[str, Any]

    @property
    def holder_jwk(self) -> dict[str, Any] | None:
        """``cnf.jwk``, the key the holder must prove possession of."""
        cnf = self.claims.get("cnf")
        jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
        return jwk if isinstance(jwk, dict) else None


def looks_like_sd_jwt(token: str) -> bool:
    """A compact SD-JWT has a ``~`` after its JWT; a compact JWS never has one."""
    return "~" in token


def parse_into(token: str, report: VerificationReport) -> UnverifiedSdJwt | None:
    """Parse a compact SD-JWT (+KB), recording ``format``; None when it does not parse."""
    unverified = step(report, CheckId.FORMAT, lambda: parse_sd_jwt(token))
    if unverified is None:
        return None
    kb = " and a key binding JWT" if unverified.kb_jwt is not None else ""
    report.passed(CheckId.FORMAT, f"SD-JWT with {len(unverified.disclosures)} disclosure(s){kb}")
    return unverified


def check_sd_jwt_credential(
    context: SdJwtContext, unverified: UnverifiedSdJwt, report: VerificationReport, now: datetime
) -> SdJwtState | None:
    """Run the credential checks (module docstring) on an issuer-signed SD-JWT and its
    disclosures, ignoring any KB-JWT; return the state key binding needs once the signature
    and the disclosures verified, else None. Every required check is declared first."""
    begin(report, InputKind.SD_JWT_VC, *context.required_extras)
    typ = unverified.unverified_header.get("typ")
    normalised = typ.lower().removeprefix("application/") if isinstance(typ, str) else None
    if normalised not in (SD_JWT_VC_TYP, SD_JWT_VC_TYP_LEGACY):
        report.failed(
            CheckId.MEDIA_TYPE, Code.TYP_INVALID, f"typ is {typ!r}, expected {SD_JWT_VC_TYP!r}"
        )
        return None
    report.passed(CheckId.MEDIA_TYPE, f"typ {typ}")
    jti = unverified.unverified_payload.get("jti")
    report.credential_id = jti if isinstance(jti, str) else None
    unverified_issuer = unverified.unverified_issuer
    if unverified_issuer is None:
        report.failed(
            CheckId.ISSUER_RESOLVED, Code.ISSUER_MISSING, "the SD-JWT VC has no string 'iss'"
        )
        return None
    report.issuer = unverified_issuer
    method = step(
        report,
        CheckId.KID,
        lambda: resolve_signing_method(
            context.did_resolver,
            unverified.unverified_kid,
            unverified_issuer,
            "assertionMethod",
            report,
        ),
    )
    if method is None:
        return None
    if (
        step(
            report,
            CheckId.SIGNATURE,
            lambda: verify_signature(unverified.jws, method["publicKeyJwk"]),
        )
        is None
    ):
        return None
    report.passed(CheckId.SIGNATURE, "the issuer's signature verifies")
    processed = step(report, CheckId.DISCLOSURES, lambda: _process(unverified))
    if processed is None:
        return None
    report.passed(
        CheckId.DISCLOSURES,
        "every disclosure matches a digest; no duplicates, no reserved names",
    )
    claims = processed.claims
    step(report, CheckId.KEY_VALIDITY, lambda: check_key_not_compromised(method, claims, report))
    dates: dict[str, Any] = {n: claims[n] for n in ("iat", "nbf", "exp") if n in claims}
    step(
        report,
        CheckId.VALIDITY_PERIOD,
        lambda: check_validity_period(dates, report, now, context.leeway),
    )
    described = step(
        report,
        CheckId.DISCLOSURES,
        lambda: _describe(
            report,
            claims,
            processed.disclosed,
            processed.undisclosed_count,
        ),
    )
    if described and step(report, CheckId.DATA_MODEL, lambda: _sd_jwt_vc_claims_hold(claims)):
        step(
            report,
            CheckId.DISCLOSURE_PROFILE,
            lambda: _check_type(report, unverified, claims, processed.disclosed),
        )
    run_extra_checks(context.extra_checks, report.claims or {}, report, now)
    return SdJwtState(unverified, claims)


def _sd_jwt_vc_claims_hold(claims: dict[str, Any]) -> bool:
    """True once :func:`check_sd_jwt_vc_claims` raised nothing (vct, iss, dates, status)."""
    check_sd_jwt_vc_claims(claims)
    return True


def _process(unverified: UnverifiedSdJwt) -> ProcessedClaims:
    """The disclosures against the signed digests (RFC 9901 §7.1), once the signature held."""
    payload = unverified.unverified_payload  # parsed from the bytes just verified
    if payload.get(SD_ALG_KEY, SD_ALG) != SD_ALG:
        raise InvalidCredentialError(
            f"unsupported _sd_alg {str(payload.get(SD_ALG_KEY))[:40]!r}",
            code=Code.SD_ALG_UNSUPPORTED,
        )
    return process_payload(
        payload,
        unverified.disclosures,
        max_depth=DEFAULT_LIMITS.max_depth,
        never_disclosable=SD_JWT_VC_NEVER_DISCLOSABLE,
    )


def _check_type(
    report: VerificationReport,
    unverified: UnverifiedSdJwt,
    claims: dict[str, Any],
    disclosed: tuple[DisclosedClaim, ...],
) -> None:
    """``data_model`` (vct names a type), then the type's disclosure profile and schema."""
    type_name = type_for_vct(str(claims.get("vct")))
    if type_name is None:
        report.passed(CheckId.DATA_MODEL, f"vct {claims.get('vct')} (an SD-JWT VC)")
        report.passed(CheckId.DISCLOSURE_PROFILE, "not an oretrust type: no profile applies")
        report.passed(CheckId.SCHEMA, "not an oretrust type: no schema applies")
        report.warnings.append(
            "credential type is not an oretrust type: disclosure profile and schema not checked"
        )
        return
    report.passed(CheckId.DATA_MODEL, f"vct names the oretrust type {type_name}")
    view = report.claims or {}
    _check_profile_and_schema(type_name, unverified.unverified_payload, disclosed, view, report)


def check_key_binding(
    context: SdJwtContext,
    state: SdJwtState,
    report: VerificationReport,
    *,
    nonce: str,
    audience: str,
    now: datetime,
) -> VerifiedKeyBinding | None:
    """Check the KB-JWT of a presentation against this verifier's challenge; record
    ``key_binding`` (``KB_JWT_*`` codes) on ``report`` and return it, or None.

    The issuer's signature and the disclosures were verified by :func:`check_sd_jwt_credential`
    (``state``); only the KB-JWT is checked here, against the claims verified then.
    """
    binding = step(
        report,
        CheckId.KEY_BINDING,
        lambda: verify_key_binding(
            state.unverified,
            state.claims,
            audience=audience,
            nonce=nonce,
            now=now,
            leeway=context.leeway,
            max_age=context.kb_max_age,
        ),
    )
    if binding is None:
        return None
    report.passed(
        CheckId.KEY_BINDING,
        f"KB-JWT signed with the credential's cnf key for {audience}; nonce matches; "
        "sd_hash covers exactly the disclosures presented",
    )
    return binding


def unverified_kb_expectations(unverified: UnverifiedSdJwt) -> tuple[str | None, str | None]:
    """``(nonce, aud)`` as the KB-JWT states them (unverified), for a caller that set none."""
    if unverified.kb_jwt is None:
        return None, None
    try:
        body = unverified.kb_jwt.unverified_payload()
    except MalformedTokenError:
        return None, None
    nonce, aud = body.get("nonce"), body.get("aud")
    return (nonce if isinstance(nonce, str) else None, aud if isinstance(aud, str) else None)


# ---------------------------------------------------------------------- internals
def _describe(
    report: VerificationReport,
    claims: dict[str, Any],
    disclosed: tuple[DisclosedClaim, ...],
    undisclosed: int,
) -> bool:
    """Fill the report's identity, view and ``disclosure`` section from verified claims."""
    vct = str(claims.get("vct"))
    type_name = type_for_vct(vct)
    types = list(get_credential_type(type_name).types) if type_name else ["VerifiableCredential"]
    view: dict[str, Any] = {"type": types, "issuer": claims.get("iss")}
    if isinstance(claims.get("jti"), str):
        view["id"] = claims["jti"]
    start = claims.get("nbf", claims.get("iat"))
    if isinstance(start, int | float):
        view["validFrom"] = _xsd(start)
    if isinstance(claims.get("exp"), int | float):
        view["validUntil"] = _xsd(claims["exp"])
    view["credentialSubject"] = subject_from_sd_jwt_vc_claims(claims)
    view.update(
        (name, claims[name])
        for name in ("iss", "vct", "iat", "nbf", "exp", "jti", "cnf", "status")
        if name in claims
    )
    report.types = types
    report.claims = view
    profile = DISCLOSURE_PROFILES.get(type_name) if type_name else None
    # The payload was processed once; what a holder cannot withhold is what no top-level
    # disclosure supplied (``sub`` is the subject's ``id``).
    supplied = {item.path[0] for item in disclosed if len(item.path) == 1}
    supplied_view = {"id" if name == "sub" else name for name in supplied}
    report.disclosure = {
        "format": SD_JWT_VC_TYP,
        "always_visible": sorted(set(subject_from_sd_jwt_vc_claims(claims)) - supplied_view),
        "disclosed": [format_path(item.path) for item in disclosed],
        "not_disclosed": [
            format_path(path)
            for path in (profile.withholdable if profile else ())
            if not has_claim(claims, path)
        ],
        "undisclosed_digests": undisclosed,
    }
    return True


def _check_profile_and_schema(
    type_name: str,
    payload: dict[str, Any],
    disclosed: tuple[DisclosedClaim, ...],
    view: dict[str, Any],
    report: VerificationReport,
) -> None:
    profile = DISCLOSURE_PROFILES[type_name]
    hidden = hidden_digests(
        payload, [(item.path, item.disclosure.digest, item.disclosure.value) for item in disclosed]
    )
    problems = profile_violations(profile, hidden, [item.path for item in disclosed])
    schema_error: SchemaValidationError | None = None
    try:
        parse_disclosed_subject(type_name, view.get("credentialSubject", {}))
    except SchemaValidationError as exc:
        missing = _missing_claim(exc)
        if missing is not None and hidden.undisclosed.get(missing[:-1], 0):
            problems.append(
                f"'{format_path(missing)}' must be plainly visible, yet it is missing where "
                "the credential hides claims behind digests"
            )
        else:
            schema_error = exc
    if problems:
        report.failed(CheckId.DISCLOSURE_PROFILE, PROFILE_VIOLATION, "; ".join(problems))
    else:
        shown = len(disclosed)
        report.passed(
            CheckId.DISCLOSURE_PROFILE,
            f"only claims the {type_name} profile lets the holder withhold are selectively "
            f"disclosable; {shown} disclosed",
        )
    if schema_error is not None:
        report.failed(CheckId.SCHEMA, schema_error.code, schema_error.detail)
    elif not problems:
        report.passed(CheckId.SCHEMA, f"the disclosed claims match the {type_name} schema")


def _missing_claim(error: SchemaValidationError) -> tuple[str, ...] | None:
    """The claim path of an ``… is required`` schema error (``id`` → ``sub``), else None."""
    if not error.detail.endswith(": is required"):
        return None
    parts = [p.split("[", 1)[0] for p in error.field.split(".")[1:]]
    if not parts or any(not p for p in parts):
        return None
    if parts == ["id"]:
        return ("sub",)
    return tuple(parts)


def _xsd(seconds: float) -> str:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(seconds)
