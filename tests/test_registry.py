"""The trust registry's model, lifecycle, TRQP queries and signed hash-chained log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlmodel import select

from oretrust import registry
from oretrust.encoding import b64url_encode
from oretrust.errors import ConflictError, InputError, NotFoundError
from oretrust.formats.jws import sign_compact
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.identities import add_issuer
from oretrust.keys import LocalSigner, generate_private_key
from oretrust.registry import AuthorizationRequest, RecognitionRequest
from oretrust.store.registry_models import AccreditationRecord, RegistryEventRecord

REGISTRY = "did:web:registry.minerals-trust.example"
MINISTRY = "did:web:mines.gouv.cd.example"
NATIONAL = "did:web:cami.gouv.cd.example"
ORIGIN = "issue:MineralOriginCertificate"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def home(tmp_path: Path, now: datetime) -> Home:
    opened = Home.open(tmp_path, database_url=f"sqlite:///{tmp_path / 'oretrust.db'}")
    registry.init_registry(
        opened, did=REGISTRY, display_name="Regional Minerals Registry", now=at("2025-12-01")
    )
    return opened


def ask(
    home: Home,
    when: datetime,
    *,
    entity: str = MINISTRY,
    action: str = ORIGIN,
    resource: str = "CD",
    now: datetime | None = None,
) -> registry.AuthorizationResponse:
    request = AuthorizationRequest(
        entity_id=entity,
        authority_id=REGISTRY,
        action=action,
        resource=resource,
        context={"time": when},
    )
    return registry.authorization(registry.RegistryTrustSource(home), request, now=now or when)


def accredit_ministry(home: Home, **kwargs: datetime) -> registry.Accreditation:
    return registry.accredit(
        home,
        MINISTRY,
        "MineralOriginCertificate",
        "CD",
        now=at("2026-01-01"),
        valid_from=kwargs.get("valid_from", at("2026-01-01")),
        valid_until=kwargs.get("valid_until", at("2027-01-01")),
        reason="accredited under the regional framework",
    )


# ---------------------------------------------------------------------------- accreditation
def test_accreditation_authorizes(home: Home) -> None:
    accredit_ministry(home)
    answer = ask(home, at("2026-03-01"))
    assert answer.authorized
    assert answer.entity_id == MINISTRY and answer.authority_id == REGISTRY
    assert answer.time_requested == at("2026-03-01")
    assert "accredited" in answer.message


def test_country_accreditation_covers_subdivision_not_the_reverse(home: Home) -> None:
    accredit_ministry(home)
    assert ask(home, at("2026-03-01"), resource="CD-LU").authorized
    registry.accredit(
        home, "did:web:lualaba.example", "MiningLicenceCredential", "CD-LU", now=at("2026-01-01")
    )
    lualaba = "did:web:lualaba.example"
    action = "issue:MiningLicenceCredential"
    assert ask(home, at("2026-03-01"), entity=lualaba, action=action, resource="CD-LU").authorized
    assert not ask(home, at("2026-03-01"), entity=lualaba, action=action, resource="CD").authorized
    assert not ask(
        home, at("2026-03-01"), entity=lualaba, action=action, resource="CD-NK"
    ).authorized


def test_other_type_or_jurisdiction_not_authorized(home: Home) -> None:
    accredit_ministry(home)
    assert not ask(home, at("2026-03-01"), action="issue:MiningLicenceCredential").authorized
    answer = ask(home, at("2026-03-01"), resource="RW")
    assert not answer.authorized
    assert "on CD, not on RW" in answer.message


def test_not_authorized_before_valid_from(home: Home) -> None:
    accredit_ministry(home)
    assert not ask(home, at("2025-12-31")).authorized


def test_withdrawal_in_the_past_is_retroactive(home: Home) -> None:
    accreditation = accredit_ministry(home)
    registry.withdraw(
        home,
        accreditation.id,
        effective=at("2026-06-01"),
        reason="origin certificates sold for bribes (inquiry 2026/114)",
        now=at("2026-11-01"),
    )
    assert ask(home, at("2026-05-31")).authorized
    answer = ask(home, at("2026-06-02"))
    assert not answer.authorized
    assert "withdrawn as of 2026-06-01T00:00:00Z" in answer.message


def test_withdrawal_can_only_move_earlier(home: Home) -> None:
    accreditation = accredit_ministry(home)
    registry.withdraw(
        home, accreditation.id, effective=at("2026-06-01"), reason="r", now=at("2026-07-01")
    )
    with pytest.raises(ConflictError):
        registry.withdraw(
            home, accreditation.id, effective=at("2026-08-01"), reason="r", now=at("2026-09-01")
        )
    registry.withdraw(
        home, accreditation.id, effective=at("2026-04-01"), reason="more", now=at("2026-09-01")
    )
    assert not ask(home, at("2026-05-01")).authorized


def test_withdrawal_needs_a_reason(home: Home) -> None:
    accreditation = accredit_ministry(home)
    with pytest.raises(InputError):
        registry.withdraw(
            home, accreditation.id, effective=at("2026-06-01"), reason=" ", now=at("2026-07-01")
        )


def test_expired_accreditation_not_authorized(home: Home) -> None:
    accredit_ministry(home, valid_until=at("2026-06-01"))
    assert ask(home, at("2026-05-31")).authorized
    answer = ask(home, at("2026-06-01"))
    assert not answer.authorized
    assert "expired at 2026-06-01T00:00:00Z" in answer.message


def test_suspension_holds_until_reinstated(home: Home) -> None:
    accreditation = accredit_ministry(home)
    registry.suspend(home, accreditation.id, reason="audit pending", now=at("2026-04-01"))
    assert not ask(home, at("2026-04-15")).authorized
    assert "suspended since 2026-04-01" in ask(home, at("2026-04-15")).message
    with pytest.raises(ConflictError):
        registry.suspend(home, accreditation.id, reason="again", now=at("2026-04-10"))
    registry.reinstate(home, accreditation.id, now=at("2026-05-01"), reason="audit passed")
    assert ask(home, at("2026-03-15")).authorized
    assert not ask(home, at("2026-04-30")).authorized
    assert ask(home, at("2026-05-15")).authorized


def test_renewal_extends_but_not_after_expiry(home: Home) -> None:
    accreditation = accredit_ministry(home, valid_until=at("2026-06-01"))
    registry.renew(home, accreditation.id, valid_until=at("2028-01-01"), now=at("2026-05-01"))
    assert ask(home, at("2027-06-01")).authorized
    lapsed = registry.accredit(
        home,
        "did:web:other.example",
        "MiningLicenceCredential",
        "CD",
        now=at("2026-01-01"),
        valid_until=at("2026-02-01"),
    )
    with pytest.raises(ConflictError):
        registry.renew(home, lapsed.id, valid_until=at("2027-01-01"), now=at("2026-03-01"))


def test_duplicate_live_accreditation_refused(home: Home) -> None:
    accredit_ministry(home)
    with pytest.raises(ConflictError):
        accredit_ministry(home)


@pytest.mark.parametrize(
    ("entity", "type_name", "jurisdiction", "code"),
    [
        ("not-a-did", "MineralOriginCertificate", "CD", "INVALID_DID"),
        (MINISTRY, "NoSuchCredential", "CD", "UNKNOWN_CREDENTIAL_TYPE"),
        (MINISTRY, "MineralOriginCertificate", "XX", "INVALID_JURISDICTION"),
        (MINISTRY, "MineralOriginCertificate", "cd", "INVALID_JURISDICTION"),
    ],
)
def test_bad_accreditation_input_refused(
    home: Home, entity: str, type_name: str, jurisdiction: str, code: str
) -> None:
    with pytest.raises(InputError) as caught:
        registry.accredit(home, entity, type_name, jurisdiction, now=at("2026-01-01"))
    assert caught.value.code == code


def test_accredit_without_registry_refused(tmp_path: Path) -> None:
    bare = Home.open(tmp_path, database_url=f"sqlite:///{tmp_path / 'oretrust.db'}")
    with pytest.raises(NotFoundError):
        registry.accredit(bare, MINISTRY, "MineralOriginCertificate", "CD", now=at("2026-01-01"))


def test_second_init_refused(home: Home) -> None:
    with pytest.raises(ConflictError):
        registry.init_registry(
            home, did="did:web:other.example", display_name="x", now=at("2026-01-01")
        )


# ---------------------------------------------------------------------------- TRQP shapes
def test_unknown_context_members_ignored(home: Home) -> None:
    accredit_ministry(home)
    request = AuthorizationRequest.model_validate(
        {
            "entity_id": MINISTRY,
            "authority_id": REGISTRY,
            "action": ORIGIN,
            "resource": "CD",
            "context": {"time": "2026-03-01T00:00:00Z", "locale": "fr", "nested": {"x": 1}},
            "ext": {"example.org": {}},
        }
    )
    answer = registry.authorization(
        registry.RegistryTrustSource(home), request, now=at("2026-11-23")
    )
    body = answer.model_dump(mode="json")
    assert body["authorized"] is True
    assert body["time_requested"] == "2026-03-01T00:00:00Z"
    assert body["time_evaluated"] == "2026-11-23T00:00:00Z"
    assert set(body) == {
        "entity_id",
        "authority_id",
        "action",
        "resource",
        "context",
        "authorized",
        "time_requested",
        "time_evaluated",
        "message",
    }


def test_query_without_time_is_about_now(home: Home) -> None:
    accredit_ministry(home)
    request = AuthorizationRequest(
        entity_id=MINISTRY, authority_id=REGISTRY, action=ORIGIN, resource="CD"
    )
    answer = registry.authorization(
        registry.RegistryTrustSource(home), request, now=at("2027-02-01")
    )
    assert answer.time_requested is None
    assert not answer.authorized  # expired on 2027-01-01


def test_query_for_another_authority_not_authorized(home: Home) -> None:
    accredit_ministry(home)
    answer = ask(home, at("2026-03-01"))
    assert answer.authorized
    request = AuthorizationRequest(
        entity_id=MINISTRY, authority_id="did:web:elsewhere.example", action=ORIGIN, resource="CD"
    )
    other = registry.authorization(
        registry.RegistryTrustSource(home), request, now=at("2026-03-01")
    )
    assert not other.authorized
    assert "answers for" in other.message


@pytest.mark.parametrize(
    "body",
    [
        {"authority_id": REGISTRY, "action": ORIGIN, "resource": "CD"},
        {
            "entity_id": MINISTRY,
            "authority_id": REGISTRY,
            "action": ORIGIN,
            "resource": "CD",
            "context": {"time": "2026-03-01T00:00:00"},
        },
        {
            "entity_id": MINISTRY,
            "authority_id": REGISTRY,
            "action": ORIGIN,
            "resource": "CD",
            "context": {"time": "yesterday"},
        },
    ],
)
def test_malformed_query_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AuthorizationRequest.model_validate(body)


def test_recognition(home: Home) -> None:
    recognition = registry.recognise(
        home,
        NATIONAL,
        "accredit:MineralOriginCertificate",
        "CD",
        now=at("2026-01-01"),
        reason="national cadastre authority of the DRC",
    )
    source = registry.RegistryTrustSource(home)

    def recognised(entity: str, resource: str, when: datetime, authority: str = REGISTRY) -> bool:
        request = RecognitionRequest(
            entity_id=entity,
            authority_id=authority,
            action="accredit:MineralOriginCertificate",
            resource=resource,
            context={"time": when},
        )
        answer = registry.recognition(source, request, now=at("2026-11-23"))
        body = answer.model_dump(mode="json")
        assert body["recognized"] == answer.recognized
        return bool(answer.recognized)

    assert recognised(NATIONAL, "CD", at("2026-03-01"))
    assert recognised(NATIONAL, "CD-LU", at("2026-03-01"))
    assert not recognised(NATIONAL, "RW", at("2026-03-01"))
    assert not recognised("did:web:someone-else.example", "CD", at("2026-03-01"))
    assert not recognised(NATIONAL, "CD", at("2026-03-01"), authority="did:web:elsewhere.example")
    assert not recognised(NATIONAL, "CD", at("2025-12-31"))
    registry.withdraw_recognition(
        home,
        recognition.id,
        effective=at("2026-06-01"),
        reason="framework lapsed",
        now=at("2026-07-01"),
    )
    assert recognised(NATIONAL, "CD", at("2026-05-01"))
    assert not recognised(NATIONAL, "CD", at("2026-06-02"))


# ---------------------------------------------------------------------------- history and log
def test_history_records_who_what_when_why(home: Home) -> None:
    accreditation = accredit_ministry(home)
    registry.suspend(
        home, accreditation.id, reason="audit pending", now=at("2026-04-01"), actor="j.mukendi"
    )
    events = registry.history(home, entity_id=MINISTRY)
    assert [e.kind for e in events] == ["accreditation.granted", "accreditation.suspended"]
    suspended = events[-1]
    assert suspended.authority_id == REGISTRY
    assert suspended.actor == "j.mukendi"
    assert suspended.recorded_at == at("2026-04-01")
    assert suspended.reason == "audit pending"
    assert suspended.data["effective_at"] == "2026-04-01T00:00:00Z"
    everything = registry.history(home)
    assert everything[0].kind == "registry.initialised"
    assert [e.seq for e in everything] == list(range(1, len(everything) + 1))
    assert all(later.prev == earlier.hash for earlier, later in pairwise(everything))


def test_log_verifies(home: Home) -> None:
    accreditation = accredit_ministry(home)
    registry.suspend(home, accreditation.id, reason="audit", now=at("2026-04-01"))
    registry.reinstate(home, accreditation.id, now=at("2026-05-01"))
    registry.withdraw(
        home, accreditation.id, effective=at("2026-06-01"), reason="fraud", now=at("2026-07-01")
    )
    result = registry.verify_log(home)
    assert result.ok, result.problems
    assert result.events == len(registry.history(home))


def _tamper_payload(home: Home) -> None:
    with home.session() as session:
        row = session.exec(
            select(RegistryEventRecord).where(RegistryEventRecord.kind == "accreditation.withdrawn")
        ).one()
        header, payload, signature = row.jws.split(".")
        from oretrust.encoding import b64url_decode

        event = json.loads(b64url_decode(payload))
        event["data"]["effective_at"] = "2030-01-01T00:00:00Z"
        row.jws = f"{header}.{b64url_encode(json.dumps(event).encode())}.{signature}"
        session.add(row)
        session.commit()


def _delete_middle_event(home: Home) -> None:
    with home.session() as session:
        row = session.exec(
            select(RegistryEventRecord).where(RegistryEventRecord.kind == "accreditation.suspended")
        ).one()
        session.delete(row)
        session.commit()


def _edit_projection(home: Home) -> None:
    with home.session() as session:
        row = session.exec(select(AccreditationRecord)).one()
        row.withdrawn_at = None
        session.add(row)
        session.commit()


def _resign_with_another_key(home: Home) -> None:
    with home.session() as session:
        row = session.exec(
            select(RegistryEventRecord).where(RegistryEventRecord.kind == "accreditation.withdrawn")
        ).one()
        from oretrust.encoding import b64url_decode

        payload = b64url_decode(row.jws.split(".")[1])
        forger = LocalSigner(generate_private_key("EdDSA"), f"{REGISTRY}#key-1")
        row.jws = sign_compact({"typ": "registry-event+jws"}, payload, forger)
        session.add(row)
        session.commit()


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_tamper_payload, "signature rejected"),
        (_delete_middle_event, "chain broken"),
        (_edit_projection, "differs from the log"),
        (_resign_with_another_key, "signature rejected"),
    ],
    ids=["edited-event", "deleted-event", "edited-table", "forged-signature"],
)
def test_hash_chain_tampering_detected(home: Home, tamper: object, expected: str) -> None:
    accreditation = accredit_ministry(home)
    registry.suspend(home, accreditation.id, reason="audit", now=at("2026-04-01"))
    registry.reinstate(home, accreditation.id, now=at("2026-05-01"))
    registry.withdraw(
        home, accreditation.id, effective=at("2026-06-01"), reason="fraud", now=at("2026-07-01")
    )
    assert registry.verify_log(home).ok
    tamper(home)  # type: ignore[operator]
    result = registry.verify_log(home)
    assert not result.ok
    assert any(expected in problem for problem in result.problems), result.problems


def test_events_signed_after_the_key_was_compromised_detected(home: Home) -> None:
    from oretrust.identities import list_keys, mark_key_compromised

    accredit_ministry(home)
    assert registry.verify_log(home).ok
    mark_key_compromised(
        home, list_keys(home, REGISTRY)[0].kid, as_of=at("2026-01-01"), now=at("2026-01-02")
    )
    result = registry.verify_log(home)
    assert not result.ok
    assert any("compromised as of 2026-01-01" in problem for problem in result.problems)
    assert not any("event 1:" in problem for problem in result.problems), result.problems


def test_flags_are_data_with_source_and_date(home: Home) -> None:
    flags = {flag.code: flag for flag in registry.list_flags(home)}
    assert {"CD-NK", "CD-SK", "CD-IT"} <= set(flags)
    assert flags["CD-NK"].risk == "conflict" and flags["CD-NK"].source
    registry.flag_jurisdiction(
        home,
        "CD",
        risk="high",
        source="regional risk assessment 2026",
        as_of=at("2026-10-01").date(),
        now=at("2026-10-02"),
    )
    flags = {flag.code: flag for flag in registry.list_flags(home)}
    assert (
        flags["CD"].describe()
        == "CD is flagged high-risk (regional risk assessment 2026, as of 2026-10-01)"
    )
    registry.unflag_jurisdiction(home, "CD", now=at("2026-11-01"), reason="reassessed")
    assert "CD" not in {flag.code for flag in registry.list_flags(home)}
    assert registry.verify_log(home).ok
    with pytest.raises(InputError):
        registry.flag_jurisdiction(
            home,
            "RW",
            risk="medium",
            source="s",
            as_of=at("2026-10-01").date(),
            now=at("2026-10-02"),
        )


def test_registry_operator_is_an_issuer_with_registry_role(home: Home) -> None:
    from oretrust.identities import find_issuer

    operator = find_issuer(home, REGISTRY)
    assert operator.role == "registry"
    assert did_resolver(home, allow_network=False).resolve(REGISTRY)["id"] == REGISTRY
    add_issuer(home, "ministry", display_name="Ministry", did=MINISTRY, now=at("2026-01-01"))
    assert find_issuer(home, MINISTRY).role == "issuer"
