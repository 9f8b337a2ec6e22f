"""Verify whatever a user hands the CLI: a vc+jwt, a vp+jwt, an SD-JWT VC, an SD-JWT+KB, or a
presentation file.

A presentation file (``presentations/<name>.json`` in the demo) is
``{"presentation": ..., "format": "vp+jwt" | "dc+sd-jwt", "nonce": ..., "audience": ...}``.
The file's ``nonce``/``audience`` are the holder's word, never the verifier's challenge: a
presentation is checked against the ``nonce``/``audience`` arguments (``CHALLENGE_REQUIRED``
without them) unless ``replay_check=False`` waives it, which the report warns about. The format is
detected from the token (``~`` separators and ``typ`` ``dc+sd-jwt``/``vc+sd-jwt``, or
``typ: vp+jwt``) or the file's ``format``: an SD-JWT ending in ``~`` is a credential as
issued, one with a key binding JWT (or named ``dc+sd-jwt`` in a presentation file) is a
presentation. Every path returns the same :class:`~oretrust.report.VerificationReport`; for
SD-JWT VC its ``claims`` are the disclosed claims and its ``disclosure`` section says what
stayed hidden. With a policy (:mod:`oretrust.policy`) the ``policy:*`` checks are added.
"""

from __future__ import annotations

from datetime import datetime

from oretrust.codes import Code
from oretrust.encoding import loads_json
from oretrust.errors import InputError, MalformedTokenError, OreTrustError
from oretrust.formats.jws import parse_compact
from oretrust.home import Home
from oretrust.policy import Policy, evaluate_policy
from oretrust.registry.sources import TrustSource
from oretrust.report import VerificationReport
from oretrust.verifier._sd_jwt import looks_like_sd_jwt
from oretrust.verifier._verifier import Verifier
from oretrust.verifier.home import policy_trust_source, verifier_for

__all__ = ["verify_text", "verify_token"]

_SD_JWT_FORMATS = ("dc+sd-jwt", "vc+sd-jwt")


def verify_token(
    home: Home,
    text: str,
    *,
    nonce: str | None,
    audience: str | None,
    now: datetime,
    policy: Policy | None = None,
    replay_check: bool = True,
    allow_network: bool = True,
) -> VerificationReport:
    """Check ``text`` with the home's trust sources (and ``policy``) and return the report.

    Raises InputError for a presentation file that is not one (``MALFORMED_INPUT``), for a
    presentation without ``nonce`` and ``audience`` (``CHALLENGE_REQUIRED``) unless
    ``replay_check`` is False, and,
    with a policy, ``POLICY_NEEDS_PRESENTATION`` for a bare credential or NotFoundError
    ``REGISTRY_NOT_INITIALISED`` when the home has no trust registry to judge issuers by.
    With ``allow_network=False`` nothing is fetched from other homes (the service's setting).
    """
    # Without a registry a policy cannot be judged: NotFoundError before any verification work.
    trust_source = policy_trust_source(home) if policy is not None else None
    return verify_text(
        verifier_for(home, allow_network=allow_network),
        text,
        nonce=nonce,
        audience=audience,
        now=now,
        policy=policy,
        trust_source=trust_source,
        replay_check=replay_check,
    )


def verify_text(
    verifier: Verifier,
    text: str,
    *,
    nonce: str | None,
    audience: str | None,
    now: datetime,
    policy: Policy | None = None,
    trust_source: TrustSource | None = None,
    replay_check: bool = True,
) -> VerificationReport:
    """Check ``text`` with ``verifier`` — whatever its trust sources, a home's or an offline
    bundle's — and apply ``policy`` over ``trust_source`` (required with a policy).

    Raises InputError as :func:`verify_token` does.
    """
    text, declared = _unwrap(text)
    if looks_like_sd_jwt(text) or declared in _SD_JWT_FORMATS:
        if declared in _SD_JWT_FORMATS or not text.endswith("~"):
            report = verifier.check_sd_jwt_presentation(
                text, nonce=nonce, audience=audience, now=now, replay_check=replay_check
            )
        else:
            report = verifier.check_credential(text, now=now)
    elif declared == "vp+jwt" or _typ(text) in ("vp+jwt", "application/vp+jwt"):
        report = verifier.check_presentation(
            text, nonce=nonce, audience=audience, now=now, replay_check=replay_check
        )
    else:
        report = verifier.check_credential(text, now=now)
    if policy is not None:
        if trust_source is None:
            raise InputError("a policy needs a trust source to judge issuers by")
        evaluate_policy(policy, report, trust_source=trust_source, now=now)
    return report


def _unwrap(text: str) -> tuple[str, str | None]:
    """A token as given, or the presentation inside a presentation file with its format."""
    text = text.strip()
    if not text.startswith("{"):
        return text, None
    try:
        wrapper = loads_json(text, "presentation file")
    except MalformedTokenError as exc:
        raise InputError(
            f"not a token and not valid JSON: {exc.detail}", code=Code.MALFORMED_INPUT
        ) from exc
    if not isinstance(wrapper, dict) or not isinstance(wrapper.get("presentation"), str):
        raise InputError(
            "a presentation file needs a string 'presentation'", code=Code.MALFORMED_INPUT
        )
    declared = wrapper.get("format") if isinstance(wrapper.get("format"), str) else None
    return wrapper["presentation"].strip(), declared


def _typ(text: str) -> object:
    try:
        return parse_compact(text).unverified_header.get("typ")
    except OreTrustError:
        return None
