"""VC Data Model 2.0 rules (oretrust.formats.vcdm).

Sources: the W3C VC DM 2.0 test-suite inputs (``vcdm2-suite-fixtures``, every file, named by
its ``-ok`` / ``-fail`` suffix), the VC-JOSE-COSE test-suite inputs, and one hand-written case
per rule.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import VECTORS
from oretrust.encoding import json_object_from_b64url
from oretrust.errors import DataModelError, InputError
from oretrust.formats.vc_jwt import unwrap_envelope
from oretrust.formats.vcdm import (
    CREDENTIAL_PROPERTIES,
    CREDENTIALS_V2_CONTEXT,
    ENVELOPED_PRESENTATION,
    JWT_CLAIMS,
    EnvelopeType,
    parse_datetime_stamp,
    reject_jwt_wrapper_claims,
    split_jwt_payload,
    validate_credential,
    validate_enveloped,
    validate_holder_claims,
    validate_presentation,
)

EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
SUITE = Path("vcdm2-suite-fixtures/tests/input")
JOSE = Path("vc-jose-cose/input")

# The rule each W3C "-fail" input breaks (issuance mode for credentials). "-fail-or-inject"
# inputs may be repaired by an issuer; oretrust chooses to reject them.
FAIL_RULES = {
    "credential-context-combo3-fail.json": "context-url",
    "credential-context-combo4-fail.json": "context-entry",
    "credential-evidence-missing-type-fail.json": "evidence-type",
    "credential-id-multi-fail.json": "id-url",
    "credential-id-nonidentifier-fail.json": "id-url",
    "credential-id-not-url-fail.json": "id-url",
    "credential-id-subject-multi-fail.json": "subject-id",
    "credential-issuer-no-url-fail.json": "issuer-url",
    "credential-issuer-null-fail.json": "issuer-url",
    "credential-issuer-object-id-no-url-fail.json": "issuer-url",
    "credential-issuer-object-id-null-fail.json": "issuer-url",
    "credential-missing-base-context-fail-or-inject.json": "context-first",
    "credential-missing-required-type-fail.json": "type-required",
    "credential-no-context-fail-or-inject.json": "context-required",
    "credential-no-issuer-fail.json": "subject-claims",  # issuance mode: issuer not needed
    "credential-no-subject-fail.json": "subject-required",
    "credential-no-type-fail.json": "type-required",
    "credential-proof-missing-type-fail.json": "proof-type",
    "credential-redef-type-fail.json": "context-protected",
    "credential-redef-type2-fail.json": "context-protected",
    "credential-refresh-no-type-fail.json": "refresh-service-type",
    "credential-schema-no-id-fail.json": "schema-id",
    "credential-schema-no-type-fail.json": "schema-type",
    "credential-schema-non-url-id-fail.json": "schema-id",
    "credential-status-missing-type-fail.json": "status-type",
    "credential-status-multiple-id-fail.json": "status-id",
    "credential-status-nonurl-id-fail.json": "status-id",
    "credential-status-type-nonurl-fail.json": "type-value",
    "credential-subject-multiple-empty-fail.json": "subject-claims",
    "credential-subject-no-claims-fail.json": "subject-claims",
    "credential-termsofuse-missing-type-fail.json": "terms-of-use-type",
    "credential-termsofuse-no-type-fail.json": "terms-of-use-type",
    "credential-type-mapped-nonurl-fail.json": "context-term",
    "credential-type-unmapped-fail.json": "type-undefined",
    "credential-validUntil-validFrom-fail.json": "validity-order",
    "credential-validfrom-invalid-fail.json": "datetime-format",
    "credential-validuntil-invalid-fail.json": "datetime-format",
    "credential-description-extra-prop-en-fail.json": "language-value",
    "credential-name-extra-prop-en-fail.json": "language-value",
    "issuer-description-extra-prop-en-fail.json": "language-value",
    "issuer-name-extra-prop-en-fail.json": "language-value",
    "presentation-context-order-fail.json": "context-first",
    "presentation-enveloped-vc-missing-type-fail.json": "type-required",
    "presentation-holder-fail.json": "holder-url",
    "presentation-holder-name-fail.json": "holder-url",
    "presentation-holder-object-fail.json": "holder-url",
    "presentation-missing-base-context-fail.json": "context-first",
    "presentation-missing-required-type-fail.json": "type-required",
    "presentation-no-context-fail-or-inject.json": "context-required",
    "presentation-no-type-fail.json": "type-required",
    "presentation-vc-as-string-fail.json": "vc-object",
    "presentation-vc-missing-required-type-fail.json": "type-value",
}
# No -ok/-fail suffix: templates for VC DM 2.0 §5.13 "Presentations Including Holder Claims".
# Each is a well-formed presentation; the holder/issuer rule is validate_holder_claims.
SELF_ASSERTED_REJECTED = {
    "presentation-self-asserted-vc-holder-mismatch.json",
    "presentation-self-asserted-vc-issuer-mismatch.json",
    "presentation-self-asserted-vc-no-holder.json",
}
# The suite fills these two inputs' "PAST DATE" / "FUTURE DATE" placeholders at run time
# (a year either side of now); fixed instants keep the test deterministic.
PLACEHOLDER_DATES = {"PAST DATE": "2025-11-23T12:00:00Z", "FUTURE DATE": "2027-11-23T12:00:00Z"}


def _suite_files() -> list[Path]:
    return sorted((VECTORS / SUITE).rglob("*.json"))


def _load(path: Path) -> Any:
    document = json.loads(path.read_text(encoding="utf-8"))
    for prop in ("validFrom", "validUntil"):
        if isinstance(document, dict) and document.get(prop) in PLACEHOLDER_DATES:
            document[prop] = PLACEHOLDER_DATES[document[prop]]
    return document


def _validate_as_input(name: str, document: Any) -> None:
    """Validate a suite input the way oretrust's API would receive it."""
    if name.startswith("presentation-"):
        validate_presentation(document)
    else:  # an unsigned credential to issue: the issuer adds its own issuer
        validate_credential(document, require_issuer=False)


