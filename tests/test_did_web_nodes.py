"""did:web across nodes: every party on its own ``oretrust serve``, DIDs resolved over HTTP.

Two real servers on loopback ports, two separate homes: the *ministry* home hosts
``did:web:mines.gouv.cd.example`` (plus a path-based issuer and a second domain), the
*refinery* home hosts no issuer. With ``ORETRUST_DID_WEB_HOSTS`` mapping the ministry's domain
to its server, the refinery resolves the ministry's DID (and fetches its status list) over
plain http with ``Host: mines.gouv.cd.example`` and verifies what the ministry issued.

* a server picks the DID document by ``Host`` (``/.well-known/did.json``, ``/<path>/did.json``,
  ``%3A`` ports), and a Host it hosts nothing for is a 404 problem;
* a document served for another DID than the one asked is refused
  (``DID_DOCUMENT_ID_MISMATCH``), and a mapped domain the server does not host fails;
* unmapped hosts still refuse ``http://`` and loopback; a bad mapping is a one-line exit 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api_support import free_port, serve_home
from oretrust.credentials import EXAMPLES
from oretrust.did import HttpsFetcher, parse_did_web_hosts
from oretrust.errors import InputError, ResolutionError, UnsafeUrlError
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver, network_fetcher
from oretrust.identities import add_issuer
from oretrust.issuer import issue_credential

pytestmark = pytest.mark.slow

MINISTRY = "did:web:mines.gouv.cd.example"
CUSTOMS = "did:web:douanes.gouv.cd.example"  # a second domain on the ministry's server
GEOLOGY = "did:web:mines.gouv.cd.example:issuers:geology"  # path-based, derived
LAB = "did:web:lab.mines.gouv.cd.example%3A8443"  # a port, percent-encoded


@dataclass
class Nodes:
    """The two homes and the ministry's server."""

    ministry_home: Path
    refinery_home: Path
    ministry_url: str
    refinery_url: str
    credential: Path


def _env(**extra: str) -> dict[str, str]:
    """The caller's environment without ``ORETRUST_*``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    env.update(extra)
    return env


def _oretrust(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m oretrust ARGS`` with exactly the ``ORETRUST_*`` variables given."""
    return subprocess.run(
        [sys.executable, "-m", "oretrust", *args],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    """The ministry's home (three did:web DIDs, one credential issued) and the refinery's
    (no issuer), each served by its own ``oretrust serve``."""
    now = datetime.now(UTC)
    ministry_home = tmp_path_factory.mktemp("ministry")
    refinery_home = tmp_path_factory.mktemp("refinery")
    home = Home.open(ministry_home)
    home.set_domain("mines.gouv.cd.example")  # status-list URLs live under this domain too
    add_issuer(home, "ministry", display_name="Ministère des Mines", did=MINISTRY, now=now)
    add_issuer(home, "customs", display_name="Douanes", did=CUSTOMS, now=now)
    add_issuer(home, "geology", display_name="Service géologique", now=now)
    add_issuer(home, "lab", display_name="Laboratoire", did=LAB, now=now)
    issued = issue_credential(
        home,
        issuer="ministry",
        type_name="MineralOriginCertificate",
        subject=EXAMPLES["MineralOriginCertificate"],
        valid_until=now + timedelta(days=30),
        now=now,
    )
    home.engine.dispose()
    credential = ministry_home / "origin.jwt"
    credential.write_text(issued.token + "\n", encoding="utf-8")
    Home.open(refinery_home).engine.dispose()
    with serve_home(ministry_home) as ministry_url, serve_home(refinery_home) as refinery_url:
        yield Nodes(ministry_home, refinery_home, ministry_url, refinery_url, credential)


def _hosts(nodes: Nodes, *domains: str) -> str:
    return ",".join(f"{domain}={nodes.ministry_url}" for domain in domains)


# ------------------------------------------------------------------ 1. served by Host and path
@pytest.mark.parametrize(
    ("host", "path", "did"),
    [
        ("mines.gouv.cd.example", "/.well-known/did.json", MINISTRY),
        ("douanes.gouv.cd.example", "/.well-known/did.json", CUSTOMS),
        ("Mines.Gouv.CD.example:443", "/.well-known/did.json", MINISTRY),
        ("mines.gouv.cd.example", "/issuers/geology/did.json", GEOLOGY),
        ("lab.mines.gouv.cd.example:8443", "/.well-known/did.json", LAB),
        # by name: a DID without a path of its own keeps the /issuers/{name} alias
        ("anything.example", "/issuers/ministry/did.json", MINISTRY),
    ],
)
def test_one_server_answers_for_each_domain_by_host(
    nodes: Nodes, host: str, path: str, did: str
) -> None:
    response = httpx.get(f"{nodes.ministry_url}{path}", headers={"Host": host})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/did+json"
    assert response.json()["id"] == did


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("127.0.0.1", "/.well-known/did.json"),  # a Host hosting no DID
        ("registry.minerals-trust.example", "/.well-known/did.json"),
        ("lab.mines.gouv.cd.example", "/.well-known/did.json"),  # the DID has a port
        ("douanes.gouv.cd.example", "/issuers/geology/did.json"),  # path-based: own Host only
        ("mines.gouv.cd.example", "/issuers/nobody/did.json"),
        ("mines.gouv.cd.example", "/a/b/did.json"),
    ],
)
def test_a_host_that_hosts_no_such_did_is_a_404_problem(nodes: Nodes, host: str, path: str) -> None:
    response = httpx.get(f"{nodes.ministry_url}{path}", headers={"Host": host})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in ("DID_NOT_FOUND", "ISSUER_NOT_FOUND")


