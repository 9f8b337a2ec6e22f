"""SD-JWT VC presentations: a standalone SD-JWT+KB, or an SD-JWT inside a vp+jwt.

Two ways a holder binds an SD-JWT VC to a verifier's challenge:

* **SD-JWT+KB** (``<sd-jwt>~<disclosures>~<kb-jwt>``): the KB-JWT, signed with the
  credential's ``cnf`` key, carries the verifier's ``aud`` and ``nonce`` and the ``sd_hash``
  of exactly the disclosures presented (``key_binding`` on the presentation report);
* **enveloped in a vp+jwt** (``data:application/dc+sd-jwt,<sd-jwt>~<disclosures>~``): the vp
  signature covers the nonce, the audience and the SD-JWT with its chosen disclosures, so the
  credential's ``cnf`` key must be the key that signed the presentation (``key_binding`` on the
  nested report, ``HOLDER_BINDING_FAILED`` otherwise). This is how several credentials, of
  either format, travel in one presentation (what a verifier policy checks).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.did import create_did_jwk
from oretrust.errors import OreTrustError
from oretrust.report import VerificationReport
from oretrust.verifier._keys import controls_key, same_key
from oretrust.verifier._pipeline import REPLAY_WARNING, Challenge, InputKind, begin, step
from oretrust.verifier._sd_jwt import (
    SdJwtContext,
    check_key_binding,
    check_sd_jwt_credential,
    parse_into,
    unverified_kb_expectations,
)

__all__ = ["check_enveloped_sd_jwt", "check_sd_jwt_presentation", "holder_of_key"]

#: ``(holder DID, presentation report)``: the verifier's subject-vs-presenter check.
HolderBinding = Callable[[str, VerificationReport], None]


def check_sd_jwt_presentation(
    context: SdJwtContext,
    token: str,
    *,
    challenge: Challenge | None,
    now: datetime,
    holder_binding: HolderBinding,
) -> VerificationReport:
    """The presentation report of an SD-JWT+KB (see :meth:`Verifier.check_sd_jwt_presentation
    <oretrust.verifier.Verifier.check_sd_jwt_presentation>`); never raises for a bad token.

    ``challenge`` None means the caller waived the replay check: the KB-JWT is still verified
    (signature, ``sd_hash``, freshness) against the nonce and audience it states itself, and
    the report carries a warning saying the presentation may be a replay.
    """
    report = begin(VerificationReport(kind="presentation"), InputKind.SD_JWT_KB)
    unverified = parse_into(token, report)
    if unverified is None:
        return report
    nested = VerificationReport(kind="credential", token=token)
    nested.passed(CheckId.FORMAT, "the SD-JWT of the presentation")
    report.credentials.append(nested)
    state = step(
        nested, CheckId.VERIFIER, lambda: check_sd_jwt_credential(context, unverified, nested, now)
    )
    if unverified.kb_jwt is None:
        report.failed(CheckId.KEY_BINDING, Code.KB_JWT_MISSING, "no key binding JWT")
        return report
    if state is None:
        return report  # the nested report says why; key binding cannot be judged
    if challenge is None:
        report.warnings.append(REPLAY_WARNING)
        stated_nonce, stated_audience = unverified_kb_expectations(unverified)
        challenge = Challenge(stated_nonce or "", stated_audience or "")
    binding = check_key_binding(
        context, state, report, nonce=challenge.nonce, audience=challenge.audience, now=now
    )
    if binding is not None:
        step(
            report,
            CheckId.HOLDER_BINDING,
            lambda: _bind_holder(context, binding.holder_jwk, nested, report, holder_binding),
        )
    return report


def _bind_holder(
    context: SdJwtContext,
    holder_jwk: dict[str, Any],
    nested: VerificationReport,
    report: VerificationReport,
    holder_binding: HolderBinding,
) -> None:
    """Name the presenter (the subject when it controls the key) and check holder binding."""
    report.holder = holder_of_key(context, holder_jwk, nested)
    holder_binding(report.holder, report)


def check_enveloped_sd_jwt(
    context: SdJwtContext,
    token: str,
    nested: VerificationReport,
    *,
    holder_key: dict[str, Any],
    now: datetime,
) -> None:
    """Check an SD-JWT VC found in a vp+jwt signed with ``holder_key`` into ``nested``.

    The vp signature over the verifier's nonce and audience is the key binding, so the
    credential's ``cnf`` must be that key; a KB-JWT inside an envelope is refused (it would
    bind to a challenge of its own, which nothing here can check).
    """
    nested.require(CheckId.KEY_BINDING)
    unverified = parse_into(token, nested)
    if unverified is None:
        return
    state = step(
        nested, CheckId.VERIFIER, lambda: check_sd_jwt_credential(context, unverified, nested, now)
    )
    if state is None:
        return
    cnf = state.holder_jwk
    if unverified.kb_jwt is not None:
        nested.failed(
            CheckId.KEY_BINDING,
            Code.KEY_BINDING_NOT_CHECKED,
            "an enveloped SD-JWT VC must not carry a key binding JWT: the vp signature binds it",
        )
    elif cnf is None:
        nested.passed(CheckId.KEY_BINDING, "no cnf: bound by its subject and the vp signature")
    elif not same_key(cnf, holder_key):
        nested.failed(
            CheckId.KEY_BINDING,
            Code.HOLDER_BINDING_FAILED,
            "the credential is bound (cnf) to another key than the one that signed the "
            "presentation",
        )
    else:
        nested.passed(CheckId.KEY_BINDING, "cnf is the key that signed the presentation")


def holder_of_key(context: SdJwtContext, jwk: dict[str, Any], nested: VerificationReport) -> str:
    """The subject's DID when it controls ``jwk`` (``authentication``), else ``jwk``'s did:jwk."""
    subject = (nested.claims or {}).get("credentialSubject")
    sub = subject.get("id") if isinstance(subject, dict) else None
    if isinstance(sub, str) and sub.startswith("did:"):
        try:
            if controls_key(context.did_resolver.resolve(sub), jwk):
                return sub
        except OreTrustError:
            pass
    return create_did_jwk(jwk)
