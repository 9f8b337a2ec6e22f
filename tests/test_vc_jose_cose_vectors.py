"""The JOSE rows of the W3C VC-JOSE-COSE test suite (vectors/vc-jose-cose/expectations.json).

Caveats from the vectors' README: credential vectors carry a string ``iat``. RFC 7519 makes
``iat`` a NumericDate, and oretrust fails closed on a malformed registered claim: those rows'
"success" is expected here as ``data_model`` ``CLAIM_INVALID`` (their signatures and every other
check pass, which the test also asserts). Presentation vectors expired at exp 1734397450, so
they are verified with the clock at 1734311050. The issuer is an HTTPS URL, resolved here to a
controller document holding the suite's verification methods under ``<issuer>#<thumbprint>``
(the suite's ``kid``). SD-JWT rows belong to the selective-disclosure work and are not part of
this file.

The suite's presentation rows test the presentation's own securing (envelope, signature,
media type, data model), not the credentials inside (some are SD-JWT or COSE, some truncated);
so for presentations the outcome compared is that of the presentation's own checks.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oretrust.did import StaticDidResolver
from oretrust.errors import DataModelError
from oretrust.formats.jws import sign_compact
from oretrust.formats.vc_jwt import issuer_id, sign_credential
from oretrust.formats.vcdm import validate_credential, validate_presentation
from oretrust.jwk import thumbprint
from oretrust.keys import LocalSigner, private_key_from_jwk
from oretrust.report import VerificationReport
from oretrust.verifier import Verifier
from vectors import load_json

PRESENTATION_CLOCK = datetime.fromtimestamp(1734311050, tz=UTC)
CREDENTIAL_CLOCK = datetime(2024, 12, 16, tzinfo=UTC)
ISSUER = "https://example.issuer/vc-jose-cose"


CASES = [
    case
    for case in load_json("vc-jose-cose/expectations.json")["cases"]
    if case["feature"] in ("credential_jose", "presentation_jose")
]


def test_every_jose_row_is_collected() -> None:
    """The table is read at collection time: a renamed feature must not silently empty it."""
    features = [case["feature"] for case in CASES]
    assert (features.count("credential_jose"), features.count("presentation_jose")) == (10, 6)


def _controller(vectors: Path, key_file: str) -> StaticDidResolver:
    """The issuer's controller document holding only the case's key (as the suite verifies)."""
    vm = json.loads((vectors / "vc-jose-cose" / "input" / key_file).read_text())
    public = {k: v for k, v in vm["publicKeyJwk"].items() if k not in ("alg", "kid")}
    kid = f"{ISSUER}#{thumbprint(public)}"
    method = {"id": kid, "type": "JsonWebKey", "controller": ISSUER, "publicKeyJwk": public}
    document = {
        "id": ISSUER,
        "verificationMethod": [method],
        "assertionMethod": [kid],
        "authentication": [kid],
    }
    return StaticDidResolver({ISSUER: document})


def _own_checks_pass(report: VerificationReport) -> bool:
    """The presentation's own checks (not those of the credentials it carries)."""
    return bool(report.checks) and all(
        check.passed for check in report.checks if check.id != "holder_binding"
    )


def _signer(vectors: Path, key_file: str) -> LocalSigner:
    vm = json.loads((vectors / "vc-jose-cose" / "input" / key_file).read_text())
    return LocalSigner(
        private_key_from_jwk(vm["secretKeyJwk"]), f"{ISSUER}#{vm['publicKeyJwk']['kid']}"
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['number']}-{c['fn']}-{c['input_file']}")
def test_vc_jose_cose_case(vectors_dir: Path, case: dict[str, Any]) -> None:
    raw = (vectors_dir / "vc-jose-cose" / "input" / case["input_file"]).read_text().strip()
    verifier = Verifier(_controller(vectors_dir, case["key_file"]))
    presentation = case["feature"] == "presentation_jose"
    clock = PRESENTATION_CLOCK if presentation else CREDENTIAL_CLOCK
    success = case["expected_result"] == "success"

    if case["fn"] == "issue":
        document = json.loads(raw)
        signer = _signer(vectors_dir, case["key_file"])
        if not success:
            with pytest.raises(DataModelError):
                (validate_presentation if presentation else validate_credential)(document)
            return
        if presentation:
            validate_presentation(document)
            token = sign_compact(
                {"typ": "vp+jwt", "cty": "vp"}, json.dumps(document).encode(), signer
            )
            report = verifier.check_presentation(
                token, nonce=None, audience=None, now=clock, replay_check=False
            )
            assert _own_checks_pass(report), (report.to_dict()["errors"], report.warnings)
            return
        validate_credential(document)
        assert issuer_id(document) == ISSUER
        token = sign_credential(document, signer, now=clock)
        report = verifier.check_credential(token, now=clock)
        assert report.verified, report.to_dict()
        return

    if presentation:
        report = verifier.check_presentation(
            raw, nonce=None, audience=None, now=clock, replay_check=False
        )
        assert _own_checks_pass(report) is success, (report.to_dict()["errors"], report.warnings)
    else:
        report = verifier.check_credential(raw, now=clock)
        if success and isinstance((report.claims or {}).get("iat"), str):
            assert [(e.id, e.code) for e in report.errors] == [("data_model", "CLAIM_INVALID")]
            return
        assert report.verified is success, (report.to_dict()["errors"], report.warnings)
    if not success:
        assert report.errors, "a rejected input must name the failed check"
