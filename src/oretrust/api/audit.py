"""The API audit log: every authenticated mutating call, with the token's identity and outcome.

The authentication dependency leaves the :class:`~oretrust.api.auth.Principal` in the
request state; a route may name what it acted on (``set_audit_target``). When the response
starts, :class:`AuditMiddleware` writes one ``api_audit`` row — token id, role, issuer,
method, path, target, HTTP status and problem code (``OK`` on success) — for every
``POST``/``PUT``/``PATCH``/``DELETE`` that carried a valid token, refused or not. The
services' own logs (the registry's signed events, the revocation log) name the same token as
``actor`` in the transaction that makes the change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import Request
from sqlmodel import col, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oretrust.api.auth import Principal
from oretrust.home import Home
from oretrust.store.auth_models import AuditRecord
from oretrust.store.db import as_utc

__all__ = [
    "AuditEntry",
    "AuditMiddleware",
    "list_audit",
    "record_call",
    "remember_principal",
    "set_audit_target",
]

_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PRINCIPAL = "oretrust_principal"
_TARGET = "oretrust_audit_target"


@dataclass(frozen=True)
class AuditEntry:
    """One audited call as callers see it."""

    at: datetime
    token_id: str
    role: str
    issuer: str | None
    method: str
    path: str
    target: str | None
    status: int
    code: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {**self.__dict__, "at": self.at.isoformat()}


def remember_principal(request: Request, principal: Principal) -> None:
    """Record who is calling, for the audit row written when the response starts."""
    request.scope.setdefault("state", {})[_PRINCIPAL] = principal


def set_audit_target(request: Request, target: str) -> None:
    """Name what the call acts on (a credential or accreditation id) in its audit row."""
    request.scope.setdefault("state", {})[_TARGET] = target[:512]


def record_call(
    home: Home,
    principal: Principal,
    *,
    method: str,
    path: str,
    target: str | None,
    status: int,
    code: str,
    now: datetime,
) -> None:
    """Write one audit row (its own transaction)."""
    with home.session() as session:
        session.add(
            AuditRecord(
                at=now,
                token_id=principal.token_id,
                role=principal.role,
                issuer_did=principal.issuer_did,
                method=method[:8],
                path=path[:512],
                target=target,
                status=status,
                code=code[:64],
            )
        )
        session.commit()


def list_audit(home: Home, *, limit: int = 1000) -> list[AuditEntry]:
    """The most recent audit rows, oldest first."""
    with home.session() as session:
        rows = list(
            session.exec(select(AuditRecord).order_by(col(AuditRecord.id).desc()).limit(limit))
        )
    return [
        AuditEntry(
            as_utc(r.at), r.token_id, r.role, r.issuer_did, r.method, r.path, r.target, r.status,
            r.code,
        )
        for r in reversed(rows)
    ]  # fmt: skip


class AuditMiddleware:
    """Write the audit row of an authenticated mutating call as its response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the call through, auditing it on the way out."""
        if scope["type"] != "http" or scope.get("method") not in _MUTATING:
            await self.app(scope, receive, send)
            return
        recorded = False

        async def audit(status: int, body: bytes) -> None:
            nonlocal recorded
            state = scope.get("state") or {}
            principal = state.get(_PRINCIPAL)
            if recorded or not isinstance(principal, Principal):
                return
            recorded = True
            app_state = scope["app"].state
            await anyio.to_thread.run_sync(
                lambda: record_call(
                    app_state.home,
                    principal,
                    method=str(scope.get("method")),
                    path=str(scope.get("path")),
                    target=state.get(_TARGET),
                    status=status,
                    code="OK" if status < 400 else _problem_code(body),
                    now=app_state.clock(),
                )
            )

        pending: list[Message] = []

        async def send_audited(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                await audit(message["status"], b"")
            elif message["type"] == "http.response.start":
                pending.append(message)  # wait for the body to read the problem's code
                return
            elif pending:
                await audit(pending[0]["status"], message.get("body", b""))
                await send(pending.pop())
            await send(message)

        try:
            await self.app(scope, receive, send_audited)
        except Exception:
            await audit(500, b"")
            raise


def _problem_code(body: bytes) -> str:
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return "UNKNOWN"
    return code if isinstance(code, str) else "UNKNOWN"