def _rule_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(DataModelError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == "DATA_MODEL_INVALID"
    assert "\n" not in caught.value.detail
    return caught.value.rule


def _jose_payload(vectors_dir: Path, name: str) -> dict[str, Any]:
    token = (vectors_dir / JOSE / name).read_text(encoding="ascii").strip()
    return json_object_from_b64url(token.split(".")[1], "payload")


def _credential(**changes: Any) -> dict[str, Any]:
    """A valid signed-shape credential, with ``changes`` applied (None removes a property)."""
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "type": ["VerifiableCredential"],
        "issuer": "did:web:mines.gov.example",
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "Lot 42"},
    }
    for key, value in changes.items():
        key = {"context": "@context"}.get(key, key)
        if value is None:
            document.pop(key, None)
        else:
            document[key] = copy.deepcopy(value)
    return document


def _presentation(*credentials: Any, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": "did:example:holder",
    }
    if credentials:
        document["verifiableCredential"] = list(credentials)
    document.update(changes)
    return document


def _enveloped(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "@context": CREDENTIALS_V2_CONTEXT,
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt,eyJhbGciOiJFZERTQSJ9.e30.c2ln",
    }
    for key, value in changes.items():
        key = {"context": "@context"}.get(key, key)
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    return entry


# --- the W3C VC DM 2.0 test-suite inputs ----------------------------------------------------


def test_every_suite_input_has_an_expectation(vectors_dir: Path) -> None:
    names = {path.name for path in (vectors_dir / SUITE).rglob("*.json")}
    assert len(names) == 120
    oks = {name for name in names if name.endswith("-ok.json")}
    assert names == oks | set(FAIL_RULES) | SELF_ASSERTED_REJECTED


