"""``oretrust demo``: the whole story end to end, leaving artifacts anyone can check.

A business register issues identity anchors; the Ministry of Mines (did:web) issues a mining
licence and an origin certificate for a lot of cobalt hydroxide to Kivu Minerals; customs
grants the trader AEO status. Kivu presents to the trader, the trader to the refinery, and the
refinery gets VALID; a replayed and a tampered presentation are rejected. Artifacts follow the
scripting contract in ARCHITECTURE.md.
"""

from __future__ import annotations

import copy
import json
import secrets
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from oretrust import holder as wallet
from oretrust import identities
from oretrust.credentials import EXAMPLES
from oretrust.encoding import b64url_decode, b64url_encode
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.issuer import issue_credential
from oretrust.report import VerificationReport
from oretrust.verifier import Verifier

__all__ = ["run_demo"]

Echo = Callable[[str], None]

ISSUERS = {
    "business-register": (
        "did:web:guichet-unique.gouv.cd.example",
        "Guichet Unique de Création d'Entreprise (RCCM)",
    ),
    "ministry-of-mines": (
        "did:web:mines.gouv.cd.example",
        "Ministère des Mines, République Démocratique du Congo",
    ),
    "customs": ("did:web:douanes.gouv.cd.example", "Direction Générale des Douanes et Accises"),
}
HOLDERS = {
    "kivu-minerals": ("Kivu Minerals SARL", "CD/KLZ/RCCM/14-B-1234"),
    "lualaba-trading": ("Lualaba Metals Trading SARL", "CD/LSH/RCCM/19-B-0871"),
    "baltic-refinery": ("Baltic Cathode Refining Oy", "FI-3124567-8"),
}


def run_demo(out_dir: Path, *, now: datetime, echo: Echo | None = None) -> dict[str, Any]:
    """Run the story in a fresh home at ``out_dir``; return (and write) ``summary.json``."""
    say: Echo = echo or (lambda _line: None)
    _prepare(out_dir)
    home = Home.open(out_dir, database_url=f"sqlite:///{out_dir.resolve() / 'oretrust.db'}")
    summary: dict[str, Any] = {"credentials": [], "presentations": [], "steps": []}

    say("[bold]1. Institutions and companies get their identifiers[/]")
    for name, (did, display) in ISSUERS.items():
        identities.add_issuer(home, name, display_name=display, did=did, now=now)
        say(f"   {display}: {did}")
    holders = {
        name: identities.add_holder(home, name, display_name=display, now=now)
        for name, (display, _) in HOLDERS.items()
    }
    for record in holders.values():
        say(f"   {record.display_name}: did:jwk…{record.did[-12:]}")
    _write_did_documents(home, out_dir, holders)

    say("[bold]2. Issuers issue credentials[/]")
    year = timedelta(days=365)

    def issue(
        name: str,
        issuer: str,
        type_name: str,
        subject: dict[str, Any],
        holder: str,
        until: datetime,
    ) -> str:
        issued = issue_credential(
            home,
            issuer=issuer,
            type_name=type_name,
            subject=subject,
            holder=holders[holder].did,
            now=now,
            valid_until=until,
        )
        wallet.receive_credential(home, holder, issued.token, now=now)
        (out_dir / "credentials" / f"{name}.jwt").write_text(issued.token + "\n", encoding="utf-8")
        summary["credentials"].append(
            {
                "name": name,
                "file": f"credentials/{name}.jwt",
                "format": "vc+jwt",
                "type": type_name,
                "id": issued.id,
                "issuer": issued.issuer,
                "holder": issued.holder,
                "status": None,
                "expected": {"before": "VALID", "after": "VALID"},
            }
        )
        say(f"   {ISSUERS[issuer][1]} → {HOLDERS[holder][0]}: {type_name}")
        return issued.id

    ids = {
        "anchor-kivu": issue(
            "anchor-kivu",
            "business-register",
            "BusinessIdentityCredential",
            _anchor(holders, "kivu-minerals"),
            "kivu-minerals",
            now + 5 * year,
        ),
        "anchor-trader": issue(
            "anchor-trader",
            "business-register",
            "BusinessIdentityCredential",
            _anchor(holders, "lualaba-trading"),
            "lualaba-trading",
            now + 5 * year,
        ),
        "licence-kivu": issue(
            "licence-kivu",
            "ministry-of-mines",
            "MiningLicenceCredential",
            _licence(holders),
            "kivu-minerals",
            now + 20 * year,
        ),
        "origin-lot-0457": issue(
            "origin-lot-0457",
            "ministry-of-mines",
            "MineralOriginCertificate",
            _origin(holders, now),
            "kivu-minerals",
            now + year,
        ),
        "aeo-trader": issue(
            "aeo-trader",
            "customs",
            "AuthorisedEconomicOperatorCredential",
            _aeo(holders, now),
            "lualaba-trading",
            now + 3 * year,
        ),
    }

    verifier = Verifier(home.resolver(allow_network=False))

    def present(
        name: str, holder: str, audience_holder: str, credential_names: list[str]
    ) -> dict[str, Any]:
        nonce = secrets.token_urlsafe(16)
        audience = holders[audience_holder].did
        token = wallet.present(
            home,
            holder,
            [ids[c] for c in credential_names],
            nonce=nonce,
            audience=audience,
            now=now,
            lifetime=timedelta(days=1),  # long enough for the artifacts to be checked afterwards
        )
        record = {"presentation": token, "format": "vp+jwt", "nonce": nonce, "audience": audience}
        _write_json(out_dir / "presentations" / f"{name}.json", record)
        summary["presentations"].append(
            {
                "name": name,
                "file": f"presentations/{name}.json",
                "format": "vp+jwt",
                "expected": {"before": "VALID", "after": "VALID"},
            }
        )
        return record

    def step(name: str, report: VerificationReport, expected_code: str, story: str) -> None:
        _write_json(out_dir / "reports" / f"{name}.json", report.to_dict())
        summary["steps"].append(
            {"name": name, "report": f"reports/{name}.json", "expected_code": expected_code}
        )
        if report.code != expected_code:
            raise InputError(
                f"demo step {name} gave {report.code}, expected {expected_code}", code="DEMO_FAILED"
            )
        colour = "green" if report.verified else "red"
        say(f"   {story}: [bold {colour}]{report.verdict}[/] ({report.code})")

    say("[bold]3. Kivu Minerals presents to the trader[/]")
    to_trader = present(
        "kivu-to-trader",
        "kivu-minerals",
        "lualaba-trading",
        ["anchor-kivu", "licence-kivu", "origin-lot-0457"],
    )
    step(
        "trader-verifies-kivu",
        verifier.check_presentation(
            to_trader["presentation"],
            nonce=to_trader["nonce"],
            audience=to_trader["audience"],
            now=now,
        ),
        "OK",
        "trader verifies licence, origin certificate and identity",
    )

    for name in ("licence-kivu", "origin-lot-0457"):  # the trader keeps the supplier's documents
        wallet.receive_credential(
            home,
            "lualaba-trading",
            (out_dir / "credentials" / f"{name}.jwt").read_text().strip(),
            now=now,
        )

    say("[bold]4. The trader presents to the refinery[/]")
    to_refinery = present(
        "trader-to-refinery",
        "lualaba-trading",
        "baltic-refinery",
        ["anchor-trader", "aeo-trader", "licence-kivu", "origin-lot-0457"],
    )
    step(
        "refinery-verifies-trader",
        verifier.check_presentation(
            to_refinery["presentation"],
            nonce=to_refinery["nonce"],
            audience=to_refinery["audience"],
            now=now,
        ),
        "OK",
        "refinery verifies the chain",
    )

    say("[bold]5. Fraud the refinery catches[/]")
    challenge = secrets.token_urlsafe(16)
    replay = verifier.check_presentation(
        to_trader["presentation"], nonce=challenge, audience=holders["baltic-refinery"].did, now=now
    )
    step(
        "refinery-rejects-replay",
        replay,
        "NONCE_MISMATCH",
        "a presentation made for the trader, replayed to the refinery",
    )
    forged = _inflate_mass((out_dir / "credentials" / "origin-lot-0457.jwt").read_text().strip())
    (out_dir / "credentials" / "origin-lot-0457-forged.jwt").write_text(
        forged + "\n", encoding="utf-8"
    )
    summary["credentials"].append(
        {
            **summary["credentials"][3],
            "name": "origin-lot-0457-forged",
            "file": "credentials/origin-lot-0457-forged.jwt",
            "expected": {"before": "INVALID", "after": "INVALID"},
        }
    )
    step(
        "refinery-rejects-inflated-tonnage",
        verifier.check_credential(forged, now=now),
        "SIGNATURE_INVALID",
        "the origin certificate with its tonnage doubled",
    )

    _write_json(out_dir / "summary.json", summary)
    say(
        f"[bold]Artifacts in {out_dir}[/]: "
        "summary.json, did/, credentials/, presentations/, reports/"
    )
    return summary


