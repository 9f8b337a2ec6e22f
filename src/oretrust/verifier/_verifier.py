"""The verifier role: check credentials and presentations, report every check.

Formats: ``vc+jwt`` credentials, ``vp+jwt`` presentations (whose enveloped credentials may be
``vc+jwt`` or ``dc+sd-jwt``), and SD-JWT VC (``dc+sd-jwt``) credentials and SD-JWT+KB
presentations (the SD-JWT path lives in :mod:`._sd_jwt` and :mod:`._sd_jwt_presentation`).

Trust enters only through injected interfaces: a DID resolver, and extra credential checks
(revocation status, issuer accreditation) supplied by the caller. The clock is a parameter.

**Fail closed.** Every path declares the checks its kind of input requires
(:mod:`oretrust.verifier._pipeline`) before it starts, runs each step guarded, and records a
failure where it happens; the report is verified only when every required check passed.
Presentations need this verifier's own nonce and audience (``CHALLENGE_REQUIRED`` otherwise)
unless the caller waives the replay check explicitly, which the report then warns about.

``check_*`` methods always return a :class:`~oretrust.report.VerificationReport`;
``verify_*`` methods return a verified object or raise
:class:`~oretrust.errors.InvalidCredentialError` carrying that report — never a bare bool.
Data read from a token before its signature is checked is named ``unverified_*``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.did import DidResolver
from oretrust.errors import InputError, InvalidCredentialError
from oretrust.formats.dates import numeric_date
from oretrust.formats.jws import UnverifiedJws, parse_compact, signature_verifier, verify_signature
from oretrust.formats.vc_jwt import VC_JWT_MEDIA_TYPE, issuer_id
from oretrust.formats.vcdm import (
    as_list,
    split_jwt_payload,
    validate_credential,
)
from oretrust.report import CredentialCheck, VerificationReport
from oretrust.verifier._checks import (
    FixedOutcomes,
    check_schema,
    check_validity_period,
    judge_validity,
    run_extra_checks,
)
from oretrust.verifier._custody_binding import check_holder_binding
from oretrust.verifier._keys import check_key_not_compromised, resolve_signing_method
from oretrust.verifier._pipeline import (
    CHALLENGE_CHECKS,
    Challenge,
    InputKind,
    begin,
    step,
)
from oretrust.verifier._presentation import (
    Freshness,
    check_challenge,
    check_freshness,
    holder_in,
    presentation_envelopes,
    short,
)
from oretrust.verifier._replay import Outcome, OutcomeMemo
from oretrust.verifier._sd_jwt import (
    SD_JWT_MEDIA_TYPES,
    SdJwtContext,
    check_sd_jwt_credential,
    looks_like_sd_jwt,
    parse_into,
)
from oretrust.verifier._sd_jwt_presentation import check_enveloped_sd_jwt, check_sd_jwt_presentation
from oretrust.verifier._structures import Structure, StructureMemo

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
    #: What vc+jwt bytes passed before (:mod:`._structures`); None judges every token afresh.
    structures: StructureMemo | None = None
    #: What this verifier decided about remembered bytes (:mod:`._replay`): the kept
    #: verifier's own; None decides every key and fixed check afresh.
    outcomes: OutcomeMemo | None = None

    # ------------------------------------------------------------------ credentials
    def check_credential(self, token: str, *, now: datetime) -> VerificationReport:
        """Run every check on a vc+jwt or an SD-JWT VC as issued (all its disclosures, or
        some) and return the report; never raises for a bad token. An SD-JWT that carries a
        KB-JWT is a presentation and fails here (``KEY_BINDING_NOT_CHECKED``): its key binding
        can only be judged against a verifier's challenge (:meth:`check_presentation`)."""
        report = VerificationReport(kind="credential", token=token)
        _guarded(report, lambda: self._credential_into(token, report, now))
        return report

    def verify_credential(self, token: str, *, now: datetime) -> VerifiedCredential:
        """Return the verified credential, or raise InvalidCredentialError with the report."""
        report = self.check_credential(token, now=now)
        if not report.verified or report.claims is None or report.issuer is None:
            raise _rejection(report)
        return VerifiedCredential(token, report.claims, report.issuer, report)

    def _credential_into(self, token: str, report: VerificationReport, now: datetime) -> None:
        if not looks_like_sd_jwt(token):
            self._vc_jwt_into(token, report, now)
            return
        unverified = parse_into(token, report)
        if unverified is None:
            begin(report, InputKind.SD_JWT_VC)
            return
        if unverified.kb_jwt is not None:
            report.require(CheckId.KEY_BINDING)
            report.failed(
                CheckId.KEY_BINDING,
                Code.KEY_BINDING_NOT_CHECKED,
                "this SD-JWT carries a key binding JWT: verify it as a presentation, with "
                "this verifier's nonce and audience",
            )
        check_sd_jwt_credential(self._sd_jwt_context(), unverified, report, now)

    def _vc_jwt_into(self, token: str, report: VerificationReport, now: datetime) -> None:
        begin(report, InputKind.VC_JWT, *self._required_extras())
        recalled = self.structures.recall_token(token) if self.structures is not None else None
        if recalled is not None:
            self._recalled_into(*recalled, report, now)
            return
        unverified = _parse(token, report, "vc")
        if unverified is None:
            return
        found = step(report, CheckId.FORMAT, lambda: _issuer_of(unverified))
        if found is None:
            return
        unverified_payload, unverified_issuer = found
        _name_credential(report, unverified_payload, unverified_issuer)
        verified = self._verify_jws(
            unverified, unverified_payload, unverified_issuer, "assertionMethod", report
        )
        if verified is None:
            return
        payload, _ = verified
        _claims_into(report, payload)
        if step(report, CheckId.DATA_MODEL, lambda: _credential_data_model(payload)):
            report.passed(CheckId.DATA_MODEL, "VC Data Model 2.0 rules hold")
        self._validity_into(payload, report, now)
        warnings_before = len(report.warnings)
        step(report, CheckId.SCHEMA, lambda: check_schema(payload, report))
        if self.structures is not None:
            self.structures.remember_passed(unverified, payload, report, warnings_before)
        run_extra_checks(self.extra_checks, payload, report, now)

    def _recalled_into(
        self,
        unverified: UnverifiedJws,
        structure: Structure,
        report: VerificationReport,
        now: datetime,
    ) -> None:
        """:meth:`_vc_jwt_into` for bytes whose structure passed before (see
        :mod:`._structures`): the signature and every changeable check run as always; what
        the kept verifier decided about these bytes before replays (:mod:`._replay`)."""
        report.checks.extend(structure.parsed)
        payload = structure.payload()
        _name_credential(report, payload, structure.issuer)
        outcomes = self.outcomes
        outcome = outcomes.recall(structure) if outcomes is not None else None
        if outcome is not None:
            report.checks.extend(outcome.resolved)
            signature = outcome.signature
            if step(report, CheckId.SIGNATURE, lambda: signature.verify(unverified)) is None:
                return
            report.checks.extend(outcome.signed)
            self._recalled_rest_into(structure, payload, report, now, outcome)
            return
        held = outcomes.holding(structure.issuer) if outcomes is not None else None
        key_from = len(report.checks)
        verified = self._verify_jws(
            unverified, payload, structure.issuer, "assertionMethod", report
        )
        if verified is None:
            return
        key_checks = tuple(report.checks[key_from:])
        fixed = self._recalled_rest_into(structure, payload, report, now, None)
        if outcomes is None or held is None:
            return
        signature = signature_verifier(structure.header, verified[1])
        outcome = Outcome.of(held, key_checks, signature, report, fixed)
        if outcome is not None:
            outcomes.remember(structure, outcome)

    def _recalled_rest_into(
        self,
        structure: Structure,
        payload: dict[str, Any],
        report: VerificationReport,
        now: datetime,
        replayed: Outcome | None,
    ) -> FixedOutcomes:
        """After the key and signature: claims, the remembered data model, validity at
        ``now``, the remembered schema, the extra checks (those fixed replayed from
        ``replayed``: see :func:`run_extra_checks`); what the fixed extra checks recorded."""
        _claims_into(report, payload)
        report.checks.append(structure.data_model)
        step(
            report,
            CheckId.VALIDITY_PERIOD,
            lambda: judge_validity(structure.validity, report, now, self.leeway),
        )
        structure.replay_schema(report)
        if replayed is None:
            return run_extra_checks(self.extra_checks, payload, report, now)
        report.memo.update(replayed.memo)
        return run_extra_checks(self.extra_checks, payload, report, now, replayed.fixed)

    def _validity_into(
        self, payload: dict[str, Any], report: VerificationReport, now: datetime
    ) -> None:
        step(
            report,
            CheckId.VALIDITY_PERIOD,
            lambda: check_validity_period(payload, report, now, self.leeway),
        )

    # ------------------------------------------------------------------ presentations
    def check_presentation(
        self,
        token: str,
        *,
        nonce: str | None,
        audience: str | None,
        now: datetime,
        replay_check: bool = True,
    ) -> VerificationReport:
        """Check a vp+jwt: holder signature, this verifier's challenge, freshness, then every
        credential inside (an SD-JWT+KB goes to :meth:`check_sd_jwt_presentation`).

        ``nonce``/``audience`` are what this verifier asked for; both are required (InputError
        ``CHALLENGE_REQUIRED``) unless ``replay_check=False``, which skips them and records a
        warning that the presentation could be a replay.
        """
        challenge = _challenge(nonce, audience, replay_check)
        if looks_like_sd_jwt(token):
            return self._sd_jwt_presentation(token, challenge, now)
        report = begin(VerificationReport(kind="presentation"), InputKind.VP_JWT)
        _guarded(report, lambda: self._vp_jwt_into(token, report, challenge, now))
        return report

    def verify_presentation(
        self,
        token: str,
        *,
        nonce: str | None,
        audience: str | None,
        now: datetime,
        replay_check: bool = True,
    ) -> VerifiedPresentation:
        """Return the verified presentation, or raise InvalidCredentialError with the report."""
        report = self.check_presentation(
            token, nonce=nonce, audience=audience, now=now, replay_check=replay_check
        )
        if not report.verified or report.holder is None:
            raise _rejection(report)
        credentials = [
            VerifiedCredential(nested.token or "", nested.claims or {}, nested.issuer or "", nested)
            for nested in report.credentials
        ]
        return VerifiedPresentation(token, report.holder, credentials, report)

    def check_sd_jwt_presentation(
        self,
        token: str,
        *,
        nonce: str | None,
        audience: str | None,
        now: datetime,
        replay_check: bool = True,
    ) -> VerificationReport:
        """Check an SD-JWT+KB presentation: the credential (a nested report) with the claims
        the holder disclosed, its key binding to this verifier's ``nonce``/``audience``, and
        holder binding as for a vp+jwt. The challenge rules are those of
        :meth:`check_presentation`; see :mod:`._sd_jwt_presentation`.
        """
        return self._sd_jwt_presentation(token, _challenge(nonce, audience, replay_check), now)

    def _sd_jwt_presentation(
        self, token: str, challenge: Challenge | None, now: datetime
    ) -> VerificationReport:
        try:
            return check_sd_jwt_presentation(
                self._sd_jwt_context(),
                token,
                challenge=challenge,
                now=now,
                holder_binding=partial(self._check_holder_binding, now=now, key_bound=True),
            )
        except Exception as exc:  # fail closed: a crash is a verdict, never a 500
            report = begin(VerificationReport(kind="presentation"), InputKind.SD_JWT_KB)
            step(report, CheckId.VERIFIER, partial(_reraise, exc))
            return report

    def _vp_jwt_into(
        self, token: str, report: VerificationReport, challenge: Challenge | None, now: datetime
    ) -> None:
        if challenge is not None:
            report.require(*CHALLENGE_CHECKS)
        unverified = _parse(token, report, "vp")
        if unverified is None:
            return
        found = step(report, CheckId.FORMAT, lambda: holder_in(unverified))
        if found is None:
            return
        unverified_payload, unverified_holder = found
        report.holder = unverified_holder
        verified = self._verify_jws(
            unverified, unverified_payload, unverified_holder, "authentication", report
        )
        if verified is None:
            return
        payload, holder_key = verified
        envelopes = step(report, CheckId.DATA_MODEL, lambda: presentation_envelopes(payload))
        if envelopes is None:
            return
        report.passed(CheckId.DATA_MODEL, f"presentation carries {len(envelopes)} credential(s)")
        step(report, CheckId.NONCE, lambda: check_challenge(payload, report, challenge))
        step(
            report,
            CheckId.FRESHNESS,
            lambda: check_freshness(payload, report, now, self._freshness()),
        )
        for media_type, inner in envelopes:
            report.credentials.append(self._enveloped(media_type, inner, holder_key, now))
        step(
            report,
            CheckId.HOLDER_BINDING,
            lambda: self._check_holder_binding(unverified_holder, report, now=now),
        )

    def _enveloped(
        self, media_type: str, inner: str, holder_key: dict[str, Any], now: datetime
    ) -> VerificationReport:
        nested = VerificationReport(kind="credential", token=inner)
        if media_type == VC_JWT_MEDIA_TYPE and not looks_like_sd_jwt(inner):
            _guarded(nested, lambda: self._vc_jwt_into(inner, nested, now))
        elif media_type in SD_JWT_MEDIA_TYPES:
            context = self._sd_jwt_context()
            _guarded(
                nested,
                lambda: check_enveloped_sd_jwt(
                    context, inner, nested, holder_key=holder_key, now=now
                ),
            )
        else:
            begin(nested, InputKind.VC_JWT)
            nested.failed(
                CheckId.FORMAT, Code.UNSUPPORTED_FORMAT, f"{media_type[:80]} is not supported"
            )
        return nested

    def _check_holder_binding(
        self, holder: str, report: VerificationReport, *, now: datetime, key_bound: bool = False
    ) -> None:
        check_holder_binding(holder, report, self.forwardable_types, now, key_bound=key_bound)

    def _freshness(self) -> Freshness:
        return Freshness(self.leeway, self.max_presentation_age, self.max_presentation_lifetime)

    def _sd_jwt_context(self) -> SdJwtContext:
        return SdJwtContext(
            self.did_resolver, self.extra_checks, self.leeway, self.max_presentation_age
        )

    def _required_extras(self) -> tuple[str, ...]:
        return tuple(extra.id for extra in self.extra_checks if extra.required)

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
        method = step(
            report,
            CheckId.KID,
            lambda: resolve_signing_method(
                self.did_resolver,
                unverified.unverified_header.get("kid"),
                controller,
                relationship,
                report,
            ),
        )
        if method is None:
            return None
        jwk: dict[str, Any] = method["publicKeyJwk"]
        if step(report, CheckId.SIGNATURE, lambda: verify_signature(unverified, jwk)) is None:
            return None
        report.passed(
            CheckId.SIGNATURE, f"{unverified.unverified_header.get('alg')} signature verifies"
        )
        payload = unverified_payload  # parsed from the bytes just verified
        step(
            report, CheckId.KEY_VALIDITY, lambda: check_key_not_compromised(method, payload, report)
        )
        return payload, jwk