@pytest.mark.parametrize("path", _suite_files(), ids=lambda path: path.name)
def test_w3c_suite_input(vectors_dir: Path, path: Path) -> None:
    document = _load(vectors_dir / path.relative_to(VECTORS))
    if path.name in FAIL_RULES:
        assert _rule_of(_validate_as_input, path.name, document) == FAIL_RULES[path.name]
    else:
        _validate_as_input(path.name, document)


@pytest.mark.parametrize(
    "name", ["presentation-self-asserted-vc-ok.json", *sorted(SELF_ASSERTED_REJECTED)]
)
def test_w3c_self_asserted_presentations(vectors_dir: Path, name: str) -> None:
    document = _load(vectors_dir / SUITE / name)
    validate_presentation(document)
    if name in SELF_ASSERTED_REJECTED:
        assert _rule_of(validate_holder_claims, document) == "holder-claims"
    else:
        validate_holder_claims(document)


def test_w3c_credential_without_issuer_is_rejected_at_verification(vectors_dir: Path) -> None:
    document = _load(vectors_dir / SUITE / "credential-ok.json")
    assert _rule_of(validate_credential, document) == "issuer-required"
    document = _load(vectors_dir / SUITE / "names-and-descriptions/issuer-name-ok.json")
    assert _rule_of(validate_credential, document) == "issuer-url"  # object without an id


def test_w3c_validity_order_placeholders_are_what_fails(vectors_dir: Path) -> None:
    ok = _load(vectors_dir / SUITE / "credential-validUntil-validFrom-ok.json")
    validate_credential(ok, require_issuer=False)
    swapped = dict(ok, validFrom=ok["validUntil"], validUntil=ok["validFrom"])
    assert _rule_of(validate_credential, swapped, require_issuer=False) == "validity-order"


# --- VC-JOSE-COSE test-suite inputs ---------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["credential-minimal.json", "credential-full.json", "credential-selective.json"]
)
def test_vc_jose_cose_credentials_accepted(vectors_dir: Path, name: str) -> None:
    validate_credential(json.loads((vectors_dir / JOSE / name).read_text()))


@pytest.mark.parametrize(
    "name",
    ["presentation-single.json", "presentation-multiple.json", "presentation-selective.json"],
)
def test_vc_jose_cose_presentations_accepted(vectors_dir: Path, name: str) -> None:
    validate_presentation(json.loads((vectors_dir / JOSE / name).read_text()))


def test_vc_jose_cose_unknown_extensions_rejected(vectors_dir: Path) -> None:
    document = json.loads((vectors_dir / JOSE / "credential-unknown-extensions.json").read_text())
    with pytest.raises(DataModelError) as caught:
        validate_credential(document)
    assert caught.value.rule == "unknown-property"
    assert "anotherBadOne" in caught.value.detail
    del document["badExtension"], document["anotherBadOne"]
    validate_credential(document)


def test_vc_jose_cose_vc_vp_claims_rejected(vectors_dir: Path) -> None:
    payload = _jose_payload(vectors_dir, "credential-jose-vc-vp-claims.txt")
    assert _rule_of(reject_jwt_wrapper_claims, payload) == "jwt-wrapper-claim"
    assert _rule_of(split_jwt_payload, payload) == "jwt-wrapper-claim"
    assert _rule_of(validate_credential, payload) == "jwt-wrapper-claim"


def test_vc_jose_cose_payload_splits_into_credential_and_claims(vectors_dir: Path) -> None:
    payload = _jose_payload(vectors_dir, "credential-jose-minimal.txt")
    assert _rule_of(validate_credential, payload) == "unknown-property"  # iss, jti, iat
    credential, claims = split_jwt_payload(payload)
    assert set(claims) == {"iss", "iat", "jti"}
    assert claims["iss"] == credential["issuer"]
    assert not set(credential) & JWT_CLAIMS
    assert set(credential) <= CREDENTIAL_PROPERTIES
    validate_credential(credential)


