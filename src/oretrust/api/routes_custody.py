"""The mass ledger over HTTP: balances (public), event registration (public), exports (customs).

* ``GET /custody/balance/{origin}`` — held / consumed / remaining of an origin certificate,
  per basis; digests and masses only, never who drew on it. Public and cacheable (a short
  ``max-age`` and an ETag): a buyer or an offline bundle needs nothing but the URL.
  ``?events=<sha256>,…`` asks which of *these* event digests the ledger counts — a caller
  learns that only of events it already holds.
* ``POST /custody/events`` — register a custody event with the documents it derives from.
  Public on purpose: the registry verifies the whole chain itself (every link signed, the
  origin's issuer accredited, each event signed by the party that held the lot), so the
  worst a caller can do is record consumption that really happened — and only the holder of
  a lot can sign a draw on it. The body limit, the rate limit (``ORETRUST_RATE_LIMIT``) and
  :data:`~oretrust.custody.ledger.MAX_DOCUMENTS` bound the work one request can cause.
* ``POST /custody/exports`` — customs records an export (issuer token of the origin
  country's customs); ``GET /custody/exports`` and ``GET /custody/ledger`` — the
  declarations and the ledger's entries, for auditors.

Over-claiming is 409 problem+json ``MASS_BALANCE_EXCEEDED`` with ``excess_kg`` per basis; a
chain that does not verify is 422 with the chain's code.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from oretrust.api import publication
from oretrust.api.auth import PermissionDeniedError
from oretrust.api.deps import HomeDep, IssuerDep, NowDep, ReaderDep, VerifierDep
from oretrust.api.schemas import Token, problem_responses
from oretrust.custody import ledger
from oretrust.errors import InputError

__all__ = ["router"]

router = APIRouter(tags=["mass ledger"])

_ORIGIN = "urn:uuid:3f0c1e7a-5d2b-4c8e-9a61-7b2d4e8f0457"
_KG = {"wet_kg": 24850.0, "dry_kg": 19880.0, "contained_kg": 6063.4}
_BALANCE = {
    "origin": _ORIGIN,
    "sha256": "4d3c2b1a" * 8,
    "lot": "KVM-2026-LOT-0457",
    "mineral": "cobalt",
    "basis": "contained",
    "held": _KG,
    "consumed": {"wet_kg": 20000.0, "dry_kg": 16000.0, "contained_kg": 4880.0},
    "remaining": {"wet_kg": 4850.0, "dry_kg": 3880.0, "contained_kg": 1183.4},
    "registered_events": [],
}
_ENTRY = {
    "seq": 2,
    "kind": "event",
    "origin": _ORIGIN,
    "origin_sha256": "4d3c2b1a" * 8,
    "source": "urn:uuid:0b7f6c62-8f5e-4d53-a1c4-5b1d2a9f0457",
    "source_sha256": "9f" * 32,
    "lot": "KVM-2026-LOT-0457",
    "mineral": "cobalt",
    "basis": "contained",
    "wet_kg": 20000.0,
    "dry_kg": 16000.0,
    "contained_kg": 4880.0,
    "recorded_at": "2026-11-20T09:00:00Z",
    "prev_hash": "1a" * 32,
    "entry_hash": "2b" * 32,
}
_EXPORT = {
    "export": "urn:uuid:5e1b7c9a-2f4d-4a8e-b6c3-1d9e0f2a4b57",
    "declaration": "CD-DGDA-2026-0457",
    "origin": _ORIGIN,
    "hs_code": "282200",
    "seals": ["DGDA-123456"],
    "importer": "Baltic Cathode Refining Oy",
    "wet_kg": 24850.0,
    "recorded_by": "did:web:douanes.gouv.cd.example",
    "recorded_at": "2026-11-20T09:00:00Z",
    "sha256": "3c" * 32,
}


def _example(status: int, example: Any, description: str) -> dict[int | str, Any]:
    return {
        status: {"description": description, "content": {"application/json": {"example": example}}}
    }


_BALANCE_MAX_AGE = 30


class EventRegistration(BaseModel):
    """``POST /custody/events``: a custody event (vc+jwt) and the documents it derives from."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"event": "eyJhbGciOiJFZERTQSJ9.e30.c2ln", "documents": ["eyJ.e30.c2ln"]}]
        },
    )
    event: Token
    documents: list[Token] = Field(default_factory=list, max_length=ledger.MAX_DOCUMENTS)


