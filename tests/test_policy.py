"""Verifier policies: validated data files, applied to a presentation of the whole chain, each
failure explained by the requirement it breaks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from chain import AUDITOR, Chain
from issuance_support import issue_past_the_registry
from oretrust import holder, identities
from oretrust.credentials import EXAMPLES
from oretrust.errors import InputError
from oretrust.formats.jws import parse_compact
from oretrust.formats.vc_jwt import sign_presentation
from oretrust.holder import request_for_policy
from oretrust.policy import (
    Policy,
    evaluate_policy,
    load_policy,
    parse_policy,
    shipped_policies,
)
from oretrust.registry.flags import flag_jurisdiction
from oretrust.registry.sources import RegistryTrustSource
from oretrust.report import VerificationReport
from oretrust.status.operations import revoke
from oretrust.status.publication import refresh_status_lists
from oretrust.store.models import WalletEntry

NONCE = "n-policy-7"
REFINERY = load_policy("refinery-supplier")


@pytest.fixture
def chain(tmp_path: Path, now: datetime) -> Iterator[Chain]:
    built = Chain.build(tmp_path, now)
    yield built
    built.home.engine.dispose()


def stock(chain: Chain, *, skip: str = "", **origin: Any) -> dict[str, str]:
    """The trader's wallet for the refinery; ``skip`` leaves one credential out."""
    issued = {
        "origin": lambda: chain.origin_sd_jwt(**origin),
        "licence": lambda: chain.vc(
            "ministry-of-mines", "MiningLicenceCredential", chain.licence_subject()
        ),
        "aeo": lambda: chain.sd(
            "customs", "AuthorisedEconomicOperatorCredential", chain.aeo_subject(chain.trader)
        ),
        "anchor": lambda: chain.vc(
            "business-register", "BusinessIdentityCredential", chain.anchor_subject(chain.trader)
        ),
    }
    ids = {}
    for name, make in issued.items():
        if name != skip:
            credential = make()
            # The issuers' scheduled refresh: lists signed at an earlier issuance are current.
            refresh_status_lists(chain.home, now=chain.now)
            holder.receive_credential(chain.home, "trader", credential.token, now=chain.now)
            ids[name] = credential.id
    return ids


def present_all(chain: Chain, ids: list[str], **disclose: Any) -> VerificationReport:
    token = holder.present(
        chain.home, "trader", ids, nonce=NONCE, audience=chain.refinery, now=chain.now, **disclose
    )
    return chain.verifier.check_presentation(
        token, nonce=NONCE, audience=chain.refinery, now=chain.now
    )


def apply(chain: Chain, policy: Policy, report: VerificationReport) -> dict[str, tuple[str, str]]:
    evaluate_policy(policy, report, trust_source=RegistryTrustSource(chain.home), now=chain.now)
    return {c.id: (c.code, c.detail) for c in report.checks if c.id.startswith("policy:")}


def answer(chain: Chain, policy: Policy) -> VerificationReport:
    """The trader answers ``policy`` from its wallet; the refinery checks it against it."""
    request = request_for_policy(chain.home, "trader", policy, nonce=NONCE, audience=chain.refinery)
    made = holder.build_presentation(chain.home, "trader", request, now=chain.now)
    report = chain.verifier.check_presentation(
        made.presentation, nonce=NONCE, audience=chain.refinery, now=chain.now
    )
    apply(chain, policy, report)
    return report


def failed(report: VerificationReport) -> dict[str, str]:
    return {c.id: c.code for c in report.checks if c.id.startswith("policy:") and not c.passed}


# ---------------------------------------------------------------------- the chain
def test_refinery_policy_passes_for_the_honest_chain(chain: Chain) -> None:
    stock(chain)
    report = answer(chain, REFINERY)
    assert report.verified, report.to_dict()["errors"]
    checks = {c.id for c in report.checks}
    assert {
        "policy:mining-licence",
        "policy:origin-certificate",
        "policy:supplier-aeo",
        "policy:origin-under-licence",
        "policy:identity-anchor",
        "policy:high-risk-evidence",
    } <= checks
    origin = next(n for n in report.credentials if "MineralOriginCertificate" in n.types)
    subject = (origin.claims or {})["credentialSubject"]
    assert not {"mass", "price", "buyer"} & subject.keys()  # the refinery did not need them


def test_missing_licence_fails_its_requirement(chain: Chain) -> None:
    ids = stock(chain, skip="licence")
    report = present_all(chain, list(ids.values()))
    result = apply(chain, REFINERY, report)
    assert result["policy:mining-licence"][0] == "POLICY_CREDENTIAL_MISSING"
    assert result["policy:origin-certificate"][0] == "OK"
    assert not report.verified


