"""Every party on its own node: the ministry issues to a holder it does not host, the holder
takes the credential into its own wallet (from a file or the URL it was published at) and
presents it to a refinery in a third home — and the ministry's home never holds a key of the
holder.

Three homes in separate folders, each with its own database and keys/. Between them travel
only what a party publishes: the ministry's DID document and signed status lists (read here
from what the ministry's home would serve, standing in for the HTTPS GETs), the credential
file, the holder's presentation. Each home verifies with its own verifier.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from conftest import run_oretrust
from oretrust import holder, identities
from oretrust.credentials import EXAMPLES
from oretrust.did import DefaultDidResolver, create_did_jwk, signing_jwk
from oretrust.errors import InputError, ResolutionError, UnsafeUrlError
from oretrust.formats.jws import parse_compact
from oretrust.formats.sd_jwt import parse_sd_jwt
from oretrust.home import Home
from oretrust.hosted_dids import hosted_did_document
from oretrust.issuer import holder_key, issue_credential, issue_sd_jwt_credential
from oretrust.jwk import public_jwk
from oretrust.keys import generate_private_key
from oretrust.status.check import status_check
from oretrust.status.operations import revoke
from oretrust.status.resolver import HomeStatusListResolver
from oretrust.store.models import KeyRecord
from oretrust.verifier import Verifier, same_key

MINISTRY = "did:web:mines.gouv.cd.example"
REFINERY_AUDIENCE = "https://refinery.example/verify"


@dataclass
class Nodes:
    ministry: Home
    kivu: Home
    refinery: Home
    kivu_did: str
    now: datetime


def _home(folder: Path) -> Home:
    return Home.open(folder, database_url=f"sqlite:///{folder / 'oretrust.db'}")


@pytest.fixture
def nodes(tmp_path: Path, now: datetime) -> Iterator[Nodes]:
    ministry = _home(tmp_path / "ministry")
    ministry.set_domain("mines.gouv.cd.example")
    identities.add_issuer(
        ministry, "ministry-of-mines", display_name="Ministère des Mines", did=MINISTRY, now=now
    )
    kivu = _home(tmp_path / "kivu")
    kivu_did = identities.add_holder(
        kivu, "kivu-minerals", display_name="Kivu Minerals SARL", now=now
    ).did
    refinery = _home(tmp_path / "refinery")
    yield Nodes(ministry, kivu, refinery, kivu_did, now)
    for home in (ministry, kivu, refinery):
        home.engine.dispose()


class _Published:
    """The ministry's status lists as its node serves them (signed documents only)."""

    def __init__(self, ministry: Home) -> None:
        self._served = HomeStatusListResolver(ministry)

    def fetch(self, url: str) -> str:
        return self._served.fetch(url)


def verifier_of_another_node(nodes: Nodes) -> Verifier:
    """A verifier for a home that is not the ministry's: it knows the ministry's DID document
    and status lists only as published (no database, no key of the ministry)."""
    document = hosted_did_document(nodes.ministry, MINISTRY)
    assert document is not None
    published = {MINISTRY: document}
    dids = DefaultDidResolver(fetcher=None, local=published.get)  # did:jwk resolve alone
    return Verifier(dids, extra_checks=[status_check(_Published(nodes.ministry), dids)])


def licence_subject(holder_did: str) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["MiningLicenceCredential"])
    subject["holder"]["id"] = holder_did
    subject["id"] = holder_did
    return subject


def key_inventory(home: Home) -> list[tuple[str, dict[str, Any]]]:
    """Every key a home holds: each row of its key table (owner DID, public JWK) and each
    private key file in its keys/ folder (as its public JWK, owner ``file:<name>``)."""
    with home.session() as session:
        rows = [(r.owner_did, r.public_jwk) for r in session.exec(select(KeyRecord))]
    files = [
        (f"file:{path.stem}", public_jwk(home.keys.load(path.stem).public_key()))
        for path in sorted(home.keys.folder.glob("*.pem"))
    ]
    return rows + files


def assert_holds_no_key_of(home: Home, did: str, key: dict[str, Any]) -> None:
    inventory = key_inventory(home)
    assert [owner for owner, _ in inventory if owner == did] == []
    assert [owner for owner, jwk in inventory if same_key(jwk, key)] == []


