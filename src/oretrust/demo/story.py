"""``oretrust demo``: the whole story end to end across separate nodes, leaving artifacts
anyone can check.

``DIR`` is the institutions' platform: a regional registry that accredits the DRC's business
register, Ministry of Mines (did:web), customs and an auditor, all hosted as tenants of one
home and served by a real ``oretrust serve`` on a loopback port while the story runs. Kivu
Minerals (mine operator), Lualaba Metals Trading and Baltic Cathode Refining each have their
own home under ``DIR/nodes/<party>/`` with their own keys; a look-alike "ministry" runs a node
and a server of its own. The parties meet only over HTTP and through files: the ministry issues
to Kivu's DID, Kivu takes the credentials into its own wallet and presents to the trader, the
trader to the refinery, which trusts nothing but its subscription to the registry: VALID. The
refinery then catches a replay, a doubled tonnage and the look-alike ministry; finally the
ministry revokes the origin certificate and the refinery's next check says REVOKED.
Artifacts follow the scripting contract in ARCHITECTURE.md (``summary.json``: "before" and
"after" mean before and after that revocation; ``nodes.json``: who ran where).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from oretrust import holder as wallet
from oretrust import identities
from oretrust.bundle import export_bundle_file
from oretrust.codes import Code
from oretrust.custody.ledger import HttpLedger, verify_chain_with_ledger
from oretrust.demo import cast
from oretrust.demo.artifacts import FOLDERS, Echo, prepare, write_json
from oretrust.demo.nodes import network
from oretrust.demo.registry import (
    DEMO_REGISTRY_DID,
    ROGUE_MINISTRY_DID,
    issue_from_unaccredited_ministry,
    setup_demo_registry,
)
from oretrust.demo.world import (
    KIVU,
    PLATFORM,
    REFINERY,
    ROGUE,
    SECOND_REFINERY,
    SECOND_TRADER,
    TRADER,
    YEAR,
    World,
    claims,
    own_document,
)
from oretrust.errors import InputError
from oretrust.holder import request_for_policy
from oretrust.issuer import issue_sd_jwt_credential
from oretrust.policy import evaluate_policy, load_policy
from oretrust.registry.subscriptions import add_registry
from oretrust.report import Verdict
from oretrust.status.operations import revoke
from oretrust.status.publication import publish_all
from oretrust.verifier.home import policy_trust_source

__all__ = ["run_demo"]


def run_demo(out_dir: Path, *, now: datetime, echo: Echo | None = None) -> dict[str, Any]:
    """Run the story in fresh homes at ``out_dir``; return (and write) ``summary.json``."""
    prepare(out_dir)
    story = _Story(out_dir, now, echo or (lambda _line: None))
    try:
        story.found_institutions()
        story.found_parties()
        served = {PLATFORM: out_dir, ROGUE: out_dir / "nodes" / ROGUE}
        with network(list(story.nodes.values()), served):
            story.subscribe()
            story.issue_all()
            story.verify_chain()
            story.catch_fraud()
            story.reuse_across_buyers()
            story.revoke_origin()
    finally:
        story.close()
    write_json(out_dir / "nodes.json", {n.name: n.to_dict() for n in story.nodes.values()})
    write_json(out_dir / "summary.json", story.out.summary)
    export_bundle_file(out_dir, out_dir / "bundle.jwt", now=now)  # offline bundle
    story.out.say(
        f"[bold]Artifacts in {out_dir}[/]: summary.json, nodes.json, trust-list.jwt, bundle.jwt, "
        + ", ".join(f"{f}/" for f in FOLDERS)
    )
    return story.out.summary


class _Story(World):
    """The acts of the story, in order."""

    def found_institutions(self) -> None:
        self.out.say("[bold]1. The platform: a registry accredits issuers[/]")
        platform = self.nodes[PLATFORM]
        platform.home.set_domain(cast.DOMAIN)
        for name, (did, display) in cast.ISSUERS.items():
            identities.add_issuer(platform.home, name, display_name=display, did=did, now=self.now)
            self.out.write(f"did/{name}.json", own_document(platform, did))
        registry = setup_demo_registry(
            platform.home,
            self.out.out,
            now=self.now,
            ministry=cast.ISSUERS["ministry-of-mines"][0],
            customs=cast.ISSUERS["customs"][0],
            business_register=cast.ISSUERS["business-register"][0],
            auditor=cast.AUDITOR,
        )
        platform.dids = [registry.did, *(did for did, _ in cast.ISSUERS.values())]
        self.out.say(f"   registry {registry.did}: {len(registry.accreditations)} accreditations")
        for accreditation in registry.accreditations:
            self.out.say(f"     {accreditation.entity_id} may {accreditation.action}")

    def found_parties(self) -> None:
        self.out.say("[bold]2. Companies set up their own nodes and make their own keys[/]")
        for name, (display, _) in cast.HOLDERS.items():
            node = self.nodes[name]
            record = identities.add_holder(node.home, name, display_name=display, now=self.now)
            node.dids, self.dids[name] = [record.did], record.did
            self.out.write(f"did/{name}.json", own_document(node, record.did))
            self.out.say(f"   {display}: {node.folder}/, did:jwk…{record.did[-12:]}")
        rogue = self.nodes[ROGUE]
        rogue.home.set_domain(ROGUE_MINISTRY_DID.removeprefix("did:web:"))
        rogue.dids = [ROGUE_MINISTRY_DID]

    def subscribe(self) -> None:
        self.out.say(f"[bold]3. The platform serves at {self.nodes[PLATFORM].url}[/]")
        for party in (TRADER, REFINERY, SECOND_REFINERY):
            subscription = add_registry(self.home(party), DEMO_REGISTRY_DID, now=self.now)
            self.out.say(
                f"   {cast.HOLDERS[party][0]} subscribes to {subscription.registry_did}: "
                f"{subscription.accreditations} accreditations, key "
                f"{subscription.pinned_thumbprints[0][:12]}… pinned"
            )

    def issue_all(self) -> None:
        self.out.say("[bold]4. Issuers issue to the companies' own DIDs; each wallet checks[/]")
        self.issue(
            "anchor-kivu",
            "business-register",
            "BusinessIdentityCredential",
            cast.anchor(self.dids, KIVU),
            KIVU,
            5 * YEAR,
        )
        self.issue(
            "anchor-trader",
            "business-register",
            "BusinessIdentityCredential",
            cast.anchor(self.dids, TRADER),
            TRADER,
            5 * YEAR,
        )
        self.issue(
            "licence-kivu",
            "ministry-of-mines",
            "MiningLicenceCredential",
            cast.licence(self.dids),
            KIVU,
            20 * YEAR,
        )
        self.issue(
            "origin-lot-0457",
            "ministry-of-mines",
            "MineralOriginCertificate",
            cast.origin(self.dids, self.now),
            KIVU,
            YEAR,
            after="REVOKED",
        )
        self.issue(
            "aeo-trader",
            "customs",
            "AuthorisedEconomicOperatorCredential",
            cast.aeo(self.dids, self.now),
            TRADER,
            3 * YEAR,
        )
        sd = issue_sd_jwt_credential(
            self.home(PLATFORM),
            issuer="ministry-of-mines",
            type_name="MineralOriginCertificate",
            subject=cast.origin(self.dids, self.now),
            holder=self.dids[TRADER],
            now=self.now,
            valid_until=self.now + YEAR,
        )
        wallet.receive_credential(self.home(TRADER), TRADER, sd.token, now=self.now)
        self.ids["origin-lot-0457-sd"] = sd.id
        self.out.credential(
            "origin-lot-0457-sd",
            sd.token,
            credential_id=sd.id,
            issuer=sd.issuer,
            format="dc+sd-jwt",
            type_name=sd.type,
            holder=sd.holder,
            after="VALID",
        )
        self.out.say(
            f"   {cast.ISSUERS['ministry-of-mines'][1]} → {cast.HOLDERS[TRADER][0]}: "
            "MineralOriginCertificate as SD-JWT VC"
        )

    def verify_chain(self) -> None:
        self.out.say("[bold]5. Kivu Minerals presents to the trader, on the trader's node[/]")
        self.present(
            "kivu-to-trader", KIVU, TRADER, ["anchor-kivu", "licence-kivu", "origin-lot-0457"]
        )
        self.out.step(
            "trader-verifies-kivu",
            self.check_presented("kivu-to-trader", TRADER),
            "OK",
            "trader verifies licence, origin certificate and identity",
        )
        for name in ("licence-kivu", "origin-lot-0457"):  # the trader keeps the lot's papers
            wallet.receive_credential(self.home(TRADER), TRADER, self.tokens[name], now=self.now)
        self.hand_over()
        self.out.say("[bold]6. The trader presents to the refinery, on the refinery's node[/]")
        self.present(
            "trader-to-refinery",
            TRADER,
            REFINERY,
            ["anchor-trader", "aeo-trader", "licence-kivu", "origin-lot-0457"],
        )
        self.out.step(
            "refinery-verifies-trader",
            self.check_presented("trader-to-refinery", REFINERY),
            "OK",
            "refinery verifies the chain against its subscription",
        )
        self.disclose_selectively()
        self.check_policy()

    def hand_over(self) -> None:
        """Kivu signs the sale in its own home; the trader's wallet takes the event in. From
        now on whoever presents the lot's papers must show the chain to itself."""
        event = wallet.issue_custody_event(
            self.home(KIVU),
            KIVU,
            cast.sale(self.dids, self.now),
            derived_from=[self.tokens["origin-lot-0457"]],
            now=self.now,
        )
        wallet.receive_credential(self.home(TRADER), TRADER, event.token, now=self.now)
        self.ids["sale-kivu-trader"], self.tokens["sale-kivu-trader"] = event.id, event.token
        self.out.credential("sale-kivu-trader", event.token, credential_id=event.id,
                            issuer=self.dids[KIVU], format="vc+jwt",
                            type_name="CustodyTransferCredential", holder=self.dids[TRADER],
                            after="VALID")  # fmt: skip
        self.out.say(
            f"   {cast.HOLDERS[KIVU][0]} → {cast.HOLDERS[TRADER][0]}: "
            "CustodyTransferCredential (24.85 t of lot KVM-2026-LOT-0457, signed by Kivu)"
        )
        registered = self.register(event.token, [self.tokens["origin-lot-0457"]])
        if registered.status_code != 201:
            raise InputError(
                f"the registry refused the honest sale: {registered.text[:300]}",
                code=Code.DEMO_FAILED,
            )
        self.out.say("   registered with the registry's mass ledger: 24,850 kg drawn of 24,850 kg")

    def disclose_selectively(self) -> None:
        self.out.say(
            "[bold]7. The trader discloses origin, mineral and site — not mass or price[/]"
        )
        request = wallet.PresentationRequest(
            secrets.token_urlsafe(16),
            self.dids[REFINERY],
            (self.ids["origin-lot-0457-sd"],),
            disclose=(
                ("countryOfOrigin",),
                ("mineral",),
                ("mineSite",),
                ("mineSite", "coordinates"),
            ),
            lifetime=timedelta(days=1),
        )
        made = wallet.build_presentation(self.home(TRADER), TRADER, request, now=self.now)
        self.keep_presentation("trader-to-refinery-sd-jwt", made.to_dict(), "VALID")
        report = self.check_presented("trader-to-refinery-sd-jwt", REFINERY)
        self.out.step(
            "refinery-verifies-sd-jwt-origin",
            report,
            "OK",
            "refinery verifies the selectively disclosed certificate",
        )
        disclosure = report.credentials[0].disclosure if report.credentials else None
        if disclosure:
            self.out.say(f"   withheld and still hidden: {', '.join(disclosure['not_disclosed'])}")

    def check_policy(self) -> None:
        self.out.say("[bold]8. The refinery's supplier policy[/]")
        policy = load_policy("refinery-supplier")
        request = request_for_policy(
            self.home(TRADER),
            TRADER,
            policy,
            nonce=secrets.token_urlsafe(16),
            audience=self.dids[REFINERY],
            lifetime=timedelta(days=1),
        )
        made = wallet.build_presentation(self.home(TRADER), TRADER, request, now=self.now)
        after: Verdict = (
            "REVOKED" if self.ids["origin-lot-0457"] in request.credential_ids else "VALID"
        )
        self.keep_presentation("trader-to-refinery-policy", made.to_dict(), after)
        report = self.check_presented("trader-to-refinery-policy", REFINERY)
        trust = policy_trust_source(self.home(REFINERY))
        evaluate_policy(policy, report, trust_source=trust, now=self.now)
        self.out.step(
            "refinery-policy-supplier-check",
            report,
            "OK",
            "licence, origin, AEO status and identity anchor all meet the refinery-supplier policy",
        )

    def catch_fraud(self) -> None:
        self.out.say("[bold]9. Fraud the refinery catches[/]")
        replay = self.verifier(REFINERY).check_presentation(
            self.presented["kivu-to-trader"]["presentation"],
            nonce=secrets.token_urlsafe(16),
            audience=self.dids[REFINERY],
            now=self.now,
        )
        self.out.step(
            "refinery-rejects-replay",
            replay,
            "NONCE_MISMATCH",
            "a presentation made for the trader, replayed to the refinery",
        )
        forged = cast.inflate_mass(self.tokens["origin-lot-0457"])
        self.keep_forgery("origin-lot-0457-forged", forged, self.ids["origin-lot-0457"])
        self.out.step(
            "refinery-rejects-inflated-tonnage",
            self.verifier(REFINERY).check_credential(forged, now=self.now),
            "SIGNATURE_INVALID",
            "the origin certificate with its tonnage doubled",
        )
        rogue = issue_from_unaccredited_ministry(
            self.home(ROGUE),
            subject=cast.origin(self.dids, self.now),
            holder=self.dids[KIVU],
            now=self.now,
            valid_until=self.now + YEAR,
            out_dir=self.out.out,
        )
        rogue_id = str(claims(rogue)["id"])
        self.keep_forgery("origin-lot-0457-unaccredited", rogue, rogue_id)
        self.out.step(
            "refinery-rejects-unaccredited-ministry",
            self.verifier(REFINERY).check_credential(rogue, now=self.now),
            "ISSUER_NOT_ACCREDITED",
            f"a well-signed certificate from a look-alike ministry at {self.nodes[ROGUE].url}",
        )

    def reuse_across_buyers(self) -> None:
        """Kivu sells the same certificate's lot a second time, to Kasai Metals, who sells it
        to Nordkobolt: each chain alone balances; together they are twice the certificate."""
        self.out.say("[bold]10. One certificate, two buyers: the registry's mass ledger[/]")
        origin = self.tokens["origin-lot-0457"]
        again = wallet.issue_custody_event(
            self.home(KIVU), KIVU,
            cast.sale(self.dids, self.now, buyer=SECOND_TRADER, lot_out="KMT-2026-0007"),
            derived_from=[origin], now=self.now,
        )  # fmt: skip
        refused = self.register(again.token, [origin])
        self.out.say(
            f"   the registry refuses the second sale: {refused.status_code} "
            f"{refused.json().get('code')} — {refused.json().get('detail', '')[:120]}"
        )
        resale = wallet.issue_custody_event(
            self.home(SECOND_TRADER), SECOND_TRADER,
            cast.sale(self.dids, self.now, buyer=SECOND_REFINERY, lot_in="KMT-2026-0007",
                      lot_out="NKR-2026-0113"),
            derived_from=[again.token], now=self.now,
        )  # fmt: skip
        sales = (
            ("sale-kivu-kasai", again, KIVU, SECOND_TRADER),
            ("sale-kasai-nordkobolt", resale, SECOND_TRADER, SECOND_REFINERY),
        )
        for name, made, seller, buyer in sales:  # each verifies alone: VALID before and after
            self.out.credential(name, made.token, credential_id=made.id,
                                issuer=self.dids[seller], format="vc+jwt",
                                type_name="CustodyTransferCredential", holder=self.dids[buyer],
                                after="VALID")  # fmt: skip
        ledger = HttpLedger(str(self.nodes[PLATFORM].url))
        try:
            report = verify_chain_with_ledger(
                resale.token, [again.token, origin], verifier=self.verifier(SECOND_REFINERY),
                ledger=ledger, now=self.now, holder=self.dids[SECOND_REFINERY],
            )  # fmt: skip
        finally:
            ledger.close()
        self.out.step("second-refinery-catches-reused-certificate", report,
                      "MASS_BALANCE_EXCEEDED",
                      "Nordkobolt checks its chain against the registry's ledger")  # fmt: skip
        self.out.say(f"   {report.problems[0][2]}")

    def revoke_origin(self) -> None:
        self.out.say("[bold]11. The ministry revokes the origin certificate[/]")
        revoke(
            self.home(PLATFORM),
            self.ids["origin-lot-0457"],
            actor="ministry-of-mines",
            reason="lot re-graded: assay certificate withdrawn",
            now=self.now,
        )
        written = [  # every list a credential of the story points to, as its node serves it
            path
            for party in (PLATFORM, ROGUE)
            for path in publish_all(self.home(party), self.out.out / "status", now=self.now)
        ]
        self.out.say(f"   {len(written)} signed status lists written to status/")
        self.out.step(
            "refinery-sees-revoked-origin",
            self.check_presented("trader-to-refinery", REFINERY),
            "REVOKED",
            "the refinery checks the trader's presentation again",
        )
