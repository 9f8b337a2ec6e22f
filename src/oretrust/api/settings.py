"""Settings of the HTTP service, read from ``ORETRUST_*`` variables (or built by tests).

Nothing here is read at import time: :func:`oretrust.api.create_app` takes a
:class:`ServiceSettings`, and only :func:`~oretrust.api.app.create_app_from_env` (the
factory ``uvicorn --workers`` imports) reads the environment.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from pydantic import field_validator

from oretrust.codes import Code
from oretrust.did import parse_did_web_hosts
from oretrust.errors import InputError
from oretrust.home import Settings
from oretrust.status.publication import DEFAULT_VALIDITY

__all__ = ["RateLimit", "ServiceSettings", "parse_rate_limit"]

_RATE = re.compile(
    r"^\s*([1-9][0-9]{0,8})\s*/\s*([1-9][0-9]{0,5})?\s*(second|minute|hour|day|s|m|h|d)\s*$"
)
_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
}


_STORAGES = ("memory://", "redis://", "rediss://", "redis+unix://")


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` per ``seconds`` for one client."""

    requests: int
    seconds: int


def parse_rate_limit(text: str) -> RateLimit:
    """``600/minute``, ``10/second``, ``5000/hour``, ``100/10s`` → RateLimit; InputError else."""
    match = _RATE.match(text)
    if match is None:
        raise InputError(
            f"ORETRUST_RATE_LIMIT {text[:40]!r} is not like 600/minute", code=Code.INVALID_SETTING
        )
    count, multiplier, unit = match.groups()
    return RateLimit(int(count), int(multiplier or 1) * _SECONDS[unit])


class ServiceSettings(Settings):
    """The home settings plus what only the HTTP service needs.

    ``rate_limit``: e.g. ``600/minute`` per client address (unset: no limit), counted in
    ``rate_limit_storage`` (``memory://``: per process; ``redis://host:6379/0``: shared by
    every worker and replica).
    ``trusted_proxies``: comma-separated addresses or networks whose ``X-Forwarded-For``
    is believed (unset: none; the client is the peer address).
    ``max_body_bytes``: largest request body accepted (413 beyond it).
    ``allow_network``: whether verification may fetch DIDs and status lists of other hosts
    (over the SSRF-hardened HTTPS fetcher); off, only what the home hosts is trusted.
    ``status_refresh_seconds``: how often the background task re-signs stale status lists
    (``ORETRUST_STATUS_REFRESH_SECONDS``, default an hour); at most half a list's validity,
    so a running service never lets a list expire.
    ``metrics``: serve Prometheus metrics at ``/metrics`` (``ORETRUST_METRICS``, default on;
    they name no secret, but a deployment may keep the path off its public ingress).
    """

    rate_limit: str | None = None
    rate_limit_storage: str = "memory://"
    metrics: bool = True
    allow_network: bool = True
    trusted_proxies: str = ""
    max_body_bytes: int = 1024 * 1024
    status_refresh_seconds: float = 3600.0

    @field_validator("status_refresh_seconds")
    @classmethod
    def _valid_refresh(cls, value: float) -> float:
        longest = DEFAULT_VALIDITY.total_seconds() / 2
        if not 1 <= value <= longest:
            raise InputError(
                f"ORETRUST_STATUS_REFRESH_SECONDS must be between 1 and {longest:.0f}",
                code=Code.INVALID_SETTING,
            )
        return value

    @field_validator("did_web_hosts")
    @classmethod
    def _valid_did_web_hosts(cls, value: str) -> str:
        parse_did_web_hosts(value)  # a bad entry stops ``serve`` before it starts
        return value

    @field_validator("rate_limit")
    @classmethod
    def _valid_rate(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            parse_rate_limit(value)
            return value
        return None

    @field_validator("rate_limit_storage")
    @classmethod
    def _valid_storage(cls, value: str) -> str:
        if not value.startswith(_STORAGES):
            raise InputError(
                "ORETRUST_RATE_LIMIT_STORAGE must be memory:// or a redis:// / rediss:// URL",
                code=Code.INVALID_SETTING,
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise InputError(
                    f"ORETRUST_TRUSTED_PROXIES: {item[:60]!r} is not an address or network",
                    code=Code.INVALID_SETTING,
                ) from None
        return value

    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """The trusted proxies as networks."""
        return [
            ipaddress.ip_network(item, strict=False)
            for item in filter(None, (part.strip() for part in self.trusted_proxies.split(",")))
        ]

    def limit(self) -> RateLimit | None:
        """The parsed rate limit, or None."""
        return parse_rate_limit(self.rate_limit) if self.rate_limit else None
