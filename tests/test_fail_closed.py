"""The verifier fails closed: what was once talked into VALID, and the rules that keep it out.

Each case of the fail-closed issue is here, through the layer where it was seen: the verifier
in-process, ``oretrust verify`` (a real process) and ``POST /credentials/verify`` /
``POST /presentations/verify`` (the real app, in-process). Forgeries signed by an attacker's
own did:jwk, an SD-JWT+KB replayed to another verifier, presentations checked without the
verifier's own challenge.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api_support import ApiClient, Cast, make_cast, origin_certificate
from chain import Chain
from conftest import run_oretrust
from oretrust import identities
from oretrust.did import create_did_jwk
from oretrust.errors import InputError
from oretrust.formats.jws import sign_compact
from oretrust.formats.sd_jwt import present_sd_jwt
from oretrust.issuer import issue_sd_jwt_credential
from oretrust.keys import LocalSigner, generate_private_key
from oretrust.report import VerificationReport
from oretrust.verifier import verify_token
from oretrust.verifier._pipeline import REQUIRED, InputKind

NONCE, AUDIENCE = "n-refinery-1", "did:web:refinery.example"


@pytest.fixture
def chain(tmp_path: Path, now: datetime) -> Iterator[Chain]:
    built = Chain.build(tmp_path / "home", now)
    yield built
    built.home.engine.dispose()


def attacker_sd_jwt(now: datetime, **claims: Any) -> str:
    """An SD-JWT VC signed by an attacker's own did:jwk key (no disclosures)."""
    signer = LocalSigner(generate_private_key(), "")
    did = create_did_jwk(signer.public_jwk)
    signer = LocalSigner(signer.private_key, f"{did}#0")
    payload = {
        "iss": did,
        "vct": "https://oretrust.example/vct/MineralOriginCertificate",
        "iat": int(now.timestamp()),
        "sub": "did:web:nobody.example",
        **claims,
    }
    payload = {name: value for name, value in payload.items() if value is not None}
    return sign_compact({"typ": "dc+sd-jwt"}, json.dumps(payload).encode(), signer) + "~"


FORGERIES = {
    "no-vct": {"vct": None},
    "exp-as-a-string-in-the-past": {"exp": "1000000000"},
    "malformed-status": {"status": {"status_list": {"idx": "seven", "uri": 5}}},
    "status-not-an-object": {"status": "revoked? never"},
}


# ---------------------------------------------------------------- 1. SD-JWT VC forgeries
@pytest.mark.parametrize("change", FORGERIES.values(), ids=list(FORGERIES))
def test_attacker_sd_jwt_vc_is_invalid_and_accreditation_runs(
    chain: Chain, change: dict[str, Any]
) -> None:
    report = chain.verifier.check_credential(attacker_sd_jwt(chain.now, **change), now=chain.now)
    assert not report.verified and report.verdict == "INVALID"
    failed = {check.id for check in report.checks if not check.passed}
    assert failed & {"data_model", "validity_period"}, report.to_dict()
    # The home runs a registry: issuer_accredited is required, so it must run (or be missing).
    assert "issuer_accredited" in report.required


def test_attacker_sd_jwt_vc_well_formed_is_still_not_accredited(chain: Chain) -> None:
    report = chain.verifier.check_credential(attacker_sd_jwt(chain.now), now=chain.now)
    codes = {check.id: check.code for check in report.checks}
    assert codes["signature"] == "OK" and codes["issuer_accredited"] == "ISSUER_NOT_ACCREDITED"
    assert report.verdict == "INVALID"


