"""Revocation policy in one place: which types may be suspended, list sizes, status URLs.

Every credential issued with status gets **one** index in its issuer's current list. That
index is published three ways, each at its own URL under ``<base_url>/status/``:

=========================  ==================================  ========================
URL (last segment)         document                            for
=========================  ==================================  ========================
``<list>-revocation``      BitstringStatusListCredential       vc+jwt ``revocation``
``<list>-suspension``      BitstringStatusListCredential       vc+jwt ``suspension``
``<list>-tsl``             ``statuslist+jwt`` (2 bits/entry)   SD-JWT VC ``status_list``
=========================  ==================================  ========================

Licences, AEO status and conformity attestations can be suspended (an audit finding or an
investigation pauses them); origin certificates and identity anchors can only be revoked
(a lot's origin or a company's identity is not "paused"). Unknown types: revocation only.
"""

from __future__ import annotations

from typing import Final, Literal

from oretrust.codes import Code
from oretrust.errors import InputError

__all__ = [
    "DOCUMENT_KINDS",
    "LIST_SIZE",
    "STATUS_NAMES",
    "STATUS_REVOKED",
    "STATUS_SUSPENDED",
    "STATUS_VALID",
    "TSL_BITS",
    "DocumentKind",
    "Purpose",
    "can_suspend",
    "document_id",
    "list_url",
    "local_document_id",
    "split_document_id",
    "status_purposes",
]

#: Entries per list: the Bitstring Status List minimum, for herd privacy.
LIST_SIZE: Final = 131_072
#: Bits per entry of the Token Status List (0 VALID, 1 INVALID, 2 SUSPENDED).
TSL_BITS: Final = 2

STATUS_VALID: Final = 0
STATUS_REVOKED: Final = 1
STATUS_SUSPENDED: Final = 2
STATUS_NAMES: Final = {
    STATUS_VALID: "VALID",
    STATUS_REVOKED: "REVOKED",
    STATUS_SUSPENDED: "SUSPENDED",
}

Purpose = Literal["revocation", "suspension"]
DocumentKind = Literal["revocation", "suspension", "tsl"]
DOCUMENT_KINDS: Final[tuple[DocumentKind, ...]] = ("revocation", "suspension", "tsl")

_SUSPENDABLE_TYPES: Final = frozenset(
    {
        "MiningLicenceCredential",
        "AuthorisedEconomicOperatorCredential",
        "ConformityAssessmentCredential",
    }
)


def can_suspend(type_name: str) -> bool:
    """Whether credentials of ``type_name`` may be suspended (and so carry a suspension entry)."""
    return type_name in _SUSPENDABLE_TYPES


def status_purposes(type_name: str) -> tuple[Purpose, ...]:
    """The Bitstring Status List purposes a credential of ``type_name`` carries entries for."""
    return ("revocation", "suspension") if can_suspend(type_name) else ("revocation",)


def document_id(list_id: str, kind: DocumentKind) -> str:
    """The published identifier (the URL's last segment) of one document of a list."""
    return f"{list_id}-{kind}"


def split_document_id(published_id: str) -> tuple[str, DocumentKind]:
    """``"<list>-revocation"`` → ``("<list>", "revocation")``; raise InputError otherwise."""
    list_id, _, kind = published_id.rpartition("-")
    for known in DOCUMENT_KINDS:
        if kind == known and list_id:
            return list_id, known
    raise InputError(
        f"{published_id[:80]!r} is not a status list identifier", code=Code.INVALID_STATUS_LIST_ID
    )


def list_url(base_url: str, published_id: str) -> str:
    """``<base_url>/status/<published_id>``: where the document is served."""
    return f"{base_url.rstrip('/')}/status/{published_id}"


def local_document_id(base_url: str, url: str) -> str | None:
    """The published id when ``url`` is a status-list URL under ``base_url``, else None."""
    prefix = f"{base_url.rstrip('/')}/status/"
    if not url.startswith(prefix):
        return None
    published_id = url[len(prefix) :]
    return published_id if published_id and "/" not in published_id else None
