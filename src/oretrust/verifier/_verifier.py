"""The verifier role: check credentials and presentations, report every check.

Formats: ``vc+jwt`` credentials, ``vp+jwt`` presentations (whose enveloped credentials may be
``vc+jwt`` or ``dc+sd-jwt``), and SD-JWT VC (``dc+sd-jwt``) credentials and SD-JWT+KB
presentations (the SD-JWT path lives in :mod:`oretrust.sd_jwt_checks`).

Trust enters only through injected interfaces: a DID resolver, and extra credential checks
(revocation status, issuer accreditation) supplied by the caller. The clock is a parameter.

``check_*`` methods always return a :class:`~oretrust.report.VerificationReport`;
``verify_*`` methods return a verified object or raise
:class:`~oretrust.errors.InvalidCredentialError` carrying that report — never a bare bool.
Data read from a token before its signature is checked is named ``unverified_*``.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oretrust.did import DidResolver
from oretrust.errors import InvalidCredentialError, OreTrustError
from oretrust.formats.dates import numeric_date
from oretrust.formats.jws import UnverifiedJws, parse_compact, verify_signature
from oretrust.formats.vc_jwt import VC_JWT_MEDIA_TYPE, issuer_id, unwrap_envelope
from oretrust.formats.vcdm import (
    as_list,
    reject_jwt_wrapper_claims,
    split_jwt_payload,
    validate_credential,
    validate_presentation,
)
from oretrust.report import CredentialCheck, VerificationReport
from oretrust.verifier._checks import check_schema, check_validity_period
from oretrust.verifier._keys import check_key_not_compromised, resolve_signing_method
from oretrust.verifier._sd_jwt import (
    SD_JWT_MEDIA_TYPES,
    SdJwtContext,
    check_sd_jwt_credential,
    looks_like_sd_jwt,
    parse_into,
)
from oretrust.verifier._sd_jwt_presentation import check_enveloped_sd_jwt, check_sd_jwt_presentation

__all__ = [
    "VerifiedCredential",
    "VerifiedPresentation",
    "Verifier",
]

#: Credential types about documents or things that may be forwarded by a party other than
#: their subject (a licence is a public record; an origin certificate follows the lot).
DEFAULT_FORWARDABLE_TYPES = frozenset({"MiningLicenceCredential", "MineralOriginCertificate"})


@dataclass(frozen=True)
class VerifiedCredential:
    """A credential whose every check passed."""

    token: str
    credential: dict[str, Any]
    issuer: str
    report: VerificationReport


@dataclass(frozen=True)
class VerifiedPresentation:
    """A presentation whose every check passed, with its verified credentials."""

    token: str
    holder: str
    credentials: list[VerifiedCredential]
    report: VerificationReport


@dataclass
class Verifier:
    """Checks credentials and presentations against injected trust sources."""

    did_resolver: DidResolver
    leeway: timedelta = timedelta(seconds=60)
    max_presentation_age: timedelta = timedelta(minutes=10)
    max_presentation_lifetime: timedelta = timedelta(days=1)
    extra_checks: Sequence[CredentialCheck] = ()
    forwardable_types: frozenset[str] = DEFAULT_FORWARDABLE_TYPES

    # ------------------------------------------------------------------ credentials
    def check_credential(self, token: str, *, now: datetime) -> VerificationReport:
        """Run every check on a vc+jwt or an SD-JWT VC (as issued: all its disclosures, or
        some) and return the report (never raises for a bad token). A KB-JWT on an SD-JWT is
        not checked here (no challenge): use :meth:`check_sd_jwt_presentation`."""
        report = VerificationReport(kind="credential", token=token)
        if looks_like_sd_jwt(token):
            unverified = parse_into(token, report)
            if unverified is not None:
                if unverified.kb_jwt is not None:
                    report.warnings.append("a key binding JWT was ignored: no challenge to check")
                check_sd_jwt_credential(self._sd_jwt_context(), unverified, report, now)
            return report
        self._check_credential_into(token, report, now)
        return report

    def verify_credential(self, token: str, *, now: datetime) -> VerifiedCredential:
        """Return the verified credential, or raise InvalidCredentialError with the report."""
        report = self.check_credential(token, now=now)
        if not report.verified or report.claims is None or report.issuer is None:
            raise _rejection(report)
        return VerifiedCredential(token, report.claims, report.issuer, report)

    def _check_credential_into(self, token: str, report: VerificationReport, now: datetime) -> None:
        unverified = _parse(token, report, "vc")
        if unverified is None:
            return
        try:
            unverified_payload = unverified.unverified_payload()
            unverified_issuer = issuer_id(unverified_payload)
        except OreTrustError as exc:
            report.failed("format", exc.code, exc.detail)
            return
        unverified_id = unverified_payload.get("id")
        report.credential_id = unverified_id if isinstance(unverified_id, str) else None
        report.issuer = unverified_issuer
        verified = self._verify_jws(
            unverified, unverified_payload, unverified_issuer, "assertionMethod", report
        )
        if verified is None:
            return
        payload, _ = verified
        report.types = _types(payload)
        report.claims = payload
        try:
            credential, _jwt_claims = split_jwt_payload(payload)
            validate_credential(credential)
            if "iss" in payload and payload["iss"] != unverified_issuer:
                raise InvalidCredentialError(
                    "JWT 'iss' differs from the credential issuer", code="ISSUER_MISMATCH"
                )
            report.passed("data_model", "VC Data Model 2.0 rules hold")
        except OreTrustError as exc:
            report.failed("data_model", exc.code, exc.detail)
        if not isinstance(payload.get("iat", 0), int | float):
            report.warnings.append("'iat' is not a NumericDate and was ignored")
        check_validity_period(payload, report, now, self.leeway)
        check_schema(payload, report)
        for extra in self.extra_checks:
            extra(payload, report, now)

    # ------------------------------------------------------------------ presentations
    def check_presentation(
        self, token: str, *, nonce: str | None, audience: str | None, now: datetime
    ) -> VerificationReport:
        """Check a vp+jwt: holder signature, challenge binding, then every credential inside
        (an SD-JWT+KB is handed to :meth:`check_sd_jwt_presentation`).

        ``nonce``/``audience`` are what this verifier asked for; ``None`` means the caller
        did not bind the presentation (a warning is recorded, replay is then possible).
        """
        if looks_like_sd_jwt(token):
            return self.check_sd_jwt_presentation(token, nonce=nonce, audience=audience, now=now)
        report = VerificationReport(kind="presentation")
        unverified = _parse(token, report, "vp")
        if unverified is None:
            return report
        try:
            unverified_payload = unverified.unverified_payload()
            unverified_holder = _holder_of(unverified_payload)
        except OreTrustError as exc:
            report.failed("format", exc.code, exc.detail)
            return report
        report.holder = unverified_holder
        verified = self._verify_jws(
            unverified, unverified_payload, unverified_holder, "authentication", report
        )
        if verified is None:
            return report
        payload, holder_key = verified
        try:
            reject_jwt_wrapper_claims(payload)
            validate_presentation(payload)
            envelopes = [unwrap_envelope(e) for e in as_list(payload["verifiableCredential"])]
            report.passed("data_model", f"presentation carries {len(envelopes)} credential(s)")
        except OreTrustError as exc:
            report.failed("data_model", exc.code, exc.detail)
            return report
        except KeyError:
            report.failed("data_model", "DATA_MODEL_INVALID", "presentation has no credentials")
            return report
        _check_challenge(payload, report, nonce=nonce, audience=audience)
        self._check_freshness(payload, report, now)
        for media_type, inner in envelopes:
            nested = VerificationReport(kind="credential", token=inner)
            if media_type == VC_JWT_MEDIA_TYPE:
                self._check_credential_into(inner, nested, now)
            elif media_type in SD_JWT_MEDIA_TYPES:
                check_enveloped_sd_jwt(
                    self._sd_jwt_context(),
                    inner,
                    nested,
                    holder_key=holder_key,
                    nonce=nonce,
                    audience=audience,
                    now=now,
                )
            else:
                nested.failed(
                    "format", "UNSUPPORTED_FORMAT", f"{media_type} credentials are not supported"
                )
            report.credentials.append(nested)
        self._check_holder_binding(unverified_holder, report)
        return report

    def verify_presentation(
        self, token: str, *, nonce: str | None, audience: str | None, now: datetime
    ) -> VerifiedPresentation:
        """Return the verified presentation, or raise InvalidCredentialError with the report."""
        report = self.check_presentation(token, nonce=nonce, audience=audience, now=now)
        if not report.verified or report.holder is None:
            raise _rejection(report)
        credentials = [
            VerifiedCredential(nested.token or "", nested.claims or {}, nested.issuer or "", nested)
            for nested in report.credentials
        ]
        return VerifiedPresentation(token, report.holder, credentials, report)

    # ------------------------------------------------------------------ SD-JWT VC
    def check_sd_jwt_presentation(
        self, token: str, *, nonce: str | None, audience: str | None, now: datetime
    ) -> VerificationReport:
        """Check an SD-JWT+KB presentation: the credential (a nested report) with the claims
        the holder disclosed, its key binding to this verifier's ``nonce``/``audience``, and
        holder binding as for a vp+jwt. ``None`` for either takes the KB-JWT's own value,
        with a warning (replay is then possible). See :mod:`oretrust.sd_jwt_presentation`.
        """
        return check_sd_jwt_presentation(
            self._sd_jwt_context(),
            token,
            nonce=nonce,
            audience=audience,
            now=now,
            holder_binding=self._check_holder_binding,
        )

    def _sd_jwt_context(self) -> SdJwtContext:
        return SdJwtContext(
            self.did_resolver, self.extra_checks, self.leeway, self.max_presentation_age
        )

    # ------------------------------------------------------------------ shared steps
    def _verify_jws(
        self,
        unverified: UnverifiedJws,
        unverified_payload: dict[str, Any],
        controller: str,
        relationship: str,
        report: VerificationReport,
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Resolve ``controller``, take the ``kid`` key from ``relationship``, check the
        signature and whether the key was compromised by then; return the (now verified)
        payload and the key that signed it, or None once a check failed."""
        method = resolve_signing_method(
            self.did_resolver,
            unverified.unverified_header.get("kid"),
            controller,
            relationship,
            report,
        )
        if method is None:
            return None
        jwk: dict[str, Any] = method["publicKeyJwk"]
        try:
            verify_signature(unverified, jwk)
            report.passed(
                "signature", f"{unverified.unverified_header.get('alg')} signature verifies"
            )
        except OreTrustError as exc:
            report.failed("signature", exc.code, exc.detail)
            return None
        payload = unverified_payload  # parsed from the bytes just verified
        check_key_not_compromised(method, payload, report)
        return payload, jwk

    def _check_freshness(
        self, payload: dict[str, Any], report: VerificationReport, now: datetime
    ) -> None:
        """``exp`` when the holder set one (its window capped), else ``iat`` within the max age."""
        issued, expires = payload.get("iat"), payload.get("exp")
        issued_at = numeric_date(issued)
        expires_at = numeric_date(expires)
        if issued is None and expires is None:
            report.passed("freshness", "no iat/exp: freshness rests on the challenge nonce")
        elif issued_at is None or (expires is not None and expires_at is None):
            report.failed("freshness", "PRESENTATION_STALE", "'iat'/'exp' are not NumericDates")
        elif issued_at > now + self.leeway:
            report.failed(
                "freshness", "PRESENTATION_NOT_YET_VALID", "presentation 'iat' is in the future"
            )
        elif expires_at is not None:
            if now >= expires_at + self.leeway:
                report.failed("freshness", "PRESENTATION_EXPIRED", "presentation 'exp' has passed")
            elif expires_at - issued_at > self.max_presentation_lifetime:
                report.failed(
                    "freshness",
                    "PRESENTATION_STALE",
                    "presentation lifetime exceeds the allowed maximum",
                )
            else:
                report.passed("freshness", "presentation is within its validity window")
        elif now - issued_at > self.max_presentation_age + self.leeway:
            report.failed("freshness", "PRESENTATION_STALE", "presentation is older than allowed")
        else:
            report.passed("freshness", "presentation is fresh")

    def _check_holder_binding(self, holder: str, report: VerificationReport) -> None:
        problems: list[str] = []
        for nested in report.credentials:
            subjects = as_list((nested.claims or {}).get("credentialSubject", []))
            subject_dids = {
                str(s["id"])
                for s in subjects
                if isinstance(s, dict)
                and isinstance(s.get("id"), str)
                and s["id"].startswith("did:")
            }
            if not subject_dids or holder in subject_dids:
                continue
            if self.forwardable_types & set(nested.types):
                report.warnings.append(
                    f"{nested.credential_id} is about {', '.join(sorted(subject_dids))} "
                    f"and was forwarded by {holder}"
                )
                continue
            problems.append(
                f"{nested.credential_id} is about {', '.join(sorted(subject_dids))}, not {holder}"
            )
        if problems:
            report.failed("holder_binding", "HOLDER_BINDING_FAILED", "; ".join(problems))
        else:
            report.passed("holder_binding", f"signed by the holder {holder}")


