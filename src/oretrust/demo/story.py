"""``oretrust demo``: the whole story end to end, leaving artifacts anyone can check.

A regional registry accredits the DRC's business register, Ministry of Mines, customs and an
auditor; the register issues identity anchors, the ministry (did:web) a mining licence and an
origin certificate for a lot of cobalt hydroxide to Kivu Minerals, customs AEO status to the
trader. Kivu presents to the trader, the trader to the refinery: VALID. The refinery then
catches a replay, a doubled tonnage and a look-alike unaccredited ministry; finally the
ministry revokes the origin certificate and the refinery's second check says REVOKED.
Artifacts follow the scripting contract in ARCHITECTURE.md (``summary.json``: "before" and
"after" mean before and after that revocation).
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from oretrust import holder as wallet
from oretrust import identities
from oretrust.codes import Code
from oretrust.demo import cast
from oretrust.demo.registry import issue_from_unaccredited_ministry, setup_demo_registry
from oretrust.errors import InputError
from oretrust.formats.jws import parse_compact
from oretrust.formats.vc_jwt import issuer_id
from oretrust.holder import request_for_policy
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.issuer import issue_credential, issue_sd_jwt_credential
from oretrust.policy import evaluate_policy, load_policy
from oretrust.registry.sources import RegistryTrustSource
from oretrust.report import Verdict, VerificationReport
from oretrust.status.operations import revoke
from oretrust.status.publication import publish_all
from oretrust.verifier import Verifier, verifier_for

__all__ = ["run_demo"]

Echo = Callable[[str], None]
YEAR = timedelta(days=365)
_FOLDERS = ("did", "credentials", "presentations", "reports", "status")


def run_demo(out_dir: Path, *, now: datetime, echo: Echo | None = None) -> dict[str, Any]:
    """Run the story in a fresh home at ``out_dir``; return (and write) ``summary.json``."""
    _prepare(out_dir)
    story = _Story(out_dir, now, echo or (lambda _line: None))
    story.cast()
    story.issue_all()
    story.verify_chain()
    story.catch_fraud()
    story.revoke_origin()
    _write_json(out_dir / "summary.json", story.summary)
    story.say(
        f"[bold]Artifacts in {out_dir}[/]: summary.json, trust-list.jwt, "
        + ", ".join(f"{f}/" for f in _FOLDERS)
    )
    return story.summary


class _Story:
    """The demo's state: one home, its cast, and the summary being written."""

    def __init__(self, out_dir: Path, now: datetime, say: Echo) -> None:
        self.out = out_dir
        self.now = now
        self.say = say
        self.home = Home.open(
            out_dir, database_url=f"sqlite:///{out_dir.resolve() / 'oretrust.db'}"
        )
        self.home.set_domain(cast.DOMAIN)
        self.summary: dict[str, Any] = {"credentials": [], "presentations": [], "steps": []}
        self.holders: cast.Holders = {}
        self.ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.presented: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ acts
    def cast(self) -> None:
        self.say("[bold]1. The registry accredits issuers; companies get their identifiers[/]")
        for name, (did, display) in cast.ISSUERS.items():
            identities.add_issuer(self.home, name, display_name=display, did=did, now=self.now)
            self._write_json(
                f"did/{name}.json", did_resolver(self.home, allow_network=False).resolve(did)
            )
        registry = setup_demo_registry(
            self.home,
            self.out,
            now=self.now,
            ministry=cast.ISSUERS["ministry-of-mines"][0],
            customs=cast.ISSUERS["customs"][0],
            business_register=cast.ISSUERS["business-register"][0],
            auditor=cast.AUDITOR,
        )
        self.say(
            f"   registry {registry.did}: {len(registry.accreditations)} accreditations for CD"
        )
        for accreditation in registry.accreditations:
            self.say(f"     {accreditation.entity_id} may {accreditation.action}")
        for name, (display, _) in cast.HOLDERS.items():
            record = identities.add_holder(self.home, name, display_name=display, now=self.now)
            self.holders[name] = record
            self._write_json(
                f"did/{name}.json", did_resolver(self.home, allow_network=False).resolve(record.did)
            )
            self.say(f"   {display}: did:jwk…{record.did[-12:]}")

    def issue_all(self) -> None:
        self.say("[bold]2. Issuers issue credentials[/]")
        h = self.holders
        self._issue(
            "anchor-kivu",
            "business-register",
            "BusinessIdentityCredential",
            cast.anchor(h, "kivu-minerals"),
            "kivu-minerals",
            5 * YEAR,
        )
        self._issue(
            "anchor-trader",
            "business-register",
            "BusinessIdentityCredential",
            cast.anchor(h, "lualaba-trading"),
            "lualaba-trading",
            5 * YEAR,
        )
        self._issue(
            "licence-kivu",
            "ministry-of-mines",
            "MiningLicenceCredential",
            cast.licence(h),
            "kivu-minerals",
            20 * YEAR,
        )
        self._issue(
            "origin-lot-0457",
            "ministry-of-mines",
            "MineralOriginCertificate",
            cast.origin(h, self.now),
            "kivu-minerals",
            YEAR,
            after="REVOKED",
        )
        self._issue(
            "aeo-trader",
            "customs",
            "AuthorisedEconomicOperatorCredential",
            cast.aeo(h, self.now),
            "lualaba-trading",
            3 * YEAR,
        )
        sd = issue_sd_jwt_credential(
            self.home,
            issuer="ministry-of-mines",
            type_name="MineralOriginCertificate",
            subject=cast.origin(h, self.now),
            holder=h["lualaba-trading"].did,
            now=self.now,
            valid_until=self.now + YEAR,
        )
        wallet.receive_credential(self.home, "lualaba-trading", sd.token, now=self.now)
        self.ids["origin-lot-0457-sd"] = sd.id
        (self.out / "credentials" / "origin-lot-0457-sd.sd-jwt").write_text(
            sd.token + "\n", encoding="utf-8"
        )
        self.summary["credentials"].append(
            {
                "name": "origin-lot-0457-sd",
                "file": "credentials/origin-lot-0457-sd.sd-jwt",
                "format": "dc+sd-jwt",
                "type": "MineralOriginCertificate",
                "id": sd.id,
                "issuer": sd.issuer,
                "holder": sd.holder,
                "status": sd.status,
                "expected": {"before": "VALID", "after": "VALID"},
            }
        )
        self.say(
            "   Ministère des Mines → Lualaba Metals Trading SARL: "
            "MineralOriginCertificate as SD-JWT VC"
        )

    def verify_chain(self) -> None:
        self.say("[bold]3. Kivu Minerals presents to the trader[/]")
        self._present(
            "kivu-to-trader",
            "kivu-minerals",
            "lualaba-trading",
            ["anchor-kivu", "licence-kivu", "origin-lot-0457"],
        )
        self._step(
            "trader-verifies-kivu",
            self._check_presented("kivu-to-trader"),
            "OK",
            "trader verifies licence, origin certificate and identity",
        )
        for name in (
            "licence-kivu",
            "origin-lot-0457",
        ):  # the trader keeps the supplier's documents
            wallet.receive_credential(self.home, "lualaba-trading", self.tokens[name], now=self.now)
        self.say("[bold]4. The trader presents to the refinery[/]")
        self._present(
            "trader-to-refinery",
            "lualaba-trading",
            "baltic-refinery",
            ["anchor-trader", "aeo-trader", "licence-kivu", "origin-lot-0457"],
        )
        self._step(
            "refinery-verifies-trader",
            self._check_presented("trader-to-refinery"),
            "OK",
            "refinery verifies the chain",
        )
        self.disclose_selectively()
        self.check_policy()

    def disclose_selectively(self) -> None:
        self.say(
            "[bold]5. The trader discloses origin, mineral and mine site — not mass or price[/]"
        )
        made = wallet.build_presentation(
            self.home,
            "lualaba-trading",
            wallet.PresentationRequest(
                secrets.token_urlsafe(16),
                self.holders["baltic-refinery"].did,
                (self.ids["origin-lot-0457-sd"],),
                disclose=(
                    ("countryOfOrigin",),
                    ("mineral",),
                    ("mineSite",),
                    ("mineSite", "coordinates"),
                ),
                lifetime=timedelta(days=1),
            ),
            now=self.now,
        )
        self._record_presentation("trader-to-refinery-sd-jwt", made.to_dict(), "VALID")
        report = self._check_presented("trader-to-refinery-sd-jwt")
        self._step(
            "refinery-verifies-sd-jwt-origin",
            report,
            "OK",
            "refinery verifies the selectively disclosed certificate",
        )
        disclosure = report.credentials[0].disclosure if report.credentials else None
        if disclosure:
            self.say(f"   withheld and still hidden: {', '.join(disclosure['not_disclosed'])}")

    def check_policy(self) -> None:
        self.say("[bold]6. The refinery's supplier policy[/]")
        policy = load_policy("refinery-supplier")
        request = request_for_policy(
            self.home,
            "lualaba-trading",
            policy,
            nonce=secrets.token_urlsafe(16),
            audience=self.holders["baltic-refinery"].did,
            lifetime=timedelta(days=1),
        )
        made = wallet.build_presentation(self.home, "lualaba-trading", request, now=self.now)
        revoked_later = self.ids["origin-lot-0457"] in request.credential_ids
        self._record_presentation(
            "trader-to-refinery-policy", made.to_dict(), "REVOKED" if revoked_later else "VALID"
        )
        report = self._check_presented("trader-to-refinery-policy")
        evaluate_policy(policy, report, trust_source=RegistryTrustSource(self.home), now=self.now)
        self._step(
            "refinery-policy-supplier-check",
            report,
            "OK",
            "licence, origin, AEO status and identity anchor all meet the refinery-supplier policy",
        )

    def catch_fraud(self) -> None:
        self.say("[bold]7. Fraud the refinery catches[/]")
        replay = self._verifier().check_presentation(
            self.presented["kivu-to-trader"]["presentation"],
            nonce=secrets.token_urlsafe(16),
            audience=self.holders["baltic-refinery"].did,
            now=self.now,
        )
        self._step(
            "refinery-rejects-replay",
            replay,
            "NONCE_MISMATCH",
            "a presentation made for the trader, replayed to the refinery",
        )
        forged = cast.inflate_mass(self.tokens["origin-lot-0457"])
        self._record_extra("origin-lot-0457-forged", forged, self.summary["credentials"][3])
        self._step(
            "refinery-rejects-inflated-tonnage",
            self._verifier().check_credential(forged, now=self.now),
            "SIGNATURE_INVALID",
            "the origin certificate with its tonnage doubled",
        )
        rogue = issue_from_unaccredited_ministry(
            self.home,
            subject=cast.origin(self.holders, self.now),
            holder=self.holders["kivu-minerals"].did,
            now=self.now,
            valid_until=self.now + YEAR,
            out_dir=self.out,
        )
        self._record_extra("origin-lot-0457-unaccredited", rogue, self.summary["credentials"][3])
        self._step(
            "refinery-rejects-unaccredited-ministry",
            self._verifier().check_credential(rogue, now=self.now),
            "ISSUER_NOT_ACCREDITED",
            "a well-signed certificate from a look-alike ministry",
        )

    def revoke_origin(self) -> None:
        self.say("[bold]8. The ministry revokes the origin certificate[/]")
        revoke(
            self.home,
            self.ids["origin-lot-0457"],
            reason="lot re-graded: assay certificate withdrawn",
            actor="ministry-of-mines",
            now=self.now,
        )
        written = publish_all(self.home, self.out / "status", now=self.now)
        self.say(f"   {len(written)} signed status lists written to status/")
        self._step(
            "refinery-sees-revoked-origin",
            self._check_presented("trader-to-refinery"),
            "REVOKED",
            "the refinery checks the trader's presentation again",
        )

    # ------------------------------------------------------------------ helpers
    def _verifier(self) -> Verifier:
        # A fresh verifier per check on purpose: one verifier caches the status lists it
        # fetched, so a shared one would still say VALID after the revocation in act 8.
        return verifier_for(self.home, allow_network=False)

    def _issue(
        self,
        name: str,
        issuer: str,
        type_name: str,
        subject: dict[str, Any],
        holder: str,
        term: timedelta,
        after: Verdict = "VALID",
    ) -> None:
        issued = issue_credential(
            self.home,
            issuer=issuer,
            type_name=type_name,
            subject=subject,
            holder=self.holders[holder].did,
            now=self.now,
            valid_until=self.now + term,
        )
        wallet.receive_credential(self.home, holder, issued.token, now=self.now)
        self.ids[name], self.tokens[name] = issued.id, issued.token
        (self.out / "credentials" / f"{name}.jwt").write_text(issued.token + "\n", encoding="utf-8")
        self.summary["credentials"].append(
            {
                "name": name,
                "file": f"credentials/{name}.jwt",
                "format": "vc+jwt",
                "type": type_name,
                "id": issued.id,
                "issuer": issued.issuer,
                "holder": issued.holder,
                "status": issued.credential.get("credentialStatus"),
                "expected": {"before": "VALID", "after": after},
            }
        )
        self.say(f"   {cast.ISSUERS[issuer][1]} → {cast.HOLDERS[holder][0]}: {type_name}")

    def _record_extra(self, name: str, token: str, template: dict[str, Any]) -> None:
        (self.out / "credentials" / f"{name}.jwt").write_text(token + "\n", encoding="utf-8")
        self.summary["credentials"].append(
            {
                **template,
                "name": name,
                "file": f"credentials/{name}.jwt",
                "issuer": _issuer_of(token),
                "status": _payload_of(token).get("credentialStatus"),
                "expected": {"before": "INVALID", "after": "INVALID"},
            }
        )

    def _present(
        self, name: str, holder: str, audience_holder: str, credentials: list[str]
    ) -> None:
        nonce, audience = secrets.token_urlsafe(16), self.holders[audience_holder].did
        token = wallet.present(
            self.home,
            holder,
            [self.ids[c] for c in credentials],
            nonce=nonce,
            audience=audience,
            now=self.now,
            lifetime=timedelta(days=1),  # long enough for the artifacts to be checked afterwards
        )
        record = {"presentation": token, "format": "vp+jwt", "nonce": nonce, "audience": audience}
        self._record_presentation(
            name, record, "REVOKED" if "origin-lot-0457" in credentials else "VALID"
        )

    def _record_presentation(self, name: str, record: dict[str, str], after: Verdict) -> None:
        self.presented[name] = record
        self._write_json(f"presentations/{name}.json", record)
        self.summary["presentations"].append(
            {
                "name": name,
                "file": f"presentations/{name}.json",
                "format": record["format"],
                "expected": {"before": "VALID", "after": after},
            }
        )

    def _check_presented(self, name: str) -> VerificationReport:
        record = self.presented[name]
        return self._verifier().check_presentation(
            record["presentation"], nonce=record["nonce"], audience=record["audience"], now=self.now
        )

    def _step(self, name: str, report: VerificationReport, expected_code: str, story: str) -> None:
        self._write_json(f"reports/{name}.json", report.to_dict())
        self.summary["steps"].append(
            {"name": name, "report": f"reports/{name}.json", "expected_code": expected_code}
        )
        if report.code != expected_code:
            raise InputError(
                f"demo step {name} gave {report.code}, expected {expected_code}",
                code=Code.DEMO_FAILED,
            )
        colour = "green" if report.verified else "red"
        self.say(f"   {story}: [bold {colour}]{report.verdict}[/] ({report.code})")

    def _write_json(self, relative: str, value: Any) -> None:
        _write_json(self.out / relative, value)


def _payload_of(token: str) -> dict[str, Any]:
    """The payload of a token this demo made itself (shown, not trusted)."""
    return parse_compact(token).unverified_payload()


def _issuer_of(token: str) -> str:
    return issuer_id(_payload_of(token))


def _prepare(out_dir: Path) -> None:
    """Start from an empty folder; only a previous demo's output is ever deleted."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / "summary.json").is_file() or not (out_dir / "oretrust.db").is_file():
            raise InputError(
                f"{out_dir} is not empty and not a previous demo: choose another --out",
                code=Code.OUTPUT_NOT_EMPTY,
            )
        shutil.rmtree(out_dir)
    for sub in _FOLDERS:
        (out_dir / sub).mkdir(parents=True, exist_ok=True)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