# ---------------------------------------------------------------------- helpers
def _guarded(report: VerificationReport, run: Callable[[], None]) -> None:
    """Run a whole verification path; an exception that escaped every step is a failed
    ``verifier`` check (fail closed: a crash is a verdict, never a 500)."""
    step(report, CheckId.VERIFIER, run)


def _reraise(exc: Exception) -> None:
    """Hand ``exc`` to :func:`step` so it is recorded with its code like any other failure."""
    raise exc


def _challenge(nonce: str | None, audience: str | None, replay_check: bool) -> Challenge | None:
    """This verifier's challenge; None when the caller waived the replay check explicitly."""
    if not replay_check:
        return None
    if not nonce or not audience:
        raise InputError(
            "verifying a presentation needs this verifier's own nonce and audience "
            "(or an explicit waiver of the replay check)",
            code=Code.CHALLENGE_REQUIRED,
        )
    return Challenge(nonce, audience)


def _parse(token: str, report: VerificationReport, kind: str) -> UnverifiedJws | None:
    unverified = step(report, CheckId.FORMAT, lambda: parse_compact(token))
    if unverified is None:
        return None
    report.passed(CheckId.FORMAT, "compact JWS")
    header = unverified.unverified_header
    typ, cty = header.get("typ"), header.get("cty")
    expected = f"{kind}+jwt"
    if typ not in (expected, f"application/{expected}"):
        report.failed(
            CheckId.MEDIA_TYPE, Code.TYP_INVALID, f"typ is {short(typ)}, expected {expected!r}"
        )
        return None
    if cty is not None and cty not in (kind, f"application/{kind}"):
        report.failed(
            CheckId.MEDIA_TYPE, Code.TYP_INVALID, f"cty is {short(cty)}, expected {kind!r}"
        )
        return None
    report.passed(CheckId.MEDIA_TYPE, f"typ {typ}")
    return unverified


