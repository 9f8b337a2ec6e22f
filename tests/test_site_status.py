"""Mine-site status: a regional scheme's rating of a site as a credential, and the policy
requirement "the site was certified when the lot was extracted" (SITE_NOT_CERTIFIED)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chain import AUDITOR, Chain
from issuance_support import issue_past_the_registry
from oretrust import identities
from oretrust.codes import Code
from oretrust.credentials import EXAMPLES, get_credential_type
from oretrust.errors import ConflictError, SchemaValidationError
from oretrust.formats.vc_jwt import sign_presentation
from oretrust.policy import evaluate_policy, parse_policy
from oretrust.registry import accredit
from oretrust.registry.sources import RegistryTrustSource
from oretrust.report import VerificationReport
from oretrust.status.publication import refresh_status_lists

NONCE = "n-site-1"
POLICY = parse_policy(
    {
        "name": "site-check",
        "credentials": {
            "origin": {
                "type": "MineralOriginCertificate",
                "disclose": ["mineSite", "exportDate"],
            }
        },
        "site_certified_at_extraction": "required",
    }
)
SITE = "https://cadastre.mines.example/sites/PE-13258"  # the origin example's site


@pytest.fixture
def chain(tmp_path: Path, now: datetime) -> Iterator[Chain]:
    built = Chain.build(tmp_path, now)
    accredit(built.home, AUDITOR, "SiteStatusCredential", "CD", now=now)
    yield built
    built.home.engine.dispose()


def site_status(chain: Chain, rating: str, start: str, end: str | None, **changes: Any) -> str:
    subject = copy.deepcopy(EXAMPLES["SiteStatusCredential"])
    subject["operator"]["id"] = chain.trader
    subject.update(
        rating=rating, ratingPeriod={"startDate": start, **({"endDate": end} if end else {})}
    )
    subject.update(changes)
    return str(chain.vc("auditor", "SiteStatusCredential", subject).token)


def judged(chain: Chain, *statuses: str) -> dict[str, tuple[str, str]]:
    origin = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    origin["exporter"]["id"] = chain.trader  # exported 2026-10-14 from PE-13258
    token = str(chain.vc("ministry-of-mines", "MineralOriginCertificate", origin).token)
    refresh_status_lists(chain.home, now=chain.now)
    vp = sign_presentation(
        [("application/vc+jwt", t) for t in (token, *statuses)],
        identities.signer_for(chain.home, chain.trader),
        holder=chain.trader,
        nonce=NONCE,
        audience=chain.refinery,
        now=chain.now,
    )
    report: VerificationReport = chain.verifier.check_presentation(
        vp, nonce=NONCE, audience=chain.refinery, now=chain.now
    )
    evaluate_policy(POLICY, report, trust_source=RegistryTrustSource(chain.home), now=chain.now)
    return {c.id: (c.code, c.detail) for c in report.checks if c.id.startswith("policy:")}


CHECK = "policy:site-certified-at-extraction"


def test_a_site_rated_conflict_free_at_export_passes(chain: Chain) -> None:
    result = judged(chain, site_status(chain, "conflict-free", "2026-01-15", "2027-01-14"))
    assert result[CHECK][0] == "OK" and "conflict-free on 2026-10-14" in result[CHECK][1]


def test_a_conditional_rating_passes_too(chain: Chain) -> None:
    assert judged(chain, site_status(chain, "conditional", "2026-06-01", None))[CHECK][0] == "OK"


@pytest.mark.parametrize(
    ("rating", "start", "end", "why"),
    [
        ("not-certified", "2026-01-15", "2027-01-14", "rated not-certified"),
        ("conflict-free", "2025-01-01", "2026-06-30", "no accredited site status"),  # lapsed
        ("conflict-free", "2026-11-01", "2027-10-31", "no accredited site status"),  # too late
    ],
)
def test_a_lot_from_a_site_not_certified_at_extraction_fails(
    chain: Chain, rating: str, start: str, end: str, why: str
) -> None:
    code, detail = judged(chain, site_status(chain, rating, start, end))[CHECK]
    assert code == Code.SITE_NOT_CERTIFIED and why in detail and SITE in detail


def test_no_site_status_at_all_fails(chain: Chain) -> None:
    assert judged(chain)[CHECK][0] == Code.SITE_NOT_CERTIFIED


def test_a_later_rating_of_another_site_does_not_count(chain: Chain) -> None:
    other = {"id": "https://cadastre.mines.example/sites/PE-99999", "name": "X", "country": "CD"}
    status = site_status(chain, "conflict-free", "2026-01-15", "2027-01-14", site=other)
    assert judged(chain, status)[CHECK][0] == Code.SITE_NOT_CERTIFIED


def test_the_registry_must_accredit_the_rating_body(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = copy.deepcopy(EXAMPLES["SiteStatusCredential"])
    subject["operator"]["id"] = chain.trader
    with pytest.raises(ConflictError):  # the ministry is not accredited to rate sites
        chain.vc("ministry-of-mines", "SiteStatusCredential", subject)
    issue_past_the_registry(monkeypatch)
    unaccredited = str(chain.vc("ministry-of-mines", "SiteStatusCredential", subject).token)
    assert judged(chain, unaccredited)[CHECK][0] == Code.SITE_NOT_CERTIFIED


def test_the_site_status_type_validates_its_rating_and_period() -> None:
    ctype = get_credential_type("SiteStatusCredential")
    subject = copy.deepcopy(EXAMPLES["SiteStatusCredential"])
    assert ctype.validate_subject(subject)["id"] == subject["operator"]["id"]
    with pytest.raises(SchemaValidationError):
        ctype.validate_subject({**subject, "rating": "green"})
    with pytest.raises(SchemaValidationError):
        ctype.validate_subject(
            {**subject, "ratingPeriod": {"startDate": "2026-05-01", "endDate": "2026-04-01"}}
        )
