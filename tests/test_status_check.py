"""The verifier's status check against hand-built, signed status lists (no home, no network).

Lists are served by an in-memory resolver, DIDs by a static one, so every attack on the list
itself — wrong signer, bomb, truncation, expiry, mismatched id — has its own named test.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from oretrust.did import DefaultDidResolver, HttpsFetcher, build_did_web_document
from oretrust.encoding import b64url_encode
from oretrust.formats.jws import sign_compact
from oretrust.formats.vc_jwt import sign_credential
from oretrust.keys import LocalSigner, generate_private_key
from oretrust.report import VerificationReport
from oretrust.status.bitstring import MIN_BITSTRING_ENTRIES, BitstringStatusList
from oretrust.status.check import StatusListCache, status_check
from oretrust.status.publication import (
    build_bitstring_status_list_credential,
    build_status_list_token_claims,
)
from oretrust.status.resolver import (
    STATUS_RETRIEVAL_ERROR,
    HttpsStatusListResolver,
    InMemoryStatusListResolver,
)
from oretrust.status.token_status_list import TokenStatusList
from oretrust.verifier import Verifier

MINISTRY = "did:web:mines.gouv.cd.example"
CUSTOMS = "did:web:douanes.gouv.cd.example"
REVOCATION_URL = "https://mines.gouv.cd.example/status/abc-revocation"
SUSPENSION_URL = "https://mines.gouv.cd.example/status/abc-suspension"
TSL_URL = "https://mines.gouv.cd.example/status/abc-tsl"
INDEX = 4242


@dataclass
class World:
    now: datetime
    ministry: LocalSigner = field(
        default_factory=lambda: LocalSigner(generate_private_key(), f"{MINISTRY}#key-1")
    )
    customs: LocalSigner = field(
        default_factory=lambda: LocalSigner(generate_private_key(), f"{CUSTOMS}#key-1")
    )
    lists: InMemoryStatusListResolver = field(default_factory=InMemoryStatusListResolver)
    cache: StatusListCache = field(default_factory=StatusListCache)

    @property
    def did_resolver(self) -> DefaultDidResolver:
        return DefaultDidResolver(
            fetcher=None,
            local={
                MINISTRY: build_did_web_document(MINISTRY, [("key-1", self.ministry.public_jwk)]),
                CUSTOMS: build_did_web_document(CUSTOMS, [("key-1", self.customs.public_jwk)]),
            },
        )

    @property
    def verifier(self) -> Verifier:
        check = status_check(self.lists, self.did_resolver, self.cache)
        return Verifier(self.did_resolver, extra_checks=[check])

    def credential(self, *, purposes: tuple[str, ...] = ("revocation", "suspension")) -> str:
        urls = {"revocation": REVOCATION_URL, "suspension": SUSPENSION_URL}
        document = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:3f7a1f2e-8d55-4a4c-9f65-1f1e8c2b7d01",
            "type": ["VerifiableCredential"],
            "issuer": MINISTRY,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:web:kivu.example", "licenceNumber": "PE 13258"},
            "credentialStatus": [
                {
                    "id": f"{urls[purpose]}#{INDEX}",
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": purpose,
                    "statusListIndex": str(INDEX),
                    "statusListCredential": urls[purpose],
                }
                for purpose in purposes
            ],
        }
        return sign_credential(document, self.ministry, now=self.now)

    def bitstring_list(
        self,
        url: str,
        purpose: str,
        *,
        set_indices: tuple[int, ...] = (),
        signer: LocalSigner | None = None,
        issuer: str = MINISTRY,
        **overrides: Any,
    ) -> str:
        bits = BitstringStatusList()
        for index in set_indices:
            bits.set(index)
        document = build_bitstring_status_list_credential(
            issuer=issuer,
            url=url,
            purpose=purpose,
            status_list=bits,
            now=self.now,  # type: ignore[arg-type]
        )
        document["credentialSubject"].update(overrides.pop("subject", {}))
        document.update(overrides)
        return sign_credential(document, signer or self.ministry, now=self.now)

    def publish(self, *, revoked: tuple[int, ...] = (), suspended: tuple[int, ...] = ()) -> None:
        self.lists.put(
            REVOCATION_URL, self.bitstring_list(REVOCATION_URL, "revocation", set_indices=revoked)
        )
        self.lists.put(
            SUSPENSION_URL, self.bitstring_list(SUSPENSION_URL, "suspension", set_indices=suspended)
        )

    def check(self, token: str | None = None) -> VerificationReport:
        return self.verifier.check_credential(token or self.credential(), now=self.now)


@pytest.fixture
def world(now: datetime) -> World:
    return World(now)


def _status(report: VerificationReport) -> Any:
    checks = [check for check in report.checks if check.id == "status"]
    assert len(checks) == 1, report.to_dict()
    return checks[0]


def test_valid_when_no_bit_is_set(world: World) -> None:
    world.publish()
    report = world.check()
    assert report.verdict == "VALID", report.to_dict()
    assert _status(report).code == "OK"


def test_revocation_bit_gives_revoked(world: World) -> None:
    world.publish(revoked=(INDEX,))
    report = world.check()
    assert report.verdict == "REVOKED"
    assert _status(report).code == "REVOKED"


def test_suspension_bit_gives_suspended(world: World) -> None:
    world.publish(suspended=(INDEX,))
    report = world.check()
    assert report.verdict == "SUSPENDED"
    assert _status(report).code == "SUSPENDED"


def test_other_indices_do_not_matter(world: World) -> None:
    world.publish(revoked=(INDEX - 1, INDEX + 1, 0, MIN_BITSTRING_ENTRIES - 1))
    assert world.check().verdict == "VALID"


def test_list_fetch_failure_is_status_retrieval_error(world: World) -> None:
    report = world.check()  # nothing published
    assert not report.verified
    assert report.verdict == "INVALID"
    assert _status(report).code == STATUS_RETRIEVAL_ERROR


def test_one_missing_list_still_fails(world: World) -> None:
    world.lists.put(REVOCATION_URL, world.bitstring_list(REVOCATION_URL, "revocation"))
    assert _status(world.check()).code == STATUS_RETRIEVAL_ERROR


def test_revoked_wins_over_an_unreachable_suspension_list(world: World) -> None:
    world.lists.put(
        REVOCATION_URL, world.bitstring_list(REVOCATION_URL, "revocation", set_indices=(INDEX,))
    )
    status = _status(world.check())
    assert status.code == "REVOKED"
    assert STATUS_RETRIEVAL_ERROR in status.detail


def test_list_signed_by_another_issuer_rejected(world: World) -> None:
    # Customs publishes a valid list of its own at the URL the ministry's credential names.
    world.lists.put(
        REVOCATION_URL,
        world.bitstring_list(REVOCATION_URL, "revocation", signer=world.customs, issuer=CUSTOMS),
    )
    report = world.check(world.credential(purposes=("revocation",)))
    assert _status(report).code == STATUS_RETRIEVAL_ERROR
    assert "STATUS_LIST_ISSUER_MISMATCH" in _status(report).detail


def test_list_claiming_the_issuer_but_signed_by_another_key_rejected(world: World) -> None:
    forged_signer = LocalSigner(world.customs.private_key, f"{MINISTRY}#key-1")
    world.lists.put(
        REVOCATION_URL, world.bitstring_list(REVOCATION_URL, "revocation", signer=forged_signer)
    )
    status = _status(world.check(world.credential(purposes=("revocation",))))
    assert status.code == STATUS_RETRIEVAL_ERROR
    assert "SIGNATURE_INVALID" in status.detail


def test_gzip_bomb_list_refused(world: World) -> None:
    bomb = "u" + b64url_encode(gzip.compress(bytes(32 * 1024 * 1024), mtime=0))
    world.lists.put(
        REVOCATION_URL,
        world.bitstring_list(REVOCATION_URL, "revocation", subject={"encodedList": bomb}),
    )
    status = _status(world.check(world.credential(purposes=("revocation",))))
    assert status.code == STATUS_RETRIEVAL_ERROR
    assert "STATUS_LIST_TOO_LARGE" in status.detail


def test_truncated_list_refused(world: World) -> None:
    whole = gzip.compress(BitstringStatusList().to_bytes(), mtime=0)
    truncated = "u" + b64url_encode(whole[: len(whole) - 6])
    world.lists.put(
        REVOCATION_URL,
        world.bitstring_list(REVOCATION_URL, "revocation", subject={"encodedList": truncated}),
    )
    status = _status(world.check(world.credential(purposes=("revocation",))))
    assert status.code == STATUS_RETRIEVAL_ERROR
    assert "STATUS_LIST_MALFORMED" in status.detail


def test_too_short_list_refused(world: World) -> None:
    short = "u" + b64url_encode(gzip.compress(bytes(1024), mtime=0))
    world.lists.put(
        REVOCATION_URL,
        world.bitstring_list(REVOCATION_URL, "revocation", subject={"encodedList": short}),
    )
    status = _status(world.check(world.credential(purposes=("revocation",))))
    assert "STATUS_LIST_TOO_SHORT" in status.detail


def test_expired_list_refused(world: World) -> None:
    world.lists.put(
        REVOCATION_URL,
        world.bitstring_list(
            REVOCATION_URL,
            "revocation",
            validFrom="2026-10-01T00:00:00Z",
            validUntil="2026-11-01T00:00:00Z",
        ),
    )
    status = _status(world.check(world.credential(purposes=("revocation",))))
    assert "STATUS_LIST_EXPIRED" in status.detail


def test_list_served_under_another_url_refused(world: World) -> None:
    # A genuine list of the same issuer, replayed at the URL of another list.
    world.lists.put(REVOCATION_URL, world.bitstring_list(SUSPENSION_URL, "revocation"))
    status = _status(world.check(world.credential(purposes=("revocation",))))
    assert "STATUS_LIST_ID_MISMATCH" in status.detail


def test_revocation_entry_pointing_at_a_suspension_list_refused(world: World) -> None:
    world.lists.put(REVOCATION_URL, world.bitstring_list(REVOCATION_URL, "suspension"))
    status = _status(world.check(world.credential(purposes=("revocation",))))
    assert "STATUS_PURPOSE_MISMATCH" in status.detail


def test_list_with_wrong_typ_refused(world: World) -> None:
    document = build_bitstring_status_list_credential(
        issuer=MINISTRY,
        url=REVOCATION_URL,
        purpose="revocation",
        status_list=BitstringStatusList(),
        now=world.now,
    )
    token = sign_compact({"typ": "JWT"}, json.dumps(document).encode(), world.ministry)
    world.lists.put(REVOCATION_URL, token)
    status = _status(world.check(world.credential(purposes=("revocation",))))
    assert "TYP_INVALID" in status.detail


def test_unsupported_status_entry_type_fails(world: World) -> None:
    document = json.loads(
        json.dumps(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": MINISTRY,
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:web:kivu.example"},
                "credentialStatus": {"type": "StatusList2021Entry", "id": REVOCATION_URL + "#1"},
            }
        )
    )
    report = world.check(sign_credential(document, world.ministry, now=world.now))
    assert _status(report).code == STATUS_RETRIEVAL_ERROR


def test_credential_without_status_passes_with_no_status(world: World) -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": MINISTRY,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:web:kivu.example"},
    }
    report = world.check(sign_credential(document, world.ministry, now=world.now))
    assert report.verified
    assert _status(report).detail == "no status"


def test_lists_are_cached_for_their_ttl_then_fetched_again(world: World) -> None:
    world.publish()
    token = world.credential()
    assert world.check(token).verdict == "VALID"
    assert world.lists.fetches == 2
    world.publish(revoked=(INDEX,))
    assert world.check(token).verdict == "VALID"  # cached list (ttl 5 min), no new fetch
    assert world.lists.fetches == 2
    later = world.verifier.check_credential(token, now=world.now + timedelta(minutes=6))
    assert later.verdict == "REVOKED"
    assert world.lists.fetches == 4


def test_failed_lists_are_not_cached(world: World) -> None:
    token = world.credential()
    assert _status(world.check(token)).code == STATUS_RETRIEVAL_ERROR
    world.publish(revoked=(INDEX,))
    assert world.check(token).verdict == "REVOKED"


# ---------------------------------------------------------------------- Token Status List
def _tsl_token(
    world: World, values: dict[int, int], *, url: str = TSL_URL, signer: LocalSigner | None = None
) -> str:
    status_list = TokenStatusList(MIN_BITSTRING_ENTRIES, bits=2)
    for index, value in values.items():
        status_list.set(index, value)
    claims = build_status_list_token_claims(
        issuer=MINISTRY, url=url, status_list=status_list, now=world.now
    )
    return sign_compact(
        {"typ": "statuslist+jwt"}, json.dumps(claims).encode(), signer or world.ministry
    )


@pytest.mark.parametrize(("value", "code"), [(0, "OK"), (1, "REVOKED"), (2, "SUSPENDED")])
def test_token_status_list_reference(world: World, value: int, code: str) -> None:
    world.lists.put(TSL_URL, _tsl_token(world, {INDEX: value}))
    check = status_check(world.lists, world.did_resolver)
    report = VerificationReport(kind="credential")
    sd_jwt_payload = {"iss": MINISTRY, "status": {"status_list": {"idx": INDEX, "uri": TSL_URL}}}
    check(sd_jwt_payload, report, world.now)
    assert _status(report).code == code


def test_token_status_list_with_wrong_sub_refused(world: World) -> None:
    world.lists.put(
        TSL_URL, _tsl_token(world, {}, url="https://mines.gouv.cd.example/status/other")
    )
    report = VerificationReport(kind="credential")
    payload = {"iss": MINISTRY, "status": {"status_list": {"idx": INDEX, "uri": TSL_URL}}}
    status_check(world.lists, world.did_resolver)(payload, report, world.now)
    assert "STATUS_LIST_ID_MISMATCH" in _status(report).detail


def test_token_status_list_of_another_issuer_refused(world: World) -> None:
    status_list = TokenStatusList(16, bits=2)
    claims = build_status_list_token_claims(
        issuer=CUSTOMS, url=TSL_URL, status_list=status_list, now=world.now
    )
    world.lists.put(
        TSL_URL, sign_compact({"typ": "statuslist+jwt"}, json.dumps(claims).encode(), world.customs)
    )
    report = VerificationReport(kind="credential")
    payload = {"iss": MINISTRY, "status": {"status_list": {"idx": 1, "uri": TSL_URL}}}
    status_check(world.lists, world.did_resolver)(payload, report, world.now)
    assert "STATUS_LIST_ISSUER_MISMATCH" in _status(report).detail


# ---------------------------------------------------------------------- HTTPS resolver
def _https_resolver(handler: Any) -> HttpsStatusListResolver:
    fetcher = HttpsFetcher(
        transport=httpx.MockTransport(handler),
        resolve_host=lambda _host, _port: ["93.184.215.14"],
        error_code=STATUS_RETRIEVAL_ERROR,
    )
    return HttpsStatusListResolver(fetcher)


def test_https_resolver_serves_the_list(world: World) -> None:
    token = world.bitstring_list(REVOCATION_URL, "revocation", set_indices=(INDEX,))
    resolver = _https_resolver(lambda request: httpx.Response(200, text=token + "\n"))
    check = status_check(resolver, world.did_resolver)
    report = Verifier(world.did_resolver, extra_checks=[check]).check_credential(
        world.credential(purposes=("revocation",)), now=world.now
    )
    assert report.verdict == "REVOKED"


def test_https_resolver_http_error_is_status_retrieval_error(world: World) -> None:
    resolver = _https_resolver(lambda request: httpx.Response(404))
    check = status_check(resolver, world.did_resolver)
    report = Verifier(world.did_resolver, extra_checks=[check]).check_credential(
        world.credential(purposes=("revocation",)), now=world.now
    )
    assert _status(report).code == STATUS_RETRIEVAL_ERROR
    assert "HTTP 404" in _status(report).detail


def test_https_resolver_refuses_private_addresses(world: World) -> None:
    fetcher = HttpsFetcher(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, text="x")),
        resolve_host=lambda _host, _port: ["10.0.0.7"],
        error_code=STATUS_RETRIEVAL_ERROR,
    )
    check = status_check(HttpsStatusListResolver(fetcher), world.did_resolver)
    report = Verifier(world.did_resolver, extra_checks=[check]).check_credential(
        world.credential(purposes=("revocation",)), now=world.now
    )
    assert _status(report).code == STATUS_RETRIEVAL_ERROR
    assert "UNSAFE_URL" in _status(report).detail


@pytest.mark.parametrize("method_id", [f"{MINISTRY}#key-1", "#key-1"])
def test_list_signed_with_a_compromised_key_refused(world: World, method_id: str) -> None:
    """The key's ``revoked`` time counts whether the DID document names it absolutely or not."""
    from oretrust.did import StaticDidResolver
    from oretrust.errors import InvalidCredentialError
    from oretrust.status.list_tokens import verify_bitstring_status_list

    document = build_did_web_document(MINISTRY, [("key-1", world.ministry.public_jwk)])
    method = document["verificationMethod"][0]
    method["id"] = method_id
    method["revoked"] = "2026-01-01T00:00:00Z"  # before the list was signed (world.now)
    document["assertionMethod"] = [method_id]
    with pytest.raises(InvalidCredentialError) as caught:
        verify_bitstring_status_list(
            world.bitstring_list(REVOCATION_URL, "revocation"),
            url=REVOCATION_URL,
            did_resolver=StaticDidResolver({MINISTRY: document}),
            now=world.now,
        )
    assert caught.value.code == "KEY_COMPROMISED"