def test_vc_jose_cose_presentation_payload_splits(vectors_dir: Path) -> None:
    payload = _jose_payload(vectors_dir, "presentation-jose-multiple.txt")
    presentation, claims = split_jwt_payload(payload)
    assert set(claims) == {"iss", "iat", "exp", "jti"}
    validate_presentation(presentation)


# --- @context ---------------------------------------------------------------------------------


def test_context_may_be_the_base_context_string() -> None:
    validate_credential(_credential(context=CREDENTIALS_V2_CONTEXT))


@pytest.mark.parametrize(
    ("context", "rule"),
    [
        ([], "context-first"),
        ("https://www.w3.org/2018/credentials/v1", "context-first"),
        (["https://www.w3.org/2018/credentials/v1", CREDENTIALS_V2_CONTEXT], "context-first"),
        ([CREDENTIALS_V2_CONTEXT, None], "context-entry"),
        ([CREDENTIALS_V2_CONTEXT, "https://www.w3.org/2018/credentials/v1"], "context-protected"),
        ([CREDENTIALS_V2_CONTEXT, "contexts/relative.jsonld"], "context-url"),
        ([CREDENTIALS_V2_CONTEXT, {"Lot": "https://"}], "context-term"),
        ([CREDENTIALS_V2_CONTEXT, {"Lot": 7}], "context-term"),
        ([CREDENTIALS_V2_CONTEXT, {"@vocab": "not a url"}], "context-term"),
        ([CREDENTIALS_V2_CONTEXT, {"issuer": "https://evil.example/#issuer"}], "context-protected"),
        ([CREDENTIALS_V2_CONTEXT, {"VerifiableCredential": None}], "context-protected"),
        ([CREDENTIALS_V2_CONTEXT, {"name": "https://evil.example/#name"}], "context-protected"),
    ],
)
def test_context_rules(context: Any, rule: str) -> None:
    assert _rule_of(validate_credential, _credential(context=context)) == rule


def test_identical_redefinition_of_a_protected_term_is_allowed() -> None:
    inline = {"id": "@id", "type": "@type", "name": {"@id": "https://schema.org/name"}}
    validate_credential(_credential(context=[CREDENTIALS_V2_CONTEXT, inline]))


def test_unprotected_inline_term_may_be_redefined() -> None:
    context = [
        CREDENTIALS_V2_CONTEXT,
        {"Lot": "https://example.org/#Lot"},
        {"Lot": "https://example.org/v2#Lot"},
    ]
    validate_credential(_credential(context=context, type=["VerifiableCredential", "Lot"]))


def test_with_vocab_null_types_must_be_defined_or_urls() -> None:
    context: list[Any] = [CREDENTIALS_V2_CONTEXT, {"@vocab": None}]
    for ok_type in ("https://example.org/#Lot", "VerifiableCredential"):
        validate_credential(_credential(context=context, type=["VerifiableCredential", ok_type]))
    undefined = _credential(context=context, type=["VerifiableCredential", "Lot"])
    assert _rule_of(validate_credential, undefined) == "type-undefined"
    defined = copy.deepcopy(undefined)
    defined["@context"].append({"Lot": "https://example.org/#Lot"})
    validate_credential(defined)
    undefined["@context"].append("https://www.w3.org/ns/credentials/examples/v2")  # an @vocab
    validate_credential(undefined)
    status = {"type": "Lot", "id": "https://example.org/status/1"}
    typed_status = _credential(context=context, credentialStatus=status)
    assert _rule_of(validate_credential, typed_status) == "type-undefined"


# --- type, id, issuer, subject -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "rule"),
    [
        ("VerifiablePresentation", "type-required"),
        ([], "type-value"),
        (["VerifiableCredential", ""], "type-value"),
        (["VerifiableCredential", 3], "type-value"),
    ],
)
def test_type_rules(type_: Any, rule: str) -> None:
    assert _rule_of(validate_credential, _credential(type=type_)) == rule