# ---------------------------------------------------------------------- helpers
def _parse(token: str, report: VerificationReport, kind: str) -> UnverifiedJws | None:
    try:
        unverified = parse_compact(token)
    except OreTrustError as exc:
        report.failed("format", exc.code, exc.detail)
        return None
    report.passed("format", "compact JWS")
    header = unverified.unverified_header
    typ, cty = header.get("typ"), header.get("cty")
    expected = f"{kind}+jwt"
    if typ not in (expected, f"application/{expected}"):
        report.failed("media_type", "TYP_INVALID", f"typ is {typ!r}, expected {expected!r}")
        return None
    if cty is not None and cty not in (kind, f"application/{kind}"):
        report.failed("media_type", "TYP_INVALID", f"cty is {cty!r}, expected {kind!r}")
        return None
    report.passed("media_type", f"typ {typ}")
    return unverified


def _check_challenge(
    payload: dict[str, Any], report: VerificationReport, *, nonce: str | None, audience: str | None
) -> None:
    if nonce is None:
        report.warnings.append("no nonce was required: this presentation could be a replay")
    else:
        got = payload.get("nonce")
        if isinstance(got, str) and hmac.compare_digest(got.encode(), nonce.encode()):
            report.passed("nonce", "nonce matches the challenge")
        else:
            report.failed("nonce", "NONCE_MISMATCH", "presentation is not bound to this challenge")
    if audience is None:
        report.warnings.append("no audience was required")
    else:
        aud = payload.get("aud")
        if audience in (as_list(aud) if aud is not None else []):
            report.passed("audience", f"audience is {audience}")
        else:
            report.failed(
                "audience", "AUDIENCE_MISMATCH", f"presentation is for {aud!r}, not {audience!r}"
            )


def _holder_of(payload: dict[str, Any]) -> str:
    holder = payload.get("holder", payload.get("iss"))
    if isinstance(holder, dict):
        holder = holder.get("id")
    if not isinstance(holder, str) or not holder:
        raise InvalidCredentialError("presentation names no holder", code="HOLDER_MISSING")
    return holder


def _rejection(report: VerificationReport) -> InvalidCredentialError:
    first = report.errors[0] if report.errors else None
    detail = f"{first.id}: {first.detail}" if first else "nothing was verified"
    return InvalidCredentialError(
        detail, code=report.code, credential_id=report.credential_id, report=report
    )


def _types(payload: dict[str, Any]) -> list[str]:
    return [t for t in as_list(payload.get("type", [])) if isinstance(t, str)]
