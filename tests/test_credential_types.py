"""The credential types: subjects, builder, JSON Schemas, UNTP conformance, jurisdictions.

Demo-style data: Kivu Minerals SARL (RCCM Goma) holds licence PE 13258 over the Kolwezi-Est
pit in Lualaba (CD-LU), exports a lot of cobalt hydroxide, is an AEO-C with Congolese
customs, and was assessed against the IRMA standard by an accredited auditor.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as JsonSchemaError

from oretrust.credentials import (
    CREDENTIAL_TYPES,
    EXAMPLES,
    ORETRUST_CONTEXT,
    UNTP_DCC_CONTEXT,
    UNTP_DIA_CONTEXT,
    VC_V2_CONTEXT,
    build_credential,
    get_credential_type,
)
from oretrust.credentials.disclosure import jurisdiction_of
from oretrust.errors import InputError, SchemaValidationError

KIVU = {
    "id": "did:web:kivu-minerals.example",
    "name": "Kivu Minerals SARL",
    "registeredId": "CD/GOM/RCCM/14-B-1234",
}
SITE = {
    "id": "https://cadastre.mines.example/sites/PE-13258",
    "name": "Kolwezi-Est open pit",
    "coordinates": {"latitude": -10.7167, "longitude": 25.4667},
}
CREDENTIAL_ID = "urn:uuid:0f8e2c4a-3d6b-4b8e-9f4e-6a1d2c3b4a5f"
VALID_FROM = datetime(2026, 11, 1, 8, 30, 0, tzinfo=UTC)
VALID_UNTIL = datetime(2027, 10, 31, 23, 59, 59, tzinfo=UTC)


def identity_subject() -> dict[str, Any]:
    """Kivu Minerals SARL in the RCCM, bound to its did:web."""
    return {
        "id": "did:web:kivu-minerals.example",
        "name": "Kivu Minerals SARL",
        "registeredId": "CD/GOM/RCCM/14-B-1234",
        "idScheme": {
            "id": "https://rccm.example/schemes/rccm-cd",
            "name": "Registre du Commerce et du Crédit Mobilier (RCCM), RD Congo",
        },
        "registerType": "Business",
        "registrationScopeList": ["https://rccm.example/activities/metal-ore-mining"],
        "jurisdiction": "CD",
    }


def licence_subject() -> dict[str, Any]:
    """Exploitation licence PE 13258 in Lualaba, cobalt and copper."""
    return {
        "licenceNumber": "PE 13258",
        "licenceType": "exploitation",
        "holder": copy.deepcopy(KIVU),
        "mineSite": {
            **copy.deepcopy(SITE),
            "boundary": {
                "type": "Polygon",
                "coordinates": [
                    [[25.44, -10.70], [25.49, -10.70], [25.49, -10.74], [25.44, -10.70]],
                ],
            },
        },
        "minerals": ["cobalt", "copper"],
        "areaHectares": 2457.5,
        "jurisdiction": "CD-LU",
        "validityPeriod": {"startDate": "2021-03-01", "endDate": "2046-02-28"},
        "conditions": {
            "environmental": ["Annual independent inspection of the tailings storage facility"],
            "environmentalPermit": "EIES/PGES 2020-117",
            "communityConsent": {
                "fpicRequired": True,
                "fpicObtained": True,
                "consentDate": "2020-11-12",
                "reference": "Consultation record Kasulo/Musonoie 2020-11",
            },
        },
    }


def origin_subject() -> dict[str, Any]:
    """24.85 t of cobalt hydroxide at 30.5 % Co, exported 14 October 2026."""
    return {
        "lotId": "KVM-2026-LOT-0457",
        "mineral": "cobalt",
        "commodity": "cobalt hydroxide",
        "mass": {"value": 24.85, "unit": "t"},
        "assay": [
            {"analyte": "Co", "massFraction": 30.5, "method": "ICP-OES"},
            {"analyte": "Cu", "massFraction": 1.2},
        ],
        "mineSite": copy.deepcopy(SITE),
        "licenceNumber": "PE 13258",
        "countryOfOrigin": "CD",
        "exportDate": "2026-10-14",
        "exporter": copy.deepcopy(KIVU),
        "price": {"amount": 412000, "currency": "USD"},
        "buyer": {"id": "did:web:baltic-cathode.example", "name": "Baltic Cathode Refining Oy"},
    }


def aeo_subject() -> dict[str, Any]:
    """AEO-C authorisation from Congolese customs."""
    return {
        "aeoNumber": "CDAEOC2026000142",
        "programme": "AEO-C",
        "criteriaMet": ["customs-compliance", "record-keeping", "financial-solvency"],
        "customsTerritory": "CD",
        "operator": copy.deepcopy(KIVU),
        "validityPeriod": {"startDate": "2026-02-01"},
    }


def _facility(country: str = "CD") -> dict[str, Any]:
    return {
        "facility": {
            "id": "https://cadastre.mines.example/sites/PE-13258",
            "name": "Kolwezi-Est open pit and hydroxide plant",
            "countryOfOperation": country,
        },
        "IDverifiedByCAB": True,
    }


def conformity_subject() -> dict[str, Any]:
    """An IRMA assessment: community (pass), water (conditional)."""
    auditor = {"id": "did:web:mulumba-assurance.example", "name": "Mulumba Audit & Assurance SA"}
    return {
        "id": "https://mulumba-assurance.example/attestations/2026-0142",
        "name": "IRMA responsible mining assessment, Kolwezi-Est",
        "description": "Open-pit cobalt-copper mining and hydroxide production at Kolwezi-Est",
        "issuedToParty": {"id": "did:web:kivu-minerals.example", "name": "Kivu Minerals SARL"},
        "scope": {
            "id": "https://responsiblemining.net/irma-standard/",
            "name": "IRMA Standard for Responsible Mining (IRMA-STD-001)",
            "version": "1.0",
            "issuingParty": {
                "id": "https://responsiblemining.net/",
                "name": "Initiative for Responsible Mining Assurance",
            },
        },
        "assessment": [
            {
                "id": "https://mulumba-assurance.example/attestations/2026-0142#community",
                "assessmentDate": "2026-09-14",
                "result": "pass",
                "conformityTopic": "social.community",
                "assessedFacility": [_facility()],
                "assessedOrganisation": {"id": KIVU["id"], "name": KIVU["name"]},
                "auditor": auditor,
            },
            {
                "id": "https://mulumba-assurance.example/attestations/2026-0142#water",
                "assessmentDate": "2026-09-15",
                "result": "conditional",
                "conformityTopic": "environment.water",
                "assessedFacility": [_facility()],
                "auditor": auditor,
            },
        ],
    }


def custody_subject() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES["CustodyTransferCredential"])


def site_status_subject() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES["SiteStatusCredential"])


def chain_attestation_subject() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES["ChainAttestationCredential"])


def period_account_subject() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES["PeriodAccountCredential"])


SUBJECTS: dict[str, Callable[[], dict[str, Any]]] = {
    "BusinessIdentityCredential": identity_subject,
    "MiningLicenceCredential": licence_subject,
    "MineralOriginCertificate": origin_subject,
    "AuthorisedEconomicOperatorCredential": aeo_subject,
    "ConformityAssessmentCredential": conformity_subject,
    "CustodyTransferCredential": custody_subject,
    "SiteStatusCredential": site_status_subject,
    "ChainAttestationCredential": chain_attestation_subject,
    "PeriodAccountCredential": period_account_subject,
}
ISSUERS = {
    "BusinessIdentityCredential": ("did:web:rccm.example", "Guichet Unique, RCCM RD Congo"),
    "MiningLicenceCredential": ("did:web:mines.gov.example", "Ministère des Mines, RD Congo"),
    "MineralOriginCertificate": ("did:web:mines.gov.example", "Ministère des Mines, RD Congo"),
    "AuthorisedEconomicOperatorCredential": ("did:web:customs.gov.example", "DGDA, RD Congo"),
    "ConformityAssessmentCredential": (
        "did:web:mulumba-assurance.example",
        "Mulumba Audit & Assurance SA",
    ),
    "CustodyTransferCredential": ("did:web:kivu-minerals.example", "Kivu Minerals SARL"),
    "SiteStatusCredential": ("did:web:cemi.mines.example", "CEEC, RD Congo"),
    "ChainAttestationCredential": (
        "did:web:mulumba-assurance.example",
        "Mulumba Audit & Assurance SA",
    ),
    "PeriodAccountCredential": ("did:web:baltic-cathode.example", "Baltic Cathode Oy"),
}
UNTP_SCHEMAS = {
    "BusinessIdentityCredential": "digitalIdentityAnchor",
    "ConformityAssessmentCredential": "digitalConformityCredential",
    "CustodyTransferCredential": "digitalTraceabilityEvent",
}


def build(type_name: str, subject: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Build a credential of ``type_name`` with demo defaults, overridable by keyword."""
    issuer, name = ISSUERS[type_name]
    arguments: dict[str, Any] = {
        "issuer": issuer,
        "issuer_name": name,
        "subject": SUBJECTS[type_name]() if subject is None else subject,
        "valid_from": VALID_FROM,
        "valid_until": VALID_UNTIL,
        "credential_id": CREDENTIAL_ID,
    }
    arguments.update(kwargs)
    return build_credential(type_name, **arguments)


