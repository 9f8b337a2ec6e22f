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

from oretrust.did import create_did_jwk
from oretrust.errors import OreTrustError
from oretrust.report import VerificationReport
from oretrust.verifier._keys import controls_key, same_key
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
    nonce: str | None,
    audience: str | None,
    now: datetime,
    holder_binding: HolderBinding,
) -> VerificationReport:
    """The presentation report of an SD-JWT+KB (see :meth:`Verifier.check_sd_jwt_presentation
    <oretrust.verifier.Verifier.check_sd_jwt_presentation>`); never raises for a bad token."""
    report = VerificationReport(kind="presentation")
    unverified = parse_into(token, report)
    if unverified is None:
        return report
    nested = VerificationReport(kind="credential", token=token)
    report.credentials.append(nested)
    state = check_sd_jwt_credential(context, unverified, nested, now)
    if state is None or not state.valid_now:
        return report  # the nested report says why; key binding is moot
    stated_nonce, stated_audience = unverified_kb_expectations(unverified)
    if nonce is None:
        report.warnings.append("no nonce was required: this presentation could be a replay")
    if audience is None:
        report.warnings.append("no audience was required")
    binding = check_key_binding(
        context,
        state,
        report,
        nonce=nonce if nonce is not None else stated_nonce or "",
        audience=audience if audience is not None else stated_audience or "",
        now=now,
    )
    if binding is not None:
        report.holder = holder_of_key(context, binding.holder_jwk, nested)
        holder_binding(report.holder, report)
    return report


def check_enveloped_sd_jwt(
    context: SdJwtContext,
    token: str,
    nested: VerificationReport,
    *,
    holder_key: dict[str, Any],
    nonce: str | None,
    audience: str | None,
    now: datetime,
) -> None:
    """Check an SD-JWT VC found in a vp+jwt signed with ``holder_key`` into ``nested``."""
    unverified = parse_into(token, nested)
    if unverified is None:
        return
    state = check_sd_jwt_credential(context, unverified, nested, now)
    if state is None:
        return
    cnf = state.holder_jwk
    if cnf is not None and not same_key(cnf, holder_key):
        nested.failed(
            "key_binding",
            "HOLDER_BINDING_FAILED",
            "the credential is bound (cnf) to another key than the one that signed the "
            "presentation",
        )
    elif cnf is not None:
        nested.passed("key_binding", "cnf is the key that signed the presentation")
    if unverified.kb_jwt is not None and state.valid_now:
        if nonce is None or audience is None:
            nested.warnings.append("a key binding JWT was ignored: no challenge to check")
        else:
            check_key_binding(context, state, nested, nonce=nonce, audience=audience, now=now)


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