@pytest.mark.parametrize(
    "value",
    [
        "https://mines.gov.example/credentials/1",
        "did:web:mines.gov.example",
        "urn:uuid:9c9a36f8-518f-4976-a934-6649502d0008",
    ],
)
def test_urls_of_any_scheme_are_identifiers(value: str) -> None:
    validate_credential(_credential(id=value, issuer=value))


@pytest.mark.parametrize(
    "value",
    ["https://", "https:///path", "no-scheme", "did:example: space", "1http://a.example", 7],
)
def test_non_urls_are_not_identifiers(value: Any) -> None:
    assert _rule_of(validate_credential, _credential(id=value)) == "id-url"
    assert _rule_of(validate_credential, _credential(issuer=value)) == "issuer-url"


def test_issuer_object_needs_a_url_id_except_on_unsigned_input() -> None:
    issuer = {"name": "Mines Registry", "type": "Profile"}
    assert _rule_of(validate_credential, _credential(issuer=issuer)) == "issuer-url"
    validate_credential(_credential(issuer=issuer), require_issuer=False)
    validate_credential(_credential(issuer=dict(issuer, id="did:web:mines.gov.example")))
    validate_credential(_credential(issuer=None), require_issuer=False)
    bad_id = dict(issuer, id="mines")
    assert _rule_of(validate_credential, _credential(issuer=bad_id), require_issuer=False) == (
        "issuer-url"
    )


@pytest.mark.parametrize(
    ("subject", "rule"),
    [
        ([], "subject-claims"),
        ("did:example:subject", "subject-claims"),
        ([{"id": "did:example:a"}, "did:example:b"], "subject-claims"),
        ({"id": "not a url"}, "subject-id"),
        ({"id": "did:example:a", "type": 1}, "type-value"),
    ],
)
def test_subject_rules(subject: Any, rule: str) -> None:
    assert _rule_of(validate_credential, _credential(credentialSubject=subject)) == rule


# --- validity period -----------------------------------------------------------------------------


def test_valid_from_after_valid_until_is_rejected() -> None:
    late_start = _credential(validFrom="2027-01-01T00:00:01Z", validUntil="2027-01-01T00:00:00Z")
    assert _rule_of(validate_credential, late_start) == "validity-order"
    validate_credential(_credential(validFrom="2027-01-01T00:00:00Z"))  # equal is allowed


def test_validity_order_compares_instants_across_timezones() -> None:
    # 2023-02-25T19:21:29-06:00 is 01:21:29Z the next day: after validFrom, not before it.
    validate_credential(
        _credential(validFrom="2023-02-26T01:21:23Z", validUntil="2023-02-25T19:21:29-06:00")
    )
    earlier = _credential(validFrom="2023-02-26T01:21:23Z", validUntil="2023-02-26T01:21:29+06:00")
    assert _rule_of(validate_credential, earlier) == "validity-order"


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00",  # no timezone
        "2026-01-01",
        "2026-01-01 00:00:00Z",
        "2026-01-01t00:00:00z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T00:00:00+15:00",
        "2026-01-01T00:60:00Z",
        "0000-01-01T00:00:00Z",
        "2026-01-01T00:00:00.Z",
        1767225600,
    ],
)
def test_datetime_stamp_rejects(value: Any) -> None:
    assert _rule_of(validate_credential, _credential(validFrom=value)) == "datetime-format"
    assert _rule_of(validate_credential, _credential(validUntil=value)) == "datetime-format"