class ExportRequest(BaseModel):
    """``POST /custody/exports``: an export declaration against an origin certificate."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "origin": _ORIGIN,
                    "certificate": "eyJhbGciOiJFZERTQSJ9.e30.c2ln",
                    "declaration_number": "CD-DGDA-2026-0457",
                    "hs_code": "282200",
                    "seals": ["DGDA-123456"],
                    "importer": "Baltic Cathode Refining Oy",
                    "mass": "24.85t",
                }
            ]
        },
    )
    origin: str = Field(min_length=1, max_length=512, description="The certificate's id")
    certificate: Token | None = Field(
        default=None, description="The origin certificate (vc+jwt); needed the first time"
    )
    declaration_number: str = Field(min_length=1, max_length=128)
    hs_code: str = Field(pattern=r"^[0-9]{6,10}$", examples=["282200"])
    seals: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        min_length=1, max_length=32
    )
    importer: str = Field(min_length=1, max_length=512)
    mass: str = Field(min_length=1, max_length=32, examples=["24.85t", "24850 kg"])


def _created(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=201)


@router.get(
    "/custody/balance/{origin_id:path}",
    summary="An origin certificate's remaining balance (public)",
    response_class=Response,
    responses={
        **_example(200, _BALANCE, "The balance (cacheable)"),
        304: {"description": "Not modified (If-None-Match)"},
        **problem_responses(400, 404, 413, 422),
    },
)
def custody_balance(
    request: Request,
    home: HomeDep,
    origin_id: Annotated[str, Path(max_length=512)],
    events: Annotated[str, Query(max_length=65 * ledger.MAX_DOCUMENTS)] = "",
) -> Response:
    """Held, consumed and remaining (wet, dry, contained kg) of the certificate's lot."""
    asked = [digest for digest in events.split(",") if digest]
    if any(len(d) != 64 or d.strip("0123456789abcdef") for d in asked):
        raise InputError("events: comma-separated hex SHA-256 digests")
    balance = ledger.balance_of(home, origin_id, events=asked)
    body = publication.json_bytes(balance.to_dict())
    return publication.cacheable(
        request, body, media_type="application/json", max_age=_BALANCE_MAX_AGE
    )


@router.post(
    "/custody/events",
    summary="Register a custody event with the mass ledger (public)",
    status_code=201,
    responses={
        **_example(
            201,
            {"event": _ENTRY["source"], "sha256": "9f" * 32, "appended": 1, "balances": [_BALANCE]},
            "Registered: the balances after",
        ),
        **problem_responses(400, 409, 413, 422),
    },
)
def register_custody_event(
    body: EventRegistration, home: HomeDep, verifier: VerifierDep, now: NowDep
) -> JSONResponse:
    """Verify the event's chain and record its draws on origin certificates: 201 with the
    balances after, 409 ``MASS_BALANCE_EXCEEDED`` naming the excess, 422 for a chain that
    does not verify."""
    registration = ledger.register_event(
        home, body.event, body.documents, verifier=verifier, now=now
    )
    return _created(registration.to_dict())


@router.post(
    "/custody/exports",
    summary="Record an export against an origin certificate (customs issuer token)",
    status_code=201,
    responses={
        **_example(
            201,
            {"export": _EXPORT["export"], "declaration": "CD-DGDA-2026-0457", "balance": _BALANCE},
            "Recorded: the balance after",
        ),
        **problem_responses(400, 401, 403, 404, 409, 413, 422),
    },
)
def record_custody_export(
    body: ExportRequest, home: HomeDep, verifier: VerifierDep, now: NowDep, principal: IssuerDep
) -> JSONResponse:
    """The exported mass is consumed from the certificate: a second truck beyond what
    remains is 409 ``MASS_BALANCE_EXCEEDED``. The declaration stays with the registry."""
    if principal.issuer_did is None:
        raise PermissionDeniedError("this token is not bound to an issuer")
    declaration = ledger.ExportDeclaration(
        declaration_number=body.declaration_number,
        hs_code=body.hs_code,
        importer=body.importer,
        wet_kg=ledger.parse_mass(body.mass),
        seals=tuple(body.seals),
    )
    recorded = ledger.record_export(
        home,
        declaration,
        origin_id=body.origin,
        recorded_by=principal.issuer_did,
        certificate=body.certificate,
        verifier=verifier,
        now=now,
    )
    return _created(recorded.to_dict())


@router.get(
    "/custody/exports",
    summary="Recorded export declarations (auditor or registry-admin token)",
    responses={**_example(200, [_EXPORT], "The declarations"), **problem_responses(401, 403)},
)
def custody_exports(
    home: HomeDep,
    _reader: ReaderDep,
    origin: Annotated[str | None, Query(max_length=512)] = None,
) -> list[dict[str, Any]]:
    """Declaration number, HS code, seals, importer, mass, recorder, time and digest."""
    return ledger.list_exports(home, origin)


@router.get(
    "/custody/ledger",
    summary="The mass ledger's entries (auditor or registry-admin token)",
    responses={**_example(200, [_ENTRY], "The entries"), **problem_responses(401, 403)},
)
def custody_ledger(
    home: HomeDep,
    _reader: ReaderDep,
    origin: Annotated[str | None, Query(max_length=512)] = None,
) -> list[dict[str, Any]]:
    """The hash-chained entries, oldest first (digests and masses only)."""
    return ledger.list_ledger(home, origin)


@router.get(
    "/custody/ledger/head",
    summary="The mass ledger's head (public)",
    responses=_example(200, {"seq": 2, "hash": "2b" * 32}, "The newest entry's seq and hash"),
)
def custody_ledger_head(home: HomeDep) -> dict[str, Any]:
    """``{"seq", "hash"}`` of the newest entry: what a bundle or an operator keeps to show
    later that no entry was cut off."""
    return ledger.ledger_head(home)