def raw_presentation(chain: Chain, tokens: list[str]) -> VerificationReport:
    """A presentation the trader signs without its wallet's checks (the wallet would refuse a
    revoked or unaccredited credential); SD-JWT VCs disclose nothing withholdable."""
    credentials = [
        ("application/dc+sd-jwt", t.split("~")[0] + "~") if "~" in t else ("application/vc+jwt", t)
        for t in tokens
    ]
    vp = sign_presentation(
        credentials,
        identities.signer_for(chain.home, chain.trader),
        holder=chain.trader,
        nonce=NONCE,
        audience=chain.refinery,
        now=chain.now,
    )
    return chain.verifier.check_presentation(
        vp, nonce=NONCE, audience=chain.refinery, now=chain.now
    )


def wallet_tokens(chain: Chain) -> dict[str, str]:
    return {e.credential_id: e.token for e in holder.list_wallet(chain.home, "trader")}


def test_revoked_origin_certificate_fails_with_revoked(chain: Chain) -> None:
    ids = stock(chain)
    tokens = list(wallet_tokens(chain).values())
    before = raw_presentation(chain, tokens)
    apply(chain, REFINERY, before)
    assert before.verified, before.to_dict()["errors"]
    revoke(chain.home, ids["origin"], reason="lot re-graded", now=chain.now)
    report = raw_presentation(chain, tokens)
    result = apply(chain, REFINERY, report)
    assert result["policy:origin-certificate"][0] == "POLICY_CREDENTIAL_REVOKED"
    assert report.verdict == "REVOKED"


