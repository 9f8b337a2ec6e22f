"""The demo's world: every party's node, what each has made, and the moves they make on
one another (issue to a wallet, present, verify on the verifier's own node).

Each move runs in the home of the party making it: the platform issues, the holder's own
wallet receives and presents, the verifier's own home verifies (over HTTP for everything
it does not host).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from oretrust import holder as wallet
from oretrust.demo import cast
from oretrust.demo.artifacts import Artifacts, Echo
from oretrust.demo.nodes import Node, open_home
from oretrust.formats.jws import parse_compact
from oretrust.formats.vc_jwt import issuer_id
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.issuer import issue_credential
from oretrust.report import Verdict, VerificationReport
from oretrust.status.check import StatusListCache
from oretrust.verifier import Verifier, verifier_for

__all__ = [
    "KIVU",
    "PLATFORM",
    "REFINERY",
    "ROGUE",
    "TRADER",
    "YEAR",
    "World",
    "claims",
    "own_document",
]

YEAR = timedelta(days=365)
PLATFORM, ROGUE = "platform", "rogue-ministry"
KIVU, TRADER, REFINERY = "kivu-minerals", "lualaba-trading", "baltic-refinery"
SECOND_TRADER, SECOND_REFINERY = "kasai-metals", "nordkobolt-refinery"


class World:
    """The demo's state: every party's node, the credentials made, the artifacts written."""

    def __init__(self, out_dir: Path, now: datetime, say: Echo) -> None:
        self.now = now
        self.out = Artifacts(out_dir, say)
        self.nodes: dict[str, Node] = {PLATFORM: Node(PLATFORM, open_home(out_dir), ".")}
        for name in (KIVU, TRADER, REFINERY, SECOND_TRADER, SECOND_REFINERY, ROGUE):
            folder = f"nodes/{name}"
            self.nodes[name] = Node(name, open_home(out_dir / folder), folder)
        self.dids: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.presented: dict[str, dict[str, str]] = {}

    def home(self, party: str) -> Home:
        """The home of ``party`` (its own folder, database and keys)."""
        return self.nodes[party].home

    def close(self) -> None:
        """Close every home's database."""
        for node in self.nodes.values():
            node.home.engine.dispose()

    def verifier(self, party: str) -> Verifier:
        """``party``'s verifier, fetching status lists afresh: a verifier that keeps its HTTP
        cache sees a revocation once the list's ``max-age`` has passed, which the demo does
        not wait for."""
        return verifier_for(self.home(party), cache=StatusListCache())

    def issue(
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
            self.home(PLATFORM),
            issuer=issuer,
            type_name=type_name,
            subject=subject,
            holder=self.dids[holder],
            now=self.now,
            valid_until=self.now + term,
        )
        wallet.receive_credential(self.home(holder), holder, issued.token, now=self.now)
        self.ids[name], self.tokens[name] = issued.id, issued.token
        self.out.credential(
            name,
            issued.token,
            credential_id=issued.id,
            issuer=issued.issuer,
            format="vc+jwt",
            type_name=type_name,
            holder=self.dids[holder],
            after=after,
        )
        self.out.say(f"   {cast.ISSUERS[issuer][1]} → {cast.HOLDERS[holder][0]}: {type_name}")

    def keep_forgery(self, name: str, token: str, credential_id: str) -> None:
        issuer = issuer_id(claims(token))
        self.out.credential(
            name,
            token,
            credential_id=credential_id,
            issuer=issuer,
            format="vc+jwt",
            type_name="MineralOriginCertificate",
            holder=self.dids[KIVU],
            after="INVALID",
        )

    def present(self, name: str, holder: str, verifier: str, credentials: list[str]) -> None:
        nonce, audience = secrets.token_urlsafe(16), self.dids[verifier]
        token = wallet.present(
            self.home(holder),
            holder,
            [self.ids[c] for c in credentials],
            nonce=nonce,
            audience=audience,
            now=self.now,
            lifetime=timedelta(days=1),  # long enough for the artifacts to be checked afterwards
        )
        record = {"presentation": token, "format": "vp+jwt", "nonce": nonce, "audience": audience}
        after: Verdict = "REVOKED" if "origin-lot-0457" in credentials else "VALID"
        self.keep_presentation(name, record, after)

    def keep_presentation(self, name: str, record: dict[str, str], after: Verdict) -> None:
        self.presented[name] = record
        self.out.presentation(name, record, after)

    def register(self, event: str, documents: list[str]) -> httpx.Response:
        """Register a custody event with the registry's mass ledger, over HTTP."""
        return httpx.post(
            f"{self.nodes[PLATFORM].url}/custody/events",
            json={"event": event, "documents": documents},
            timeout=30,
            trust_env=False,
        )

    def check_presented(self, name: str, party: str) -> VerificationReport:
        record = self.presented[name]
        return self.verifier(party).check_presentation(
            record["presentation"], nonce=record["nonce"], audience=record["audience"], now=self.now
        )


def own_document(node: Node, did: str) -> dict[str, Any]:
    """The document of a DID ``node`` controls, as its own home resolves it (no network)."""
    return did_resolver(node.home, allow_network=False).resolve(did)


def claims(token: str) -> dict[str, Any]:
    """The payload of a token this demo made itself (shown, not trusted)."""
    return parse_compact(token).unverified_payload()