def untp_schema(vectors_dir: Path, type_name: str) -> dict[str, Any]:
    path = vectors_dir / "untp" / "schemas" / UNTP_SCHEMAS[type_name] / "v0.6.0" / "schema.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


# --- the registry ---------------------------------------------------------------------------


def test_registry_lists_every_type() -> None:
    assert set(CREDENTIAL_TYPES) == set(SUBJECTS)
    for name, ctype in CREDENTIAL_TYPES.items():
        assert ctype.name == name
        assert ctype.types[0] == "VerifiableCredential"
        assert ctype.types[-1] == name
        assert ctype.contexts[0] == VC_V2_CONTEXT
        assert ctype.contexts[-1] == ORETRUST_CONTEXT


def test_untp_types_carry_untp_type_and_context() -> None:
    dia = get_credential_type("BusinessIdentityCredential")
    assert dia.types == (
        "VerifiableCredential",
        "DigitalIdentityAnchor",
        "BusinessIdentityCredential",
    )
    assert dia.contexts == (VC_V2_CONTEXT, UNTP_DIA_CONTEXT, ORETRUST_CONTEXT)
    dcc = get_credential_type("ConformityAssessmentCredential")
    assert "DigitalConformityCredential" in dcc.types
    assert dcc.contexts == (VC_V2_CONTEXT, UNTP_DCC_CONTEXT, ORETRUST_CONTEXT)
    assert get_credential_type("MiningLicenceCredential").contexts == (
        VC_V2_CONTEXT,
        ORETRUST_CONTEXT,
    )


