"""Chain attestations: a buyer is shown the origin and the balance of its lot, not the trader's
suppliers (issue 11, commercial confidentiality).

An accredited auditor (or the registry operator) verifies the chain mine → trader → refinery
with ``verify_chain`` and attests it to the refinery; the refinery then presents the mine's
origin certificate with the attestation alone, no custody event. Each attack starts from the
genuine documents of the honest world and changes one thing.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import test_custody_chain as custody
from api_support import ApiClient
from conftest import run_oretrust
from custody_world import LOT, NOW, World, lot
from oretrust import holder
from oretrust.api import ServiceSettings, create_app
from oretrust.api.tokens import create_token
from oretrust.codes import CheckId, Code
from oretrust.credentials import EXAMPLES, build_credential
from oretrust.custody import credential_digest
from oretrust.encoding import b64url_decode
from oretrust.errors import ConflictError, InvalidCredentialError
from oretrust.formats.vc_jwt import sign_credential, sign_presentation
from oretrust.identities import add_issuer, signer_for
from oretrust.issuer import IssuedCredential, attest_chain, issue_credential, list_issued
from oretrust.registry.service import accredit
from oretrust.report import VerificationReport
from oretrust.status.publication import refresh_status_lists
from test_custody_chain import _honest

world = custody.world  # the mine, trader, refinery and platform homes of the custody tests
ATTESTATION = "ChainAttestationCredential"
AUDITOR = "did:web:registry.minerals-trust.example:issuers:auditor"
REGISTRY = "did:web:registry.minerals-trust.example"
CONTAINED_KG = 12000 * 0.8 * 0.305  # the 12 t the chain drew, in cobalt's contained basis


def _accredited_auditor(world: World) -> None:
    start = NOW - timedelta(days=30)
    add_issuer(world.platform, "auditor", display_name="Mulumba Audit", now=start)
    for did in (AUDITOR, REGISTRY):
        accredit(world.platform, did, ATTESTATION, "CD", now=start)


def _attest(world: World, issuer: str = "auditor") -> tuple[IssuedCredential, str, str]:
    """The honest chain, attested by ``issuer`` to the refinery: (attestation, first, second)."""
    _accredited_auditor(world)
    first, second = _honest(world)
    attested = attest_chain(
        world.platform, issuer, second, [first, world.origin], verifier=world.verifier(), now=NOW
    )
    return attested, first, second


def _present(world: World, who: str, *tokens: str) -> VerificationReport:
    """``who`` signs a vp+jwt of ``tokens`` (as a wallet would) for the refinery's challenge."""
    refresh_status_lists(world.platform, now=NOW)
    did = world.dids[who]
    home = {"trader": world.trader, "refinery": world.refinery}[who]
    token = sign_presentation(
        list(tokens), signer_for(home, did), holder=did, nonce="n-7", audience="aud", now=NOW
    )
    return world.verifier().check_presentation(token, nonce="n-7", audience="aud", now=NOW)


def _check(report: VerificationReport, check_id: str) -> Any:
    return next(check for check in report.checks if check.id == check_id)