def test_origin_from_an_unaccredited_issuer_fails(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_past_the_registry(monkeypatch)  # a look-alike the home's registry never accredited
    stock(chain, skip="origin")
    identities.add_issuer(
        chain.home,
        "rogue-ministry",
        display_name="Ministère des Mines (look-alike)",
        did="did:web:mines-gouv-cd.example",
        now=chain.now,
    )
    rogue = chain.origin_sd_jwt(issuer="rogue-ministry")
    report = raw_presentation(chain, [*wallet_tokens(chain).values(), rogue.token])
    result = apply(chain, REFINERY, report)
    assert result["policy:origin-certificate"][0] == "POLICY_ISSUER_NOT_ACCREDITED"


def test_withheld_claim_the_verifier_needs_fails(chain: Chain) -> None:
    """Customs needs the tonnage; the refinery's presentation kept it hidden."""
    stock(chain)
    report = answer(chain, REFINERY)
    result = apply(chain, load_policy("customs-import"), report)
    code, detail = result["policy:origin-certificate"]
    assert code == "POLICY_CLAIM_NOT_DISCLOSED" and "mass" in detail


def test_customs_policy_gets_the_mass_it_asks_for(chain: Chain) -> None:
    stock(chain)
    report = answer(chain, load_policy("customs-import"))
    assert report.verified, report.to_dict()["errors"]


def test_too_old_credential_fails(chain: Chain) -> None:
    stock(chain, now=chain.now - timedelta(days=30))
    policy = _variant(origin={"max_age_days": 7})
    report = answer(chain, policy)
    assert failed(report) == {"policy:origin-certificate": "POLICY_CREDENTIAL_TOO_OLD"}


def test_credential_without_status_fails_when_status_is_required(chain: Chain) -> None:
    stock(chain, with_status=False)
    report = answer(chain, REFINERY)
    assert failed(report)["policy:origin-certificate"] == "POLICY_STATUS_REQUIRED"
    assert answer(chain, _variant(origin={"status": "optional"})).verified


def _keep_unchecked(chain: Chain, name: str, token: str) -> None:
    """Put a vc+jwt in a wallet without the wallet's own checks (a dishonest holder's
    software): the verifier's policy must still catch what it presents."""
    payload = parse_compact(token).unverified_payload()
    issuer = payload["issuer"]
    with chain.home.session() as session:
        session.add(
            WalletEntry(
                holder_did=identities.find_holder(chain.home, name).did,
                credential_id=payload["id"],
                type=payload["type"][-1],
                format="vc+jwt",
                issuer_did=issuer["id"] if isinstance(issuer, dict) else issuer,
                token=token,
                received_at=chain.now,
            )
        )
        session.commit()


def test_aeo_about_someone_else_fails_subject_holder(chain: Chain) -> None:
    ids = stock(chain, skip="aeo")
    kivu_aeo = chain.vc(
        "customs", "AuthorisedEconomicOperatorCredential", chain.aeo_subject(chain.kivu)
    )
    with pytest.raises(InputError, match="not to trader"):  # an honest wallet refuses it
        holder.receive_credential(chain.home, "trader", kivu_aeo.token, now=chain.now)
    _keep_unchecked(chain, "trader", kivu_aeo.token)  # a wallet that does not check
    report = present_all(chain, [*ids.values(), kivu_aeo.id])
    assert apply(chain, REFINERY, report)["policy:supplier-aeo"][0] == "POLICY_SUBJECT_NOT_HOLDER"


def test_holder_without_identity_anchor_is_not_identified(chain: Chain) -> None:
    ids = stock(chain, skip="anchor")
    report = present_all(chain, list(ids.values()))
    result = apply(chain, REFINERY, report)
    assert result["policy:identity-anchor"][0] == "POLICY_HOLDER_NOT_IDENTIFIED"


def test_high_risk_origin_needs_conformity_evidence(chain: Chain) -> None:
    flag_jurisdiction(
        chain.home,
        "CD",
        risk="high",
        source="test: regional risk assessment",
        as_of=chain.now.date(),
        now=chain.now,
    )
    stock(chain)
    report = answer(chain, REFINERY)
    assert failed(report) == {"policy:high-risk-evidence": "EXTRA_EVIDENCE_REQUIRED"}
    subject = dict(EXAMPLES["ConformityAssessmentCredential"])
    subject["issuedToParty"] = {"id": chain.trader, "name": "Lualaba Metals Trading SARL"}
    evidence = chain.sd("auditor", "ConformityAssessmentCredential", subject)
    assert evidence.issuer == AUDITOR
    holder.receive_credential(chain.home, "trader", evidence.token, now=chain.now)
    assert answer(chain, REFINERY).verified


def test_links_catch_an_origin_under_another_licence(chain: Chain) -> None:
    subject = chain.origin_subject()
    subject["licenceNumber"] = "PE 99999"
    stock(chain, subject=subject)
    report = answer(chain, REFINERY)
    assert failed(report) == {"policy:origin-under-licence": "POLICY_LINK_MISMATCH"}


def test_a_single_sd_jwt_presentation_can_meet_a_one_credential_policy(chain: Chain) -> None:
    stock(chain)
    policy = parse_policy(
        {
            "name": "origin-only",
            "credentials": {
                "origin": {"type": "MineralOriginCertificate", "disclose": ["countryOfOrigin"]}
            },
            "high_risk_evidence": False,
        }
    )
    request = request_for_policy(chain.home, "trader", policy, nonce=NONCE, audience="a")
    made = holder.build_presentation(chain.home, "trader", request, now=chain.now)
    assert made.format == "dc+sd-jwt"
    report = chain.verifier.check_sd_jwt_presentation(
        made.presentation, nonce=NONCE, audience="a", now=chain.now
    )
    assert report.verified and apply(chain, policy, report)["policy:origin"][0] == "OK"


def test_policy_needs_a_presentation(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    report = chain.verifier.check_credential(issued.token, now=chain.now)
    with pytest.raises(InputError) as caught:
        apply(chain, REFINERY, report)
    assert caught.value.code == "POLICY_NEEDS_PRESENTATION"


# ---------------------------------------------------------------------- policy files
def test_shipped_policies_load() -> None:
    assert {"refinery-supplier", "customs-import"} <= set(shipped_policies())
    customs = load_policy("customs-import")
    assert not customs.high_risk_evidence and customs.identity_anchor
    assert [r.name for r in REFINERY.requirements] == [
        "mining-licence",
        "origin-certificate",
        "supplier-aeo",
    ]


def test_policy_file_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text('{"name": "m", "credentials": {"l": {"type": "MiningLicenceCredential"}}}')
    assert load_policy(str(path)).requirements[0].type == "MiningLicenceCredential"
    with pytest.raises(InputError) as caught:
        load_policy(str(tmp_path / "nope.yaml"))
    assert caught.value.code == "POLICY_NOT_FOUND"


GOOD: dict[str, Any] = {
    "name": "p",
    "credentials": {"origin": {"type": "MineralOriginCertificate", "disclose": ["mass"]}},
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"version": 2}, "version"),
        ({"credentials": {}}, "credentials"),
        ({"credentials": {"o": {"type": "PizzaCredential"}}}, "credentials.o.type"),
        (
            {"credentials": {"o": {"type": "MineralOriginCertificate", "disclose": ["tonnage"]}}},
            "credentials.o.disclose[0]",
        ),
        (
            {"credentials": {"o": {"type": "MineralOriginCertificate", "max_age_days": 0}}},
            "credentials.o.max_age_days",
        ),
        (
            {"credentials": {"o": {"type": "MineralOriginCertificate", "status": "maybe"}}},
            "credentials.o.status",
        ),
        ({"links": [{"name": "l", "equal": ["origin.mass", "ghost.mass"]}]}, "links[0].equal[1]"),
        ({"identity_anchor": "sometimes"}, "identity_anchor"),
    ],
)
def test_bad_policy_is_an_input_error_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_policy({**GOOD, **change}, source="bad.yaml")
    assert caught.value.code == "POLICY_INVALID"
    assert f"bad.yaml: {field}:" in caught.value.detail


def test_policy_that_is_not_yaml_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        parse_policy("name: [unclosed", source="broken.yaml")
    assert caught.value.code == "POLICY_INVALID"


def _variant(*, origin: dict[str, Any]) -> Policy:
    """The refinery policy with changes to its origin-certificate requirement."""
    data = yaml.safe_load(
        (resources.files("oretrust") / "policies" / "refinery-supplier.yaml").read_text("utf-8")
    )
    data["credentials"]["origin-certificate"].update(origin)
    return parse_policy(data, source="variant")
