"""The signed trust list: export, offline verification, expiry, wrong signer, rollback."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from issuance_support import issue_past_the_registry
from oretrust import registry
from oretrust.credentials import EXAMPLES
from oretrust.did import StaticDidResolver
from oretrust.encoding import b64url_decode
from oretrust.errors import ResolutionError
from oretrust.formats.jws import sign_compact
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.identities import add_issuer
from oretrust.issuer import issue_credential
from oretrust.keys import LocalSigner, generate_private_key
from oretrust.registry import FileTrustListStore, InMemoryTrustListStore, load_trust_list
from oretrust.verifier import Verifier

REGISTRY = "did:web:registry.minerals-trust.example"
MINISTRY = "did:web:mines.gouv.cd.example"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    opened = Home.open(tmp_path, database_url=f"sqlite:///{tmp_path / 'oretrust.db'}")
    registry.init_registry(
        opened, did=REGISTRY, display_name="Regional Registry", now=at("2025-12-01")
    )
    add_issuer(opened, "ministry", display_name="Ministry", did=MINISTRY, now=at("2025-12-01"))
    accreditation = registry.accredit(
        opened,
        MINISTRY,
        "MineralOriginCertificate",
        "CD",
        now=at("2026-01-01"),
        valid_until=at("2028-01-01"),
    )
    registry.accredit(
        opened,
        "did:web:douanes.example",
        "AuthorisedEconomicOperatorCredential",
        "CD",
        now=at("2026-01-01"),
    )
    registry.suspend(opened, accreditation.id, reason="audit", now=at("2026-03-01"))
    registry.reinstate(opened, accreditation.id, now=at("2026-03-15"))
    return opened


@pytest.fixture
def pinned(home: Home) -> StaticDidResolver:
    """The registry's DID document as a verifier saved it (keys pinned)."""
    return StaticDidResolver({REGISTRY: did_resolver(home, allow_network=False).resolve(REGISTRY)})