def test_datetime_stamp_parsing() -> None:
    assert parse_datetime_stamp("2023-02-26T01:02:58.447Z") == datetime(
        2023, 2, 26, 1, 2, 58, 447000, tzinfo=UTC
    )
    assert parse_datetime_stamp("2023-02-25T19:10:39-06:00") == datetime(
        2023, 2, 26, 1, 10, 39, tzinfo=UTC
    )
    minus_six = parse_datetime_stamp("2023-02-25T19:10:39-06:00").utcoffset()
    assert minus_six == timedelta(hours=-6)
    assert parse_datetime_stamp("2026-12-31T24:00:00Z") == datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_datetime_stamp("4023-02-26T01:02:58.123456789+14:00").tzinfo == timezone(
        timedelta(hours=14)
    )


# --- typed objects, names, related resources ------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "value", "rule"),
    [
        ("credentialStatus", [], "status-type"),
        ("credentialStatus", "https://example.org/status", "status-type"),
        ("credentialStatus", {"type": "BitstringStatusListEntry", "id": 5}, "status-id"),
        ("credentialSchema", {"type": "JsonSchema", "id": "schema.json"}, "schema-id"),
        ("evidence", [{"type": "Evidence"}, {"id": "https://e.example/1"}], "evidence-type"),
        ("renderMethod", {"id": "https://example.org/render"}, "render-method-type"),
        ("confidenceMethod", {"id": "did:example:cm"}, "confidence-method-type"),
        ("proof", [{"type": "DataIntegrityProof"}, {}], "proof-type"),
        ("termsOfUse", {"type": "Policy", "id": "not a url"}, "terms-of-use-id"),
        ("relatedResource", {"id": "https://example.org/a.json"}, "related-resource"),
        ("relatedResource", [], "related-resource"),
        ("relatedResource", {"digestSRI": "sha384-abc"}, "related-resource"),
        ("name", {"@value": "Lot", "@direction": "up"}, "language-value"),
        ("name", {"@language": "en"}, "language-value"),
        ("description", [], "language-value"),
        ("description", ["Lot", 42], "language-value"),
    ],
)
def test_property_rules(prop: str, value: Any, rule: str) -> None:
    assert _rule_of(validate_credential, _credential(**{prop: value})) == rule


def test_full_credential_with_every_property_is_accepted() -> None:
    validate_credential(
        _credential(
            name=[{"@value": "Lot", "@language": "en"}, "Lot"],
            description={"@value": "Cobalt lot", "@language": "en", "@direction": "ltr"},
            credentialStatus={
                "id": "https://mines.gov.example/status/1#94567",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "94567",
                "statusListCredential": "https://mines.gov.example/status/1",
            },
            credentialSchema=[{"id": "https://example.org/schema.json", "type": "JsonSchema"}],
            evidence={"type": ["Evidence"]},
            termsOfUse={"type": "https://example.org/#Policy"},
            refreshService={"type": "RefreshService", "id": "https://example.org/refresh"},
            renderMethod={"type": "SvgRenderingTemplate"},
            relatedResource=[{"id": "https://example.org/a.json", "digestSRI": "sha384-abc"}],
            confidenceMethod={"type": "ConfidenceMethod"},
            proof={"type": "DataIntegrityProof"},
        )
    )


@pytest.mark.parametrize("prop", ["badExtension", "issuanceDate", "iss", "status", "vct"])
def test_unknown_top_level_properties_are_refused(prop: str) -> None:
    with pytest.raises(DataModelError) as caught:
        validate_credential(_credential(**{prop: "x"}))
    assert caught.value.rule == "unknown-property"
    assert prop in caught.value.detail


# --- JWT payloads --------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["vc", "vp"])
def test_vc_1_1_wrapper_claim_is_refused(claim: str) -> None:
    payload = {"iss": "did:web:mines.gov.example", claim: _credential()}
    assert _rule_of(reject_jwt_wrapper_claims, payload) == "jwt-wrapper-claim"
    assert _rule_of(split_jwt_payload, payload) == "jwt-wrapper-claim"
    wrapped = _credential(**{claim: {"credentialSubject": {}}})
    assert _rule_of(validate_credential, wrapped) == "jwt-wrapper-claim"
    presentation = dict(_presentation(), **{claim: {}})
    assert _rule_of(validate_presentation, presentation) == "jwt-wrapper-claim"