def _issuer_of(unverified: UnverifiedJws) -> tuple[dict[str, Any], str]:
    """The unverified payload and the issuer it names (to look up the key with)."""
    unverified_payload = unverified.unverified_payload()
    return unverified_payload, issuer_id(unverified_payload)


def _credential_data_model(payload: dict[str, Any]) -> bool:
    """The VC Data Model 2.0 rules on a signature-verified vc+jwt payload; raises on a break."""
    credential, _jwt_claims = split_jwt_payload(payload)
    validate_credential(credential)
    if "iss" in payload and payload["iss"] != issuer_id(payload):
        raise InvalidCredentialError(
            "JWT 'iss' differs from the credential issuer", code=Code.ISSUER_MISMATCH
        )
    if "iat" in payload and numeric_date(payload["iat"]) is None:
        raise InvalidCredentialError("'iat' is not a NumericDate", code=Code.CLAIM_INVALID)
    return True


def _rejection(report: VerificationReport) -> InvalidCredentialError:
    first = report.errors[0] if report.errors else None
    detail = f"{first.id}: {first.detail}" if first else "nothing was verified"
    return InvalidCredentialError(
        detail, code=report.code, credential_id=report.credential_id, report=report
    )


def _name_credential(report: VerificationReport, payload: dict[str, Any], issuer: str) -> None:
    """What the (still unverified) payload says the credential is, for the report."""
    unverified_id = payload.get("id")
    report.credential_id = unverified_id if isinstance(unverified_id, str) else None
    report.issuer = issuer


def _claims_into(report: VerificationReport, payload: dict[str, Any]) -> None:
    """The signature-verified payload's types and claims, for the report."""
    report.types = _types(payload)
    report.claims = payload


def _types(payload: dict[str, Any]) -> list[str]:
    return [t for t in as_list(payload.get("type", [])) if isinstance(t, str)]
