"""What the body guards and the metrics make of what a client chooses: its ``Content-Type``
headers and its method (found by review of the lean verify route, issue 13)."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI

from oretrust.api import ServiceSettings, create_app
from oretrust.api.content_type import any_reads_as_json, reads_as_json
from oretrust.home import Home

_DEEP = b'{"verifiableCredential": "x", "options": {"a":' + b"[" * 900 + b"]" * 900 + b"}}"
_NUL = b'{"verifiableCredential": "a\\u0000b"}'


def _app(folder: Path) -> FastAPI:
    Home.open(folder).engine.dispose()
    return create_app(ServiceSettings(home=folder, allow_network=False, rate_limit=None))


@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-type", b"application/json\xa0")],
        [(b"content-type", b"application/json"), (b"content-type", b"text/plain")],
        [(b"content-type", b"text/plain"), (b"content-type", b"application/json")],
    ],
    ids=["latin-1 space", "json then text", "text then json"],
)
@pytest.mark.parametrize("body", [_DEEP, _NUL], ids=["deep", "nul"])
def test_the_json_guards_see_every_body_the_route_could_read_as_json(
    tmp_path: Path, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    """The guards look at every Content-Type header, read as FastAPI reads the first."""
    app = _app(tmp_path / "home")

    async def run() -> httpx.Response:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                return await client.post("/credentials/verify", content=body, headers=headers)

    response = anyio.run(run)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in ("REQUEST_TOO_DEEP", "INVALID_CHARACTER"), response.text


@pytest.mark.parametrize(
    ("value", "json"),
    [("application/json", True), (" Application/JSON ; charset=utf-8", True),
     ("application/vc+json", True), ("application/json\xa0", True),
     ("application/x/y+json", False), ("application//+json", False), ("text/json", False),
     ("", False), (None, False)],
)  # fmt: skip
def test_a_content_type_reads_as_json_as_fastapi_reads_it(value: str | None, json: bool) -> None:
    assert reads_as_json(value) is json
    raw = [] if value is None else [(b"content-type", value.encode("latin-1"))]
    assert any_reads_as_json([(b"x-other", b"application/json"), *raw]) is json


def test_invented_methods_are_counted_as_other(tmp_path: Path) -> None:
    app = _app(tmp_path / "home")

    async def run() -> str:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                for number in range(20):
                    await client.request(f"X{number}", "/credentials/verify")
                await client.request("PATCH", "/credentials/verify")
                return (await client.get("/metrics")).text

    lines = [line for line in anyio.run(run).splitlines()
             if line.startswith("oretrust_http_requests_total{")]  # fmt: skip
    methods = {line.split('method="')[1].split('"')[0] for line in lines}
    assert "OTHER" in methods and "PATCH" in methods
    assert not any(method.startswith("X") for method in methods)