@pytest.mark.parametrize("name", ["DriversLicence", "mininglicencecredential", ""])
def test_unknown_type_is_refused(name: str) -> None:
    with pytest.raises(InputError) as caught:
        get_credential_type(name)
    assert caught.value.code == "UNKNOWN_CREDENTIAL_TYPE"
    with pytest.raises(InputError) as caught:
        build_credential(
            name,
            issuer="did:web:mines.gov.example",
            subject={},
            valid_from=VALID_FROM,
            valid_until=None,
            credential_id=CREDENTIAL_ID,
        )
    assert caught.value.code == "UNKNOWN_CREDENTIAL_TYPE"


# --- building credentials -------------------------------------------------------------------


@pytest.mark.parametrize("type_name", list(SUBJECTS))
def test_realistic_subject_builds_a_credential(type_name: str) -> None:
    ctype = get_credential_type(type_name)
    subject = SUBJECTS[type_name]()
    credential = build(type_name, subject=subject)
    issuer, name = ISSUERS[type_name]
    assert list(credential) == [
        "@context",
        "id",
        "type",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialSchema",
        "credentialSubject",
    ]
    assert credential["@context"] == list(ctype.contexts)
    assert credential["id"] == CREDENTIAL_ID
    assert credential["type"] == list(ctype.types)
    assert credential["issuer"] == {"id": issuer, "name": name}
    assert credential["validFrom"] == "2026-11-01T08:30:00Z"
    assert credential["validUntil"] == "2027-10-31T23:59:59Z"
    assert credential["credentialSchema"] == {
        "id": f"https://oretrust.example/schemas/{type_name}",
        "type": "JsonSchema",
    }
    validated = ctype.validate_subject(subject)
    assert credential["credentialSubject"] == ([validated] if ctype.subject_array else validated)
    assert subject == SUBJECTS[type_name](), "the caller's subject must not be modified"
    json.dumps(credential)  # plain JSON, ready to sign


@pytest.mark.parametrize("type_name", list(SUBJECTS))
def test_normalised_subject_is_stable(type_name: str) -> None:
    ctype = get_credential_type(type_name)
    once = ctype.validate_subject(SUBJECTS[type_name]())
    assert ctype.validate_subject(once) == once


@pytest.mark.parametrize("type_name", list(SUBJECTS))
def test_packaged_example_subject_is_valid(type_name: str) -> None:
    ctype = get_credential_type(type_name)
    assert EXAMPLES[type_name] is ctype.example_subject
    ctype.validate_subject(copy.deepcopy(EXAMPLES[type_name]))


