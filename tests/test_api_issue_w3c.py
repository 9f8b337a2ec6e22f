"""``POST /credentials/issue`` against the W3C VC DM 2.0 test-suite inputs.

Every ``-fail`` credential input is refused with 422 ``DATA_MODEL_INVALID`` and the rule it
breaks; every ``-ok`` input passes the data-model rules and is refused only because it is no
oretrust credential (422 ``UNKNOWN_CREDENTIAL_TYPE``: none names an oretrust type, and none
names an issuer DID that could be refused first with 403). The minimal ``credential-ok.json``
with an oretrust type and subject added is issued.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api_support import ApiClient, Cast, make_cast, origin_certificate
from conftest import VECTORS

SUITE = VECTORS / "vcdm2-suite-fixtures/tests/input"
PLACEHOLDER_DATES = {"PAST DATE": "2025-11-23T12:00:00Z", "FUTURE DATE": "2027-11-23T12:00:00Z"}


def _credential_inputs() -> list[Path]:
    return sorted(
        path for path in SUITE.rglob("*.json") if not path.name.startswith("presentation-")
    )


def _load(path: Path) -> Any:
    document = json.loads(path.read_text(encoding="utf-8"))
    for prop in ("validFrom", "validUntil"):
        if isinstance(document, dict) and document.get(prop) in PLACEHOLDER_DATES:
            document[prop] = PLACEHOLDER_DATES[document[prop]]
    return document


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    return make_cast(tmp_path_factory.mktemp("w3c") / "home")


@pytest.fixture(scope="module")
def api(cast: Cast) -> Iterator[ApiClient]:
    client = cast.client()
    yield client
    client.close()


def test_the_suite_inputs_are_there() -> None:
    names = [path.name for path in _credential_inputs()]
    assert len(names) >= 80 and sum(name.endswith("-fail.json") for name in names) >= 30


@pytest.mark.parametrize("path", _credential_inputs(), ids=lambda path: path.name)
def test_w3c_credential_input(api: ApiClient, cast: Cast, path: Path) -> None:
    response = api.post(
        "/credentials/issue", json={"credential": _load(path)}, headers=cast.auth("ministry")
    )
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    if "-fail" in path.name:
        assert response.status_code == 422, problem
        assert problem["code"] == "DATA_MODEL_INVALID" and problem["rule"], problem
    else:  # every -ok input is a plain VerifiableCredential with no issuer id
        assert response.status_code == 422, problem
        assert problem["code"] == "UNKNOWN_CREDENTIAL_TYPE", problem


def test_the_minimal_suite_credential_with_an_oretrust_type_is_issued(
    api: ApiClient, cast: Cast
) -> None:
    document = _load(SUITE / "credential-ok.json")
    template = origin_certificate()
    document["@context"] = template["@context"]
    document["type"] = template["type"]
    document["credentialSubject"] = copy.deepcopy(template["credentialSubject"])
    response = api.post(
        "/credentials/issue", json={"credential": document}, headers=cast.auth("ministry")
    )
    assert response.status_code == 201, response.text
