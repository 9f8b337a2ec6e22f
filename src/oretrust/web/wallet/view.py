"""The wallet's credentials as the page shows them: what each is, who issued it, its dates
and status now, and what it discloses.

Nothing here decides: a credential's status is the home's own verifier's report on it
(:meth:`~oretrust.verifier.Verifier.check_credential`, the check the wallet makes before it
presents), its readable contents and dates the verify page's describe step
(:func:`oretrust.web.describe.describe_report`), the issuer's name
:func:`oretrust.web.issuers.issuer_lookup`'s, and what it discloses the holder package's
:func:`oretrust.holder.describe` (always-visible claims, and for an SD-JWT VC the
withholdable ones by claim path — each a checkbox on the page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oretrust.holder import WalletCredential, describe
from oretrust.home import Home
from oretrust.verifier import verifier_for
from oretrust.web.describe import CredentialDocument, describe_report, value_text
from oretrust.web.i18n import Translator
from oretrust.web.issuers import issuer_lookup

__all__ = ["Disclosable", "WalletRow", "wallet_rows"]

#: Token claims no reader needs on the page (the readable contents show the rest).
_TECHNICAL = frozenset(
    {"@context", "iss", "iat", "nbf", "exp", "cnf", "vct", "_sd_alg", "status", "type",
     "credentialSchema", "credentialStatus", "jti", "sub", "id"}
)  # fmt: skip


@dataclass(frozen=True)
class Disclosable:
    """One withholdable claim of an SD-JWT VC: its path (the checkbox's value), label, value."""

    path: str
    label: str
    value: str


@dataclass(frozen=True)
class WalletRow:
    """One credential held, as the wallet page lists it."""

    credential_id: str
    format: str
    received_at: str
    issuer_name: str
    document: CredentialDocument
    visible: tuple[str, ...]
    disclosable: tuple[Disclosable, ...]


def wallet_rows(
    home: Home, entries: list[WalletCredential], t: Translator, *, now: datetime,
    allow_network: bool,
) -> list[WalletRow]:  # fmt: skip
    """The rows of ``entries`` (the holder's wallet), oldest first."""
    verifier = verifier_for(home, allow_network=allow_network)
    lookup = issuer_lookup(home, t, now=now)
    rows = []
    for entry in entries:
        report = verifier.check_credential(entry.token, now=now)
        document = describe_report(report, t, lookup)
        details = describe(entry)
        issuer = document.issuer
        rows.append(
            WalletRow(
                credential_id=entry.credential_id,
                format=entry.format,
                received_at=f"{entry.received_at:%Y-%m-%d %H:%M} UTC",
                issuer_name=(issuer.name if issuer and issuer.name else entry.issuer),
                document=document,
                visible=_visible(details.visible, t) if details.withholdable else (),
                disclosable=tuple(
                    Disclosable(path, _path_label(path, t), _short(value_text(value, t)))
                    for path, value in details.withholdable.items()
                ),
            )
        )
    return rows


def _visible(claims: dict[str, Any], t: Translator) -> tuple[str, ...]:
    """The labels of an SD-JWT VC's always-visible claims (its subject's, when nested)."""
    subject = claims.get("credentialSubject")
    source = subject if isinstance(subject, dict) else claims
    return tuple(t.first(f"field.{key}", key) for key in source if key not in _TECHNICAL)


def _path_label(path: str, t: Translator) -> str:
    return " \u203a ".join(t.first(f"field.{part}", part) for part in path.split("."))


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "\u2026"