def test_normalisation_fills_defaults() -> None:
    licence = get_credential_type("MiningLicenceCredential").validate_subject(licence_subject())
    assert licence["id"] == "did:web:kivu-minerals.example"  # the holder, for holder binding
    assert licence["mineSite"]["boundary"]["type"] == "Polygon"
    identity = get_credential_type("BusinessIdentityCredential").validate_subject(
        identity_subject()
    )
    assert identity["type"] == ["RegisteredIdentity"]
    assert identity["idScheme"]["type"] == ["IdentifierScheme"]
    conformity = get_credential_type("ConformityAssessmentCredential").validate_subject(
        conformity_subject()
    )
    assert conformity["type"] == ["ConformityAttestation", "Attestation"]
    assert (conformity["assessorLevel"], conformity["assessmentLevel"]) == (
        "3rdParty",
        "Accredited",
    )
    assert [a["conformance"] for a in conformity["assessment"]] == [True, True]
    assert conformity["scope"]["type"] == ["ConformityAssessmentScheme", "Standard"]


def test_optional_commercial_fields_may_be_left_out() -> None:
    subject = origin_subject()
    del subject["price"], subject["buyer"]
    normalised = get_credential_type("MineralOriginCertificate").validate_subject(subject)
    assert "price" not in normalised
    assert "buyer" not in normalised


def test_issuer_is_a_plain_did_without_a_name() -> None:
    credential = build("MineralOriginCertificate", issuer_name=None, valid_until=None)
    assert credential["issuer"] == "did:web:mines.gov.example"
    assert "validUntil" not in credential


def test_issuer_object_is_accepted() -> None:
    issuer = {"id": "did:web:rccm.example", "name": "Guichet Unique"}
    credential = build("BusinessIdentityCredential", issuer=issuer, issuer_name=None)
    assert credential["issuer"] == issuer


def test_times_are_utc_whole_seconds() -> None:
    kinshasa = timezone(timedelta(hours=1))
    credential = build(
        "MiningLicenceCredential",
        valid_from=datetime(2026, 11, 1, 9, 30, 0, 987654, tzinfo=kinshasa),
        valid_until=datetime(2046, 2, 28, tzinfo=UTC),
    )
    assert credential["validFrom"] == "2026-11-01T08:30:00Z"
    assert credential["validUntil"] == "2046-02-28T00:00:00Z"


def test_schema_base_url_is_configurable() -> None:
    base = "https://registry.cd.example/schemas/"
    credential = build("MiningLicenceCredential", schema_base_url=base)
    expected = "https://registry.cd.example/schemas/MiningLicenceCredential"
    assert credential["credentialSchema"]["id"] == expected
    ctype = get_credential_type("MiningLicenceCredential")
    assert ctype.json_schema(base_url=base)["$id"] == expected


