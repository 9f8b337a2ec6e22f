"""Prometheus metrics at ``GET /metrics``: what an operator watches a registry by.

* ``oretrust_http_requests_total{method,route,status}`` and
  ``oretrust_http_request_duration_seconds{route}`` — every request, by its route *template*
  (``/status/{list_id}``, never the raw path) and its method (``OTHER`` for a method outside
  the seven HTTP defines for the API: an attacker cannot grow the label set), by
  :class:`MetricsMiddleware`;
* ``oretrust_verifications_total{kind,verdict,code}`` and
  ``oretrust_verification_duration_seconds{kind}`` — the verify endpoints' outcomes (the
  report's first code: ``OK``, ``REVOKED``, ``ISSUER_NOT_ACCREDITED``…);
* ``oretrust_issuances_total{type,outcome}`` — issuance by type, ``issued`` or the error code;
* read at each scrape (:class:`_StateCollector`): ``oretrust_cache_hits_total`` /
  ``oretrust_cache_misses_total{cache}`` (:mod:`oretrust.cache_stats`),
  ``oretrust_status_list_age_seconds{list,kind}`` of each signed status-list document the home
  serves, ``oretrust_trust_list_age_seconds`` of the trust list kept in memory, and
  ``oretrust_db_pool_connections{state}`` of the database pool.

Nothing secret is a label: codes, types and route templates, status-list ids (public URLs).
Each app has its own registry (tests run several apps in one process). With several uvicorn
workers each worker counts on its own; ``oretrust serve --workers N`` sets
``PROMETHEUS_MULTIPROC_DIR`` so that any worker's ``/metrics`` sums the counters of all
(prometheus_client's multiprocess mode; the scrape-time gauges are the answering worker's).
``ORETRUST_METRICS=false`` turns the endpoint off (404).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.pool import QueuePool
from sqlmodel import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oretrust import cache_stats
from oretrust.api.publication import served_trust_list
from oretrust.home import Home
from oretrust.store.db import as_utc
from oretrust.store.status_models import StatusListDocumentRecord

__all__ = ["CONTENT_TYPE", "MetricsMiddleware", "ServiceMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: The methods a request is counted under by name; any other (a client may send any token
#: as a method) is counted as ``OTHER``, so no client can grow the label set.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    """The app's metrics; ``home`` and ``clock`` are read at scrape time only."""

    def __init__(self, home: Callable[[], Home | None], clock: Callable[[], datetime]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "oretrust_http_requests", "HTTP requests answered",
            ["method", "route", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "oretrust_http_request_duration_seconds", "HTTP request latency",
            ["route"], buckets=_LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.verifications = Counter(
            "oretrust_verifications", "Verifications by outcome",
            ["kind", "verdict", "code"], registry=self.registry,
        )  # fmt: skip
        self.verification_latency = Histogram(
            "oretrust_verification_duration_seconds", "Time spent verifying",
            ["kind"], buckets=_LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.issuances = Counter(
            "oretrust_issuances", "Issuances by type and outcome",
            ["type", "outcome"], registry=self.registry,
        )  # fmt: skip
        self._state = _StateCollector(home, clock)
        self.registry.register(self._state)
        self.request_count, self.request_latency = _Children(self.requests), _Children(self.latency)
        self._verification_count = _Children(self.verifications)
        self._verification_latency = _Children(self.verification_latency)

    def verified(self, kind: str, answer: dict[str, Any], seconds: float) -> None:
        """Count one verification (``kind``: credential or presentation) by the verdict and
        first error code of its report's JSON form (``answer``: computed once per request)."""
        errors = answer["errors"]
        code = errors[0]["code"] if errors else "OK"
        self._verification_count(kind, answer["verdict"], code).inc()
        self._verification_latency(kind).observe(seconds)

    def exposition(self) -> bytes:
        """The text exposition format of every metric (all workers' in multiprocess mode)."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            combined = CollectorRegistry()
            MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
            combined.register(self._state)
            return generate_latest(combined)
        return generate_latest(self.registry)


class _Children:
    """A metric's children by label values, remembered: ``labels()`` checks and locks on
    every call, which each request paid four times. Label values here are few by design
    (the seven methods and ``OTHER``, route templates, statuses, verdicts, codes), so the
    memory stays small; two threads racing on a new child get the same one from
    ``labels()``."""

    def __init__(self, metric: Counter | Histogram) -> None:
        self._metric = metric
        self._children: dict[tuple[str, ...], Any] = {}

    def __call__(self, *values: str) -> Any:
        """The child for ``values``."""
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child


class _StateCollector(Collector):
    """Gauges and counters read from the home and the caches when scraped."""

    def __init__(self, home: Callable[[], Home | None], clock: Callable[[], datetime]) -> None:
        self._home, self._clock = home, clock

    def collect(self) -> Iterator[Metric]:
        """Yield the scrape-time metrics (nothing home-specific before the home is open)."""
        hits = CounterMetricFamily(
            "oretrust_cache_hits", "Cache answers from memory", labels=["cache"]
        )
        misses = CounterMetricFamily("oretrust_cache_misses", "Cache loads", labels=["cache"])
        for name, (hit, miss) in sorted(cache_stats.snapshot().items()):
            hits.add_metric([name], hit)
            misses.add_metric([name], miss)
        yield hits
        yield misses
        home = self._home()
        if home is None:
            return
        now = self._clock()
        yield self._status_list_ages(home, now)
        served = served_trust_list(home)
        if served is not None:
            age = GaugeMetricFamily(
                "oretrust_trust_list_age_seconds", "Age of the trust list served from memory"
            )
            age.add_metric([], max(now.timestamp() - served.iat, 0.0))
            yield age
        yield self._pool(home)

    @staticmethod
    def _status_list_ages(home: Home, now: datetime) -> Metric:
        ages = GaugeMetricFamily(
            "oretrust_status_list_age_seconds",
            "Age of each signed status-list document the home serves",
            labels=["list", "kind"],
        )
        with home.session() as session:
            rows = session.exec(
                select(
                    StatusListDocumentRecord.list_id,
                    StatusListDocumentRecord.kind,
                    StatusListDocumentRecord.issued_at,
                )
            ).all()
        for list_id, kind, issued_at in rows:
            ages.add_metric([list_id, kind], max((now - as_utc(issued_at)).total_seconds(), 0.0))
        return ages

    @staticmethod
    def _pool(home: Home) -> Metric:
        pool = home.engine.pool
        used = GaugeMetricFamily(
            "oretrust_db_pool_connections", "Database pool connections", labels=["state"]
        )
        if isinstance(pool, QueuePool):
            used.add_metric(["checked_out"], pool.checkedout())
            used.add_metric(["idle"], pool.checkedin())
            used.add_metric(["size"], pool.size())
            used.add_metric(["overflow"], max(pool.overflow(), 0))
        return used


class MetricsMiddleware:
    """Count and time every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; record it when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            self.metrics.request_count(method, route, str(status)).inc()
            self.metrics.request_latency(route).observe(time.perf_counter() - started)