def test_split_keeps_registered_claims_beside_the_credential() -> None:
    claims = {
        "iss": "did:web:mines.gov.example",
        "sub": "did:example:subject",
        "aud": "https://verifier.example",
        "iat": 1767225600,
        "nbf": 1767225600,
        "exp": 1798761600,
        "jti": "urn:uuid:1",
        "cnf": {"kid": "did:example:subject#0"},
        "nonce": "n-0S6_WzA2Mj",
    }
    credential = _credential()
    got_credential, got_claims = split_jwt_payload({**credential, **claims})
    assert got_credential == credential
    assert got_claims == claims
    reject_jwt_wrapper_claims({**credential, **claims})


@pytest.mark.parametrize("payload", [[], "eyJ...", None])
def test_payload_must_be_an_object(payload: Any) -> None:
    assert _rule_of(split_jwt_payload, payload) == "document-object"
    assert _rule_of(validate_credential, payload) == "document-object"
    assert _rule_of(validate_presentation, payload) == "document-object"


def test_data_model_error_is_an_input_error() -> None:
    with pytest.raises(InputError):
        validate_credential(_credential(type="VerifiablePresentation"))


# --- presentations -------------------------------------------------------------------------------


def test_presentation_with_enveloped_and_embedded_credentials() -> None:
    validate_presentation(_presentation(_enveloped(), _credential()))
    validate_presentation(_presentation(holder={"id": "did:example:holder", "name": "Acme"}))
    validate_presentation(_presentation(_enveloped(type=["EnvelopedVerifiableCredential"])))


@pytest.mark.parametrize(
    ("entry", "rule"),
    [
        (_enveloped(context=None), "context-required"),
        (_enveloped(context="https://www.w3.org/2018/credentials/v1"), "context-first"),
        (_enveloped(context=[]), "context-first"),
        (_enveloped(context=[EXAMPLES_CONTEXT]), "context-first"),
        (_enveloped(context=[EXAMPLES_CONTEXT, CREDENTIALS_V2_CONTEXT]), "context-first"),
        (_enveloped(id=None), "enveloped-id"),
        (_enveloped(id="https://example.org/credentials/1"), "enveloped-id"),
        (_enveloped(id="eyJhbGciOiJFZERTQSJ9.e30.c2ln"), "enveloped-id"),
        (_enveloped(id="data:application/vc+jwt"), "enveloped-id"),
        (42, "vc-object"),
        ({"id": "https://example.org/credentials/1"}, "context-required"),
        (_credential(issuer=None), "issuer-required"),
        (_credential(validFrom="2026-01-01"), "datetime-format"),
    ],
)
def test_presentation_credential_rules(entry: Any, rule: str) -> None:
    assert _rule_of(validate_presentation, _presentation(entry)) == rule


# VC DM 2.0 §4.13: an enveloped credential or presentation has an @context whose first item
# is the v2 context, a type naming the envelope, and a data: URL id. Every reader of an
# envelope (the presentation rules, unwrap_envelope) refuses it otherwise, before the token
# inside is looked at.
ENVELOPE_RULES = [
    ({"context": None}, "context-required"),
    ({"context": []}, "context-first"),
    ({"context": [EXAMPLES_CONTEXT]}, "context-first"),
    ({"context": {"@vocab": "https://example.org/#"}}, "context-first"),
    ({"context": [CREDENTIALS_V2_CONTEXT, "not a url"]}, "context-url"),
    ({"type": None}, "type-required"),
    ({"type": "VerifiableCredential"}, "type-required"),
    ({"id": None}, "enveloped-id"),
    ({"id": "https://example.org/credentials/1"}, "enveloped-id"),
]


