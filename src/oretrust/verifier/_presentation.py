"""The vp+jwt presentation's own checks: the verifier's challenge, freshness, holder binding,
and the enveloped credentials it carries (pure: the clock and the rules are parameters)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.credentials import CREDENTIAL_TYPES
from oretrust.errors import InvalidCredentialError, OreTrustError
from oretrust.formats.dates import numeric_date
from oretrust.formats.jws import UnverifiedJws
from oretrust.formats.vc_jwt import unwrap_envelope
from oretrust.formats.vcdm import as_list, validate_presentation
from oretrust.report import VerificationReport
from oretrust.verifier._pipeline import REPLAY_WARNING, Challenge

__all__ = [
    "Freshness",
    "check_challenge",
    "check_freshness",
    "holder_in",
    "holder_of",
    "parties_of",
    "presentation_envelopes",
    "short",
]


@dataclass(frozen=True)
class Freshness:
    """How recent a presentation must be: ``exp`` window at most ``max_lifetime``, else
    ``iat`` within ``max_age``; each widened by ``leeway``."""

    leeway: timedelta
    max_age: timedelta
    max_lifetime: timedelta


def check_challenge(
    payload: dict[str, Any], report: VerificationReport, challenge: Challenge | None
) -> None:
    """``nonce`` and ``audience`` against this verifier's challenge (constant-time); None means
    the caller waived the replay check, which the report then warns about."""
    if challenge is None:
        report.warnings.append(REPLAY_WARNING)
        return
    got = payload.get("nonce")
    if isinstance(got, str) and hmac.compare_digest(got.encode(), challenge.nonce.encode()):
        report.passed(CheckId.NONCE, "nonce matches the challenge")
    else:
        report.failed(
            CheckId.NONCE, Code.NONCE_MISMATCH, "presentation is not bound to this challenge"
        )
    aud = payload.get("aud")
    audiences = [a for a in as_list(aud) if isinstance(a, str)] if aud is not None else []
    if any(hmac.compare_digest(a.encode(), challenge.audience.encode()) for a in audiences):
        report.passed(CheckId.AUDIENCE, f"audience is {challenge.audience}")
    else:
        report.failed(
            CheckId.AUDIENCE,
            Code.AUDIENCE_MISMATCH,
            f"presentation is for {short(aud)}, not {challenge.audience!r}",
        )


def check_freshness(
    payload: dict[str, Any], report: VerificationReport, now: datetime, rules: Freshness
) -> None:
    """``exp`` when the holder set one (its window capped), else ``iat`` within the max age."""
    issued, expires = payload.get("iat"), payload.get("exp")
    issued_at = numeric_date(issued)
    expires_at = numeric_date(expires)
    if issued is None and expires is None:
        # Without a challenge (a waived replay check) nothing bounds its age: the waiver's
        # warning says the presentation could be a replay.
        report.passed(CheckId.FRESHNESS, "no iat/exp: freshness rests on the challenge nonce")
    elif issued_at is None or (expires is not None and expires_at is None):
        report.failed(
            CheckId.FRESHNESS, Code.PRESENTATION_STALE, "'iat'/'exp' are not NumericDates"
        )
    elif issued_at > now + rules.leeway:
        report.failed(
            CheckId.FRESHNESS,
            Code.PRESENTATION_NOT_YET_VALID,
            "presentation 'iat' is in the future",
        )
    elif expires_at is not None:
        if now >= expires_at + rules.leeway:
            report.failed(
                CheckId.FRESHNESS, Code.PRESENTATION_EXPIRED, "presentation 'exp' has passed"
            )
        elif expires_at - issued_at > rules.max_lifetime:
            report.failed(
                CheckId.FRESHNESS,
                Code.PRESENTATION_STALE,
                "presentation lifetime exceeds the allowed maximum",
            )
        else:
            report.passed(CheckId.FRESHNESS, "presentation is within its validity window")
    elif now - issued_at > rules.max_age + rules.leeway:
        report.failed(
            CheckId.FRESHNESS, Code.PRESENTATION_STALE, "presentation is older than allowed"
        )
    else:
        report.passed(CheckId.FRESHNESS, "presentation is fresh")


def parties_of(nested: VerificationReport) -> set[str]:
    """The DIDs a credential is about: its subjects' DID ``id``s and, for an oretrust type, the
    party its type names as holder (an AEO's operator, a conformity credential's assessed
    company) — so a subject whose ``id`` is a URL or absent still binds to its party."""
    subjects = as_list((nested.claims or {}).get("credentialSubject", []))
    parties = {
        str(s["id"])
        for s in subjects
        if isinstance(s, dict) and isinstance(s.get("id"), str) and s["id"].startswith("did:")
    }
    for type_name in nested.types:
        credential_type = CREDENTIAL_TYPES.get(type_name)
        if credential_type is None:
            continue
        for subject in subjects:
            try:
                parties.add(credential_type.holder_of(subject))
            except OreTrustError:
                continue  # a subject its schema refuses: the schema check says so
    return parties


def presentation_envelopes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``(media type, token)`` of every enveloped credential of a verified vp+jwt."""
    validate_presentation(payload)  # VC 1.1 wrapper claims refused there too
    if "verifiableCredential" not in payload:
        raise InvalidCredentialError(
            "presentation has no credentials", code=Code.DATA_MODEL_INVALID
        )
    envelopes = [unwrap_envelope(entry) for entry in as_list(payload["verifiableCredential"])]
    if not envelopes:
        raise InvalidCredentialError("presentation has no credentials", code=Code.NO_CREDENTIALS)
    return envelopes


def holder_in(unverified: UnverifiedJws) -> tuple[dict[str, Any], str]:
    """The unverified payload and the holder it names (to look up the key with)."""
    unverified_payload = unverified.unverified_payload()
    return unverified_payload, holder_of(unverified_payload)


def holder_of(payload: dict[str, Any]) -> str:
    """The presentation's ``holder`` DID (or ``iss`` without one); raises ``HOLDER_MISSING``,
    and ``ISSUER_MISMATCH`` when both are present and name different parties."""
    holder = payload.get("holder", payload.get("iss"))
    if isinstance(holder, dict):
        holder = holder.get("id")
    if not isinstance(holder, str) or not holder:
        raise InvalidCredentialError("presentation names no holder", code=Code.HOLDER_MISSING)
    if "iss" in payload and payload["iss"] != holder:
        raise InvalidCredentialError(
            "the presentation's 'iss' is not its holder", code=Code.ISSUER_MISMATCH
        )
    return holder


def short(value: Any) -> str:
    """A header value for a detail line, never echoing more than a few characters."""
    return repr(value)[:60]