# ------------------------------------------------------------------ the whole flow


def test_issue_to_external_did_jwk_receive_present_and_no_holder_key_at_the_ministry(
    nodes: Nodes, tmp_path: Path
) -> None:
    kivu_key = identities.list_keys(nodes.kivu, nodes.kivu_did)[0].public_jwk
    # 1. The ministry issues both formats to a DID it does not host.
    licence = issue_credential(
        nodes.ministry,
        issuer="ministry-of-mines",
        type_name="MiningLicenceCredential",
        subject=licence_subject(nodes.kivu_did),
        now=nodes.now,
    )
    origin_subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    origin_subject["exporter"]["id"] = nodes.kivu_did
    origin = issue_sd_jwt_credential(
        nodes.ministry,
        issuer="ministry-of-mines",
        type_name="MineralOriginCertificate",
        subject=origin_subject,
        holder=nodes.kivu_did,
        now=nodes.now,
    )
    assert parse_sd_jwt(origin.token).unverified_payload["cnf"] == {"jwk": kivu_key}
    # 2. Kivu receives both into its own wallet, verified by its own verifier.
    kivu_verifier = verifier_of_another_node(nodes)
    for issued in (licence, origin):
        holder.receive_credential(
            nodes.kivu, "kivu-minerals", issued.token, now=nodes.now, verifier=kivu_verifier
        )
    assert {e.credential_id for e in holder.list_wallet(nodes.kivu, "kivu-minerals")} == {
        licence.id,
        origin.id,
    }
    # 3. Kivu presents to the refinery (third home), which checks with its own verifier.
    token = holder.present(
        nodes.kivu,
        "kivu-minerals",
        [licence.id, origin.id],
        nonce="refinery-n-1",
        audience=REFINERY_AUDIENCE,
        now=nodes.now,
    )
    verified = verifier_of_another_node(nodes).verify_presentation(
        token, nonce="refinery-n-1", audience=REFINERY_AUDIENCE, now=nodes.now
    )
    assert verified.holder == nodes.kivu_did
    assert verified.report.verified
    # 4. After all of it: the ministry's and the refinery's homes hold no key of Kivu.
    ministry_keys = key_inventory(nodes.ministry)
    assert {owner for owner, _ in ministry_keys} >= {MINISTRY}  # it sees the ministry's own
    assert len([o for o, _ in ministry_keys if o.startswith("file:")]) == 1  # and its file
    assert_holds_no_key_of(nodes.ministry, nodes.kivu_did, kivu_key)
    assert_holds_no_key_of(nodes.refinery, nodes.kivu_did, kivu_key)
    assert any(same_key(jwk, kivu_key) for _, jwk in key_inventory(nodes.kivu))  # it sees keys


def test_the_key_inventory_would_catch_a_holder_key_in_the_issuers_home(nodes: Nodes) -> None:
    """The old way (the ministry's home generates the holder's key) fails the check."""
    hosted = identities.add_holder(nodes.ministry, "kivu", display_name="Kivu", now=nodes.now)
    key = identities.list_keys(nodes.ministry, hosted.did)[0].public_jwk
    with pytest.raises(AssertionError):
        assert_holds_no_key_of(nodes.ministry, hosted.did, key)


def test_revocation_at_the_ministry_reaches_the_holders_wallet_check(nodes: Nodes) -> None:
    licence = issue_credential(
        nodes.ministry,
        issuer="ministry-of-mines",
        type_name="MiningLicenceCredential",
        subject=licence_subject(nodes.kivu_did),
        now=nodes.now,
    )
    revoke(nodes.ministry, licence.id, reason="cancelled", now=nodes.now)
    with pytest.raises(Exception) as refused:
        holder.receive_credential(
            nodes.kivu,
            "kivu-minerals",
            licence.token,
            now=nodes.now + timedelta(seconds=1),
            verifier=verifier_of_another_node(nodes),
        )
    assert getattr(refused.value, "code", None) == "REVOKED"
    assert holder.list_wallet(nodes.kivu, "kivu-minerals") == []


# ------------------------------------------------------------------ the wallet refuses


def _stranger() -> tuple[str, dict[str, Any]]:
    key = public_jwk(generate_private_key("EdDSA").public_key())
    return create_did_jwk(key), key


