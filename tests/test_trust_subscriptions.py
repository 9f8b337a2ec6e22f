"""Verifiers subscribe to registries: ``oretrust trust``, subscription-based
``issuer_accredited``, and trust chains (root → national registry → issuer).

Two homes on their own: a registry home served by a real ``oretrust serve`` on a loopback
port, and a refinery home with no registry that subscribes to it over HTTP. Chains are tested
as a pure function over verified trust lists, and end to end over exported list files (the
air-gapped path).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from api_support import (
    MINISTRY,
    REGISTRY,
    Cast,
    make_cast,
    origin_certificate,
    serve_home,
)
from conftest import run_oretrust
from oretrust import registry
from oretrust.codes import Code
from oretrust.credentials import EXAMPLES
from oretrust.did import DefaultDidResolver
from oretrust.home import Home
from oretrust.hosted_dids import hosted_did_document
from oretrust.identities import add_issuer, rotate_key
from oretrust.issuer import issue_credential
from oretrust.jwk import thumbprint
from oretrust.policy import evaluate_policy, parse_policy
from oretrust.registry import Accreditation
from oretrust.registry.chain_check import SUBSCRIBED_PREFIX, judge_issuer_by_chain
from oretrust.registry.chains import walk_chain
from oretrust.registry.sources import StaticTrustSource
from oretrust.registry.subscriptions import (
    FetchResult,
    add_registry,
    fetch_document,
    list_subscriptions,
    refresh_subscriptions,
    remove_subscription,
)
from oretrust.registry.trust_list import VerifiedTrustList
from oretrust.report import VerificationReport
from oretrust.store.trust_models import TrustSubscriptionRecord
from oretrust.verifier import verifier_for

pytestmark = pytest.mark.slow

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MOC = "MineralOriginCertificate"


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The registry home (served) with an origin certificate from the accredited ministry."""
    folder = tmp_path_factory.mktemp("registry-home")
    cast = make_cast(folder)
    subject = origin_certificate(cast.holder_did)["credentialSubject"]
    issued = issue_credential(
        cast.home,
        issuer="ministry",
        type_name=MOC,
        subject=subject,
        now=datetime.now(UTC),
        with_status=False,
    )
    ministry_document = hosted_did_document(cast.home, MINISTRY)
    with serve_home(folder) as base:
        yield {"cast": cast, "base": base, "token": issued.token, "ministry": ministry_document}


def _refinery(folder: Path, world: dict[str, Any]) -> Home:
    """A verifier home with no registry, which knows the ministry's DID document (did:web
    over the network is not the subject here)."""
    home = Home.open(folder)
    home.services[("did_resolver", True)] = DefaultDidResolver(local={MINISTRY: world["ministry"]})
    return home


def _accredited(home: Home, token: str) -> Any:
    report = verifier_for(home).check_credential(token, now=datetime.now(UTC))
    return next(c for c in report.checks if c.id == "issuer_accredited")


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["accreditations"].append(
        dict(claims["accreditations"][0], entity_id="did:web:evil.example")
    )
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


# ---------------------------------------------------------------------------- subscriptions
def test_no_registry_and_no_subscription_warns(tmp_path: Path, world: dict[str, Any]) -> None:
    home = _refinery(tmp_path, world)
    report = verifier_for(home).check_credential(world["token"], now=datetime.now(UTC))
    assert not any(c.id == "issuer_accredited" for c in report.checks)
    assert any("no subscription" in w for w in report.warnings)


