"""Status lists across nodes: another home's lists over HTTP, cached with their freshness.

The issuer's node is an ``httpx.MockTransport`` answering like its ``/status/{id}`` route
(``Cache-Control: public, max-age=N``, a quoted ``ETag``, 304 on a matching
``If-None-Match``); requests still go through the SSRF-hardened ``HttpsFetcher`` (its host is
"resolved" to a public address, or to a private one to see it refused). One test at the end
runs the issuer's home under a real ``oretrust serve`` on a loopback port, reached through
``ORETRUST_DID_WEB_HOSTS``, and a verifier in another home through ``verifier_for``.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_support import serve_home
from oretrust import identities
from oretrust.credentials import EXAMPLES
from oretrust.did import DefaultDidResolver, DidResolver, HttpsFetcher, build_did_web_document
from oretrust.errors import InputError
from oretrust.formats.vc_jwt import sign_credential
from oretrust.home import Home
from oretrust.issuer import issue_credential
from oretrust.keys import LocalSigner, generate_private_key
from oretrust.report import VerificationReport
from oretrust.status.bitstring import BitstringStatusList
from oretrust.status.check import StatusListCache, status_check
from oretrust.status.http_cache import MAX_NEGATIVE_TTL, HttpStatusListCache
from oretrust.status.operations import revoke
from oretrust.status.publication import build_bitstring_status_list_credential
from oretrust.status.resolver import STATUS_RETRIEVAL_ERROR, HomeStatusListResolver
from oretrust.verifier import Verifier, verifier_for

MINISTRY = "did:web:mines.gouv.cd.example"
URL = "https://mines.gouv.cd.example/status/abc-revocation"
INDEX = 4242
NOW = datetime.fromisoformat("2026-06-01T12:00:00+00:00")


class CountingDids:
    """A DID resolver that counts resolutions (each list signature check resolves once)."""

    def __init__(self, inner: DidResolver) -> None:
        self.inner, self.resolutions = inner, 0

    def resolve(self, did: str) -> dict[str, Any]:
        self.resolutions += 1
        return self.inner.resolve(did)


@dataclass
class IssuerNode:
    """The issuer's ``/status/{id}`` as its route answers, with a switch to take it down."""

    signer: LocalSigner
    max_age: int = 300
    token: str = ""
    down: str | None = None  # None, "network" or an HTTP status such as "503"
    extra_headers: dict[str, str] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def publish(self, *, revoked: bool = False, at: datetime = NOW, **overrides: Any) -> None:
        bits = BitstringStatusList()
        if revoked:
            bits.set(INDEX)
        document = build_bitstring_status_list_credential(
            issuer=MINISTRY, url=URL, purpose="revocation", status_list=bits, now=at
        )
        document["credentialSubject"].update(overrides.pop("subject", {}))
        document.update(overrides)
        self.token = sign_credential(document, self.signer, now=at)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down == "network":
            raise httpx.ConnectError("connection refused", request=request)
        if self.down is not None:
            return httpx.Response(int(self.down))
        tag = f'"v-{hashlib.sha256(self.token.encode()).hexdigest()[:16]}"'
        headers = {"Cache-Control": f"public, max-age={self.max_age}", "ETag": tag}
        headers.update(self.extra_headers)
        if request.headers.get("If-None-Match") == tag:
            return httpx.Response(304, headers=headers)
        return httpx.Response(200, text=self.token, headers=headers)


@dataclass
class Node:
    """A verifier in another home: its HTTP status list cache and a verifier using it."""

    issuer: IssuerNode
    dids: CountingDids
    address: str = "93.184.215.14"
    negative_ttl: timedelta = timedelta(seconds=5)
    cache: HttpStatusListCache = field(init=False)

    def __post_init__(self) -> None:
        address = self.address
        self.cache = HttpStatusListCache(
            transport=httpx.MockTransport(self.issuer.handle),
            fetcher_factory=lambda client: HttpsFetcher(
                client=client,
                resolve_host=lambda _host, _port: [address],
                error_code=STATUS_RETRIEVAL_ERROR,
            ),
            negative_ttl=self.negative_ttl,
        )

    def check(self, token: str, at: datetime) -> VerificationReport:
        verifier = Verifier(self.dids, extra_checks=[status_check(self.cache, self.dids)])
        return verifier.check_credential(token, now=at)