def test_wallet_refuses_a_vc_jwt_issued_to_another_holder(nodes: Nodes) -> None:
    stranger, _ = _stranger()
    subject = copy.deepcopy(EXAMPLES["AuthorisedEconomicOperatorCredential"])
    subject["operator"] = {"id": stranger, "name": "Someone Else SARL"}
    subject["id"] = stranger
    aeo = issue_credential(
        nodes.ministry,
        issuer="ministry-of-mines",
        type_name="AuthorisedEconomicOperatorCredential",
        subject=subject,
        now=nodes.now,
    )
    with pytest.raises(InputError) as refused:
        holder.receive_credential(
            nodes.kivu,
            "kivu-minerals",
            aeo.token,
            now=nodes.now,
            verifier=verifier_of_another_node(nodes),
        )
    assert refused.value.code == "CREDENTIAL_NOT_FOR_HOLDER"
    assert holder.list_wallet(nodes.kivu, "kivu-minerals") == []


def test_wallet_refuses_an_sd_jwt_bound_to_another_key(nodes: Nodes) -> None:
    stranger, key = _stranger()
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    subject["exporter"]["id"] = nodes.kivu_did  # about Kivu, but bound to someone else's key
    origin = issue_sd_jwt_credential(
        nodes.ministry,
        issuer="ministry-of-mines",
        type_name="MineralOriginCertificate",
        subject=subject,
        holder=stranger,
        now=nodes.now,
    )
    assert parse_sd_jwt(origin.token).unverified_payload["cnf"] == {"jwk": key}
    with pytest.raises(InputError) as refused:
        holder.receive_credential(
            nodes.kivu,
            "kivu-minerals",
            origin.token,
            now=nodes.now,
            verifier=verifier_of_another_node(nodes),
        )
    assert refused.value.code == "KEY_BINDING_MISMATCH"


def test_wallet_keeps_a_forwarded_licence_about_another_party(nodes: Nodes) -> None:
    """A mining licence travels with the material (the verifier accepts it forwarded, with a
    warning), so a wallet keeps one about another party; an AEO status it refuses."""
    stranger, _ = _stranger()
    licence = issue_credential(
        nodes.ministry,
        issuer="ministry-of-mines",
        type_name="MiningLicenceCredential",
        subject=licence_subject(stranger),
        now=nodes.now,
    )
    entry = holder.receive_credential(
        nodes.kivu,
        "kivu-minerals",
        licence.token,
        now=nodes.now,
        verifier=verifier_of_another_node(nodes),
    )
    assert entry.credential_id == licence.id


# ------------------------------------------------------------------ did:web holders


