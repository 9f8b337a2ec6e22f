"""Fetching a credential an issuer published at a URL, for the holder's wallet (internal).

A holder on its own node takes a credential from the issuer over HTTP(S) instead of a
shared folder. The URL is the holder's own choice, but the answer comes from elsewhere, so
the fetch is bounded, by the same rule as DID documents and status lists:

* ``https://`` goes through :func:`oretrust.hosted_dids.network_fetcher` — SSRF-hardened (no
  private or loopback address), ``ORETRUST_DID_WEB_HOSTS`` mapping a domain to a laboratory
  base URL, ``ORETRUST_CA_BUNDLE``;
* plain ``http://`` only to a loopback host (``127.0.0.1``, ``::1``, ``localhost``: a node
  on the same machine, tests), with the same bounds;
* never user info, no redirect, ``identity`` encoding only, at most
  :data:`MAX_CREDENTIAL_BYTES` and :data:`FETCH_TIMEOUT_SECONDS` overall.

Every failure is InputError ``CREDENTIAL_FETCH_FAILED``, or UnsafeUrlError for a URL refused
before any traffic.
"""

from __future__ import annotations

import time
from typing import Final
from urllib.parse import urlsplit

import httpx

from oretrust.codes import Code
from oretrust.did import DidWebFetcher
from oretrust.errors import InputError, ResolutionError, UnsafeUrlError
from oretrust.hosted_dids import network_fetcher

__all__ = ["FETCH_TIMEOUT_SECONDS", "MAX_CREDENTIAL_BYTES", "fetch_credential", "is_url"]

#: An issued credential is a few KiB; an SD-JWT with many disclosures stays far below this.
MAX_CREDENTIAL_BYTES: Final = 256 * 1024
FETCH_TIMEOUT_SECONDS: Final = 10.0
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "::1", "localhost"})


def is_url(source: str) -> bool:
    """True when ``source`` names an http(s) URL rather than a file."""
    return source.lower().startswith(("https://", "http://"))


def fetch_credential(
    url: str,
    *,
    max_bytes: int = MAX_CREDENTIAL_BYTES,
    timeout: float = FETCH_TIMEOUT_SECONDS,
    transport: httpx.BaseTransport | None = None,
    fetcher: DidWebFetcher | None = None,
) -> str:
    """The text at ``url`` (a credential, as published by its issuer), within the bounds.

    ``fetcher`` replaces the networked HTTPS fetcher and ``transport`` the loopback client
    (tests). Raises UnsafeUrlError (a scheme other than https, http to a host that is not
    loopback, user info, an https host at a private address) and InputError
    ``CREDENTIAL_FETCH_FAILED`` (network, HTTP status, size, time, encoding).
    """
    if _check_url(url):
        body = _fetch_loopback(url, max_bytes, timeout, transport)
    else:
        https = fetcher or network_fetcher(error_code=Code.CREDENTIAL_FETCH_FAILED)
        try:
            body = https.fetch(url)
        except UnsafeUrlError:
            raise
        except ResolutionError as exc:
            raise _failed(url, exc.detail) from exc
        if len(body) > max_bytes:
            raise _failed(url, f"more than {max_bytes} bytes")
    try:
        return body.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise _failed(url, "not UTF-8 text") from exc


def _fetch_loopback(
    url: str, max_bytes: int, timeout: float, transport: httpx.BaseTransport | None
) -> bytes:
    """GET a loopback ``url`` with the module's bounds (the SSRF rules would refuse it)."""
    deadline = time.monotonic() + timeout
    client = httpx.Client(
        timeout=timeout, follow_redirects=False, transport=transport, trust_env=False
    )
    try:
        with client, client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as answer:
            return _read_bounded(url, answer, max_bytes, deadline, timeout)
    except httpx.HTTPError as exc:
        raise _failed(url, f"{type(exc).__name__} {exc}".strip()) from exc


def _read_bounded(
    url: str, answer: httpx.Response, max_bytes: int, deadline: float, timeout: float
) -> bytes:
    """The body of ``answer``: a 200, unencoded, within ``max_bytes`` and the deadline."""
    if answer.status_code != 200:
        raise _failed(url, f"HTTP {answer.status_code}")
    if answer.headers.get("content-encoding", "identity") != "identity":
        raise _failed(url, "a compressed answer")
    body = bytearray()
    for chunk in answer.iter_raw():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise _failed(url, f"more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise _failed(url, f"no complete answer within {timeout:g} s")
    return bytes(body)


def _check_url(url: str) -> bool:
    """Refuse, before any traffic, what the module docstring rules out; True for a loopback
    URL (fetched directly), False for an https URL (through the networked fetcher)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        raise UnsafeUrlError(f"{url[:200]!r} is not a URL") from exc
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError("a credential URL must not carry user info")
    if not host:
        raise UnsafeUrlError(f"{url[:200]!r} names no host")
    if parts.scheme in ("http", "https") and host in _LOOPBACK_HOSTS:
        return True
    if parts.scheme == "https":
        return False
    raise UnsafeUrlError(
        "a credential is fetched over https:// (plain http:// only from 127.0.0.1, ::1 or "
        f"localhost), not {url[:200]!r}"
    )


def _failed(url: str, why: str) -> InputError:
    return InputError(
        f"could not fetch a credential from {url[:200]}: {why}", code=Code.CREDENTIAL_FETCH_FAILED
    )