@pytest.fixture
def signer() -> LocalSigner:
    return LocalSigner(generate_private_key(), f"{MINISTRY}#key-1")


@pytest.fixture
def issuer(signer: LocalSigner) -> IssuerNode:
    node = IssuerNode(signer, max_age=120)
    node.publish()
    return node


@pytest.fixture
def node(issuer: IssuerNode, signer: LocalSigner) -> Node:
    document = build_did_web_document(MINISTRY, [("key-1", signer.public_jwk)])
    return Node(issuer, CountingDids(DefaultDidResolver(fetcher=None, local={MINISTRY: document})))


@pytest.fixture
def credential(signer: LocalSigner) -> str:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:3f7a1f2e-8d55-4a4c-9f65-1f1e8c2b7d01",
        "type": ["VerifiableCredential"],
        "issuer": MINISTRY,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:web:kivu.example", "licenceNumber": "PE 13258"},
        "credentialStatus": {
            "id": f"{URL}#{INDEX}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(INDEX),
            "statusListCredential": URL,
        },
    }
    return sign_credential(document, signer, now=NOW)


def _status(report: VerificationReport) -> Any:
    return next(check for check in report.checks if check.id == "status")


def _source(report: VerificationReport) -> str:
    return str(report.status_lists[0]["source"])


# ---------------------------------------------------------------------- freshness
def test_max_age_is_respected_then_the_list_is_asked_for_again(node: Node, credential: str) -> None:
    assert node.check(credential, NOW).verdict == "VALID"
    assert len(node.issuer.requests) == 1
    within = node.check(credential, NOW + timedelta(seconds=119))
    assert (within.verdict, _source(within), len(node.issuer.requests)) == ("VALID", "cache", 1)
    assert within.status_lists[0]["cached_seconds"] == 119
    after = node.check(credential, NOW + timedelta(seconds=121))
    assert after.verdict == "VALID"
    assert len(node.issuer.requests) == 2


