"""The verifier's side: ask a registry's ledger whether a chain's origins are overdrawn.

A refinery sees only its own chain; the registry's ledger sees every registered draw on the
same certificate. :func:`verify_chain_with_ledger` runs the pure
:func:`~oretrust.custody.verify_chain` and then, for each origin of the chain, asks an injected
:class:`LedgerSource` for the certificate's balance — with the digests of this chain's own
draws, so the ledger can say which of them it has counted already (and nothing about any
other). What was consumed elsewhere plus this chain's uncounted draws must fit in what the
certificate held, else ``MASS_BALANCE_EXCEEDED`` with the excess. A ledger that cannot be
asked fails the chain (``LEDGER_UNAVAILABLE``): the caller asked for its verdict.

Two sources: :class:`HomeLedger` over a home's own ledger, :class:`HttpLedger` over
``GET /custody/balance/{origin}`` (an ``httpx.Client`` may be injected: tests, proxies).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from oretrust.codes import Code
from oretrust.custody.chain import ChainReport, verify_chain
from oretrust.custody.ledger._draws import Balance, Holding, draws_of, overdraw, total
from oretrust.custody.ledger._service import balance_of
from oretrust.custody.links import LotAmount
from oretrust.custody.rules import mineral_rules
from oretrust.errors import NotFoundError, OreTrustError, ResolutionError
from oretrust.home import Home
from oretrust.verifier import Verifier

__all__ = ["HomeLedger", "HttpLedger", "LedgerSource", "verify_chain_with_ledger"]


class LedgerSource(Protocol):
    """Where a verifier reads an origin certificate's balance."""

    def balance(self, holding: Holding, *, events: Sequence[str]) -> Balance | None:
        """The ledger's balance of ``holding``'s certificate (None: never drawn on), with
        ``registered`` the subset of ``events`` (event digests) it counts; raises
        OreTrustError when the ledger cannot be read."""
        ...


class HomeLedger:
    """The ledger of a home (the registry's own, or a test's)."""

    def __init__(self, home: Home) -> None:
        self._home = home

    def balance(self, holding: Holding, *, events: Sequence[str]) -> Balance | None:
        """Read from the home's database."""
        try:
            return balance_of(self._home, holding.origin_id, events=events)
        except NotFoundError:
            return None


class HttpLedger:
    """A registry's ledger over HTTP (``GET {base}/custody/balance/{origin}?events=…``)."""

    def __init__(
        self, base_url: str, *, client: httpx.Client | None = None, timeout: float = 10.0
    ) -> None:
        self._base = base_url.rstrip("/")
        self._owned = client is None
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        """Close the HTTP client this source made (an injected one is the caller's)."""
        if self._owned:
            self._client.close()

    def __enter__(self) -> HttpLedger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def balance(self, holding: Holding, *, events: Sequence[str]) -> Balance | None:
        """Ask the registry; ResolutionError ``LEDGER_UNAVAILABLE`` when it cannot answer."""
        url = f"{self._base}/custody/balance/{quote(holding.origin_id, safe='')}"
        try:
            answer = self._client.get(url, params={"events": ",".join(events)})
        except httpx.HTTPError as exc:
            raise _unavailable(f"{url}: {type(exc).__name__}") from exc
        if answer.status_code == 404 and _code(answer) == Code.ORIGIN_NOT_IN_LEDGER:
            return None
        if answer.status_code != 200:
            raise _unavailable(f"{url} answered {answer.status_code}")
        try:
            return balance_from_dict(answer.json(), holding)
        except (ValueError, KeyError, TypeError) as exc:
            raise _unavailable(f"{url} answered no balance: {exc}") from exc


def _code(answer: httpx.Response) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _unavailable(detail: str) -> ResolutionError:
    return ResolutionError(
        f"the mass ledger cannot be read: {detail}", code=Code.LEDGER_UNAVAILABLE
    )


def balance_from_dict(body: Any, holding: Holding) -> Balance:
    """A balance as ``GET /custody/balance`` answers it, judged against the verifier's own
    ``holding`` (what the certificate held is read from the certificate, not the answer)."""
    if body["sha256"] != holding.origin_sha256:
        raise ValueError("it is about a certificate with another SHA-256")
    used = body["consumed"]

    def kg(name: str) -> float | None:
        value = used[name]
        return None if value is None else float(value)

    consumed = LotAmount(
        holding.lot.lot_id, float(used["wet_kg"]), kg("dry_kg"), kg("contained_kg")
    )
    registered = frozenset(str(d) for d in body.get("registered_events", []))
    return Balance(holding, consumed, registered)


def verify_chain_with_ledger(
    final: str,
    documents: Sequence[str],
    *,
    verifier: Verifier,
    ledger: LedgerSource,
    now: datetime,
    holder: str | None = None,
) -> ChainReport:
    """:func:`verify_chain`, then the ledger's verdict on each origin (see the module doc)."""
    report = verify_chain(final, documents, verifier=verifier, now=now, holder=holder)
    rules = mineral_rules()
    holdings, draws = draws_of(report, rules)
    for holding in holdings:
        mine = [d for d in draws if d.origin_sha256 == holding.origin_sha256]
        try:
            balance = ledger.balance(holding, events=[d.source_sha256 for d in mine])
        except OreTrustError as exc:
            report.problems.append((Code.LEDGER_UNAVAILABLE, holding.origin_id, exc.detail))
            continue
        if balance is None:  # never registered: nothing drawn on it elsewhere
            balance = Balance(holding, total(holding.lot.lot_id, []))
        if balance.holding.origin_sha256 != holding.origin_sha256:
            report.problems.append(
                (
                    Code.LEDGER_ORIGIN_CONFLICT,
                    holding.origin_id,
                    f"the ledger knows {holding.origin_id} with another SHA-256",
                )
            )
            continue
        uncounted = [d.amount for d in mine if d.source_sha256 not in balance.registered]
        found = overdraw(balance, uncounted, rules[holding.mineral])
        if found is not None:
            report.problems.append(
                (
                    Code.MASS_BALANCE_EXCEEDED,
                    holding.origin_id,
                    f"{found.describe()}, counting what the registry's ledger records drawn "
                    "on it in other chains",
                )
            )
    return report