def _payload(token: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return value


@pytest.mark.parametrize("issuer", ["auditor", "registry"])
def test_an_attested_chain_names_origin_and_balance_and_no_intermediary(
    world: World, issuer: str
) -> None:
    attested, _, _ = _attest(world, issuer)
    subject = attested.credential["credentialSubject"]
    assert subject["holder"] == world.dids["refinery"] and subject["lotId"] == "BCR-7781"
    assert subject["mass"] == {"value": pytest.approx(CONTAINED_KG), "unit": "kg",
                               "basis": "contained"}  # fmt: skip
    (origin,) = subject["origins"]
    assert origin["sha256"] == credential_digest(world.origin)
    assert origin["drawn"]["value"] == pytest.approx(CONTAINED_KG)
    text = json.dumps(attested.credential)
    assert world.dids["trader"] not in text and "LMT-0091" not in text  # no intermediary


@pytest.mark.parametrize("issuer", ["auditor", "registry"])
def test_the_last_buyer_presents_the_origin_with_the_attestation_alone(
    world: World, issuer: str
) -> None:
    """Through the refinery's wallet: the origin and the attestation, no custody event."""
    attested, _, _ = _attest(world, issuer)
    refresh_status_lists(world.platform, now=NOW)
    for token in (world.origin, attested.token):
        holder.receive_credential(
            world.refinery, "refinery", token, now=NOW, verifier=world.verifier()
        )
    token = holder.present(world.refinery, "refinery",
                           [_payload(world.origin)["id"], attested.id], nonce="n-1",
                           audience="aud", now=NOW)  # fmt: skip
    report = world.verifier().check_presentation(token, nonce="n-1", audience="aud", now=NOW)
    assert report.verified, report.to_dict()["errors"]
    chain = _check(report, CheckId.CUSTODY_CHAIN)
    assert chain.passed and chain.detail == f"attested by {attested.issuer}"
    assert _check(report, CheckId.HOLDER_BINDING).passed
    assert len(report.credentials) == 2  # the trader's events never left its hands
    assert world.dids["trader"] not in json.dumps([n.claims for n in report.credentials])


def test_an_invalid_chain_is_not_attested(world: World) -> None:
    _accredited_auditor(world)
    greedy = world.sale(world.kivu, "kivu", "trader", [world.origin],
                        inputs=[lot(LOT, 30.0)], outputs=[lot("LMT-0091", 30.0)])  # fmt: skip
    with pytest.raises(InvalidCredentialError) as caught:
        attest_chain(world.platform, "auditor", greedy, [world.origin],
                     verifier=world.verifier(), now=NOW)  # fmt: skip
    assert caught.value.code == Code.MASS_BALANCE_EXCEEDED
    assert list_issued(world.platform, issuer="auditor", type_name=ATTESTATION) == []
    with pytest.raises(InvalidCredentialError) as missing:  # the origin left out of the bag
        attest_chain(world.platform, "auditor", greedy, [], verifier=world.verifier(), now=NOW)
    assert missing.value.code == Code.CUSTODY_LINK_BROKEN


def test_an_attestation_naming_another_holder_does_not_carry_the_origin(world: World) -> None:
    """The trader shows the refinery's genuine attestation beside the mine's origin."""
    attested, _, _ = _attest(world)
    report = _present(world, "trader", world.origin, attested.token)
    assert not report.verified
    binding = _check(report, CheckId.HOLDER_BINDING)
    assert binding.code == Code.CUSTODY_NOT_LAST_BUYER and world.dids["refinery"] in binding.detail
    assert _check(report, CheckId.CUSTODY_CHAIN).code == Code.CUSTODY_NOT_LAST_BUYER


def test_an_attestation_of_another_origin_does_not_carry_this_one(world: World) -> None:
    """The refinery shows its genuine attestation beside a second genuine certificate of the
    mine (another lot) that the attested chain never drew from."""
    attested, _, _ = _attest(world)
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    subject.update(lotId="KVM-2026-LOT-0999", exporter={**subject["exporter"],
                                                        "id": world.dids["kivu"]})  # fmt: skip
    other = issue_credential(
        world.platform, issuer="ministry", type_name="MineralOriginCertificate", subject=subject,
        holder=world.dids["kivu"], now=NOW - timedelta(days=10),
        valid_until=NOW + timedelta(days=300),
    )  # fmt: skip
    report = _present(world, "refinery", other.token, attested.token)
    assert not report.verified
    assert _check(report, CheckId.HOLDER_BINDING).code == Code.CUSTODY_NOT_LAST_BUYER
    honest = _present(world, "refinery", world.origin, attested.token)
    assert honest.verified, honest.to_dict()["errors"]


def test_an_attestation_from_an_unaccredited_issuer_fails_its_own_accreditation(
    world: World,
) -> None:
    """A platform issuer the registry never accredited for attestations signs the genuine
    attestation subject with its own genuine key; the registry home refuses to issue it."""
    attested, first, second = _attest(world)
    rogue = add_issuer(world.platform, "rogue", display_name="Rogue Audit", now=NOW)
    with pytest.raises(ConflictError) as refused:
        attest_chain(world.platform, "rogue", second, [first, world.origin],
                     verifier=world.verifier(), now=NOW)  # fmt: skip
    assert refused.value.code == Code.ISSUER_NOT_ACCREDITED_TO_ISSUE
    credential = build_credential(
        ATTESTATION,
        issuer={"id": rogue.did, "name": "Rogue Audit"},
        subject=attested.credential["credentialSubject"],
        valid_from=NOW,
        valid_until=None,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
    )
    forged = sign_credential(credential, signer_for(world.platform, rogue.did), now=NOW)
    report = _present(world, "refinery", world.origin, forged)
    assert not report.verified
    nested = next(n for n in report.credentials if ATTESTATION in n.types)
    assert _check(nested, CheckId.ISSUER_ACCREDITED).code == Code.ISSUER_NOT_ACCREDITED
    assert _check(report, CheckId.HOLDER_BINDING).code == Code.CUSTODY_NOT_LAST_BUYER


def test_the_cli_attests_a_verified_chain_and_refuses_a_broken_one(
    world: World, tmp_path: Any
) -> None:
    """``oretrust custody attest`` in the auditor's (platform) home: exit 0 and a file for the
    honest chain, exit 1 and nothing for an over-claimed one."""
    _accredited_auditor(world)
    refresh_status_lists(world.platform, now=datetime.now(UTC))  # the CLI reads the clock
    first, second = _honest(world)
    files = {}
    for name, token in (("origin", world.origin), ("first", first), ("second", second)):
        files[name] = tmp_path / f"{name}.jwt"
        files[name].write_text(token + "\n")
    out = tmp_path / "attestation.jwt"
    made = run_oretrust(
        "custody", "attest", str(files["second"]), "--with", str(files["first"]),
        "--with", str(files["origin"]), "--issuer", "auditor", "--out", str(out),
        "--home", str(world.platform.path), "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["holder"] == world.dids["refinery"]
    claims = json.loads(b64url_decode(out.read_text().strip().split(".")[1]))
    assert ATTESTATION in claims["type"] and world.dids["trader"] not in json.dumps(claims)
    refused = run_oretrust(
        "custody", "attest", str(files["second"]), "--with", str(files["origin"]),
        "--issuer", "auditor", "--out", str(tmp_path / "none.jwt"),
        "--home", str(world.platform.path),
    )  # fmt: skip
    assert refused.returncode == 1 and "CUSTODY_LINK_BROKEN" in refused.stderr
    assert not (tmp_path / "none.jwt").exists()


def test_an_auditor_attests_over_http_with_its_issuer_token(world: World) -> None:
    """``POST /custody/attestations``: 201 and a verifying attestation for the honest chain;
    422 with the chain's code and nothing issued for a greedy one; a registry-admin token,
    or an issuer not accredited for attestations, is refused."""
    _accredited_auditor(world)
    first, second = _honest(world)
    settings = ServiceSettings(home=world.platform.path, allow_network=False, rate_limit=None)
    client = ApiClient(create_app(settings, clock=lambda: NOW))

    def bearer(role: str, issuer: str | None = None) -> dict[str, str]:
        _, token = create_token(world.platform, role=role, issuer=issuer, now=NOW,
                                expires_in=timedelta(days=1))  # fmt: skip
        return {"Authorization": f"Bearer {token}"}

    body = {"event": second, "documents": [first, world.origin]}
    made = client.post("/custody/attestations", json=body, headers=bearer("issuer", "auditor"))
    assert made.status_code == 201, made.text
    token = made.json()["verifiableCredential"]["id"].split(",", 1)[1]
    assert world.verifier().check_credential(token, now=NOW).verified
    assert _payload(token)["credentialSubject"]["holder"] == world.dids["refinery"]
    greedy = world.sale(world.kivu, "kivu", "trader", [world.origin],
                        inputs=[lot(LOT, 30.0)], outputs=[lot("LMT-0091", 30.0)])  # fmt: skip
    refused = client.post("/custody/attestations", headers=bearer("issuer", "auditor"),
                          json={"event": greedy, "documents": [world.origin]})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["code"] == Code.MASS_BALANCE_EXCEEDED
    assert len(list_issued(world.platform, issuer="auditor", type_name=ATTESTATION)) == 1
    admin = client.post("/custody/attestations", json=body, headers=bearer("registry-admin"))
    assert admin.status_code == 403
    ministry = client.post("/custody/attestations", json=body, headers=bearer("issuer", "ministry"))
    assert (
        ministry.status_code == 409
        and ministry.json()["code"] == Code.ISSUER_NOT_ACCREDITED_TO_ISSUE
    )
    client.close()