# --- builder refusals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "kwargs", "field"),
    [
        ("BusinessIdentityCredential", {"issuer_name": None}, "issuer.name"),
        ("ConformityAssessmentCredential", {"issuer_name": None}, "issuer.name"),
        ("MiningLicenceCredential", {"issuer": "https://mines.gov.example"}, "issuer"),
        ("MiningLicenceCredential", {"issuer": {"name": "Ministère"}}, "issuer.id"),
        (
            "MiningLicenceCredential",
            {"issuer": {"id": "did:web:mines.gov.example", "logo": "x"}},
            "issuer.logo",
        ),
        (
            "MiningLicenceCredential",
            {"issuer": {"id": "did:web:mines.gov.example", "name": "A"}, "issuer_name": "B"},
            "issuer.name",
        ),
        ("MiningLicenceCredential", {"issuer_name": " "}, "issuer.name"),
        ("MiningLicenceCredential", {"credential_id": "https://mines.gov.example/c/1"}, "id"),
        ("MiningLicenceCredential", {"credential_id": "urn:uuid:not-a-uuid"}, "id"),
        ("MiningLicenceCredential", {"valid_from": datetime(2026, 11, 1)}, "validFrom"),
        ("MiningLicenceCredential", {"valid_until": datetime(2027, 1, 1)}, "validUntil"),
        ("MiningLicenceCredential", {"valid_until": VALID_FROM}, "validUntil"),
        ("MiningLicenceCredential", {"valid_until": VALID_FROM - timedelta(days=1)}, "validUntil"),
    ],
    ids=[
        "dia-needs-issuer-name",
        "dcc-needs-issuer-name",
        "issuer-not-a-did",
        "issuer-object-without-id",
        "issuer-object-unknown-member",
        "issuer-name-conflict",
        "issuer-name-blank",
        "credential-id-not-urn-uuid",
        "credential-id-bad-uuid",
        "valid-from-naive",
        "valid-until-naive",
        "valid-until-equals-valid-from",
        "valid-until-before-valid-from",
    ],
)
def test_builder_refuses(type_name: str, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(SchemaValidationError) as caught:
        build(type_name, **kwargs)
    assert caught.value.field == field
    assert caught.value.detail.startswith(f"{field}: ")
    assert caught.value.code == "SCHEMA_VALIDATION_FAILED"


def test_untp_schema_itself_requires_an_issuer_name(vectors_dir: Path) -> None:
    """Why the builder insists: UNTP's CredentialIssuer requires ``name``, and is an object."""
    credential = build("BusinessIdentityCredential")
    validator = Draft202012Validator(untp_schema(vectors_dir, "BusinessIdentityCredential"))
    for issuer in ("did:web:rccm.example", {"id": "did:web:rccm.example"}):
        with pytest.raises(JsonSchemaError):
            validator.validate({**credential, "issuer": issuer})


# --- UNTP conformance -----------------------------------------------------------------------


@pytest.mark.parametrize("type_name", list(UNTP_SCHEMAS))
def test_untp_credential_validates_against_untp_schema(vectors_dir: Path, type_name: str) -> None:
    schema = untp_schema(vectors_dir, type_name)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(build(type_name))
    validator.validate(build(type_name, valid_until=None))


def test_untp_dcc_without_optional_parts_still_validates(vectors_dir: Path) -> None:
    subject = conformity_subject()
    for assessment in subject["assessment"]:
        assessment.pop("assessedOrganisation", None)
    subject["assessment"][0]["result"] = "fail"
    credential = build("ConformityAssessmentCredential", subject=subject)
    assert credential["credentialSubject"]["assessment"][0]["conformance"] is False
    schema = untp_schema(vectors_dir, "ConformityAssessmentCredential")
    Draft202012Validator(schema).validate(credential)


# --- JSON Schemas ---------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", list(SUBJECTS))
def test_json_schema_is_valid_draft_2020_12(type_name: str) -> None:
    ctype = get_credential_type(type_name)
    schema = ctype.json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://oretrust.example/schemas/{type_name}"
    assert schema["title"] == type_name
    credential = build(type_name)
    assert credential["credentialSchema"]["id"] == schema["$id"]
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        credential
    )
    subject = schema["properties"]["credentialSubject"]
    example = subject["examples"][0]
    if ctype.subject_array:  # UNTP DTE: an array of one event
        subject, example = subject["items"], example[0]
    subject_schema = {"$defs": schema["$defs"], "$ref": subject["$ref"]}
    Draft202012Validator(subject_schema).validate(ctype.validate_subject(example))


@pytest.mark.parametrize(
    ("type_name", "mutate"),
    [
        ("MiningLicenceCredential", lambda s: s["mineSite"]["coordinates"].update(latitude=200)),
        ("MiningLicenceCredential", lambda s: s["minerals"].append("unobtainium")),
        ("MineralOriginCertificate", lambda s: s["mass"].update(value=-1)),
        ("MineralOriginCertificate", lambda s: s.update(countryOfOrigin="Congo")),
        ("AuthorisedEconomicOperatorCredential", lambda s: s.update(programme="AEO-X")),
        ("BusinessIdentityCredential", lambda s: s.update(tradingName="Kivu")),
    ],
    ids=["latitude", "mineral", "mass", "country", "programme", "extra-field"],
)
def test_published_schema_also_refuses_bad_subjects(
    type_name: str, mutate: Callable[[dict[str, Any]], None]
) -> None:
    credential = build(type_name)
    mutate(credential["credentialSubject"])
    with pytest.raises(JsonSchemaError):
        Draft202012Validator(get_credential_type(type_name).json_schema()).validate(credential)


def test_json_schema_is_a_fresh_copy() -> None:
    ctype = get_credential_type("MineralOriginCertificate")
    first = ctype.json_schema()
    first["$defs"].clear()
    first["properties"]["credentialSubject"]["examples"][0]["mass"]["value"] = 0
    assert ctype.json_schema()["$defs"]
    assert ctype.example_subject["mass"]["value"] == 24.85


