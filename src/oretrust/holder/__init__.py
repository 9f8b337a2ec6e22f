"""The holder role: a wallet (in the home's database) and presentations built from it.

The wallet keeps credentials of both
formats: ``vc+jwt`` and SD-JWT VC (``dc+sd-jwt``, as issued: the JWT and every disclosure).
A credential is verified before the wallet accepts it, so a holder never carries a forgery
unknowingly; an SD-JWT VC must moreover be bound (``cnf``) to one of the holder's own keys,
and a vc+jwt name the holder's DID as its subject. :func:`fetch_credential` takes a
credential from the URL its issuer published it at, bounded in size and time. :func:`show`
says what each credential would disclose.

Presentations are bound to the verifier's nonce and audience and signed with the holder's own
key, and disclose the minimum: only the withholdable claims the verifier asked for
(:class:`PresentationRequest`). One SD-JWT VC alone is presented as SD-JWT+KB
(:func:`present_sd_jwt`); anything else as a ``vp+jwt`` (:func:`present`) whose SD-JWT entries
are ``data:application/dc+sd-jwt,…`` envelopes bound by the vp signature. The wallet refuses
to present a credential it can see is expired, revoked or suspended.
"""

from __future__ import annotations

from oretrust.holder._custody import IssuedCustodyEvent, issue_custody_event, issue_period_account
from oretrust.holder._fetch import fetch_credential, is_url
from oretrust.holder._policy_request import request_for_policy
from oretrust.holder._present import (
    ClaimPath,
    Presentation,
    PresentationRequest,
    build_presentation,
    present,
    present_sd_jwt,
)
from oretrust.holder._wallet import (
    WalletCredential,
    WalletCredentialDetails,
    describe,
    find_entry,
    list_wallet,
    receive_credential,
    show,
    wallet_of,
)

__all__ = [
    "ClaimPath",
    "IssuedCustodyEvent",
    "Presentation",
    "PresentationRequest",
    "WalletCredential",
    "WalletCredentialDetails",
    "build_presentation",
    "describe",
    "fetch_credential",
    "find_entry",
    "is_url",
    "issue_custody_event",
    "issue_period_account",
    "list_wallet",
    "present",
    "present_sd_jwt",
    "receive_credential",
    "request_for_policy",
    "show",
    "wallet_of",
]
