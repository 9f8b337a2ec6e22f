"""The application factory: ``create_app(settings)`` builds the FastAPI app; nothing at import.

The lifespan opens the home (database engine, key store, DID resolver) and puts it on
``app.state``; a database at another schema revision stops the start-up with
SchemaOutdatedError (run ``oretrust db upgrade``), one whose tables differ with
SchemaMismatchError, and an issuer key that cannot be loaded (``ORETRUST_KEY_PASSPHRASE``
missing or wrong) with KeyStoreError; unencrypted keys are logged as a warning. It then
re-signs stale status lists once and starts a background task that does so every
``status_refresh_seconds`` (cancelled at shutdown): the service is the revocation side's
scheduler, so lists never expire while it runs, and no request — least of all a
verification — ever has to sign one. Routers aggregate the routes (``routes_*``), the
problem table maps every error (:mod:`oretrust.api.problems`), and the middleware adds the
body limit, the optional rate limit, the audit log and the metrics (:mod:`oretrust.api.metrics`).

``uvicorn --workers N`` imports :func:`create_app_from_env` (a factory) in every worker; the
settings then come from ``ORETRUST_*`` variables, which ``oretrust serve`` sets.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from oretrust import __version__
from oretrust.api import (
    routes_custody,
    routes_issuer,
    routes_public,
    routes_registry,
    routes_verify,
)
from oretrust.api.access_log import install_access_log_filter
from oretrust.api.audit import AuditMiddleware
from oretrust.api.metrics import MetricsMiddleware, ServiceMetrics
from oretrust.api.middleware import BodyLimitMiddleware
from oretrust.api.problems import install_problem_handlers
from oretrust.api.rate_limit import RateLimiter, RateLimitMiddleware
from oretrust.api.request_context import RequestIdMiddleware
from oretrust.api.schemas import ProblemPublic
from oretrust.api.settings import ServiceSettings
from oretrust.home import Home
from oretrust.identities import check_signing_keys
from oretrust.status.publication import refresh_status_lists
from oretrust.web.install import install_web

__all__ = ["create_app", "create_app_from_env"]

Clock = Callable[[], datetime]

_log = logging.getLogger("oretrust.api")

_DESCRIPTION = """\
A verifiable-credential trust registry for critical-mineral supply chains.

* **Public**: DID documents (`did:web`), JWT VC issuer metadata, status lists, credential
  schemas, W3C VC API verification, TRQP v2 queries and the signed trust list.
* **Issuers** (bearer token with role `issuer`): issue `vc+jwt` credentials, revoke, suspend,
  reinstate — their own credentials only.
* **Registry administrators** (`registry-admin`): accredit, suspend, withdraw, recognise.
* **Auditors** (`auditor`): the registry history, the revocation log, the API audit log.

Tokens come from `oretrust token create`. Every error is an RFC 9457
`application/problem+json` document with a stable `code`.
"""


def _system_clock() -> datetime:
    return datetime.now(UTC)


def create_app(settings: ServiceSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: read from the environment now).

    ``clock`` replaces the system clock (tests). Nothing is opened until the lifespan starts.
    """
    settings = settings or ServiceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        home = await anyio.to_thread.run_sync(lambda: _open_home(settings))
        app.state.home = home
        await _refresh_status_lists(app)
        _settle_the_heap()
        refresher = asyncio.create_task(
            _refresh_status_lists_every(app, settings.status_refresh_seconds)
        )
        try:
            yield
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            home.engine.dispose()

    app = FastAPI(
        title="oretrust",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by oretrust.web (no CDN)
        redoc_url=None,
        # oretrust exports Prometheus metrics (/metrics) and JSON logs; FastAPI's own
        # OpenTelemetry hooks asked the environment three times per request to find out
        # they had nothing to do.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.clock = clock or _system_clock
    install_access_log_filter()  # no secret sent in a query string reaches the access log
    install_problem_handlers(app)
    app.include_router(routes_verify.router)  # first: the hot path matches no other route
    app.include_router(routes_public.router)
    app.include_router(routes_issuer.router)
    app.include_router(routes_registry.router)
    app.include_router(routes_custody.router)
    install_web(app)  # the pages, /docs served offline, security headers
    app.add_middleware(AuditMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    limit = settings.limit()
    if limit is not None:
        app.add_middleware(
            RateLimitMiddleware,
            limiter=RateLimiter(limit, storage_uri=settings.rate_limit_storage),
            trusted_proxies=settings.proxy_networks(),
        )
    if settings.metrics:  # outermost: it sees every answer, 413 and 429 included
        app.state.metrics = ServiceMetrics(
            lambda: getattr(app.state, "home", None), app.state.clock
        )
        app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)  # outermost: every answer and log line has it
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def create_app_from_env() -> FastAPI:
    """The factory ``uvicorn --factory`` calls in each worker: settings from ``ORETRUST_*``."""
    return create_app(ServiceSettings())


def _open_home(settings: ServiceSettings) -> Home:
    """Open the home and load every issuer's active key, so that a schema this code does not
    match or a missing or wrong ``ORETRUST_KEY_PASSPHRASE`` stops the start instead of a
    ready service that fails each request; warn when private keys are unencrypted."""
    home = Home.open(settings.home, database_url=settings.database_url)
    try:
        unencrypted = check_signing_keys(home)
    except BaseException:
        home.engine.dispose()
        raise
    if unencrypted:
        _log.warning(
            "%d private signing key(s) stored unencrypted in %s (%s): anyone who can read "
            "the folder can sign as these issuers; keep keys encrypted with "
            "ORETRUST_KEY_PASSPHRASE",
            len(unencrypted),
            home.keys.folder,
            ", ".join(unencrypted[:5]) + (", …" if len(unencrypted) > 5 else ""),
        )
    elif not home.keys.encrypts:
        _log.warning(
            "ORETRUST_KEY_PASSPHRASE is not set: keys created in %s are stored unencrypted",
            home.keys.folder,
        )
    return home


def _settle_the_heap() -> None:
    """Collect once and move everything the start made (the app, its schemas, the home) out of
    the collector's sight (:func:`gc.freeze`): a full collection over that heap paused the
    event loop for ~130 ms, which one request in a hundred waited on."""
    gc.collect()
    gc.freeze()


async def _refresh_status_lists(app: FastAPI) -> None:
    """Re-sign the home's stale status lists once, at the app's clock, in a worker thread
    (it signs and writes). A failure is logged, not raised: the next round tries again, and
    meanwhile verifiers fail closed on an expired list rather than the service stopping."""
    home: Home = app.state.home
    now: datetime = app.state.clock()
    try:
        signed = await anyio.to_thread.run_sync(lambda: refresh_status_lists(home, now=now))
    except Exception:  # any failure: logged, retried at the next interval
        _log.exception("status list refresh failed")
        return
    if signed:
        _log.info("re-signed %d status list(s)", len(signed))


async def _refresh_status_lists_every(app: FastAPI, seconds: float) -> None:
    """The background task: a refresh every ``seconds`` until cancelled (at shutdown)."""
    while True:
        await asyncio.sleep(seconds)
        await _refresh_status_lists(app)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the problem+json schema registered once."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["ProblemPublic"] = ProblemPublic.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        app.openapi_schema = document
    return app.openapi_schema