def _prepare(out_dir: Path) -> None:
    """Start from an empty folder; only a previous demo's output is ever deleted."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / "summary.json").is_file() or not (out_dir / "oretrust.db").is_file():
            raise InputError(
                f"{out_dir} is not empty and not a previous demo: choose another --out",
                code="OUTPUT_NOT_EMPTY",
            )
        shutil.rmtree(out_dir)
    for sub in ("did", "credentials", "presentations", "reports"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_did_documents(
    home: Home, out_dir: Path, holders: dict[str, identities.HolderPublic]
) -> None:
    resolver = home.resolver(allow_network=False)
    for name, (did, _) in ISSUERS.items():
        _write_json(out_dir / "did" / f"{name}.json", resolver.resolve(did))
    for name, record in holders.items():
        _write_json(out_dir / "did" / f"{name}.json", resolver.resolve(record.did))


def _party(holders: dict[str, identities.HolderPublic], name: str) -> dict[str, str]:
    display, registered = HOLDERS[name]
    return {"id": holders[name].did, "name": display, "registeredId": registered}


def _anchor(holders: dict[str, identities.HolderPublic], name: str) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["BusinessIdentityCredential"])
    display, registered = HOLDERS[name]
    subject.update({"id": holders[name].did, "name": display, "registeredId": registered})
    return subject


def _licence(holders: dict[str, identities.HolderPublic]) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["MiningLicenceCredential"])
    subject["holder"] = _party(holders, "kivu-minerals")
    return subject


def _origin(holders: dict[str, identities.HolderPublic], now: datetime) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    subject["exporter"] = _party(holders, "kivu-minerals")
    subject["buyer"] = {"id": holders["lualaba-trading"].did, "name": HOLDERS["lualaba-trading"][0]}
    subject["exportDate"] = now.date().isoformat()
    return subject


def _aeo(holders: dict[str, identities.HolderPublic], now: datetime) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["AuthorisedEconomicOperatorCredential"])
    subject["operator"] = _party(holders, "lualaba-trading")
    return subject


def _inflate_mass(token: str) -> str:
    """Reuse one origin document for more tonnage: edit the payload, keep the signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["credentialSubject"]["mass"]["value"] *= 2
    return f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"
