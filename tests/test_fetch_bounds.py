"""Outbound fetches are bounded (issue 13, point 8): one deadline for name lookup, connect,
headers and body; at most a few status lists per credential, each fetched once; a host
that gives no answer is not asked again for a few seconds; a per-host concurrency cap.

The slow servers are real sockets on 127.0.0.1 trickling bytes; the fetcher reaches them
through the ``hosts`` mapping (``ORETRUST_DID_WEB_HOSTS``), the operator's seam that lets a
mapped did:web domain live on loopback over plain http."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from oretrust.codes import Code
from oretrust.did import HostGuard, HttpsFetcher, StaticDidResolver
from oretrust.errors import OreTrustError, ResolutionError
from oretrust.hosted_dids import network_fetcher
from oretrust.report import VerificationReport
from oretrust.status.check import MAX_STATUS_LISTS_PER_CREDENTIAL, status_check
from oretrust.status.http_cache import HttpStatusListCache
from oretrust.status.resolver import InMemoryStatusListResolver

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PUBLIC = "93.184.215.14"


class Trickle:
    """A socket server on 127.0.0.1 answering each connection with ``payload``, one byte
    every ``interval`` seconds (until told to stop)."""

    def __init__(self, payload: bytes, interval: float, tls: ssl.SSLContext | None = None) -> None:
        self.payload, self.interval, self.tls = payload, interval, tls
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        try:
            if self.tls is not None:
                connection = self.tls.wrap_socket(connection, server_side=True)
            connection.recv(65536)
        except OSError:
            connection.close()
            return
        with connection:
            for byte in self.payload:
                if self.stop.is_set():
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(self.interval)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.server.close()


@pytest.fixture
def trickle(request: pytest.FixtureRequest) -> Iterator[Trickle]:
    payload, interval = request.param
    server = Trickle(payload, interval)
    yield server
    server.close()


SLOW_HEADERS = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 400 + b"\r\n\r\n{}"
SLOW_BODY = b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n" + b" " * 400


@pytest.mark.parametrize(
    "trickle",
    [pytest.param((SLOW_HEADERS, 0.02), id="headers"), pytest.param((SLOW_BODY, 0.02), id="body")],
    indirect=True,
)
def test_a_server_trickling_bytes_is_cut_off_at_the_total_deadline(trickle: Trickle) -> None:
    """~400 bytes at 20 ms each is 8 s, every read well inside a per-read timeout; the whole
    fetch still ends at its 0.5 s deadline (headers trickled once held a fetch 60 s)."""
    hosts = {"slow.example": f"http://127.0.0.1:{trickle.port}"}
    with HttpsFetcher(hosts=hosts, timeout=0.5) as fetcher:
        started = time.monotonic()
        with pytest.raises(ResolutionError, match=r"longer than 0\.5 s"):
            fetcher.fetch("https://slow.example/.well-known/did.json")
        assert time.monotonic() - started < 1.2


def test_a_slow_name_lookup_counts_against_the_deadline() -> None:
    def slow_dns(_host: str, _port: int) -> list[str]:
        time.sleep(1.0)
        return [PUBLIC]

    fetcher = HttpsFetcher(
        transport=httpx.MockTransport(lambda _r: httpx.Response(200)),
        resolve_host=slow_dns,
        timeout=0.3,
    )
    started = time.monotonic()
    with pytest.raises(ResolutionError, match="cannot resolve"):
        fetcher.fetch("https://mines.gov.example/.well-known/did.json")
    assert time.monotonic() - started < 0.8


# ---------------------------------------------------------------------- per credential
def _credential(urls: list[str]) -> dict[str, Any]:
    return {
        "issuer": "did:web:mines.gouv.cd.example",
        "credentialStatus": [
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(n),
                "statusListCredential": url,
            }
            for n, url in enumerate(urls)
        ],
    }


def _status(report: VerificationReport) -> Any:
    return next(c for c in report.checks if c.id == "status")


def test_a_credential_naming_many_status_lists_fetches_none() -> None:
    lists = InMemoryStatusListResolver()
    urls = [f"https://host-{n}.example/status/{n}" for n in range(50)]
    report = VerificationReport(kind="credential")
    status_check(lists, StaticDidResolver({}))(_credential(urls), report, NOW)
    assert lists.fetches == 0
    check = _status(report)
    assert not check.passed and check.code == Code.STATUS_RETRIEVAL_ERROR
    assert f"at most {MAX_STATUS_LISTS_PER_CREDENTIAL}" in check.detail


def test_a_list_named_many_times_in_one_credential_is_fetched_once() -> None:
    lists = InMemoryStatusListResolver()  # has no list: every fetch fails
    report = VerificationReport(kind="credential")
    status_check(lists, StaticDidResolver({}))(
        _credential(["https://a.example/status/1"] * 40), report, NOW
    )
    assert lists.fetches == 1 and _status(report).code == Code.STATUS_RETRIEVAL_ERROR


# ---------------------------------------------------------------------- per host
def _cache(handler: Any, **kwargs: Any) -> HttpStatusListCache:
    return HttpStatusListCache(
        transport=httpx.MockTransport(handler),
        fetcher_factory=lambda client: HttpsFetcher(
            client=client, resolve_host=lambda _h, _p: [PUBLIC], error_code="STATUS_RETRIEVAL_ERROR"
        ),
        **kwargs,
    )


def _refuse(token: str) -> Any:
    raise OreTrustError("not a list", code=Code.STATUS_LIST_MALFORMED)


def test_a_host_that_gives_no_answer_is_not_asked_again_for_a_while() -> None:
    def down(_request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    cache = _cache(down, negative_ttl=timedelta(seconds=5))
    leeway = timedelta(seconds=60)
    with pytest.raises(ResolutionError):
        cache.obtain("https://down.example/status/a", "bitstring", NOW, _refuse, leeway)
    for n in range(20):  # its other lists: no request while it is marked down
        with pytest.raises(ResolutionError, match="gave no answer") as failed:
            cache.obtain(f"https://down.example/status/{n}", "bitstring", NOW, _refuse, leeway)
        assert failed.value.code == Code.STATUS_RETRIEVAL_ERROR
    assert cache.requests == 1
    later = NOW + timedelta(seconds=6)
    with pytest.raises(ResolutionError):
        cache.obtain("https://down.example/status/b", "bitstring", later, _refuse, leeway)
    assert cache.requests == 2


def test_fetches_to_one_host_are_capped() -> None:
    in_flight, peak, lock, release = 0, 0, threading.Lock(), threading.Event()

    def slow(_request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        release.wait(timeout=2)
        with lock:
            in_flight -= 1
        return httpx.Response(200, text="x.y.z")

    cache = _cache(slow, max_per_host=2, timeout=1.0)
    outcomes: list[str] = []

    def verify(n: int) -> None:
        try:
            cache.obtain(
                f"https://busy.example/status/{n}", "bitstring", NOW, _refuse, timedelta(0)
            )
        except OreTrustError as exc:
            outcomes.append(exc.detail)

    threads = [threading.Thread(target=verify, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    assert peak == 2  # the other four wait for a slot
    release.set()
    for thread in threads:
        thread.join(timeout=5)
    assert peak == 2 and len(outcomes) == 6


def _self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A throwaway certificate for ``name`` and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_a_tls_server_trickling_headers_is_cut_off_too(tmp_path: Path) -> None:
    """Over TLS the socket to wake is the TLS one (the plain one was detached by wrapping)."""
    cert_file, key_file = _self_signed(tmp_path, "slow.example")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = Trickle(SLOW_HEADERS, 0.02, tls=context)
    try:
        hosts = {"slow.example": f"https://127.0.0.1:{server.port}"}
        with HttpsFetcher(hosts=hosts, ca_bundle=cert_file, timeout=0.5) as fetcher:
            started = time.monotonic()
            with pytest.raises(ResolutionError, match=r"longer than 0\.5 s"):
                fetcher.fetch("https://slow.example/.well-known/did.json")
            assert time.monotonic() - started < 1.2
    finally:
        server.close()


def test_the_did_fetcher_does_not_ask_a_host_that_gave_no_answer_again() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.headers["host"])
        if request.headers["host"] == "down.example":
            raise httpx.ConnectTimeout("no answer")
        return httpx.Response(404)

    fetcher = HttpsFetcher(
        transport=httpx.MockTransport(handler),
        resolve_host=lambda _h, _p: [PUBLIC],
        guard=HostGuard(down_for=timedelta(seconds=5)),
    )
    with pytest.raises(ResolutionError):
        fetcher.fetch("https://down.example/.well-known/did.json")
    for path in ("a", "b", "c"):
        with pytest.raises(ResolutionError, match="gave no answer"):
            fetcher.fetch(f"https://down.example/{path}/did.json")
    for _ in range(2):  # an HTTP answer, even an error, is not "down"
        with pytest.raises(ResolutionError, match="HTTP 404"):
            fetcher.fetch("https://up.example/.well-known/did.json")
    assert calls == ["down.example", "up.example", "up.example"]


def test_the_home_did_resolver_keeps_one_guarded_fetcher() -> None:
    first, second = network_fetcher(), network_fetcher()
    assert first._guard is not None and first._guard is not second._guard