# --- bad subjects ---------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(subject: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = subject
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(subject: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = subject
        for part in parents:
            target = target[part]
        del target[last]

    return mutate


BAD_SUBJECTS: list[tuple[str, str, Callable[[dict[str, Any]], None], str, str]] = [
    # (id, type, mutation, field, detail fragment)
    ("latitude-200", "MiningLicenceCredential", _set("mineSite.coordinates.latitude", 200),
     "credentialSubject.mineSite.coordinates.latitude", "must be <= 90"),
    ("longitude-minus-181", "MineralOriginCertificate",
     _set("mineSite.coordinates.longitude", -181),
     "credentialSubject.mineSite.coordinates.longitude", "must be >= -180"),
    ("latitude-as-string", "MiningLicenceCredential",
     _set("mineSite.coordinates.latitude", "-10.7"),
     "credentialSubject.mineSite.coordinates.latitude", "must be a number"),
    ("boundary-position-out-of-range", "MiningLicenceCredential",
     _set("mineSite.boundary.coordinates.0.1", [25.49, -95.0]),
     "credentialSubject.mineSite.boundary.coordinates[0][1][1]", "must be >= -90"),
    ("boundary-ring-open", "MiningLicenceCredential",
     _set("mineSite.boundary.coordinates.0.3", [25.44, -10.74]),
     "credentialSubject.mineSite.boundary.coordinates[0]", "ring must end"),
    ("negative-mass", "MineralOriginCertificate", _set("mass.value", -24.85),
     "credentialSubject.mass.value", "must be > 0"),
    ("zero-mass", "MineralOriginCertificate", _set("mass.value", 0),
     "credentialSubject.mass.value", "must be > 0"),
    ("mass-unit-pounds", "MineralOriginCertificate", _set("mass.unit", "lb"),
     "credentialSubject.mass.unit", "must be one of"),
    ("infinite-mass", "MineralOriginCertificate", _set("mass.value", float("inf")),
     "credentialSubject.mass.value", "finite"),
    ("grade-over-100", "MineralOriginCertificate", _set("assay.0.massFraction", 130.5),
     "credentialSubject.assay[0].massFraction", "must be <= 100"),
    ("grade-negative", "MineralOriginCertificate", _set("assay.1.massFraction", -1),
     "credentialSubject.assay[1].massFraction", "must be >= 0"),
    ("no-assay", "MineralOriginCertificate", _set("assay", []),
     "credentialSubject.assay", "at least 1"),
    ("unknown-mineral-origin", "MineralOriginCertificate", _set("mineral", "unobtainium"),
     "credentialSubject.mineral", "must be one of"),
    ("unknown-mineral-licence", "MiningLicenceCredential", _set("minerals.1", "kryptonite"),
     "credentialSubject.minerals[1]", "'cobalt'"),
    ("mineral-listed-twice", "MiningLicenceCredential", _set("minerals.1", "cobalt"),
     "credentialSubject.minerals[1]", "twice"),
    ("no-minerals", "MiningLicenceCredential", _set("minerals", []),
     "credentialSubject.minerals", "at least 1"),
    ("country-name-not-code", "MineralOriginCertificate", _set("countryOfOrigin", "Congo"),
     "credentialSubject.countryOfOrigin", "ISO 3166-1 alpha-2"),
    ("country-lower-case", "MineralOriginCertificate", _set("countryOfOrigin", "cd"),
     "credentialSubject.countryOfOrigin", "ISO 3166-1 alpha-2"),
    ("country-unassigned", "BusinessIdentityCredential", _set("jurisdiction", "ZZ"),
     "credentialSubject.jurisdiction", "ISO 3166-1 alpha-2"),
    ("subdivision-of-unknown-country", "MiningLicenceCredential", _set("jurisdiction", "QQ-LU"),
     "credentialSubject.jurisdiction", "ISO 3166-2"),
    ("customs-territory-bad", "AuthorisedEconomicOperatorCredential",
     _set("customsTerritory", "EUR"), "credentialSubject.customsTerritory", "or EU"),
    ("facility-country-bad", "ConformityAssessmentCredential",
     _set("assessment.0.assessedFacility.0.facility.countryOfOperation", "DRC"),
     "credentialSubject.assessment[0].assessedFacility[0].facility.countryOfOperation",
     "ISO 3166-1 alpha-2"),
    ("missing-licence-number", "MiningLicenceCredential", _delete("licenceNumber"),
     "credentialSubject.licenceNumber", "is required"),
    ("missing-licence-number-on-origin", "MineralOriginCertificate", _delete("licenceNumber"),
     "credentialSubject.licenceNumber", "is required"),
    ("blank-licence-number", "MiningLicenceCredential", _set("licenceNumber", "  "),
     "credentialSubject.licenceNumber", "without leading or trailing spaces"),
    ("extra-unknown-field", "MiningLicenceCredential", _set("royaltyRate", 0.1),
     "credentialSubject.royaltyRate", "is not an allowed field"),
    ("extra-nested-field", "MineralOriginCertificate", _set("mass.moisture", 12),
     "credentialSubject.mass.moisture", "is not an allowed field"),
    ("snake-case-name", "AuthorisedEconomicOperatorCredential", _set("aeo_number", "X"),
     "credentialSubject.aeo_number", "is not an allowed field"),
    ("holder-not-a-did", "MiningLicenceCredential", _set("holder.id", "https://kivu.example"),
     "credentialSubject.holder.id", "must be a DID"),
    ("subject-id-not-holder", "MiningLicenceCredential", _set("id", "did:web:other.example"),
     "credentialSubject.id", "must equal holder.id"),
    ("licence-without-end", "MiningLicenceCredential", _delete("validityPeriod.endDate"),
     "credentialSubject.validityPeriod.endDate", "is required"),
    ("licence-ends-before-start", "MiningLicenceCredential",
     _set("validityPeriod.endDate", "2020-01-01"),
     "credentialSubject.validityPeriod.endDate", "after startDate"),
    ("date-not-iso", "MineralOriginCertificate", _set("exportDate", "14/10/2026"),
     "credentialSubject.exportDate", "YYYY-MM-DD"),
    ("fpic-obtained-undated", "MiningLicenceCredential",
     _delete("conditions.communityConsent.consentDate"),
     "credentialSubject.conditions.communityConsent.consentDate", "is required"),
    ("fpic-flag-not-boolean", "MiningLicenceCredential",
     _set("conditions.communityConsent.fpicRequired", "yes"),
     "credentialSubject.conditions.communityConsent.fpicRequired", "true or false"),
    ("bad-licence-type", "MiningLicenceCredential", _set("licenceType", "prospecting"),
     "credentialSubject.licenceType", "must be one of"),
    ("currency-not-iso-4217", "MineralOriginCertificate", _set("price.currency", "dollars"),
     "credentialSubject.price.currency", "pattern"),
    ("aeo-s-without-security", "AuthorisedEconomicOperatorCredential",
     _set("programme", "AEO-S"), "credentialSubject.criteriaMet", "safety-and-security"),
    ("aeo-unknown-criterion", "AuthorisedEconomicOperatorCredential",
     _set("criteriaMet.0", "good-reputation"), "credentialSubject.criteriaMet[0]",
     "must be one of"),
    ("dia-member-did-url", "BusinessIdentityCredential",
     _set("id", "did:web:kivu-minerals.example#key-1"), "credentialSubject.id", "must be a DID"),
    ("dia-register-type", "BusinessIdentityCredential", _set("registerType", "Product"),
     "credentialSubject.registerType", "must be one of"),
    ("dia-scope-not-uri", "BusinessIdentityCredential",
     _set("registrationScopeList.0", "metal ore mining"),
     "credentialSubject.registrationScopeList[0]", "absolute URI"),
    ("dia-type-without-registered-identity", "BusinessIdentityCredential",
     _set("type", ["Identifier"]), "credentialSubject.type", "RegisteredIdentity"),
    ("dcc-result-unknown", "ConformityAssessmentCredential",
     _set("assessment.1.result", "partial"), "credentialSubject.assessment[1].result",
     "must be one of"),
    ("dcc-conformance-contradicts-result", "ConformityAssessmentCredential",
     _set("assessment.0.conformance", False), "credentialSubject.assessment[0].conformance",
     "must be true"),
    ("dcc-topic-unknown", "ConformityAssessmentCredential",
     _set("assessment.0.conformityTopic", "social.happiness"),
     "credentialSubject.assessment[0].conformityTopic", "must be one of"),
    ("dcc-facilities-in-two-countries", "ConformityAssessmentCredential",
     _set("assessment.1.assessedFacility.0", _facility("RW")),
     "credentialSubject.assessment[1].assessedFacility[0].facility.countryOfOperation",
     "must be CD"),
    ("dcc-no-facility", "ConformityAssessmentCredential", _set("assessment.0.assessedFacility", []),
     "credentialSubject.assessment[0].assessedFacility", "at least 1"),
    ("dcc-missing-standard-version", "ConformityAssessmentCredential", _delete("scope.version"),
     "credentialSubject.scope.version", "is required"),
    ("attestation-draw-in-another-basis", "ChainAttestationCredential",
     _set("origins.0.drawn.basis", "wet"), "credentialSubject.origins", "contained terms"),
    ("attestation-names-another-holder-as-id", "ChainAttestationCredential",
     _set("id", "did:web:lualaba-trading.example"), "credentialSubject.id", "must equal holder"),
    ("period-account-over-twelve-months", "PeriodAccountCredential",
     _set("periodEnd", "2027-07-01T00:00:01Z"), "credentialSubject.periodEnd", "at most 12 months"),
    ("period-account-ends-before-it-starts", "PeriodAccountCredential",
     _set("periodEnd", "2026-06-30T00:00:00Z"), "credentialSubject.periodEnd", "after periodStart"),
    ("period-account-names-another-holder-as-id", "PeriodAccountCredential",
     _set("id", "did:web:lualaba-trading.example"), "credentialSubject.id",
     "must equal accountHolder"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("type_name", "mutate", "field", "fragment"),
    [case[1:] for case in BAD_SUBJECTS],
    ids=[case[0] for case in BAD_SUBJECTS],
)
def test_bad_subject_is_refused_naming_the_field(
    type_name: str, mutate: Callable[[dict[str, Any]], None], field: str, fragment: str
) -> None:
    subject = SUBJECTS[type_name]()
    mutate(subject)
    with pytest.raises(SchemaValidationError) as caught:
        build(type_name, subject=subject)
    error = caught.value
    assert error.field == field
    assert error.detail.startswith(f"{field}: ")
    assert fragment in error.detail
    assert error.code == "SCHEMA_VALIDATION_FAILED"


@pytest.mark.parametrize("subject", [None, [], "subject", 42], ids=repr)
def test_subject_must_be_an_object(subject: Any) -> None:
    with pytest.raises(SchemaValidationError) as caught:
        get_credential_type("MiningLicenceCredential").validate_subject(subject)
    assert caught.value.field == "credentialSubject"


def test_subject_must_be_json_data() -> None:
    subject = origin_subject()
    subject["exportDate"] = datetime(2026, 10, 14, tzinfo=UTC).date()
    with pytest.raises(SchemaValidationError) as caught:
        get_credential_type("MineralOriginCertificate").validate_subject(subject)
    assert caught.value.field == "credentialSubject"


# --- jurisdiction and holder ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "mutate", "expected"),
    [
        ("BusinessIdentityCredential", None, "CD"),
        ("MiningLicenceCredential", None, "CD-LU"),
        ("MiningLicenceCredential", _set("jurisdiction", "CD"), "CD"),
        ("MineralOriginCertificate", None, "CD"),
        ("MineralOriginCertificate", _set("countryOfOrigin", "RW"), "RW"),
        ("AuthorisedEconomicOperatorCredential", None, "CD"),
        ("AuthorisedEconomicOperatorCredential", _set("customsTerritory", "EU"), "EU"),
        ("ConformityAssessmentCredential", None, "CD"),
        ("ChainAttestationCredential", _set("countryOfOrigin", "RW"), "RW"),
    ],
    ids=[
        "identity-register-country",
        "licence-subdivision",
        "licence-country",
        "origin-country",
        "origin-other-country",
        "aeo-customs-territory",
        "aeo-eu-customs-union",
        "conformity-facility-country",
        "chain-attestation-country-of-origin",
    ],
)
def test_jurisdiction_of(
    type_name: str, mutate: Callable[[dict[str, Any]], None] | None, expected: str
) -> None:
    subject = SUBJECTS[type_name]()
    if mutate is not None:
        mutate(subject)
    ctype = get_credential_type(type_name)
    assert jurisdiction_of(ctype.name, subject) == expected
    assert jurisdiction_of(ctype.name, ctype.validate_subject(subject)) == expected


def test_conformity_jurisdiction_follows_the_facility_not_the_auditor() -> None:
    subject = conformity_subject()
    for assessment in subject["assessment"]:
        assessment["assessedFacility"] = [_facility("ZM")]
    ctype = get_credential_type("ConformityAssessmentCredential")
    assert jurisdiction_of(ctype.name, subject) == "ZM"


def test_jurisdiction_of_an_invalid_subject_raises() -> None:
    subject = origin_subject()
    subject["countryOfOrigin"] = "XX"
    with pytest.raises(SchemaValidationError) as caught:
        jurisdiction_of("MineralOriginCertificate", subject)
    assert caught.value.field == "credentialSubject.countryOfOrigin"


@pytest.mark.parametrize("type_name", list(SUBJECTS))
def test_holder_of_is_the_members_did(type_name: str) -> None:
    ctype = get_credential_type(type_name)
    holder = {  # a custody event is held by whoever received the lot: the buyer
        "CustodyTransferCredential": "did:web:lualaba-trading.example",
        "ChainAttestationCredential": "did:web:baltic-cathode.example",  # the last buyer
        "PeriodAccountCredential": "did:web:baltic-cathode.example",  # the account holder
    }.get(type_name, "did:web:kivu-minerals.example")
    assert ctype.holder_of(SUBJECTS[type_name]()) == holder
