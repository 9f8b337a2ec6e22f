"""The holder's wallet with both formats: receive, list, show, present the minimum, refuse what
it can see is expired or revoked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from chain import Chain
from oretrust import holder
from oretrust.errors import ConflictError, InputError, NotFoundError
from oretrust.holder import request_for_policy
from oretrust.policy import load_policy
from oretrust.status.operations import revoke, suspend

NONCE = "n-wallet-1"


@pytest.fixture
def chain(tmp_path: Path, now: datetime) -> Iterator[Chain]:
    built = Chain.build(tmp_path, now)
    yield built
    built.home.engine.dispose()


@pytest.fixture
def stocked(chain: Chain) -> dict[str, str]:
    """The trader's wallet: an SD-JWT origin certificate, a vc+jwt licence (forwarded by
    Kivu), AEO status as SD-JWT VC and an identity anchor as vc+jwt."""
    origin = chain.origin_sd_jwt()
    licence = chain.vc("ministry-of-mines", "MiningLicenceCredential", chain.licence_subject())
    aeo = chain.sd(
        "customs", "AuthorisedEconomicOperatorCredential", chain.aeo_subject(chain.trader)
    )
    anchor = chain.vc(
        "business-register", "BusinessIdentityCredential", chain.anchor_subject(chain.trader)
    )
    for issued in (origin, licence, aeo, anchor):
        holder.receive_credential(chain.home, "trader", issued.token, now=chain.now)
    return {"origin": origin.id, "licence": licence.id, "aeo": aeo.id, "anchor": anchor.id}


def test_wallet_lists_both_formats(chain: Chain, stocked: dict[str, str]) -> None:
    listed = {e.credential_id: (e.type, e.format) for e in holder.list_wallet(chain.home, "trader")}
    assert listed == {
        stocked["origin"]: ("MineralOriginCertificate", "dc+sd-jwt"),
        stocked["licence"]: ("MiningLicenceCredential", "vc+jwt"),
        stocked["aeo"]: ("AuthorisedEconomicOperatorCredential", "dc+sd-jwt"),
        stocked["anchor"]: ("BusinessIdentityCredential", "vc+jwt"),
    }


def test_show_splits_an_sd_jwt_into_visible_and_withholdable(
    chain: Chain, stocked: dict[str, str]
) -> None:
    details = holder.show(chain.home, "trader", stocked["origin"])
    assert set(details.withholdable) == {
        "mass",
        "moisture",
        "assay",
        "price",
        "buyer",
        "mineSite.coordinates",
    }
    assert details.withholdable["price"] == {"amount": 412000.0, "currency": "USD"}
    assert details.visible["countryOfOrigin"] == "CD"
    assert not {"mass", "price"} & details.visible.keys()
    assert "coordinates" not in details.visible["mineSite"]
    assert details.to_dict()["format"] == "dc+sd-jwt"


def test_show_says_a_vc_jwt_discloses_everything(chain: Chain, stocked: dict[str, str]) -> None:
    details = holder.show(chain.home, "trader", stocked["licence"])
    assert details.withholdable == {}
    assert details.visible["credentialSubject"]["licenceNumber"] == "PE 13258"
    with pytest.raises(NotFoundError):
        holder.show(chain.home, "trader", "urn:uuid:not-there")


def test_single_sd_jwt_is_presented_as_sd_jwt_kb_with_the_minimum(
    chain: Chain, stocked: dict[str, str]
) -> None:
    request = holder.PresentationRequest(
        NONCE, chain.refinery, (stocked["origin"],), disclose=(("mass",), ("countryOfOrigin",))
    )
    made = holder.build_presentation(chain.home, "trader", request, now=chain.now)
    assert made.format == "dc+sd-jwt"
    assert made.to_dict().keys() == {"presentation", "format", "nonce", "audience"}
    assert made.presentation.count("~") == 2  # the JWT, one disclosure (mass), the KB-JWT
    report = chain.verifier.check_sd_jwt_presentation(
        made.presentation, nonce=NONCE, audience=chain.refinery, now=chain.now
    )
    assert report.verified, report.to_dict()["errors"]
    subject = (report.credentials[0].claims or {})["credentialSubject"]
    assert "mass" in subject and "price" not in subject


def test_vc_jwt_is_presented_as_vp_jwt(chain: Chain, stocked: dict[str, str]) -> None:
    request = holder.PresentationRequest(NONCE, chain.refinery, (stocked["anchor"],))
    made = holder.build_presentation(chain.home, "trader", request, now=chain.now)
    assert made.format == "vp+jwt"
    report = chain.verifier.check_presentation(
        made.presentation, nonce=NONCE, audience=chain.refinery, now=chain.now
    )
    assert report.verified


def test_mixed_presentation_envelopes_sd_jwt_bound_by_the_vp_signature(
    chain: Chain, stocked: dict[str, str]
) -> None:
    token = holder.present(
        chain.home,
        "trader",
        [stocked["licence"], stocked["origin"], stocked["aeo"]],
        nonce=NONCE,
        audience=chain.refinery,
        now=chain.now,
        disclose_for={stocked["origin"]: [("price",)]},
    )
    report = chain.verifier.check_presentation(
        token, nonce=NONCE, audience=chain.refinery, now=chain.now
    )
    assert report.verified, report.to_dict()["errors"]
    origin = next(n for n in report.credentials if n.credential_id == stocked["origin"])
    assert any(c.id == "key_binding" and c.passed for c in origin.checks)
    assert origin.disclosure is not None and origin.disclosure["disclosed"] == ["price"]
    aeo = next(n for n in report.credentials if n.credential_id == stocked["aeo"])
    assert aeo.disclosure is not None and aeo.disclosure["disclosed"] == []


def test_asking_for_a_claim_no_credential_has_is_an_input_error(
    chain: Chain, stocked: dict[str, str]
) -> None:
    request = holder.PresentationRequest(
        NONCE, chain.refinery, (stocked["origin"],), disclose=(("tonnage",),)
    )
    with pytest.raises(InputError) as caught:
        holder.build_presentation(chain.home, "trader", request, now=chain.now)
    assert caught.value.code == "CLAIM_PATH_NOT_FOUND"


def test_wallet_refuses_to_present_an_expired_sd_jwt(chain: Chain) -> None:
    issued = chain.origin_sd_jwt(valid_until=chain.now + timedelta(days=1))
    holder.receive_credential(chain.home, "trader", issued.token, now=chain.now)
    with pytest.raises(InputError) as caught:
        holder.present_sd_jwt(
            chain.home,
            "trader",
            issued.id,
            disclose=[],
            nonce=NONCE,
            audience=chain.refinery,
            now=chain.now + timedelta(days=2),
        )
    assert caught.value.code == "CREDENTIAL_EXPIRED"


@pytest.mark.parametrize(
    ("action", "code"),
    [(revoke, "CREDENTIAL_REVOKED"), (suspend, "CREDENTIAL_SUSPENDED")],
    ids=["revoked", "suspended"],
)
def test_wallet_refuses_to_present_a_revoked_or_suspended_sd_jwt(
    chain: Chain, stocked: dict[str, str], action: object, code: str
) -> None:
    target = stocked["origin"] if action is revoke else stocked["aeo"]
    action(chain.home, target, reason="audit", now=chain.now)  # type: ignore[operator]
    request = holder.PresentationRequest(NONCE, chain.refinery, (target,))
    with pytest.raises(ConflictError) as caught:
        holder.build_presentation(chain.home, "trader", request, now=chain.now)
    assert caught.value.code == code
    with pytest.raises(ConflictError) as caught:  # nor inside a vp+jwt
        holder.present(
            chain.home,
            "trader",
            [stocked["licence"], target],
            nonce=NONCE,
            audience=chain.refinery,
            now=chain.now,
        )
    assert caught.value.code == code


def test_wallet_refuses_an_sd_jwt_bound_to_someone_elses_key(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()  # bound to the trader
    with pytest.raises(InputError) as caught:
        holder.receive_credential(chain.home, "kivu", issued.token, now=chain.now)
    assert caught.value.code == "KEY_BINDING_MISMATCH"


def test_policy_request_picks_the_credentials_and_claims_a_policy_needs(
    chain: Chain, stocked: dict[str, str]
) -> None:
    policy = load_policy("refinery-supplier")
    request = request_for_policy(chain.home, "trader", policy, nonce=NONCE, audience="aud")
    assert set(request.credential_ids) == set(stocked.values())
    assert ("lotId",) in request.disclose_for[stocked["origin"]]
    assert ("mass",) not in request.disclose_for[stocked["origin"]]
    with pytest.raises(InputError) as caught:
        request_for_policy(chain.home, "kivu", policy, nonce=NONCE, audience="aud")
    assert caught.value.code == "POLICY_CREDENTIAL_MISSING"