def test_subscribe_verify_withdraw_refresh(tmp_path: Path, world: dict[str, Any]) -> None:
    """The whole life: CLI add-registry over HTTP → OK; 304 on an unchanged ETag; withdrawal
    → after refresh ISSUER_NOT_ACCREDITED; a replayed older list is a refused rollback; a
    tampered list is refused; an expired one too; the stored list stays in place."""
    cast: Cast = world["cast"]
    url = f"{world['base']}/trust-list"
    added = run_oretrust(
        "trust", "add-registry", url, "--did", REGISTRY, "--home", str(tmp_path), "--json"
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["registry"] == REGISTRY
    home = _refinery(tmp_path, world)
    [subscription] = list_subscriptions(home)
    assert subscription.etag and subscription.max_age and subscription.root
    check = _accredited(home, world["token"])
    assert check.passed and "subscribed trust lists" in check.detail and REGISTRY in check.detail

    now = datetime.now(UTC)
    [fresh] = refresh_subscriptions(home, now=now)
    assert fresh.outcome == "fresh"  # max-age has not passed: not even fetched
    [unchanged] = refresh_subscriptions(home, now=now, force=True)
    assert unchanged.outcome == "not-modified"  # If-None-Match → 304
    assert fetch_document(url, subscription.etag).body is None

    old_token = _stored_token(home)
    accreditation = registry.find_accreditation(cast.home, MINISTRY, MOC, "CD")
    registry.withdraw(
        cast.home,
        accreditation.id,
        effective=accreditation.valid_from,
        reason="licence fraud",
        now=datetime.now(UTC),
    )
    assert _accredited(home, world["token"]).passed  # nothing fetched during a verify
    [updated] = refresh_subscriptions(home, now=datetime.now(UTC), force=True)
    assert updated.outcome == "updated", updated
    check = _accredited(home, world["token"])
    assert not check.passed and check.code == Code.ISSUER_NOT_ACCREDITED
    assert "withdrawn" in check.detail
    new_token = _stored_token(home)

    def serve(token: str) -> Any:
        def fetch(location: str, etag: str | None) -> FetchResult:
            if location.endswith("/trust-list"):
                return FetchResult(token.encode())
            return fetch_document(location, etag)

        return fetch

    [rollback] = refresh_subscriptions(
        home, now=datetime.now(UTC), force=True, fetch=serve(old_token)
    )
    assert (rollback.outcome, rollback.code) == ("refused", Code.TRUST_LIST_ROLLBACK)
    [tampered] = refresh_subscriptions(
        home, now=datetime.now(UTC), force=True, fetch=serve(_tamper(new_token))
    )
    assert (tampered.outcome, tampered.code) == ("refused", Code.TRUST_LIST_SIGNATURE_INVALID)
    later = datetime.now(UTC) + timedelta(days=3)
    [expired] = refresh_subscriptions(home, now=later, force=True, fetch=serve(new_token))
    assert (expired.outcome, expired.code) == ("refused", Code.TRUST_LIST_EXPIRED)
    assert _stored_token(home) == new_token  # refused lists leave the stored one
    refused = run_oretrust("trust", "refresh", "--force", "--home", str(tmp_path))
    assert refused.returncode == 0, refused.stderr  # the genuine list again: unchanged

    remove_subscription(home, REGISTRY)
    assert list_subscriptions(home) == []


def test_subscribe_by_did_web_through_the_host_mapping(
    tmp_path: Path, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``trust add-registry did:web:…``: the list at the DID's host ``/trust-list`` and the DID
    document, both through ``ORETRUST_DID_WEB_HOSTS``; unmapped, the host is never reached."""
    home = _refinery(tmp_path, world)
    domain = REGISTRY.removeprefix("did:web:")
    monkeypatch.setenv("ORETRUST_DID_WEB_HOSTS", f"{domain}={world['base']}")
    subscription = add_registry(home, REGISTRY, now=datetime.now(UTC))
    assert subscription.registry_did == REGISTRY and subscription.source == REGISTRY
    assert subscription.accreditations >= 2  # the verified list, judged against below
    assert REGISTRY in _accredited(home, world["token"]).detail
    [again] = refresh_subscriptions(home, now=datetime.now(UTC), force=True)
    assert again.outcome in ("not-modified", "updated", "unchanged"), again
    monkeypatch.delenv("ORETRUST_DID_WEB_HOSTS")
    with pytest.raises(Exception) as unmapped:
        add_registry(Home.open(tmp_path / "other"), REGISTRY, now=datetime.now(UTC))
    assert getattr(unmapped.value, "code", None) in (
        Code.TRUST_LIST_FETCH_FAILED,
        Code.UNSAFE_URL,
    )


def _stored_token(home: Home) -> str:
    from oretrust.store.trust_models import TrustSubscriptionRecord

    with home.session() as session:
        record = session.get(TrustSubscriptionRecord, REGISTRY)
        assert record is not None
        return record.token


def test_a_tampered_first_list_is_refused(tmp_path: Path, world: dict[str, Any]) -> None:
    home = Home.open(tmp_path)
    genuine = fetch_document(f"{world['base']}/trust-list").body
    assert genuine is not None
    forged = tmp_path / "forged.jwt"
    forged.write_text(_tamper(genuine.decode()))
    document = tmp_path / "registry-did.json"
    document.write_text(json.dumps(hosted_did_document(world["cast"].home, REGISTRY)))
    result = run_oretrust(
        "trust", "add-registry", str(forged), "--did-document", str(document),
        "--home", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 2 and "TRUST_LIST_SIGNATURE_INVALID" in result.stderr
    assert list_subscriptions(home) == []


def test_a_wrong_pinned_key_is_refused(tmp_path: Path, world: dict[str, Any]) -> None:
    home = Home.open(tmp_path)
    with pytest.raises(Exception) as refused:
        add_registry(
            home,
            f"{world['base']}/trust-list",
            now=datetime.now(UTC),
            key_thumbprint="not-the-registry-key",
        )
    assert getattr(refused.value, "code", None) == Code.TRUST_KEY_NOT_PINNED
    assert list_subscriptions(home) == []


def test_plain_http_is_only_for_loopback() -> None:
    with pytest.raises(Exception) as refused:
        fetch_document("http://registry.example/trust-list")
    assert getattr(refused.value, "code", None) == Code.UNSAFE_URL


def test_unknown_subscription_cannot_be_removed(tmp_path: Path) -> None:
    result = run_oretrust("trust", "remove", "did:web:nobody.example", "--home", str(tmp_path))
    assert result.returncode == 2 and "TRUST_SUBSCRIPTION_NOT_FOUND" in result.stderr


# ---------------------------------------------------------------------------- chains (pure)
ROOT, NATIONAL, ISSUER = "did:web:root.example", "did:web:national.example", "did:web:mines.example"


def _grant(authority: str, entity: str, action: str, resource: str, **extra: Any) -> Accreditation:
    return Accreditation(
        id=f"urn:{entity}:{action}:{resource}",
        authority_id=authority,
        entity_id=entity,
        action=action,
        resource=resource,
        valid_from=T0,
        **extra,
    )


def _list(did: str, *grants: Accreditation, expires: datetime | None = None) -> VerifiedTrustList:
    return VerifiedTrustList(
        did, T0, expires or T0 + timedelta(days=365), grants, (), (), {}, "token", "digest"
    )


AT, NOW = T0 + timedelta(days=10), T0 + timedelta(days=11)


def test_chain_root_national_issuer() -> None:
    lists = [
        _list(ROOT, _grant(ROOT, NATIONAL, f"accredit:{MOC}", "CD")),
        _list(NATIONAL, _grant(NATIONAL, ISSUER, f"issue:{MOC}", "CD-LU")),
    ]
    chain = walk_chain(
        lists, {ROOT}, issuer=ISSUER, credential_type=MOC, jurisdiction="CD-LU", at=AT, now=NOW
    )
    assert chain.authorized and chain.root == ROOT
    assert [(link.authority, link.entity) for link in chain.links] == [
        (NATIONAL, ISSUER),
        (ROOT, NATIONAL),
    ]
    assert f"{ROOT} -[accredit:{MOC} on CD]-> {NATIONAL}" in chain.detail


def test_a_national_accrediting_beyond_its_scope_breaks_the_chain() -> None:
    lists = [
        _list(ROOT, _grant(ROOT, NATIONAL, f"accredit:{MOC}", "CD-LU")),
        _list(NATIONAL, _grant(NATIONAL, ISSUER, f"issue:{MOC}", "CD")),  # wider than CD-LU
    ]
    chain = walk_chain(
        lists, {ROOT}, issuer=ISSUER, credential_type=MOC, jurisdiction="CD-LU", at=AT, now=NOW
    )
    assert not chain.authorized
    assert chain.links[-1].passed is False and chain.links[-1].authority == NATIONAL
    assert f"holds no accredit:{MOC} covering CD" in chain.detail


def test_a_national_accrediting_another_type_breaks_the_chain() -> None:
    lists = [
        _list(ROOT, _grant(ROOT, NATIONAL, "accredit:MiningLicenceCredential", "CD")),
        _list(NATIONAL, _grant(NATIONAL, ISSUER, f"issue:{MOC}", "CD")),
    ]
    chain = walk_chain(
        lists, {ROOT}, issuer=ISSUER, credential_type=MOC, jurisdiction="CD", at=AT, now=NOW
    )
    assert not chain.authorized and "is not a pinned root" in chain.detail


def test_an_unpinned_registry_alone_accredits_nobody() -> None:
    lists = [_list(NATIONAL, _grant(NATIONAL, ISSUER, f"issue:{MOC}", "CD"))]
    chain = walk_chain(
        lists, {ROOT}, issuer=ISSUER, credential_type=MOC, jurisdiction="CD", at=AT, now=NOW
    )
    assert not chain.authorized


def test_each_link_is_judged_at_issuance_time_and_list_freshness() -> None:
    withdrawn = _grant(ROOT, NATIONAL, f"accredit:{MOC}", "CD", withdrawn_at=AT - timedelta(days=1))
    lists = [
        _list(ROOT, withdrawn),
        _list(NATIONAL, _grant(NATIONAL, ISSUER, f"issue:{MOC}", "CD")),
    ]
    chain = walk_chain(
        lists, {ROOT}, issuer=ISSUER, credential_type=MOC, jurisdiction="CD", at=AT, now=NOW
    )
    assert not chain.authorized and "withdrawn" in chain.detail
    earlier = walk_chain(
        lists, {ROOT}, issuer=ISSUER, credential_type=MOC, jurisdiction="CD",
        at=AT - timedelta(days=2), now=NOW,
    )  # fmt: skip
    assert earlier.authorized  # issued before the withdrawal
    stale = [replace(lists[0], expires_at=NOW - timedelta(seconds=1)), lists[1]]
    expired = walk_chain(
        stale, {ROOT}, issuer=ISSUER, credential_type=MOC, jurisdiction="CD", at=AT, now=NOW
    )
    assert not expired.authorized and "expired" in expired.detail


def test_a_chain_may_not_loop() -> None:
    lists = [
        _list(NATIONAL, _grant(NATIONAL, ISSUER, f"issue:{MOC}", "CD"),
              _grant(NATIONAL, NATIONAL, f"accredit:{MOC}", "CD")),
    ]  # fmt: skip
    chain = walk_chain(
        lists, {ROOT}, issuer=ISSUER, credential_type=MOC, jurisdiction="CD", at=AT, now=NOW
    )
    assert not chain.authorized


def test_the_chain_judgement_of_a_credential() -> None:
    lists = [
        _list(ROOT, _grant(ROOT, NATIONAL, f"accredit:{MOC}", "CD")),
        _list(NATIONAL, _grant(NATIONAL, ISSUER, f"issue:{MOC}", "CD")),
    ]
    credential = {
        "type": ["VerifiableCredential", MOC],
        "issuer": ISSUER,
        "iat": int(AT.timestamp()),
        "credentialSubject": origin_certificate()["credentialSubject"],
    }
    judgement = judge_issuer_by_chain(lists, {ROOT}, credential, NOW)
    assert judgement.authorized, judgement.detail
    assert not judge_issuer_by_chain(lists, set(), credential, NOW).authorized
    assert not judge_issuer_by_chain(lists[1:], {ROOT}, credential, NOW).authorized


# ---------------------------------------------------------------------------- chains, end to end
def test_a_chain_over_exported_list_files(tmp_path: Path) -> None:
    """Root and national registries in their own homes export lists; the refinery subscribes
    to both from files (air-gapped), pins the root, and verifies through the chain; a national
    accreditation beyond its delegated scope is not accredited."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    root = Home.open(tmp_path / "root")
    registry.init_registry(root, did="did:web:root.example", display_name="Root", now=now)
    national = Home.open(tmp_path / "national")
    registry.init_registry(national, did="did:web:national.example", display_name="CD", now=now)
    issuer_home = Home.open(tmp_path / "ministry")
    add_issuer(issuer_home, "ministry", display_name="Mines", did=ISSUER, now=now)
    registry.accredit(root, "did:web:national.example", MOC, "CD", now=now, delegate=True)
    registry.accredit(national, ISSUER, MOC, "CD", now=now)
    registry.accredit(national, ISSUER, "MiningLicenceCredential", "CD", now=now)
    files: dict[str, tuple[Path, Path]] = {}
    for name, home, did in (
        ("root", root, "did:web:root.example"),
        ("national", national, "did:web:national.example"),
    ):
        token, document = tmp_path / f"{name}.jwt", tmp_path / f"{name}-did.json"
        token.write_text(registry.export_trust_list(home, now=datetime.now(UTC)))
        document.write_text(json.dumps(hosted_did_document(home, did)))
        files[name] = (token, document)
    refinery = Home.open(tmp_path / "refinery")
    refinery.services[("did_resolver", True)] = DefaultDidResolver(
        local={ISSUER: hosted_did_document(issuer_home, ISSUER)}
    )
    at = datetime.now(UTC)
    add_registry(refinery, str(files["root"][0]), did_document=str(files["root"][1]), now=at)
    add_registry(
        refinery,
        str(files["national"][0]),
        did_document=str(files["national"][1]),
        root=False,
        now=at,
    )
    subject = origin_certificate()["credentialSubject"]
    token = issue_credential(
        issuer_home, issuer="ministry", type_name=MOC, subject=subject, now=at, with_status=False
    ).token
    check = _accredited(refinery, token)
    assert check.passed, check.detail
    assert "did:web:root.example -[accredit:MineralOriginCertificate on CD]->" in check.detail

    licence = issue_credential(
        issuer_home,
        issuer="ministry",
        type_name="MiningLicenceCredential",
        subject=EXAMPLES["MiningLicenceCredential"],
        now=at,
        with_status=False,
    ).token
    check = _accredited(refinery, licence)  # the root delegated origin certificates only
    assert not check.passed and check.code == Code.ISSUER_NOT_ACCREDITED
    assert "did:web:national.example is not a pinned root" in check.detail

    # The root rotates its key: its new list is not signed by the pinned key, so neither a
    # refresh nor a plain re-subscription takes it; naming the new key re-pins on purpose.
    rotate_key(root, "registry", now=datetime.now(UTC))
    files["root"][0].write_text(registry.export_trust_list(root, now=datetime.now(UTC)))
    files["root"][1].write_text(json.dumps(hosted_did_document(root, "did:web:root.example")))
    outcomes = {o.registry_did: o for o in refresh_subscriptions(refinery, now=datetime.now(UTC))}
    assert outcomes["did:web:root.example"].code == Code.TRUST_KEY_NOT_PINNED
    with pytest.raises(Exception) as refused:
        add_registry(refinery, str(files["root"][0]), did_document=str(files["root"][1]), now=at)
    assert getattr(refused.value, "code", None) == Code.TRUST_KEY_NOT_PINNED
    new_key = next(
        thumbprint(m["publicKeyJwk"])
        for m in hosted_did_document(root, "did:web:root.example")["verificationMethod"]
        if thumbprint(m["publicKeyJwk"]) not in list_subscriptions(refinery)[1].pinned_thumbprints
    )
    repinned = add_registry(
        refinery,
        str(files["root"][0]),
        did_document=str(files["root"][1]),
        key_thumbprint=new_key,
        now=datetime.now(UTC),
    )
    assert repinned.pinned_thumbprints == (new_key,)
    assert _accredited(refinery, token).passed


def test_only_intermediates_fail_closed(tmp_path: Path) -> None:
    """A home subscribed to an intermediate registry but no root judges nobody accredited."""
    national = Home.open(tmp_path / "national")
    registry.init_registry(
        national, did="did:web:national.example", display_name="CD", now=datetime.now(UTC)
    )
    token, document = tmp_path / "national.jwt", tmp_path / "national-did.json"
    token.write_text(registry.export_trust_list(national, now=datetime.now(UTC)))
    document.write_text(json.dumps(hosted_did_document(national, "did:web:national.example")))
    refinery = Home.open(tmp_path / "refinery")
    add_registry(
        refinery, str(token), did_document=str(document), root=False, now=datetime.now(UTC)
    )
    issuer_home = Home.open(tmp_path / "ministry")
    add_issuer(issuer_home, "ministry", display_name="Mines", did=ISSUER, now=datetime.now(UTC))
    refinery.services[("did_resolver", True)] = DefaultDidResolver(
        local={ISSUER: hosted_did_document(issuer_home, ISSUER)}
    )
    credential = issue_credential(
        issuer_home,
        issuer="ministry",
        type_name=MOC,
        subject=origin_certificate()["credentialSubject"],
        now=datetime.now(UTC),
        with_status=False,
    ).token
    check = _accredited(refinery, credential)
    assert not check.passed and "no root registry is pinned" in check.detail


def _presented(detail: str) -> VerificationReport:
    """A verified presentation of one origin certificate whose ``issuer_accredited`` passed
    with ``detail`` (as the verifier wrote it)."""
    claims = {
        "type": ["VerifiableCredential", MOC],
        "issuer": ISSUER,
        "iat": int(AT.timestamp()),
        "credentialSubject": origin_certificate()["credentialSubject"],
    }
    nested = VerificationReport("credential", types=[MOC], claims=claims, issuer=ISSUER)
    nested.require("signature", "issuer_accredited")
    nested.passed("signature", "ok")
    nested.passed("issuer_accredited", detail)
    report = VerificationReport("presentation", credentials=[nested])
    report.require("signature")
    report.passed("signature", "ok")
    return report


def test_policy_can_demand_a_subscription() -> None:
    document = {
        "name": "p",
        "trust": "subscribed",
        "high_risk_evidence": "not-required",
        "credentials": {"origin": {"type": MOC, "status": "optional"}},
    }
    policy = parse_policy(document)
    assert (
        policy.trust_subscribed and not parse_policy({**document, "trust": "any"}).trust_subscribed
    )
    home_registry = StaticTrustSource(ROOT, (_grant(ROOT, ISSUER, f"issue:{MOC}", "CD"),))
    by_own_registry = _presented(f"{ISSUER} is accredited for issue:{MOC} on CD by {ROOT}")
    evaluate_policy(policy, by_own_registry, trust_source=home_registry, now=NOW)
    checks = {c.id: c for c in by_own_registry.checks}
    assert checks["policy:origin"].passed
    assert checks["policy:trust"].code == Code.POLICY_TRUST_NOT_SUBSCRIBED
    by_subscription = _presented(SUBSCRIBED_PREFIX + "via root " + ROOT)
    evaluate_policy(policy, by_subscription, trust_source=StaticTrustSource(ROOT), now=NOW)
    checks = {c.id: c for c in by_subscription.checks}
    assert checks["policy:origin"].passed and checks["policy:trust"].passed
    with pytest.raises(Exception) as bad:
        parse_policy({**document, "trust": "sometimes"})
    assert getattr(bad.value, "code", None) == Code.POLICY_INVALID


def test_a_stored_list_is_verified_once_per_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A verifier is built per HTTP request: the stored subscription is not re-verified each
    time, but a changed stored list is verified anew."""
    import oretrust.registry.subscriptions as subscriptions

    registry_home = make_cast(tmp_path / "registry")
    exported = tmp_path / "trust-list.jwt"
    exported.write_text(registry.export_trust_list(registry_home.home, now=datetime.now(UTC)))
    document = tmp_path / "registry-did.json"
    document.write_text(json.dumps(hosted_did_document(registry_home.home, REGISTRY)))
    refinery = tmp_path / "refinery"
    added = run_oretrust(
        "trust", "add-registry", str(exported), "--did-document", str(document),
        "--home", str(refinery),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    home = Home.open(refinery)
    calls: list[str] = []
    real = subscriptions.load_trust_list

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append("verify")
        return real(*args, **kwargs)

    monkeypatch.setattr(subscriptions, "load_trust_list", counted)
    for _ in range(3):
        assert len(subscriptions.subscribed_trust_lists(home).lists) == 1
    assert calls == ["verify"]
    with home.session() as session:
        record = session.exec(select(TrustSubscriptionRecord)).one()
        record.token = record.token[:-2] + ("AA" if not record.token.endswith("AA") else "BB")
        session.add(record)
        session.commit()
    trust = subscriptions.subscribed_trust_lists(home)
    assert calls == ["verify", "verify"] and trust.lists == () and trust.problems
    home.engine.dispose()