def test_the_refinery_hosts_no_did(nodes: Nodes) -> None:
    response = httpx.get(
        f"{nodes.refinery_url}/.well-known/did.json", headers={"Host": "refinery.example"}
    )
    assert response.status_code == 404 and response.json()["code"] == "DID_NOT_FOUND"


# ----------------------------------------------------- 2. the refinery resolves over the mapping
def test_the_refinery_verifies_the_ministrys_credential_over_http(nodes: Nodes) -> None:
    result = _oretrust(
        "verify", str(nodes.credential), "--home", str(nodes.refinery_home), "--json",
        ORETRUST_DID_WEB_HOSTS=_hosts(nodes, "mines.gouv.cd.example"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["verified"] is True and report["verdict"] == "VALID"
    checks = {check["id"]: check for check in report["checks"]}
    assert checks["issuer_resolved"]["passed"] and checks["signature"]["passed"]
    assert checks["status"]["passed"]  # the status list came over the mapping too


def test_without_the_mapping_the_ministrys_did_is_not_reached() -> None:
    """The same DID, no mapping: the HTTPS fetcher goes to DNS (stubbed: no such host)."""

    def no_dns(host: str, port: int) -> list[str]:
        raise OSError(f"no such host {host}")

    with pytest.raises(ResolutionError) as caught:
        HttpsFetcher(resolve_host=no_dns).fetch(
            "https://mines.gouv.cd.example/.well-known/did.json"
        )
    assert caught.value.code == "DID_RESOLUTION_ERROR"


def test_a_mapped_https_base_keeps_the_domain_as_host_and_tls_name() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"{}")

    hosts = parse_did_web_hosts("mines.example=https://10.0.0.5:8443/node/")
    with HttpsFetcher(hosts=hosts, transport=httpx.MockTransport(answer)) as fetcher:
        fetcher.fetch("https://mines.example/issuers/a/did.json")
    (request,) = seen
    assert str(request.url) == "https://10.0.0.5:8443/node/issuers/a/did.json"
    assert request.headers["Host"] == "mines.example"
    assert request.extensions["sni_hostname"] == "mines.example"


def test_the_resolver_sends_the_did_web_domain_as_host(
    nodes: Nodes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "ORETRUST_DID_WEB_HOSTS",
        _hosts(nodes, "mines.gouv.cd.example", "lab.mines.gouv.cd.example%3A8443"),
    )
    home = Home.open(tmp_path / "verifier")
    try:
        resolver = did_resolver(home)
        for did in (MINISTRY, GEOLOGY, LAB):
            assert resolver.resolve(did)["id"] == did
    finally:
        home.engine.dispose()


# ---------------------------------------------------- 3. the document must be for the DID asked
def test_a_did_served_for_the_wrong_host_is_refused(
    nodes: Nodes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``impostor.example`` mapped to the ministry's server: its /issuers/ministry alias answers
    with did:web:mines.gouv.cd.example's document, which is not the DID asked."""
    monkeypatch.setenv("ORETRUST_DID_WEB_HOSTS", _hosts(nodes, "impostor.example"))
    home = Home.open(tmp_path / "verifier")
    try:
        resolver = did_resolver(home)
        with pytest.raises(ResolutionError) as caught:
            resolver.resolve("did:web:impostor.example:issuers:ministry")
        assert caught.value.code == "DID_DOCUMENT_ID_MISMATCH"
        with pytest.raises(ResolutionError) as caught:  # the server hosts nothing for it
            resolver.resolve("did:web:impostor.example")
        assert caught.value.code == "DID_RESOLUTION_ERROR" and "404" in caught.value.detail
    finally:
        home.engine.dispose()


def test_a_credential_from_a_domain_mapped_to_the_wrong_server_fails(nodes: Nodes) -> None:
    """mines.gouv.cd.example pointed at the refinery's server (which hosts nothing)."""
    result = _oretrust(
        "verify", str(nodes.credential), "--home", str(nodes.refinery_home), "--json",
        ORETRUST_DID_WEB_HOSTS=f"mines.gouv.cd.example={nodes.refinery_url}",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["verified"] is False
    assert "DID_RESOLUTION_ERROR" in {error["code"] for error in report["errors"]}


# ------------------------------------------------------ unmapped hosts: https only, no loopback
def test_unmapped_hosts_still_refuse_http_and_loopback(
    nodes: Nodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORETRUST_DID_WEB_HOSTS", _hosts(nodes, "mines.gouv.cd.example"))
    port = nodes.ministry_url.rsplit(":", 1)[1]
    with network_fetcher() as fetcher:
        assert b'"id":"did:web:mines.gouv.cd.example"' in fetcher.fetch(
            "https://mines.gouv.cd.example/.well-known/did.json"
        )
        for url in (
            f"http://127.0.0.1:{port}/.well-known/did.json",  # plain http, unmapped
            f"https://127.0.0.1:{port}/.well-known/did.json",  # loopback, unmapped
            f"https://localhost:{port}/.well-known/did.json",
            "http://mines.gouv.cd.example/.well-known/did.json",  # the URL asked is https only
        ):
            with pytest.raises(UnsafeUrlError):
                fetcher.fetch(url)


def test_an_unmapped_loopback_did_is_refused_by_the_resolver(
    nodes: Nodes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ORETRUST_DID_WEB_HOSTS", _hosts(nodes, "mines.gouv.cd.example"))
    port = nodes.ministry_url.rsplit(":", 1)[1]
    home = Home.open(tmp_path / "verifier")
    try:
        with pytest.raises(UnsafeUrlError):
            did_resolver(home).resolve(f"did:web:localhost%3A{port}")
    finally:
        home.engine.dispose()


# --------------------------------------------------------------- the setting is parsed strictly
def test_the_mapping_is_parsed() -> None:
    assert parse_did_web_hosts("") == {}
    assert parse_did_web_hosts(
        " Mines.Example=http://127.0.0.1:8001/ , lab.example%3A8443=https://10.0.0.5/base/"
    ) == {"mines.example": "http://127.0.0.1:8001", "lab.example:8443": "https://10.0.0.5/base"}


@pytest.mark.parametrize(
    "text",
    [
        "mines.example",  # no '='
        "mines.example=",  # no base URL
        "=http://127.0.0.1:8001",  # no domain
        "mines.example=ftp://127.0.0.1",
        "mines.example=127.0.0.1:8001",  # no scheme
        "mines.example=http://user:pw@127.0.0.1",
        "mines.example=http://127.0.0.1/?q=1",
        "mines.example=http://127.0.0.1/#x",
        "mines_example=http://127.0.0.1",
        "mines.example:99999=http://127.0.0.1",
        "a.example=http://127.0.0.1,,b.example=http://127.0.0.1",  # an empty entry
        "a.example=http://127.0.0.1,A.example=http://127.0.0.2",  # mapped twice
    ],
)
def test_a_bad_entry_is_an_input_error_naming_it(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_did_web_hosts(text)
    assert caught.value.code == "INVALID_SETTING"
    assert "ORETRUST_DID_WEB_HOSTS entry" in caught.value.detail


def test_a_bad_mapping_is_a_one_line_exit_2(nodes: Nodes) -> None:
    bad = f"mines.gouv.cd.example={nodes.ministry_url},douanes.gouv.cd.example"
    result = _oretrust(
        "verify", str(nodes.credential), "--home", str(nodes.refinery_home), "--json",
        ORETRUST_DID_WEB_HOSTS=bad,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "INVALID_SETTING" in lines[0] and "'douanes.gouv.cd.example'" in lines[0]


def test_serve_refuses_to_start_with_a_bad_mapping(tmp_path: Path) -> None:
    result = _oretrust(
        "serve", "--home", str(tmp_path), "--port", str(free_port()),
        ORETRUST_DID_WEB_HOSTS="mines.gouv.cd.example=gopher://x",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "INVALID_SETTING" in result.stderr


def test_a_ca_bundle_that_cannot_be_read_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ORETRUST_CA_BUNDLE", str(tmp_path / "missing.pem"))
    with pytest.raises(InputError) as caught:
        network_fetcher()
    assert caught.value.code == "INVALID_SETTING" and "ORETRUST_CA_BUNDLE" in caught.value.detail
    (tmp_path / "garbage.pem").write_text("not a certificate\n")
    monkeypatch.setenv("ORETRUST_CA_BUNDLE", str(tmp_path / "garbage.pem"))
    with pytest.raises(InputError):
        network_fetcher()