def claims_of(token: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return value


def test_trust_list_follows_the_scripting_contract(home: Home, now: datetime) -> None:
    token = registry.export_trust_list(home, now=now)
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header["typ"] == "trust-list+jwt"
    assert header["kid"].startswith(REGISTRY + "#")
    claims = claims_of(token)
    assert claims["iss"] == REGISTRY
    assert isinstance(claims["iat"], int) and isinstance(claims["exp"], int)
    assert claims["exp"] - claims["iat"] == 24 * 3600
    for entry in claims["accreditations"]:
        assert {"entity_id", "action", "resource", "valid_from", "valid_until", "status"} <= set(
            entry
        )
        assert entry["action"].startswith("issue:")
    assert {h["code"] for h in claims["high_risk_jurisdictions"]} >= {"CD-NK"}
    assert claims["log_head"]["hash"] == registry.history(home)[-1].hash


def test_trust_list_round_trips(home: Home, pinned: StaticDidResolver, now: datetime) -> None:
    token = registry.export_trust_list(home, now=now)
    trust_list = load_trust_list(token, registry_did=REGISTRY, resolver=pinned, now=now)
    assert set(trust_list.accreditations) == set(registry.list_accreditations(home))
    assert set(trust_list.flags) == set(registry.list_flags(home))
    assert trust_list.issued_at == now
    assert trust_list.expires_at == now + timedelta(hours=24)


def test_withdrawn_accreditations_stay_listed_with_their_time(
    home: Home, pinned: StaticDidResolver, now: datetime
) -> None:
    accreditation = registry.find_accreditation(home, MINISTRY, "MineralOriginCertificate", "CD")
    registry.withdraw(
        home, accreditation.id, effective=at("2026-06-01"), reason="fraud", now=at("2026-11-01")
    )
    token = registry.export_trust_list(home, now=now)
    entry = next(e for e in claims_of(token)["accreditations"] if e["entity_id"] == MINISTRY)
    assert entry["status"] == "withdrawn"
    assert entry["withdrawn_at"] == "2026-06-01T00:00:00Z"
    assert entry["suspensions"] == [
        {"from": "2026-03-01T00:00:00Z", "until": "2026-03-15T00:00:00Z"}
    ]


def test_offline_check_judges_like_the_registry(
    home: Home, pinned: StaticDidResolver, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_past_the_registry(monkeypatch)  # back-dated into the suspension, as a key holder can
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    tokens = {
        when: issue_credential(
            home,
            issuer="ministry",
            type_name="MineralOriginCertificate",
            subject=subject,
            now=at(when),
            valid_until=now + timedelta(days=30),
        ).token
        for when in ("2026-02-01", "2026-03-10", "2026-05-01", "2026-07-01")
    }
    accreditation = registry.find_accreditation(home, MINISTRY, "MineralOriginCertificate", "CD")
    registry.withdraw(
        home, accreditation.id, effective=at("2026-06-01"), reason="fraud", now=at("2026-11-01")
    )
    trust_list = load_trust_list(
        registry.export_trust_list(home, now=now), registry_did=REGISTRY, resolver=pinned, now=now
    )
    resolver = did_resolver(home, allow_network=False)
    online = Verifier(resolver, extra_checks=[registry.home_accreditation_check(home)])
    offline = Verifier(
        resolver,
        extra_checks=[registry.accreditation_check(registry.trust_list_source(trust_list))],
    )
    verdicts = {
        when: offline.check_credential(token, now=now).code for when, token in tokens.items()
    }
    assert verdicts == {
        "2026-02-01": "OK",
        "2026-03-10": "ISSUER_NOT_ACCREDITED",  # suspended
        "2026-05-01": "OK",
        "2026-07-01": "ISSUER_NOT_ACCREDITED",  # withdrawn as of 2026-06-01
    }
    assert verdicts == {
        when: online.check_credential(token, now=now).code for when, token in tokens.items()
    }


def test_expired_trust_list_refused(home: Home, pinned: StaticDidResolver, now: datetime) -> None:
    token = registry.export_trust_list(home, now=now, lifetime=timedelta(hours=6))
    load_trust_list(token, registry_did=REGISTRY, resolver=pinned, now=now + timedelta(hours=5))
    with pytest.raises(ResolutionError) as caught:
        load_trust_list(token, registry_did=REGISTRY, resolver=pinned, now=now + timedelta(hours=7))
    assert caught.value.code == "TRUST_LIST_EXPIRED"


def test_trust_list_from_the_future_refused(
    home: Home, pinned: StaticDidResolver, now: datetime
) -> None:
    token = registry.export_trust_list(home, now=now + timedelta(days=2))
    with pytest.raises(ResolutionError) as caught:
        load_trust_list(token, registry_did=REGISTRY, resolver=pinned, now=now)
    assert caught.value.code == "TRUST_LIST_NOT_YET_VALID"


def test_trust_list_signed_by_another_key_refused(
    home: Home, pinned: StaticDidResolver, now: datetime
) -> None:
    payload = b64url_decode(registry.export_trust_list(home, now=now).split(".")[1])
    forger = LocalSigner(generate_private_key("EdDSA"), f"{REGISTRY}#key-1")
    forged = sign_compact({"typ": "trust-list+jwt"}, payload, forger)
    with pytest.raises(ResolutionError) as caught:
        load_trust_list(forged, registry_did=REGISTRY, resolver=pinned, now=now)
    assert caught.value.code == "TRUST_LIST_SIGNATURE_INVALID"


def test_trust_list_of_another_registry_refused(
    tmp_path: Path, home: Home, pinned: StaticDidResolver, now: datetime
) -> None:
    other_home = Home.open(tmp_path / "other", database_url=f"sqlite:///{tmp_path / 'other.db'}")
    registry.init_registry(
        other_home, did="did:web:rogue-registry.example", display_name="Rogue", now=now
    )
    token = registry.export_trust_list(other_home, now=now)
    both = StaticDidResolver(
        {
            REGISTRY: pinned.resolve(REGISTRY),
            "did:web:rogue-registry.example": did_resolver(other_home, allow_network=False).resolve(
                "did:web:rogue-registry.example"
            ),
        }
    )
    with pytest.raises(ResolutionError) as caught:
        load_trust_list(token, registry_did=REGISTRY, resolver=both, now=now)
    assert caught.value.code == "TRUST_LIST_SIGNATURE_INVALID"


def test_trust_list_with_iss_of_another_registry_refused(
    home: Home, pinned: StaticDidResolver, now: datetime
) -> None:
    from oretrust.identities import signer_for

    claims = claims_of(registry.export_trust_list(home, now=now))
    claims["iss"] = "did:web:elsewhere.example"
    token = sign_compact(
        {"typ": "trust-list+jwt"}, json.dumps(claims).encode(), signer_for(home, REGISTRY)
    )
    with pytest.raises(ResolutionError) as caught:
        load_trust_list(token, registry_did=REGISTRY, resolver=pinned, now=now)
    assert caught.value.code == "TRUST_LIST_SIGNATURE_INVALID"


def test_trust_list_signed_with_a_compromised_registry_key_refused(
    home: Home, now: datetime
) -> None:
    """A thief's list, signed after the registry marked its key compromised, is refused."""
    from oretrust.identities import list_keys, mark_key_compromised

    token = registry.export_trust_list(home, now=now)
    kid = list_keys(home, REGISTRY)[0].kid
    mark_key_compromised(home, kid, as_of=now - timedelta(hours=1), now=now)
    updated = StaticDidResolver(
        {REGISTRY: did_resolver(home, allow_network=False).resolve(REGISTRY)}
    )
    with pytest.raises(ResolutionError) as caught:
        load_trust_list(token, registry_did=REGISTRY, resolver=updated, now=now)
    assert caught.value.code == "TRUST_LIST_SIGNATURE_INVALID"
    assert "compromised" in caught.value.detail


def test_trust_list_signed_before_the_key_was_compromised_accepted(
    home: Home, now: datetime
) -> None:
    from oretrust.identities import list_keys, mark_key_compromised

    token = registry.export_trust_list(home, now=now)
    mark_key_compromised(
        home, list_keys(home, REGISTRY)[0].kid, as_of=now + timedelta(hours=1), now=now
    )
    updated = StaticDidResolver(
        {REGISTRY: did_resolver(home, allow_network=False).resolve(REGISTRY)}
    )
    assert load_trust_list(token, registry_did=REGISTRY, resolver=updated, now=now).token == token


@pytest.mark.parametrize("typ", ["JWT", "vc+jwt", None])
def test_trust_list_with_wrong_typ_refused(
    home: Home, pinned: StaticDidResolver, now: datetime, typ: str | None
) -> None:
    from oretrust.identities import signer_for

    payload = b64url_decode(registry.export_trust_list(home, now=now).split(".")[1])
    token = sign_compact({} if typ is None else {"typ": typ}, payload, signer_for(home, REGISTRY))
    with pytest.raises(ResolutionError) as caught:
        load_trust_list(token, registry_did=REGISTRY, resolver=pinned, now=now)
    assert caught.value.code == "TRUST_LIST_INVALID"


def test_rollback_to_an_older_trust_list_refused(
    home: Home, pinned: StaticDidResolver, now: datetime
) -> None:
    older = registry.export_trust_list(home, now=now)
    newer = registry.export_trust_list(home, now=now + timedelta(hours=1))
    store = InMemoryTrustListStore()
    load_trust_list(
        newer, registry_did=REGISTRY, resolver=pinned, now=now + timedelta(hours=1), store=store
    )
    load_trust_list(
        newer, registry_did=REGISTRY, resolver=pinned, now=now + timedelta(hours=2), store=store
    )
    with pytest.raises(ResolutionError) as caught:
        load_trust_list(
            older, registry_did=REGISTRY, resolver=pinned, now=now + timedelta(hours=2), store=store
        )
    assert caught.value.code == "TRUST_LIST_ROLLBACK"
    assert store.cached_token(REGISTRY) == newer


def test_exports_in_the_same_second_get_increasing_iat(
    home: Home, pinned: StaticDidResolver, now: datetime
) -> None:
    first = registry.export_trust_list(home, now=now)
    second = registry.export_trust_list(home, now=now)
    assert claims_of(second)["iat"] == claims_of(first)["iat"] + 1
    store = InMemoryTrustListStore()
    load_trust_list(second, registry_did=REGISTRY, resolver=pinned, now=now, store=store)
    with pytest.raises(ResolutionError):
        load_trust_list(first, registry_did=REGISTRY, resolver=pinned, now=now, store=store)


def test_file_store_remembers_across_restarts(
    tmp_path: Path, home: Home, pinned: StaticDidResolver, now: datetime
) -> None:
    older = registry.export_trust_list(home, now=now)
    newer = registry.export_trust_list(home, now=now + timedelta(minutes=5))
    folder = tmp_path / "verifier-cache"
    load_trust_list(
        newer,
        registry_did=REGISTRY,
        resolver=pinned,
        now=now + timedelta(minutes=5),
        store=FileTrustListStore(folder),
    )
    restarted = FileTrustListStore(folder)
    assert restarted.highest(REGISTRY) == (claims_of(newer)["iat"], restarted.highest(REGISTRY)[1])  # type: ignore[index]
    assert restarted.cached_token(REGISTRY) == newer
    with pytest.raises(ResolutionError) as caught:
        load_trust_list(
            older,
            registry_did=REGISTRY,
            resolver=pinned,
            now=now + timedelta(minutes=6),
            store=restarted,
        )
    assert caught.value.code == "TRUST_LIST_ROLLBACK"


def test_refused_list_is_not_recorded(home: Home, pinned: StaticDidResolver, now: datetime) -> None:
    store = InMemoryTrustListStore()
    token = registry.export_trust_list(home, now=now, lifetime=timedelta(hours=1))
    with pytest.raises(ResolutionError):
        load_trust_list(
            token, registry_did=REGISTRY, resolver=pinned, now=now + timedelta(hours=2), store=store
        )
    assert store.highest(REGISTRY) is None


def test_trqp_over_a_trust_list(home: Home, pinned: StaticDidResolver, now: datetime) -> None:
    trust_list = load_trust_list(
        registry.export_trust_list(home, now=now), registry_did=REGISTRY, resolver=pinned, now=now
    )
    request = registry.AuthorizationRequest(
        entity_id=MINISTRY,
        authority_id=REGISTRY,
        action="issue:MineralOriginCertificate",
        resource="CD-LU",
        context={"time": at("2026-03-10")},
    )
    source = registry.trust_list_source(trust_list)
    assert not registry.authorization(source, request, now=now).authorized  # suspended then
    later = request.model_copy(update={"context": registry.trqp.TrqpContext(time=at("2026-04-01"))})
    assert registry.authorization(source, later, now=now).authorized
