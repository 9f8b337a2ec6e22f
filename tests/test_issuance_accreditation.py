"""An issuer the home's own registry does not accredit is refused at issuance, not only at
verification.

In a home that runs a trust registry, issuing a type the issuer is not accredited for, for
another jurisdiction, or while its accreditation is suspended used to succeed — a
credential every verifier of the home then rejects with ``ISSUER_NOT_ACCREDITED``. Now the
issuance itself is refused (ConflictError ``ISSUER_NOT_ACCREDITED_TO_ISSUE``; HTTP 409; CLI
exit 2), in both formats, with nothing allocated or recorded; the judgement is the
verifier's (type, jurisdiction, time). A home without a registry issues as before.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from api_support import MINISTRY, REGISTRY, make_cast, origin_certificate
from conftest import run_oretrust
from oretrust import identities, registry
from oretrust.credentials import EXAMPLES
from oretrust.errors import ConflictError
from oretrust.home import Home
from oretrust.issuer import issue_credential, issue_sd_jwt_credential
from oretrust.store.models import IssuedCredentialRecord
from oretrust.store.status_models import StatusEntryRecord
from oretrust.verifier import verifier_for

LICENCE = "MiningLicenceCredential"
ORIGIN = "MineralOriginCertificate"
FORMATS = ("vc+jwt", "dc+sd-jwt")
REFUSED = "ISSUER_NOT_ACCREDITED_TO_ISSUE"


def _home(folder: Path, now: datetime, *, with_registry: bool = True) -> tuple[Home, str]:
    """A home with the ministry (accredited for licences in CD when there is a registry)
    and a holder; returns the home and the holder's DID."""
    home = Home.open(folder)
    if with_registry:
        registry.init_registry(home, did=REGISTRY, display_name="Registry", now=now)
    identities.add_issuer(home, "ministry", display_name="Ministère des Mines", did=MINISTRY,
                          now=now)  # fmt: skip
    holder = identities.add_holder(home, "kivu", display_name="Kivu Minerals SARL", now=now)
    if with_registry:
        registry.accredit(home, MINISTRY, LICENCE, "CD", now=now - timedelta(days=1))
    return home, holder.did


def _issue(home: Home, holder: str, now: datetime, credential_format: str, **changes: Any) -> Any:
    type_name = changes.pop("type_name", LICENCE)
    subject = copy.deepcopy(EXAMPLES[type_name])
    subject["holder" if type_name == LICENCE else "exporter"]["id"] = holder
    subject.update(changes)
    issue = issue_credential if credential_format == "vc+jwt" else issue_sd_jwt_credential
    return issue(
        home, issuer="ministry", type_name=type_name, subject=subject, holder=holder, now=now
    )


def _nothing_written(home: Home) -> bool:
    with home.session() as session:
        records = session.exec(select(IssuedCredentialRecord)).all()
        entries = session.exec(select(StatusEntryRecord)).all()
    return not records and not entries


@pytest.mark.parametrize("credential_format", FORMATS)
def test_an_accredited_issuance_is_made_and_verifies(
    tmp_path: Path, now: datetime, credential_format: str
) -> None:
    home, holder = _home(tmp_path, now)
    issued = _issue(home, holder, now, credential_format)
    report = verifier_for(home, allow_network=False).check_credential(
        issued.token, now=now + timedelta(minutes=1)
    )
    assert report.verified, report.to_dict()


@pytest.mark.parametrize("credential_format", FORMATS)
@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"type_name": ORIGIN}, id="type-not-accredited"),
        pytest.param({"jurisdiction": "RW"}, id="jurisdiction-not-accredited"),
    ],
)
def test_an_issuance_the_registry_does_not_accredit_is_refused(
    tmp_path: Path, now: datetime, credential_format: str, changes: dict[str, Any]
) -> None:
    home, holder = _home(tmp_path, now)
    with pytest.raises(ConflictError) as caught:
        _issue(home, holder, now, credential_format, **changes)
    assert caught.value.code == REFUSED
    assert MINISTRY in caught.value.detail
    assert _nothing_written(home)


def test_an_issuer_the_registry_never_accredited_is_refused(tmp_path: Path, now: datetime) -> None:
    home, _ = _home(tmp_path, now)
    identities.add_issuer(home, "rogue", display_name="Look-alike", now=now)
    subject = copy.deepcopy(EXAMPLES[LICENCE])
    with pytest.raises(ConflictError) as caught:
        issue_credential(home, issuer="rogue", type_name=LICENCE, subject=subject, now=now)
    assert caught.value.code == REFUSED


def test_a_suspended_accreditation_refuses_issuance_until_reinstated(
    tmp_path: Path, now: datetime
) -> None:
    home, holder = _home(tmp_path, now)
    (accreditation,) = registry.list_accreditations(home)
    registry.suspend(home, accreditation.id, reason="audit", now=now - timedelta(hours=1))
    with pytest.raises(ConflictError) as caught:
        _issue(home, holder, now, "vc+jwt")
    assert caught.value.code == REFUSED and "suspended" in caught.value.detail
    registry.reinstate(home, accreditation.id, now=now)
    _issue(home, holder, now + timedelta(minutes=1), "vc+jwt")


@pytest.mark.parametrize("credential_format", FORMATS)
def test_a_home_without_a_registry_issues_as_before(
    tmp_path: Path, now: datetime, credential_format: str
) -> None:
    home, holder = _home(tmp_path, now, with_registry=False)
    assert _issue(home, holder, now, credential_format, type_name=ORIGIN).token


def test_http_issuance_the_registry_does_not_accredit_is_a_409_problem(tmp_path: Path) -> None:
    cast = make_cast(tmp_path)  # the ministry is accredited for origin certificates in CD
    client = cast.client()
    try:
        document = origin_certificate(cast.holder_did)
        accredited = client.post(
            "/credentials/issue", json={"credential": document}, headers=cast.auth("ministry")
        )
        assert accredited.status_code == 201, accredited.text
        document["credentialSubject"]["countryOfOrigin"] = "RW"
        refused = client.post(
            "/credentials/issue", json={"credential": document}, headers=cast.auth("ministry")
        )
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == REFUSED
    finally:
        client.close()


def test_cli_issuance_the_registry_does_not_accredit_is_one_line_exit_2(
    tmp_path: Path, now: datetime
) -> None:
    home, _ = _home(tmp_path / "home", now)
    home.engine.dispose()
    subject = tmp_path / "origin.json"
    subject.write_text(json.dumps(EXAMPLES[ORIGIN]))
    issued = run_oretrust(
        "issue", "--issuer", "ministry", "--type", ORIGIN, "--subject", str(subject),
        "--home", str(tmp_path / "home"),
    )  # fmt: skip
    assert issued.returncode == 2, issued.stderr
    assert issued.stderr.startswith(f"error: {REFUSED}: ")
    assert len(issued.stderr.strip().splitlines()) == 1, issued.stderr
    assert issued.stdout == ""
