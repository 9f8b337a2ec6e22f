"""The mass ledger: what each origin certificate held, and what was drawn on it, across buyers.

A seller can sell one certificate's material to several buyers, each of whom sees only their
own chain. The registry keeps this ledger, fed by custody events registered with it
(:func:`register_event`: verified chains only) and by customs exports
(:func:`record_export`), so a draw beyond what a certificate held is refused
(``MASS_BALANCE_EXCEEDED``, the excess in kg) whoever's chain it is in. It holds digests and
masses only; a buyer is shown an origin's remaining balance (:func:`balance_of`), never who
consumed it. It is an append-only hash chain (:func:`verify_ledger`), like the revocation log.

A verifier asks for the ledger's verdict through an injected :class:`LedgerSource`
(:func:`verify_chain_with_ledger`): :class:`HomeLedger` locally, :class:`HttpLedger` over
``GET /custody/balance/{origin}``.

Errors::

    ConflictError
    └── MassBalanceExceededError   an origin would be overdrawn (``.overdraw.excess_kg``)
    InvalidCredentialError
    └── ChainRejectedError         the submitted chain does not verify (its own code)
    ExportNotAuthorisedError       the recorder is not the origin country's customs
"""

from __future__ import annotations

from oretrust.custody.ledger._draws import (
    Balance,
    Draw,
    Holding,
    MassBalanceExceededError,
    Overdraw,
    draws_of,
    overdraw,
)
from oretrust.custody.ledger._exports import (
    CUSTOMS_TYPE,
    ExportDeclaration,
    ExportNotAuthorisedError,
    RecordedExport,
    list_exports,
    parse_mass,
    record_export,
)
from oretrust.custody.ledger._log import (
    LedgerVerification,
    ledger_head,
    list_ledger,
    verify_ledger,
)
from oretrust.custody.ledger._service import (
    MAX_DOCUMENTS,
    ChainRejectedError,
    Registration,
    balance_of,
    register_event,
)
from oretrust.custody.ledger._sources import (
    HomeLedger,
    HttpLedger,
    LedgerSource,
    verify_chain_with_ledger,
)

__all__ = [
    "CUSTOMS_TYPE",
    "MAX_DOCUMENTS",
    "Balance",
    "ChainRejectedError",
    "Draw",
    "ExportDeclaration",
    "ExportNotAuthorisedError",
    "Holding",
    "HomeLedger",
    "HttpLedger",
    "LedgerSource",
    "LedgerVerification",
    "MassBalanceExceededError",
    "Overdraw",
    "RecordedExport",
    "Registration",
    "balance_of",
    "draws_of",
    "ledger_head",
    "list_exports",
    "list_ledger",
    "overdraw",
    "parse_mass",
    "record_export",
    "register_event",
    "verify_chain_with_ledger",
    "verify_ledger",
]