def _envelope(envelope_type: EnvelopeType, **changes: Any) -> dict[str, Any]:
    """A valid envelope of ``envelope_type`` with ``changes`` applied as :func:`_enveloped` does."""
    media = "vp+jwt" if envelope_type == ENVELOPED_PRESENTATION else "vc+jwt"
    return _enveloped(**{"type": envelope_type, "id": f"data:application/{media},a.b.c", **changes})


@pytest.mark.parametrize(
    "envelope_type", ["EnvelopedVerifiableCredential", "EnvelopedVerifiablePresentation"]
)
@pytest.mark.parametrize(("changes", "rule"), ENVELOPE_RULES)
def test_enveloped_rules(envelope_type: EnvelopeType, changes: dict[str, Any], rule: str) -> None:
    validate_enveloped(_envelope(envelope_type), envelope_type)
    assert _rule_of(validate_enveloped, _envelope(envelope_type, **changes), envelope_type) == rule


@pytest.mark.parametrize(("changes", "rule"), ENVELOPE_RULES)
def test_unwrap_envelope_refuses_what_the_data_model_refuses(
    changes: dict[str, Any], rule: str
) -> None:
    entry = _envelope("EnvelopedVerifiableCredential", **changes)
    expected = "vp-enveloped" if rule == "type-required" else rule  # its own type check first
    assert _rule_of(unwrap_envelope, entry) == expected


def test_unwrap_envelope_returns_media_type_and_token() -> None:
    assert unwrap_envelope(_enveloped()) == ("application/vc+jwt", "eyJhbGciOiJFZERTQSJ9.e30.c2ln")
    presentation = _envelope("EnvelopedVerifiablePresentation")
    assert unwrap_envelope(presentation, "EnvelopedVerifiablePresentation") == (
        "application/vp+jwt",
        "a.b.c",
    )
    assert _rule_of(unwrap_envelope, presentation) == "vp-enveloped"
    not_application = _enveloped(id="data:text/plain,a.b.c")
    assert _rule_of(unwrap_envelope, not_application) == "vp-enveloped-id"
    assert _rule_of(unwrap_envelope, [_enveloped()]) == "vp-vc-object"


def test_error_in_an_embedded_credential_names_its_position() -> None:
    bad = _presentation(_enveloped(), _credential(credentialSubject={}))
    with pytest.raises(DataModelError) as caught:
        validate_presentation(bad)
    assert caught.value.detail.startswith("verifiableCredential[1].credentialSubject")


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"verifiableCredential": []}, "vc-object"),
        ({"id": "not a url"}, "id-url"),
        ({"type": "VerifiableCredential"}, "type-required"),
        ({"proof": {"created": "2026-01-01T00:00:00Z"}}, "proof-type"),
        ({"termsOfUse": []}, "terms-of-use-type"),
        ({"holder": ["did:example:a", "did:example:b"]}, "holder-url"),
    ],
)
def test_presentation_rules(changes: dict[str, Any], rule: str) -> None:
    assert _rule_of(validate_presentation, _presentation(_enveloped(), **changes)) == rule


def test_bare_third_party_credential_secured_only_by_the_holder_is_refused() -> None:
    """A holder must not vouch for a credential it claims someone else issued."""
    forged = _presentation(_credential(issuer="did:web:mines.gov.example"))
    validate_presentation(forged)  # well-formed...
    assert _rule_of(validate_holder_claims, forged) == "holder-claims"  # ...but not self-asserted
    own = _presentation(_credential(issuer={"id": "did:example:holder"}))
    validate_holder_claims(own)
    holder_object = dict(own, holder={"id": "did:example:holder"})
    validate_holder_claims(holder_object)


def test_independently_secured_credentials_are_not_holder_claims() -> None:
    signed = _credential(proof={"type": "DataIntegrityProof"})
    validate_holder_claims(_presentation(_enveloped(), signed, holder=None))
    validate_holder_claims({"@context": [CREDENTIALS_V2_CONTEXT], "type": "VerifiablePresentation"})
