"""Helpers of the HTTP service tests: an in-process client, a throwaway PostgreSQL schema
(re-exported from ``conftest``), and the story's cast (a registry, a ministry, customs, and a
token for each role).

:class:`ApiClient` runs the real app — lifespan included — through httpx's ``ASGITransport``
on a private event loop, behind a synchronous interface.
"""

from __future__ import annotations

import copy
import functools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from sqlmodel import select

from conftest import postgres_schema as postgres_schema  # re-exported
from oretrust import registry
from oretrust.api import ServiceSettings, create_app
from oretrust.api.tokens import create_token, revoke_token
from oretrust.credentials import EXAMPLES, get_credential_type
from oretrust.home import Home
from oretrust.identities import add_holder, add_issuer
from oretrust.jwk import public_jwk
from oretrust.store.models import KeyRecord

DOMAIN = "registry.minerals-trust.example"
REGISTRY = f"did:web:{DOMAIN}"
MINISTRY = "did:web:mines.gouv.cd.example"  # an explicit did:web, served under its name
CUSTOMS = f"did:web:{DOMAIN}:issuers:customs"  # derived from the home's domain


class ApiClient:
    """A synchronous client of an app running in-process (lifespan started and stopped)."""

    def __init__(self, app: FastAPI, *, raise_app_exceptions: bool = True) -> None:
        self.app = app
        self._stack = ExitStack()
        self._portal = self._stack.enter_context(start_blocking_portal())
        self._stack.enter_context(
            self._portal.wrap_async_context_manager(app.router.lifespan_context(app))
        )
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions),
            base_url="http://testserver",
        )
        self._stack.callback(self._portal.call, self._client.aclose)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request and return the response."""
        return self._portal.call(functools.partial(self._client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET ``url``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST ``url``."""
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        """Stop the app (its lifespan) and the event loop."""
        self._stack.close()


@dataclass
class Cast:
    """A home with a registry, two accredited issuers, a holder, and tokens for every role."""

    folder: Path
    database_url: str | None
    home: Home
    holder_did: str
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        """The Authorization header of the token called ``who``."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def settings(self, **changes: Any) -> ServiceSettings:
        """Service settings for this home (no network fetches, no rate limit unless asked)."""
        changes.setdefault("rate_limit", None)
        return ServiceSettings(
            home=self.folder, database_url=self.database_url, allow_network=False, **changes
        )

    def client(self, **changes: Any) -> ApiClient:
        """A started in-process app over this home."""
        return ApiClient(create_app(self.settings(**changes)))


def make_cast(folder: Path, database_url: str | None = None) -> Cast:
    """Set up the story's cast (see :class:`Cast`); times are the real clock's."""
    now = datetime.now(UTC)
    home = Home.open(folder, database_url=database_url)
    home.set_domain(DOMAIN)
    registry.init_registry(home, did=REGISTRY, display_name="Regional Minerals Registry", now=now)
    add_issuer(home, "ministry", display_name="Ministère des Mines", did=MINISTRY, now=now)
    add_issuer(home, "customs", display_name="Direction Générale des Douanes", now=now)
    holder = add_holder(home, "kivu", display_name="Kivu Minerals SARL", now=now)
    registry.accredit(home, MINISTRY, "MineralOriginCertificate", "CD", now=now)
    registry.accredit(home, CUSTOMS, "MineralOriginCertificate", "CD", now=now)
    cast = Cast(folder, database_url, home, holder.did)
    day = timedelta(days=1)
    grants = {
        "ministry": ("issuer", "ministry", now, day),
        "customs": ("issuer", "customs", now, day),
        "admin": ("registry-admin", None, now, day),
        "auditor": ("auditor", None, now, day),
        "expired": ("issuer", "ministry", now - 2 * day, day),
        "revoked": ("issuer", "ministry", now, day),
    }
    for who, (role, issuer, created, lifetime) in grants.items():
        public, token = create_token(
            home, role=role, issuer=issuer, now=created, expires_in=lifetime, label=who
        )
        cast.tokens[who], cast.token_ids[who] = token, public.id
    revoke_token(home, cast.token_ids["revoked"], now=now)
    return cast


def origin_certificate(holder_did: str | None = None, **changes: Any) -> dict[str, Any]:
    """An unsigned MineralOriginCertificate (VC DM 2.0) as a ministry submits it."""
    ctype = get_credential_type("MineralOriginCertificate")
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    if holder_did is not None:
        subject["exporter"]["id"] = holder_did
    document: dict[str, Any] = {
        "@context": list(ctype.contexts),
        "type": list(ctype.types),
        "validUntil": "2030-01-01T00:00:00Z",
        "credentialSubject": subject,
    }
    document.update(changes)
    return document


def issue_origin_token(api: ApiClient, cast: Cast) -> tuple[str, str]:
    """The ministry issues an origin certificate to the cast's holder over the API: its compact
    token and its credential id."""
    response = api.post(
        "/credentials/issue",
        json={"credential": origin_certificate(cast.holder_did)},
        headers=cast.auth("ministry"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["verifiableCredential"]["id"].split(",", 1)[1], body["credentialId"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_home(home: Path, *, log_level: str = "warning", **env: str) -> Iterator[str]:
    """A real ``oretrust serve`` of ``home`` on a free loopback port, with the caller's
    environment less ``ORETRUST_*`` plus ``env``; yields its base URL once ``/readyz``
    answers, and always stops the process. Its log is ``home/serve-<port>.log``."""
    with serve_process(home, log_level=log_level, **env) as (base, _process):
        yield base


@contextmanager
def serve_process(
    home: Path, *, workers: int = 1, log_level: str = "warning", **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`serve_home` with ``workers`` and the server process itself, started in a
    session of its own (so a test can SIGKILL it and its workers as one group)."""
    port = free_port()
    log = home / f"serve-{port}.log"
    command = [
        sys.executable, "-m", "oretrust", "serve", "--home", str(home),
        "--port", str(port), "--workers", str(workers), "--log-level", log_level,
    ]  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    environment.update(env)
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=output, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"oretrust serve did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def key_inventory(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every key a home holds: each row of its key table (owner DID, public JWK) and each
    private key file in its keys/ folder (as its public JWK, owner ``file:<name>``)."""
    home = Home.open(folder)
    try:
        with home.session() as session:
            rows = [(r.owner_did, r.public_jwk) for r in session.exec(select(KeyRecord))]
        files = [
            (f"file:{path.stem}", public_jwk(home.keys.load(path.stem).public_key()))
            for path in sorted(home.keys.folder.glob("*.pem"))
        ]
    finally:
        home.engine.dispose()
    return rows + files
