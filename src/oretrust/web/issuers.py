"""Who an issuer is, from where this service stands: :class:`~oretrust.web.describe.IssuerInfo`.

The name comes from this home's own records when it hosts the issuer (an institution
registered here: a name the operator vouches for), else from the credential's ``issuer.name``
(the issuer's own words, signed — shown as such). Accreditations come from the same trust
source a verifier policy judges against (:func:`oretrust.verifier.home.policy_trust_source`:
the home's own registry, else the registries it subscribes to), each with its status at
``now``; a home with neither says so rather than showing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from oretrust.errors import NotFoundError, OreTrustError
from oretrust.home import Home
from oretrust.identities import find_issuer, list_holders, list_issuers
from oretrust.registry.sources import RegistryTrustSource, TrustSource
from oretrust.verifier.home import policy_trust_source
from oretrust.web.describe import AccreditationLine, IssuerInfo, IssuerLookup
from oretrust.web.i18n import Translator

__all__ = ["issuer_lookup", "party_names"]


def issuer_lookup(home: Home, t: Translator, *, now: datetime) -> IssuerLookup:
    """A look-up of :class:`IssuerInfo` by DID for :func:`~oretrust.web.describe.describe_report`;
    the trust source is read once, on the first look-up."""
    source: list[TrustSource | None] = []

    def trust() -> TrustSource | None:
        if not source:
            try:
                source.append(policy_trust_source(home))
            except OreTrustError:  # no registry, no (valid) subscription
                source.append(None)
        return source[0]

    def look_up(did: str, claims: dict[str, Any] | None) -> IssuerInfo:
        name, name_source = _name(home, did, claims)
        judged = trust()
        if judged is None:
            return IssuerInfo(did, name, name_source)
        lines = tuple(
            AccreditationLine(
                action=_action(accreditation.action, t),
                resource=accreditation.resource,
                status=t(f"accreditation.status.{accreditation.status(now)}"),
                in_force=accreditation.authorizes_at(now),
            )
            for accreditation in judged.accreditations(did)
        )
        kind = "home" if isinstance(judged, RegistryTrustSource) else "subscription"
        return IssuerInfo(did, name, name_source, lines, kind)

    return look_up


def party_names(home: Home) -> Callable[[str], str | None]:
    """A DID → display name look-up of the parties this home registers (its issuers and
    holders), read once: the names its operator vouches for, e.g. on a custody chain."""
    known = {issuer.did: issuer.display_name for issuer in list_issuers(home)}
    known.update({holder.did: holder.display_name for holder in list_holders(home)})
    return lambda did: known.get(did) or None


def _name(home: Home, did: str, claims: dict[str, Any] | None) -> tuple[str | None, str | None]:
    try:
        return find_issuer(home, did).display_name, "home"
    except NotFoundError:
        pass
    issuer = (claims or {}).get("issuer")
    if isinstance(issuer, dict) and isinstance(issuer.get("name"), str) and issuer["name"]:
        return issuer["name"][:200], "credential"
    return None, None


def _action(action: str, t: Translator) -> str:
    """``issue:MineralOriginCertificate`` → the type's label (other actions as they are)."""
    verb, _, type_name = action.partition(":")
    if verb == "issue" and t.has(f"type.{type_name}"):
        return t(f"type.{type_name}")
    return action