@pytest.mark.parametrize("change", FORGERIES.values(), ids=list(FORGERIES))
def test_attacker_sd_jwt_vc_is_refused_by_the_cli(
    chain: Chain, change: dict[str, Any], tmp_path: Path
) -> None:
    token = tmp_path / "forged.sd-jwt"
    token.write_text(attacker_sd_jwt(chain.now, **change))
    at = chain.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    result = run_oretrust(
        "verify", str(token), "--at", at, "--json", "--home", str(chain.home.path)
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert json.loads(result.stdout)["verified"] is False


@pytest.fixture
def cast(tmp_path: Path) -> Iterator[Cast]:
    made = make_cast(tmp_path / "api-home")
    yield made
    made.home.engine.dispose()


@pytest.fixture
def api(cast: Cast) -> Iterator[ApiClient]:
    client = cast.client()
    yield client
    client.close()


@pytest.mark.parametrize("change", FORGERIES.values(), ids=list(FORGERIES))
def test_attacker_sd_jwt_vc_is_refused_over_http(api: ApiClient, change: dict[str, Any]) -> None:
    token = attacker_sd_jwt(datetime.now().astimezone(), **change)
    response = api.post("/credentials/verify", json={"verifiableCredential": token})
    assert response.status_code == 400, response.text
    assert response.json()["verified"] is False


# ---------------------------------------------------------------- 2. SD-JWT+KB replayed
def kb_presentation(chain: Chain, *, nonce: str, audience: str) -> str:
    issued = chain.origin_sd_jwt()
    return present_sd_jwt(
        issued.token,
        [],
        nested=False,
        holder_signer=identities.signer_for(chain.home, chain.trader),
        audience=audience,
        nonce=nonce,
        now=chain.now,
    )


def test_sd_jwt_kb_for_one_verifier_is_invalid_for_another(chain: Chain) -> None:
    presentation = kb_presentation(chain, nonce="n-other", audience="did:web:other.example")
    as_presented = chain.verifier.check_presentation(
        presentation, nonce=NONCE, audience=AUDIENCE, now=chain.now
    )
    assert as_presented.code == "KB_JWT_AUDIENCE_MISMATCH"
    # Handing the presentation in as a credential must not drop its key binding.
    as_credential = chain.verifier.check_credential(presentation, now=chain.now)
    assert not as_credential.verified
    assert as_credential.code == "KEY_BINDING_NOT_CHECKED"


def test_sd_jwt_kb_replayed_to_credentials_verify_is_invalid(chain: Chain, cast: Cast) -> None:
    """The HTTP credential endpoint is where the replay was VALID: a KB-JWT it cannot check."""
    del chain

    subject = origin_certificate(cast.holder_did)["credentialSubject"]
    now = datetime.now().astimezone()
    issued = issue_sd_jwt_credential(
        cast.home,
        issuer="ministry",
        type_name="MineralOriginCertificate",
        subject=subject,
        holder=cast.holder_did,
        now=now,
    )
    presentation = present_sd_jwt(
        issued.token,
        [],
        nested=False,
        holder_signer=identities.signer_for(cast.home, cast.holder_did),
        audience="did:web:other.example",
        nonce="n-other",
        now=now,
    )
    client = cast.client()
    try:
        as_credential = client.post(
            "/credentials/verify", json={"verifiableCredential": presentation}
        )
        assert as_credential.status_code == 400, as_credential.text
        assert as_credential.json()["errors"][0]["code"] == "KEY_BINDING_NOT_CHECKED"
        replayed = client.post(
            "/presentations/verify",
            json={
                "verifiablePresentation": presentation,
                "options": {"challenge": NONCE, "domain": AUDIENCE},
            },
        )
        assert replayed.status_code == 400
        assert replayed.json()["errors"][0]["code"] == "KB_JWT_AUDIENCE_MISMATCH"
        issued_only = client.post(
            "/credentials/verify", json={"verifiableCredential": issued.token}
        )
        assert issued_only.status_code == 200, issued_only.text
    finally:
        client.close()


# ---------------------------------------------------------------- 3. the verifier's challenge
@pytest.mark.parametrize(
    "options",
    [{}, {"challenge": NONCE}, {"domain": AUDIENCE}, {"challenge": "", "domain": AUDIENCE}],
    ids=["none", "no-domain", "no-challenge", "empty-challenge"],
)
def test_presentations_verify_needs_challenge_and_domain(
    api: ApiClient, cast: Cast, options: dict[str, str]
) -> None:
    body: dict[str, Any] = {"verifiablePresentation": "e30.e30.e30"}
    if options:
        body["options"] = options
    response = api.post("/presentations/verify", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_presentation_needs_the_verifiers_own_challenge_in_process(chain: Chain) -> None:
    presentation = kb_presentation(chain, nonce=NONCE, audience=AUDIENCE)
    for nonce, audience in ((None, AUDIENCE), (NONCE, None), (None, None)):
        with pytest.raises(InputError) as caught:
            chain.verifier.check_presentation(
                presentation, nonce=nonce, audience=audience, now=chain.now
            )
        assert caught.value.code == "CHALLENGE_REQUIRED"
    waived = chain.verifier.check_presentation(
        presentation, nonce=None, audience=None, now=chain.now, replay_check=False
    )
    assert any("replay" in warning for warning in waived.warnings)


def test_presentation_file_nonce_is_not_the_verifiers(chain: Chain, tmp_path: Path) -> None:
    """A presentation file carries the holder's nonce: it is never taken as the challenge."""
    presentation = kb_presentation(chain, nonce=NONCE, audience=AUDIENCE)
    wrapper = {"presentation": presentation, "format": "dc+sd-jwt", "nonce": NONCE}
    wrapper["audience"] = AUDIENCE
    text = json.dumps(wrapper)
    with pytest.raises(InputError) as caught:
        verify_token(chain.home, text, nonce=None, audience=None, now=chain.now)
    assert caught.value.code == "CHALLENGE_REQUIRED"
    checked = verify_token(chain.home, text, nonce=NONCE, audience=AUDIENCE, now=chain.now)
    assert checked.verified, checked.to_dict()["errors"]
    file = tmp_path / "vp.json"
    file.write_text(text)
    home, at = str(chain.home.path), chain.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    refused = run_oretrust("verify", str(file), "--at", at, "--home", home)
    assert refused.returncode == 2 and "--nonce" in refused.stderr, refused.stderr
    waived = run_oretrust(
        "verify", str(file), "--at", at, "--no-replay-check", "--json", "--home", home
    )
    assert "replay" in waived.stderr
    assert any("replay" in w for w in json.loads(waived.stdout)["warnings"])


# ---------------------------------------------------------------- the report itself
@pytest.mark.parametrize("kind", list(InputKind), ids=[kind.name for kind in InputKind])
def test_a_report_missing_any_required_check_is_not_verified(kind: InputKind) -> None:
    report_kind = "presentation" if kind.name.startswith(("VP", "SD_JWT_KB")) else "credential"
    for left_out in REQUIRED[kind]:
        report = VerificationReport(kind=report_kind)  # type: ignore[arg-type]
        report.require(*REQUIRED[kind])
        for check_id in REQUIRED[kind] - {left_out}:
            report.passed(check_id)
        if report_kind == "presentation":
            nested = VerificationReport(kind="credential")
            nested.require("signature")
            nested.passed("signature")
            report.credentials.append(nested)
        assert not report.verified
        assert report.missing == [left_out]
        assert report.errors[0].code == "CHECK_NOT_RUN" and report.verdict == "INVALID"


def test_a_report_with_no_declared_checks_or_no_credentials_is_not_verified() -> None:
    bare = VerificationReport(kind="credential")
    bare.passed("signature")
    assert not bare.verified and bare.errors
    presentation = VerificationReport(kind="presentation")
    presentation.require("signature")
    presentation.passed("signature")
    assert not presentation.verified and presentation.code == "NO_CREDENTIALS"


def test_a_failed_check_without_a_code_is_a_check_error() -> None:
    report = VerificationReport(kind="credential")
    report.add("signature", False, "OK", "a careless caller")
    assert report.checks[0].code == "CHECK_ERROR"


def test_stale_presentation_time_is_not_a_bypass(chain: Chain) -> None:
    presentation = kb_presentation(chain, nonce=NONCE, audience=AUDIENCE)
    later = chain.now + timedelta(hours=1)
    report = chain.verifier.check_presentation(
        presentation, nonce=NONCE, audience=AUDIENCE, now=later
    )
    assert report.code == "KB_JWT_STALE"


def test_an_sd_jwt_payload_is_processed_once(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    """One pipeline: the disclosures are matched to the digests once per credential."""
    import oretrust.verifier._sd_jwt as sd_jwt_path

    calls: list[int] = []
    real = sd_jwt_path.process_payload

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sd_jwt_path, "process_payload", counted)
    presentation = kb_presentation(chain, nonce=NONCE, audience=AUDIENCE)
    report = chain.verifier.check_presentation(
        presentation, nonce=NONCE, audience=AUDIENCE, now=chain.now
    )
    assert report.verified, report.to_dict()["errors"]
    assert len(calls) == 1


# ---------------------------------------------------------------- base64url malleability
_SAME_BYTES = {"Q": "R", "A": "B", "g": "h", "w": "x"}  # differ only in the unused low bits


def test_a_signature_with_non_zero_trailing_bits_is_not_the_signature(chain: Chain) -> None:
    """An Ed25519 signature is 86 base64url characters; the last one carries 2 bits and 4
    unused ones. Setting an unused bit decodes to the same bytes — the signature still
    verifies — so a decoder that accepts it lets one signature stand for 16 tokens (found by
    the forgery property test when the pyjwt decoder was replaced). Refused as malformed."""
    token = chain.vc("ministry-of-mines", "MineralOriginCertificate", chain.origin_subject()).token
    head, _, signature = token.rpartition(".")
    assert len(signature) % 4 == 2 and signature[-1] in _SAME_BYTES
    twin = f"{head}.{signature[:-1]}{_SAME_BYTES[signature[-1]]}"
    assert chain.verifier.check_credential(token, now=chain.now).verified
    report = chain.verifier.check_credential(twin, now=chain.now)
    assert not report.verified and report.code == "MALFORMED_TOKEN", report.to_dict()
