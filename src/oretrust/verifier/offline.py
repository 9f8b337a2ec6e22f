"""The offline composition root: one Verifier over a verified bundle and nothing else.

The same pipeline and the same checks as :func:`oretrust.verifier.home.verifier_for`, fed
from other seams: DIDs from the bundle (:class:`~oretrust.bundle.BundleDidResolver`: did:jwk
and did:key resolve by themselves, did:web only from the bundle), status lists from the
bundle (the ``status`` check of :mod:`oretrust.status.check`, recording ``source:
"bundle"``), and ``issuer_accredited`` through trust chains to the bundle's pinned roots —
the check a subscribing home runs (:mod:`oretrust.registry.chain_check`). Nothing here can
open a socket: there is no fetcher to open one with.
"""

from __future__ import annotations

from datetime import datetime

from oretrust.bundle import BundleDidResolver, BundleStatusLists, VerifiedBundle
from oretrust.policy import Policy
from oretrust.registry.chain_check import subscription_accreditation_check
from oretrust.registry.sources import TrustSource
from oretrust.registry.subscriptions import SubscribedTrust, subscribed_trust_source
from oretrust.report import VerificationReport
from oretrust.status.check import status_check
from oretrust.verifier._verifier import Verifier
from oretrust.verifier.files import verify_text

__all__ = ["bundle_trust_source", "verifier_for_bundle", "verify_token_offline"]


def verifier_for_bundle(bundle: VerifiedBundle) -> Verifier:
    """A Verifier whose every trust source is ``bundle`` (no network, no database)."""
    dids = BundleDidResolver(bundle)
    checks = [
        status_check(BundleStatusLists(bundle), dids),
        subscription_accreditation_check(bundle.trust_lists, bundle.roots),
    ]
    return Verifier(dids, extra_checks=checks)


def bundle_trust_source(bundle: VerifiedBundle) -> TrustSource:
    """What a policy judges against offline: the bundle's pinned root lists."""
    source = subscribed_trust_source(SubscribedTrust(bundle.trust_lists, bundle.roots))
    assert source is not None  # load_bundle refuses a bundle without a pinned root
    return source


def verify_token_offline(
    bundle: VerifiedBundle,
    text: str,
    *,
    nonce: str | None,
    audience: str | None,
    now: datetime,
    policy: Policy | None = None,
    replay_check: bool = True,
) -> VerificationReport:
    """:func:`~oretrust.verifier.verify_token` against ``bundle`` instead of a home; the
    report warns that it was verified offline and how old the bundle is.

    Raises InputError as ``verify_token`` does.
    """
    report = verify_text(
        verifier_for_bundle(bundle),
        text,
        nonce=nonce,
        audience=audience,
        now=now,
        policy=policy,
        trust_source=bundle_trust_source(bundle) if policy is not None else None,
        replay_check=replay_check,
    )
    report.warnings.append(
        f"verified offline against a bundle signed by {bundle.signer}, exported "
        f"{bundle.issued_at.isoformat().replace('+00:00', 'Z')} "
        f"({int(bundle.age(now).total_seconds())} s ago), valid until "
        f"{bundle.expires_at.isoformat().replace('+00:00', 'Z')}"
    )
    return report