class _Documents:
    """A did:web fetcher answering from a fixed map of URL → document."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents
        self.fetched: list[str] = []

    def fetch(self, url: str) -> bytes:
        self.fetched.append(url)
        return json.dumps(self.documents[url]).encode()


def test_an_sd_jwt_for_a_did_web_holder_is_bound_to_the_key_its_document_lists(
    nodes: Nodes,
) -> None:
    did = "did:web:kivu-minerals.example"
    key = public_jwk(generate_private_key("EdDSA").public_key())
    document = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {"id": f"{did}#key-1", "type": "JsonWebKey", "controller": did, "publicKeyJwk": key}
        ],
        "authentication": [f"{did}#key-1"],
    }
    fetcher = _Documents({"https://kivu-minerals.example/.well-known/did.json": document})
    nodes.ministry.services[("did_resolver", True)] = DefaultDidResolver(
        fetcher=fetcher, local=lambda d: hosted_did_document(nodes.ministry, d)
    )
    assert holder_key(nodes.ministry, did) == signing_jwk(
        document, f"{did}#key-1", "authentication"
    )
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    origin = issue_sd_jwt_credential(
        nodes.ministry,
        issuer="ministry-of-mines",
        type_name="MineralOriginCertificate",
        subject=subject,
        holder=did,
        now=nodes.now,
    )
    assert parse_sd_jwt(origin.token).unverified_payload["cnf"] == {"jwk": key}
    assert origin.holder == did
    assert set(fetcher.fetched) == {"https://kivu-minerals.example/.well-known/did.json"}


# ------------------------------------------------------------------ receiving from a URL


class _Serve:
    """A loopback HTTP server answering every GET with ``body`` (and ``status``)."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        body_, status_ = body, status

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(status_)
                self.send_header("Content-Length", str(len(body_)))
                self.end_headers()
                self.wfile.write(body_)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/credentials/1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_wallet_receives_a_credential_from_the_url_it_was_published_at(nodes: Nodes) -> None:
    licence = issue_credential(
        nodes.ministry,
        issuer="ministry-of-mines",
        type_name="MiningLicenceCredential",
        subject=licence_subject(nodes.kivu_did),
        now=nodes.now,
    )
    served = _Serve((licence.token + "\n").encode())
    try:
        token = holder.fetch_credential(served.url)
    finally:
        served.close()
    assert token == licence.token
    entry = holder.receive_credential(
        nodes.kivu, "kivu-minerals", token, now=nodes.now, verifier=verifier_of_another_node(nodes)
    )
    assert entry.credential_id == licence.id
    assert parse_compact(entry.token).unverified_payload()["credentialSubject"]["id"] == (
        nodes.kivu_did
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://issuer.example/credential",  # plain http off loopback
        "ftp://127.0.0.1/credential",
        "https://user:pw@issuer.example/credential",
        "file:///etc/passwd",
    ],
)
def test_fetch_refuses_unsafe_urls_before_any_traffic(url: str) -> None:
    def no_traffic(_request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    with pytest.raises(UnsafeUrlError):
        holder.fetch_credential(url, transport=httpx.MockTransport(no_traffic))


def test_fetch_is_bounded_in_size_and_refuses_errors_and_compression() -> None:
    local = "http://127.0.0.1:9/c"  # loopback: fetched directly, with the same bounds
    big = httpx.MockTransport(lambda _r: httpx.Response(200, stream=httpx.ByteStream(b"x" * 2000)))
    with pytest.raises(InputError) as too_big:
        holder.fetch_credential(local, max_bytes=1000, transport=big)
    assert too_big.value.code == "CREDENTIAL_FETCH_FAILED"
    assert "more than 1000 bytes" in too_big.value.detail
    missing = httpx.MockTransport(lambda _r: httpx.Response(404, stream=httpx.ByteStream(b"no")))
    with pytest.raises(InputError, match="HTTP 404"):
        holder.fetch_credential(local, transport=missing)
    redirect = httpx.MockTransport(
        lambda _r: httpx.Response(302, headers={"Location": "http://10.0.0.1/"})
    )
    with pytest.raises(InputError, match="HTTP 302"):
        holder.fetch_credential(local, transport=redirect)
    gzip = httpx.MockTransport(
        lambda _r: httpx.Response(
            200, stream=httpx.ByteStream(b"x"), headers={"Content-Encoding": "gzip"}
        )
    )
    with pytest.raises(InputError, match="compressed"):
        holder.fetch_credential(local, transport=gzip)


class _Failing:
    def fetch(self, url: str) -> bytes:
        raise ResolutionError(f"{url} took longer than 10 s")


class _Answering:
    def fetch(self, _url: str) -> bytes:
        return b"y" * 5000


def test_https_goes_through_the_networked_fetcher_and_its_failures_are_input_errors() -> None:
    with pytest.raises(InputError) as failed:
        holder.fetch_credential("https://issuer.example/c", fetcher=_Failing())
    assert failed.value.code == "CREDENTIAL_FETCH_FAILED"
    assert "took longer" in failed.value.detail
    with pytest.raises(InputError, match="more than 1000 bytes"):
        holder.fetch_credential("https://issuer.example/c", fetcher=_Answering(), max_bytes=1000)


def test_https_to_a_private_address_is_refused_unless_mapped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The SSRF rule of DID documents and status lists; ORETRUST_DID_WEB_HOSTS maps a domain
    to a laboratory base URL (here a loopback server) for credentials too."""
    monkeypatch.delenv("ORETRUST_DID_WEB_HOSTS", raising=False)
    with pytest.raises(UnsafeUrlError):
        holder.fetch_credential("https://10.0.0.1/c")
    served = _Serve(b"the-credential\n")
    base = served.url.rsplit("/credentials/1", 1)[0]
    monkeypatch.setenv("ORETRUST_DID_WEB_HOSTS", f"mines.gouv.cd.example={base}")
    try:
        got = holder.fetch_credential("https://mines.gouv.cd.example/credentials/1")
    finally:
        served.close()
    assert got == "the-credential"


def test_fetch_of_a_closed_port_is_an_input_error() -> None:
    served = _Serve(b"")
    url = served.url
    served.close()
    with pytest.raises(InputError) as refused:
        holder.fetch_credential(url, timeout=2)
    assert refused.value.code == "CREDENTIAL_FETCH_FAILED"


# ------------------------------------------------------------------ the CLI, as separate parties


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_cli_issue_to_a_holder_did_and_wallet_receive_from_url_and_refusal(
    tmp_path: Path,
) -> None:
    """Two CLI processes: the ministry issues with --holder-did to a did:jwk it does not host
    (dc+sd-jwt: cnf is that key); a wallet refuses it for a holder whose key it is not."""
    ministry = tmp_path / "ministry"
    assert run_oretrust(
        "issuer", "add", "ministry-of-mines", "--display-name", "Ministère des Mines",
        "--home", str(ministry),
    ).returncode == 0  # fmt: skip
    stranger, key = _stranger()
    subject = tmp_path / "origin.json"
    body = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    body["exporter"]["id"] = stranger
    subject.write_text(json.dumps(body), encoding="utf-8")
    out = tmp_path / "origin.sd-jwt"
    issued = run_oretrust(
        "issue", "--issuer", "ministry-of-mines", "--type", "MineralOriginCertificate",
        "--subject", str(subject), "--holder-did", stranger, "--format", "dc+sd-jwt",
        "--out", str(out), "--json", "--home", str(ministry),
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    assert json.loads(issued.stdout)["holder"] == stranger
    assert parse_sd_jwt(out.read_text().strip()).unverified_payload["cnf"] == {"jwk": key}
    # The ministry's home holds no holder at all, so no holder key.
    listed = run_oretrust("holder", "list", "--json", "--home", str(ministry))
    assert json.loads(listed.stdout) == []
    # --holder-did must be a DID, and not combined with --holder.
    bad = run_oretrust(
        "issue", "--issuer", "ministry-of-mines", "--type", "MineralOriginCertificate",
        "--subject", str(subject), "--holder-did", "kivu", "--home", str(ministry),
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: INVALID_INPUT: --holder-did must be a DID")


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_cli_wallet_receive_refuses_a_credential_for_another_holder_from_a_url(
    tmp_path: Path,
) -> None:
    """A home with an issuer and two holders (one process reads it): a vc+jwt AEO status
    (not a type that travels with the material) issued to ``other`` and published at a
    loopback URL is refused for ``kivu`` with CREDENTIAL_NOT_FOR_HOLDER (exit 2) and accepted
    for ``other``; plain http off loopback is UNSAFE_URL."""
    now = datetime.now(UTC)  # the CLI process reads the real clock
    folder = tmp_path / "home"
    home = _home(folder)
    identities.add_issuer(home, "ministry-of-mines", display_name="Ministère", now=now)
    identities.add_holder(home, "kivu", display_name="Kivu", now=now)
    other = identities.add_holder(home, "other", display_name="Other", now=now).did
    subject = copy.deepcopy(EXAMPLES["AuthorisedEconomicOperatorCredential"])
    subject["operator"] = {"id": other, "name": "Other SARL"}
    subject["id"] = other
    licence = issue_credential(
        home,
        issuer="ministry-of-mines",
        type_name="AuthorisedEconomicOperatorCredential",
        subject=subject,
        now=now - timedelta(minutes=1),
    )
    home.engine.dispose()
    served = _Serve(licence.token.encode())
    try:
        refused = run_oretrust("wallet", "receive", served.url, "--holder", "kivu",
                               "--home", str(folder))  # fmt: skip
        accepted = run_oretrust("wallet", "receive", served.url, "--holder", "other",
                                "--home", str(folder))  # fmt: skip
    finally:
        served.close()
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith("error: CREDENTIAL_NOT_FOR_HOLDER: ")
    assert accepted.returncode == 0, accepted.stderr
    assert licence.id in accepted.stdout
    plain = run_oretrust("wallet", "receive", "http://issuer.example/c", "--holder", "other",
                         "--home", str(folder))  # fmt: skip
    assert plain.returncode == 2
    assert plain.stderr.startswith("error: UNSAFE_URL: ")
