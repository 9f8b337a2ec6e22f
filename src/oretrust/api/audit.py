"""The API audit log: every authenticated mutating call, with the token's identity and outcome.

The authentication dependency leaves the :class:`~oretrust.api.auth.Principal` in the
request state; a route may name what it acted on (``set_audit_target``). Every
``POST``/``PUT``/``PATCH``/``DELETE`` that carried a valid token gets one ``api_audit`` row —
token id, role, issuer, method, path, target, HTTP status and problem code (``OK`` on
success) — refused or not.

**In the transaction of the change.** A call that changes something commits a database
session; a ``before_commit`` hook adds the call's audit row to that very session (the first
commit of the request), so the change and its audit row are stored together or not at all —
a crash after the commit cannot leave an acknowledged change unaudited. The row says the
route's success status; when the response starts, :class:`AuditMiddleware` completes it in
its own transaction if the target became known only later (an issued credential's id) or the
answer was not that status. A call that commits nothing (refused, or failed before its
change) gets its row written by the middleware when the response starts, as before. The
services' own logs (the registry's signed events, the revocation log) name the same token as
``actor`` in the transaction that makes the change.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import Request
from sqlalchemy import event, update
from sqlalchemy.orm import Session
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


@dataclass
class _Pending:
    """The audit row of the mutating call being answered, until it is written."""

    method: str
    path: str
    clock: Any
    principal: Principal | None = None
    success_status: int = 200
    target: str | None = None
    row_id: int | None = None
    written_with: dict[str, Any] = field(default_factory=dict)
    #: Set once the response started: later commits (the middleware's own) add nothing.
    answered: bool = False


_pending: ContextVar[_Pending | None] = ContextVar("oretrust_audit_pending", default=None)


@event.listens_for(Session, "before_commit")
def _audit_in_the_same_transaction(session: Session) -> None:
    """Add the pending call's audit row to the first session its request commits."""
    pending = _pending.get()
    if (
        pending is None
        or pending.principal is None
        or pending.row_id is not None
        or pending.answered
    ):
        return
    record = _record(pending.principal, pending.method, pending.path, pending.target,
                     pending.success_status, "OK", pending.clock())  # fmt: skip
    session.add(record)
    session.flush()
    pending.row_id = record.id
    pending.written_with = {"target": pending.target, "status": pending.success_status}


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
    """Record who is calling, for the call's audit row."""
    request.scope.setdefault("state", {})[_PRINCIPAL] = principal
    pending = _pending.get()
    if pending is not None:
        pending.principal = principal
        route = request.scope.get("route")
        pending.success_status = int(getattr(route, "status_code", None) or 200)


def set_audit_target(request: Request, target: str) -> None:
    """Name what the call acts on (a credential or accreditation id) in its audit row."""
    request.scope.setdefault("state", {})[_TARGET] = target[:512]
    pending = _pending.get()
    if pending is not None:
        pending.target = target[:512]


def _record(
    principal: Principal, method: str, path: str, target: str | None, status: int, code: str,
    now: datetime,
) -> AuditRecord:  # fmt: skip
    return AuditRecord(
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
        session.add(_record(principal, method, path, target, status, code, now))
        session.commit()


def _complete(home: Home, row_id: int, target: str | None, status: int, code: str) -> None:
    """Correct the row written in the change's transaction (its own transaction)."""
    with home.session() as session:
        session.execute(
            update(AuditRecord)
            .where(col(AuditRecord.id) == row_id)
            .values(target=target, status=status, code=code[:64])
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
        app_state = scope["app"].state
        call = _Pending(str(scope.get("method")), str(scope.get("path")), app_state.clock)
        token = _pending.set(call)
        recorded = False

        async def audit(status: int, body: bytes) -> None:
            nonlocal recorded
            state = scope.get("state") or {}
            principal = state.get(_PRINCIPAL)
            call.answered = True
            if recorded or not isinstance(principal, Principal):
                return
            recorded = True
            code = "OK" if status < 400 else _problem_code(body)
            target = state.get(_TARGET)
            row_id = call.row_id
            if row_id is not None:  # written with the change: complete it if need be
                if call.written_with != {"target": target, "status": status} or code != "OK":
                    await anyio.to_thread.run_sync(
                        lambda: _complete(app_state.home, row_id, target, status, code)
                    )
                return
            await anyio.to_thread.run_sync(
                lambda: record_call(
                    app_state.home, principal, method=call.method, path=call.path,
                    target=target, status=status, code=code, now=app_state.clock(),
                )
            )  # fmt: skip

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
        finally:
            _pending.reset(token)


def _problem_code(body: bytes) -> str:
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return "UNKNOWN"
    return code if isinstance(code, str) else "UNKNOWN"
