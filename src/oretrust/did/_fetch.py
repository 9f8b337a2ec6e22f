"""Fetching a did:web document without becoming a server-side request forgery tool.

A DID in a credential is attacker-chosen, so the URL we derive from it is too. The
:class:`HttpsFetcher` therefore:

* fetches ``https://`` only, never with user info, and follows no redirect;
* resolves the host itself and refuses it if *any* address is private, loopback, link-local,
  multicast, reserved or unspecified (IPv4, IPv6, and IPv4 embedded in IPv6), then connects to
  the checked address (TLS still verified for the host name) so DNS rebinding cannot swap it;
* asks for ``identity`` encoding and refuses compressed bodies (no decompression bomb);
* stops reading once the body passes ``max_bytes``, and ends the whole fetch — name lookup,
  connect, TLS, headers and body together — at one deadline (``timeout``, default 5 s; see
  :mod:`oretrust.did._deadline`): a server trickling its headers a byte a second no longer
  holds a fetch past it.

A host mapped by ``hosts`` (``ORETRUST_DID_WEB_HOSTS``, see :mod:`oretrust.did._hosts`) is the
operator's explicit word: its requests go to the mapped base URL (http allowed) with the did:web
domain as ``Host`` (and as the TLS name over https), and skip the address checks. The URL asked
for must still be ``https://``; only the mapping decides that the transport is plain http.
``ca_bundle`` names the CA certificates HTTPS is verified against (``ORETRUST_CA_BUNDLE``).

Errors: :class:`UnsafeUrlError` for a refused URL, :class:`ResolutionError` (``error_code``,
default ``DID_RESOLUTION_ERROR``) for network, HTTP, size and time failures.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol, runtime_checkable

import httpx

from oretrust.blocking import about_to_block
from oretrust.codes import Code
from oretrust.did._deadline import Deadline
from oretrust.did._guard import HostBusyError, HostGuard, host_of
from oretrust.did._hosts import DidWebHosts
from oretrust.errors import InputError, ResolutionError, UnsafeUrlError

__all__ = ["DidWebFetcher", "HostResolver", "HttpsFetcher", "is_public_address", "system_resolve"]

#: ``(host, port) -> IP address strings``; injectable so tests need no DNS.
HostResolver = Callable[[str, int], Sequence[str]]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@runtime_checkable
class DidWebFetcher(Protocol):
    """Fetches the bytes at an HTTPS URL; raises ResolutionError/UnsafeUrlError on failure."""

    def fetch(self, url: str) -> bytes:
        """Return the response body of a GET on ``url``."""
        ...


def system_resolve(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system resolver (getaddrinfo) to its IP addresses."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public_address(address: str) -> bool:
    """True only for a globally routable unicast address; False for anything else or garbage."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class HttpsFetcher:
    """A :class:`DidWebFetcher` over httpx with SSRF, size and time limits.

    Pass ``transport`` (e.g. ``httpx.MockTransport``) or a whole ``client`` to replace the
    network; ``resolve_host`` replaces DNS. ``allow_private=True`` skips the address checks
    (tests, private deployments) but never allows plain HTTP. ``hosts`` maps did:web
    authorities to base URLs (see the module); ``ca_bundle`` is a PEM file of trusted CAs.
    """

    def __init__(
        self,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
        max_bytes: int = 256 * 1024,
        allow_private: bool = False,
        resolve_host: HostResolver = system_resolve,
        clock: Callable[[], float] = time.monotonic,
        error_code: str = "DID_RESOLUTION_ERROR",
        hosts: DidWebHosts | None = None,
        ca_bundle: str | Path | None = None,
        guard: HostGuard | None = None,
    ) -> None:
        if client is not None and transport is not None:
            raise InputError("pass either client or transport, not both")
        if client is not None and ca_bundle is not None:
            raise InputError("pass either client or ca_bundle, not both")
        verify: ssl.SSLContext | bool = _ssl_context(ca_bundle) if ca_bundle else True
        self._owns_client = client is None
        # trust_env=False: an environment proxy would resolve names itself and void the checks;
        # no keep-alive: a pooled connection to one IP must not be reused for another host name.
        self._client = client or httpx.Client(
            transport=transport,
            verify=verify,
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self._timeout, self._max_bytes = timeout, max_bytes
        self._allow_private, self._resolve_host = allow_private, resolve_host
        self._clock, self._code, self._guard = clock, error_code, guard
        self._hosts: dict[str, httpx.URL] = {
            authority: httpx.URL(base) for authority, base in (hosts or {}).items()
        }

    def fetch(self, url: str) -> bytes:
        """GET ``url`` and return at most ``max_bytes`` of body; see the module for the rules.

        With a ``guard`` (:class:`~oretrust.did.HostGuard`), at most its cap of fetches run
        against one host at once, and a host that gave no HTTP answer is refused at once for
        a few seconds (``... gave no answer ... (not retried yet)``).
        """
        about_to_block("did:web fetch")
        guard, host, now = self._guard, host_of(url), datetime.now(UTC)
        down = guard.down(host, now) if guard is not None else None
        if down is not None:
            detail = f"{host} gave no answer: {down} (not retried yet)"
            raise ResolutionError(detail, code=self._code)
        try:
            with guard.slot(host) if guard is not None else nullcontext():
                return self._fetch(url)
        except HostBusyError as exc:
            raise ResolutionError(str(exc), code=self._code) from exc
        except _NoAnswer as exc:
            if guard is not None:
                guard.mark_down(host, now, exc.error.detail)
            raise exc.error from exc.__cause__

    def _fetch(self, url: str) -> bytes:
        with Deadline(self._timeout, self._clock) as deadline:
            request_url, headers, extensions = self._pinned_request(url, deadline)
            headers["Accept"] = "application/did+json, application/json"
            headers["Accept-Encoding"] = "identity"
            answered = False
            try:
                with self._client.stream(
                    "GET",
                    request_url,
                    headers=headers,
                    extensions={**extensions, "trace": deadline.trace},
                    follow_redirects=False,
                    timeout=deadline.remaining(),
                ) as response:
                    answered = True
                    return self._read(url, response, deadline)
            except httpx.HTTPError as exc:
                error = (
                    self._too_slow(url)
                    if deadline.passed()
                    else ResolutionError(f"fetching {url} failed: {exc}", code=self._code)
                )
                if answered:
                    raise error from exc
                raise _NoAnswer(error) from exc

    def _too_slow(self, url: str) -> ResolutionError:
        return ResolutionError(f"{url} took longer than {self._timeout} s", code=self._code)

    def close(self) -> None:
        """Close the underlying client if this fetcher created it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpsFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _pinned_request(
        self, url: str, deadline: Deadline
    ) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
        """Check ``url`` and return the request to send: to a checked IP when a name was given."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise UnsafeUrlError(f"not a valid URL: {url[:80]!r}") from exc
        if parsed.scheme != "https":
            raise UnsafeUrlError(f"only https:// URLs are fetched, not {url[:80]!r}")
        if parsed.userinfo or not parsed.host:
            raise UnsafeUrlError(f"URL must have a host and no user info: {url[:80]!r}")
        host = parsed.raw_host.decode("ascii").lower()
        mapped = self._mapped_request(parsed, host)
        if mapped is not None:
            return mapped
        if self._allow_private:
            return parsed, {}, {}
        if _is_ip_literal(host):
            if not is_public_address(host):
                raise UnsafeUrlError(f"refusing to fetch from non-public address {host}")
            return parsed, {}, {}
        if host == "localhost" or host.endswith(".localhost"):
            raise UnsafeUrlError(f"refusing to fetch from {host}")
        try:
            addresses = list(deadline.resolve(self._resolve_host, host, parsed.port or 443))
        except OSError as exc:
            raise ResolutionError(f"cannot resolve {host}: {exc}", code=self._code) from exc
        if not addresses:
            raise ResolutionError(f"{host} has no address", code=self._code)
        for address in addresses:
            if not is_public_address(address):
                raise UnsafeUrlError(f"{host} resolves to non-public address {address}")
        authority = host if parsed.port is None else f"{host}:{parsed.port}"
        pinned = parsed.copy_with(host=addresses[0].split("%", 1)[0])
        return pinned, {"Host": authority}, {"sni_hostname": host}

    def _mapped_request(
        self, parsed: httpx.URL, host: str
    ) -> tuple[httpx.URL, dict[str, str], dict[str, str]] | None:
        """The request to a mapped host's base URL (``Host`` = the did:web authority), or None
        when ``host`` is not mapped. No address check: the operator named this place."""
        authority = host if parsed.port in (None, 443) else f"{host}:{parsed.port}"
        base = self._hosts.get(authority)
        if base is None:
            return None
        target = base.copy_with(raw_path=base.raw_path.rstrip(b"/") + parsed.raw_path)
        extensions = {"sni_hostname": host} if target.scheme == "https" else {}
        return target, {"Host": authority}, extensions

    def _read(self, url: str, response: httpx.Response, deadline: Deadline) -> bytes:
        if response.is_redirect:
            raise ResolutionError(f"{url} redirects; redirects are not followed", code=self._code)
        if response.status_code != 200:
            raise ResolutionError(f"{url} answered HTTP {response.status_code}", code=self._code)
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise ResolutionError(f"{url} sent a {encoding!r}-encoded body", code=self._code)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise ResolutionError(f"{url} body exceeds {self._max_bytes} bytes", code=self._code)
        body = bytearray()
        for chunk in response.iter_bytes():  # identity only, checked above
            body += chunk
            if len(body) > self._max_bytes:
                raise ResolutionError(
                    f"{url} body exceeds {self._max_bytes} bytes", code=self._code
                )
            if deadline.passed():
                raise self._too_slow(url)
        return bytes(body)


class _NoAnswer(Exception):
    """A fetch that got no HTTP answer at all (refused, reset, timed out before headers)."""

    def __init__(self, error: ResolutionError) -> None:
        super().__init__(error.detail)
        self.error = error


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _ssl_context(ca_bundle: str | Path) -> ssl.SSLContext:
    """A TLS context trusting the CAs in ``ca_bundle``; InputError when it cannot be read."""
    try:
        return ssl.create_default_context(cafile=str(ca_bundle))
    except (OSError, ssl.SSLError) as exc:
        raise InputError(
            f"ORETRUST_CA_BUNDLE {str(ca_bundle)[:200]!r} is not a readable PEM CA bundle: {exc}",
            code=Code.INVALID_SETTING,
        ) from exc
