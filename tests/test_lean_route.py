"""The lean route answers every request as FastAPI's own handler does, and leaves to it the
shapes it cannot serve faithfully (:mod:`oretrust.api.lean_route`)."""

from __future__ import annotations

from typing import Any

import anyio
import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, Body, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from oretrust.api.lean_route import LeanJsonRoute
from oretrust.api.problems import install_problem_handlers
from oretrust.api.schemas import VerifyCredentialRequest


async def _echo(body: VerifyCredentialRequest, request: Request) -> JSONResponse:
    """What the endpoint was handed, and how it was reached."""
    return JSONResponse({"body": body.model_dump(mode="json"), "path": request.url.path})


def _client(route_class: type[fastapi.routing.APIRoute]) -> FastAPI:
    router = APIRouter(route_class=route_class)
    router.add_api_route("/verify", _echo, methods=["POST"])
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    return app


_TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.c2ln"
_BODIES: list[tuple[bytes, dict[str, str]]] = [
    (b'{"verifiableCredential": "%s"}' % _TOKEN.encode(), {"content-type": "application/json"}),
    (b'{"verifiableCredential": "%s", "options": {"n": 1e400}}' % _TOKEN.encode(),
     {"content-type": "application/json; charset=utf-8"}),
    (b'{"verifiableCredential": "%s"}' % _TOKEN.encode(), {"content-type": "application/vc+json"}),
    (b'{"verifiableCredential": "%s"}' % _TOKEN.encode(), {"content-type": "text/plain"}),
    (b'{"verifiableCredential": "%s"}' % _TOKEN.encode(), {}),
    (b"", {"content-type": "application/json"}),
    (b"{", {"content-type": "application/json"}),
    (b'{"verifiableCredential": NaN}', {"content-type": "application/json"}),
    (b'{"verifiableCredential": "\\ud800"}', {"content-type": "application/json"}),
    (b'{"verifiableCredential": 7}', {"content-type": "application/json"}),
    (b'{"verifiableCredential": "a", "verifiableCredential": "%s"}' % _TOKEN.encode(),
     {"content-type": "application/json"}),
    (b"[]", {"content-type": "application/json"}),
    (b'{"verifiableCredential": "%s"}' % _TOKEN.encode(), {"content-type": "application/x/y+json"}),
    (b'{"verifiableCredential": "%s"}' % _TOKEN.encode(), {"content-type": "application//+json"}),
    (b'{"verifiableCredential": "%s"}' % _TOKEN.encode(),
     {"content-type": "application/json/+json"}),
    (b'{"options": {}}', {"content-type": "APPLICATION/JSON"}),
    (b'\xff{"verifiableCredential": "x"}', {"content-type": "application/json"}),
]  # fmt: skip


def _answer(
    app: FastAPI, body: bytes, headers: dict[str, str], path: str = "/verify"
) -> tuple[int, Any]:
    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(path, content=body, headers=headers)

    response = anyio.run(post)
    is_json = response.headers.get("content-type", "").endswith("json")
    return response.status_code, response.json() if is_json else response.text


@pytest.mark.parametrize(("body", "headers"), _BODIES)
def test_every_request_is_answered_as_fastapi_answers_it(
    body: bytes, headers: dict[str, str]
) -> None:
    lean, plain = _client(LeanJsonRoute), _client(fastapi.routing.APIRoute)
    lean_answer, plain_answer = _answer(lean, body, headers), _answer(plain, body, headers)
    for answer in (lean_answer, plain_answer):
        if isinstance(answer[1], dict):
            answer[1].pop("request_id", None)  # differs per request (none here: no middleware)
    assert lean_answer == plain_answer


def test_a_well_formed_body_skips_the_dependency_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    solved: list[int] = []
    original = fastapi.routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        solved.append(1)
        return await original(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    lean, plain = _client(LeanJsonRoute), _client(fastapi.routing.APIRoute)
    good = (
        b'{"verifiableCredential": "%s"}' % _TOKEN.encode(),
        {"content-type": "application/json"},
    )
    assert _answer(lean, *good)[0] == 200 and solved == []
    assert _answer(plain, *good)[0] == 200 and solved == [1]
    refused = (b'{"verifiableCredential": 7}', {"content-type": "application/json"})
    assert _answer(lean, *refused)[0] == 422
    assert solved == [1, 1]  # a body the model refused: FastAPI's handler answered


async def _with_query(body: VerifyCredentialRequest, request: Request, q: int = 0) -> JSONResponse:
    return JSONResponse({"q": q})


def _sync(body: VerifyCredentialRequest, request: Request) -> JSONResponse:
    return JSONResponse({"q": "sync"})


async def _embedded(
    request: Request, body: VerifyCredentialRequest = Body(embed=True)
) -> JSONResponse:
    return JSONResponse({"q": body.verifiableCredential})


async def _no_body(request: Request) -> JSONResponse:
    return JSONResponse({"q": "no body"})


def _guard() -> None:
    raise PermissionError("the including router's dependency ran")


@pytest.mark.parametrize(
    ("shape", "expected"),
    [("query parameter", (200, {"q": 5})), ("sync endpoint", (200, {"q": "sync"})),
     ("router dependency", (500, None)), ("embedded body", (422, None)),
     ("no body", (200, {"q": "no body"}))],
)  # fmt: skip
def test_a_route_of_another_shape_is_served_by_fastapi_alone(
    shape: str, expected: tuple[int, Any]
) -> None:
    """Its query parameter is read, its sync endpoint runs, the including router's
    dependency runs (here refusing the request) — none is skipped by the lean reading."""
    router = APIRouter(route_class=LeanJsonRoute)
    endpoint = {"query parameter": _with_query, "sync endpoint": _sync, "embedded body": _embedded,
                "no body": _no_body}.get(shape, _echo)  # fmt: skip
    router.add_api_route("/verify", endpoint, methods=["POST"])
    app = FastAPI()
    guards = [Depends(_guard)] if shape == "router dependency" else []
    app.include_router(router, dependencies=guards)
    good = b'{"verifiableCredential": "%s"}' % _TOKEN.encode()
    status, answer = _answer(app, good, {"content-type": "application/json"}, "/verify?q=5")
    assert status == expected[0]
    if expected[1] is not None:
        assert answer == expected[1]