def test_max_age_never_outlives_the_lists_own_ttl(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    issuer.max_age = 86_400  # the server says a day; the list's ttl says 30 seconds
    issuer.publish(subject={"ttl": 30_000})
    node.check(credential, NOW)
    node.check(credential, NOW + timedelta(seconds=29))
    assert len(issuer.requests) == 1
    node.check(credential, NOW + timedelta(seconds=31))
    assert len(issuer.requests) == 2


def test_max_age_never_outlives_the_lists_validity(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    issuer.max_age = 3_600
    issuer.publish(
        subject={"ttl": 3_600_000}, validUntil=(NOW + timedelta(minutes=2)).strftime("%FT%TZ")
    )
    node.check(credential, NOW)
    report = node.check(credential, NOW + timedelta(minutes=2, seconds=1))
    assert len(issuer.requests) == 2  # asked again at the list's end, not after an hour
    assert report.verdict == "VALID"  # still within the verifier's 60 s leeway


@pytest.mark.parametrize(
    ("headers", "fresh_seconds"),
    [
        ({"Cache-Control": "max-age=86400"}, 3600),  # capped at MAX_FRESHNESS
        ({"Cache-Control": "max-age=600", "Age": "500"}, 100),  # a CDN held it 500 s already
        ({"Cache-Control": "no-cache, max-age=600"}, 0),  # revalidate every time
    ],
)
def test_freshness_is_bounded_by_the_cap_the_age_header_and_no_cache(
    node: Node, issuer: IssuerNode, credential: str, headers: dict[str, str], fresh_seconds: int
) -> None:
    issuer.extra_headers = headers
    issuer.publish(subject={"ttl": 86_400_000})
    node.check(credential, NOW)
    if fresh_seconds:
        node.check(credential, NOW + timedelta(seconds=fresh_seconds - 1))
        assert len(issuer.requests) == 1
    node.check(credential, NOW + timedelta(seconds=fresh_seconds + 1))
    assert len(issuer.requests) == 2


# ---------------------------------------------------------------------- revalidation
def test_if_none_match_is_sent_and_a_304_reuses_the_verified_list(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    node.check(credential, NOW)
    first = issuer.requests[0]
    assert "If-None-Match" not in first.headers
    resolutions = node.dids.resolutions
    report = node.check(credential, NOW + timedelta(seconds=200))
    assert issuer.requests[1].headers["If-None-Match"].startswith('"v-')
    assert (report.verdict, _source(report)) == ("VALID", "revalidated")
    # the credential's own signature resolved the DID once; the list's did not (304)
    assert node.dids.resolutions - resolutions == 1


def test_a_304_still_checks_the_lists_expiry(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    issuer.publish(validUntil=(NOW + timedelta(minutes=10)).strftime("%FT%TZ"))
    node.check(credential, NOW)
    report = node.check(credential, NOW + timedelta(minutes=12))
    assert issuer.requests[-1].headers.get("If-None-Match")  # revalidated: a 304 came back
    assert (report.verdict, _status(report).code) == ("INVALID", STATUS_RETRIEVAL_ERROR)
    assert "STATUS_LIST_EXPIRED" in _status(report).detail


def test_a_revocation_is_seen_once_max_age_has_passed(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    assert node.check(credential, NOW).verdict == "VALID"
    issuer.publish(revoked=True, at=NOW + timedelta(seconds=10))
    assert node.check(credential, NOW + timedelta(seconds=60)).verdict == "VALID"  # max-age
    report = node.check(credential, NOW + timedelta(seconds=121))
    assert (report.verdict, _source(report)) == ("REVOKED", "https")
    assert report.status_lists[0]["age_seconds"] == 111


# ---------------------------------------------------------------------- failures
@pytest.mark.parametrize("failure", ["network", "503"])
def test_unreachable_issuer_unexpired_cached_list_is_served_from_cache(
    node: Node, issuer: IssuerNode, credential: str, failure: str
) -> None:
    node.check(credential, NOW)
    issuer.down = failure
    report = node.check(credential, NOW + timedelta(minutes=30))
    assert (report.verdict, _source(report)) == ("VALID", "cache")
    assert report.status_lists[0]["cached_seconds"] == 1800
    assert any("served from cache" in warning for warning in report.warnings)


def test_unreachable_issuer_after_the_list_expired_fails_closed(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    issuer.publish(validUntil=(NOW + timedelta(hours=1)).strftime("%FT%TZ"))
    node.check(credential, NOW)
    issuer.down = "network"
    report = node.check(credential, NOW + timedelta(hours=2))
    assert (report.verdict, _status(report).code) == ("INVALID", STATUS_RETRIEVAL_ERROR)
    assert "STATUS_LIST_EXPIRED" in _status(report).detail


def test_unreachable_issuer_beyond_max_stale_fails_closed(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    node.check(credential, NOW)  # the list is valid for days; stale serving is not
    issuer.down = "network"
    report = node.check(credential, NOW + timedelta(hours=25))
    assert (report.verdict, _status(report).code) == ("INVALID", STATUS_RETRIEVAL_ERROR)


def test_a_list_the_issuer_no_longer_serves_is_not_served_from_cache(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    node.check(credential, NOW)
    issuer.down = "404"
    report = node.check(credential, NOW + timedelta(minutes=5))
    assert (_status(report).code, report.verdict) == (STATUS_RETRIEVAL_ERROR, "INVALID")
    assert "HTTP 404" in _status(report).detail


def test_a_new_list_that_does_not_verify_is_not_replaced_by_the_cached_one(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    node.check(credential, NOW)
    intruder = LocalSigner(generate_private_key(), f"{MINISTRY}#key-1")
    issuer.signer = intruder
    issuer.publish()
    report = node.check(credential, NOW + timedelta(minutes=5))
    assert (_status(report).code, report.verdict) == (STATUS_RETRIEVAL_ERROR, "INVALID")


def test_failures_are_remembered_for_a_few_seconds_only(
    node: Node, issuer: IssuerNode, credential: str
) -> None:
    issuer.down = "network"
    for seconds in (0, 1, 4):
        report = node.check(credential, NOW + timedelta(seconds=seconds))
        assert _status(report).code == STATUS_RETRIEVAL_ERROR
    assert len(issuer.requests) == 1  # the dead host was asked once in five seconds
    issuer.down = None
    assert node.check(credential, NOW + timedelta(seconds=6)).verdict == "VALID"
    assert len(issuer.requests) == 2


def test_the_negative_cache_cannot_be_set_long() -> None:
    with pytest.raises(InputError):
        HttpStatusListCache(negative_ttl=MAX_NEGATIVE_TTL + timedelta(seconds=1))


def test_the_ssrf_rules_apply_to_status_lists(
    issuer: IssuerNode, node: Node, credential: str
) -> None:
    private = Node(issuer, node.dids, address="10.0.0.7")
    report = private.check(credential, NOW)
    assert (_status(report).code, report.verdict) == (STATUS_RETRIEVAL_ERROR, "INVALID")
    assert "UNSAFE_URL" in _status(report).detail
    assert issuer.requests == []


# ---------------------------------------------------------------------- the report
def test_the_report_names_source_url_iat_and_age(node: Node, credential: str) -> None:
    report = node.check(credential, NOW + timedelta(seconds=90))
    entry = report.to_dict()["status_lists"][0]
    assert entry == {
        "url": URL,
        "purpose": "revocation",
        "index": INDEX,
        "source": "https",
        "iat": "2026-06-01T12:00:00Z",
        "age_seconds": 90,
    }
    detail = _status(report).detail
    assert f"{URL} index {INDEX} (source https, iat 2026-06-01T12:00:00Z, 90 s old)" in detail
    cached = node.check(credential, NOW + timedelta(seconds=100)).to_dict()["status_lists"][0]
    assert (cached["source"], cached["cached_seconds"], cached["age_seconds"]) == ("cache", 10, 100)


def test_a_home_names_its_own_lists_as_home_and_foreign_ones_by_fetch(
    tmp_path: Path, node: Node, credential: str
) -> None:
    home = Home.open(tmp_path / "home")
    identities.add_issuer(home, "ministry", display_name="Ministère", did=MINISTRY, now=NOW)
    holder = identities.add_holder(home, "kivu", display_name="Kivu", now=NOW)
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    for party in ("holder", "exporter", "operator"):
        if party in subject:
            subject[party]["id"] = holder.did
    own = issue_credential(
        home,
        issuer="ministry",
        type_name="MineralOriginCertificate",
        subject=subject,
        holder=holder.did,
        now=NOW,
    )
    report = verifier_for(home).check_credential(own.token, now=NOW)
    assert report.verdict == "VALID"
    assert {entry["source"] for entry in report.status_lists} == {"home"}
    # A home routes other hosts' URLs to its HTTP cache, which says it fetched them.
    lists = HomeStatusListResolver(home, fallback=node.cache)
    verifier = Verifier(node.dids, extra_checks=[status_check(lists, node.dids)])
    foreign = verifier.check_credential(credential, now=NOW)
    assert (foreign.verdict, _source(foreign)) == ("VALID", "https")


def test_a_shared_cache_keeps_the_remote_cache_too() -> None:
    cache = StatusListCache()
    assert isinstance(cache.remote, HttpStatusListCache)
    assert StatusListCache().remote is not cache.remote


# ---------------------------------------------------------------------- two real nodes


@pytest.mark.slow
def test_a_verifier_in_another_home_caches_revalidates_and_sees_a_revocation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime.now(UTC)
    ministry = Home.open(tmp_path / "ministry")
    ministry.set_domain("mines.gouv.cd.example")
    identities.add_issuer(ministry, "ministry", display_name="Ministère", did=MINISTRY, now=start)
    issued = issue_credential(
        ministry,
        issuer="ministry",
        type_name="MineralOriginCertificate",
        subject=EXAMPLES["MineralOriginCertificate"],
        valid_until=start + timedelta(days=30),
        now=start,
    )
    ministry.engine.dispose()
    refinery = Home.open(tmp_path / "refinery")
    with serve_home(tmp_path / "ministry") as base:
        monkeypatch.setenv("ORETRUST_DID_WEB_HOSTS", f"mines.gouv.cd.example={base}")

        def check(seconds: int) -> VerificationReport:
            # a new verifier each time, as the API builds one per request: the home keeps
            # the HTTP cache
            verifier = verifier_for(refinery)
            return verifier.check_credential(issued.token, now=start + timedelta(seconds=seconds))

        first = check(0)
        assert (first.verdict, _source(first)) == ("VALID", "https"), first.to_dict()
        assert first.status_lists[0]["url"].startswith("https://mines.gouv.cd.example/status/")
        assert (check(10).status_lists[0]["source"], check(10).verdict) == ("cache", "VALID")
        assert _source(check(301)) == "revalidated"  # max-age 300 s, then a 304
        revoke(ministry, issued.id, reason="fraud", now=start + timedelta(seconds=350))
        assert check(400).verdict == "VALID"  # fresh until 301 + 300 s
        revoked = check(602)
        assert (revoked.verdict, _source(revoked)) == ("REVOKED", "https")
