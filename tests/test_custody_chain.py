"""Chain of custody: mine → trader → refinery, each event signed by the party handing the lot
over in its own home, walked back to the ministry's origin certificate and balanced.

The honest chain verifies; every fraud below starts from the genuine documents and changes
one thing, and must be rejected with its own code.
"""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import run_oretrust
from custody_world import LOT, NOW, World, custody_world, lot, payload
from oretrust import holder
from oretrust.codes import Code
from oretrust.credentials import EXAMPLES, build_credential
from oretrust.custody import credential_digest, verify_chain
from oretrust.encoding import b64url_decode, b64url_encode
from oretrust.errors import ConflictError
from oretrust.formats.vc_jwt import sign_credential
from oretrust.holder import issue_custody_event
from oretrust.identities import signer_for
from oretrust.status.operations import revoke
from oretrust.status.publication import refresh_status_lists


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from custody_world(tmp_path)


def _honest(world: World) -> tuple[str, str]:
    """Kivu sells 12 t of the lot to the trader, who sells it on to the refinery."""
    first = world.sale(
        world.kivu,
        "kivu",
        "trader",
        [world.origin],
        inputs=[lot(LOT, 12.0)],
        outputs=[lot("LMT-0091", 12.0)],
    )
    second = world.sale(
        world.trader,
        "trader",
        "refinery",
        [first],
        eventTime="2026-11-10T08:00:00Z",
        inputs=[lot("LMT-0091", 12.0)],
        outputs=[lot("BCR-7781", 12.0)],
    )
    return first, second


def _codes(report: Any) -> list[str]:
    return [code for code, _, _ in report.problems]


def test_the_honest_chain_verifies_and_is_drawn(world: World) -> None:
    first, second = _honest(world)
    report = verify_chain(
        second,
        [first, world.origin],
        verifier=world.verifier(),
        now=NOW,
        holder=world.dids["refinery"],
    )
    assert report.verified, [p[2] for p in report.problems]
    assert [link.kind for link in report.links] == [
        "origin",
        "TransactionEvent",
        "TransactionEvent",
    ]
    drawing = "\n".join(report.lines())
    assert LOT in drawing and "BCR-7781" in drawing and "12,000 kg wet" in drawing
    as_json = report.to_dict()
    assert as_json["verdict"] == "VALID" and as_json["links"][0]["outputs"][0][
        "contained_kg"
    ] == pytest.approx(24850 * 0.8 * 0.305)


@pytest.mark.parametrize(
    ("outputs", "basis"),
    [
        ([lot("LMT-0091", 13.0)], "wet"),  # more tonnes than were bought
        ([lot("LMT-0091", 12.0, moisture=10.0)], "dry"),  # same tonnes, declared drier
        ([lot("LMT-0091", 12.0, grade=40.0)], "contained"),  # same tonnes, richer on paper
    ],
)
def test_handing_on_more_than_was_received_is_caught_in_each_term(
    world: World, outputs: list[dict[str, Any]], basis: str
) -> None:
    first, _ = _honest(world)
    inflated = world.sale(
        world.trader,
        "trader",
        "refinery",
        [first],
        eventTime="2026-11-10T08:00:00Z",
        inputs=[lot("LMT-0091", 12.0)],
        outputs=outputs,
    )
    report = verify_chain(inflated, [first, world.origin], verifier=world.verifier(), now=NOW)
    assert not report.verified
    assert report.code == Code.MASS_BALANCE_EXCEEDED, report.problems
    assert f"kg {basis}" in report.problems[0][2] and report.problems[0][1] in inflated_ids(
        inflated
    )


def inflated_ids(token: str) -> set[str]:
    return {payload(token)["id"]}


def test_drawing_more_from_a_lot_than_it_holds_names_the_excess(world: World) -> None:
    first = world.sale(
        world.kivu,
        "kivu",
        "trader",
        [world.origin],
        inputs=[lot(LOT, 20.0)],
        outputs=[lot("LMT-0091", 20.0)],
    )
    again = world.sale(
        world.kivu,
        "kivu",
        "refinery",
        [world.origin],
        inputs=[lot(LOT, 20.0)],
        outputs=[lot("BCR-9", 20.0)],
    )
    merge = world.sale(
        world.trader,
        "trader",
        "refinery",
        [first, again],
        eventTime="2026-11-10T08:00:00Z",
        inputs=[lot("LMT-0091", 20.0)],
        outputs=[lot("BCR-7781", 20.0)],
    )
    report = verify_chain(merge, [first, again, world.origin], verifier=world.verifier(), now=NOW)
    assert Code.MASS_BALANCE_EXCEEDED in _codes(report)
    detail = next(d for c, _, d in report.problems if c == Code.MASS_BALANCE_EXCEEDED)
    assert LOT in detail and "40,000.0 kg wet" in detail and "15,150.0 kg more" in detail


def test_a_missing_or_altered_document_breaks_the_link(world: World) -> None:
    _, second = _honest(world)
    missing = verify_chain(second, [world.origin], verifier=world.verifier(), now=NOW)
    assert (
        missing.code == Code.CUSTODY_LINK_BROKEN
        and "not among the documents" in missing.problems[0][2]
    )
    other = world.sale(
        world.kivu,
        "kivu",
        "trader",
        [world.origin],
        inputs=[lot(LOT, 12.0)],
        outputs=[lot("LMT-0091", 12.0)],
    )
    swapped = verify_chain(second, [other, world.origin], verifier=world.verifier(), now=NOW)
    assert swapped.code == Code.CUSTODY_LINK_BROKEN


def test_a_lot_not_in_what_the_event_derives_from_breaks_the_link(world: World) -> None:
    ghost = world.sale(
        world.kivu,
        "kivu",
        "trader",
        [world.origin],
        inputs=[lot("KVM-2026-LOT-9999", 12.0)],
        outputs=[lot("LMT-0091", 12.0)],
    )
    report = verify_chain(ghost, [world.origin], verifier=world.verifier(), now=NOW)
    assert report.code == Code.CUSTODY_LINK_BROKEN and "9999" in report.problems[0][2]


def test_an_event_dated_before_what_it_derives_from_is_out_of_order(world: World) -> None:
    first, _ = _honest(world)
    early = world.sale(
        world.trader,
        "trader",
        "refinery",
        [first],
        eventTime="2026-10-01T08:00:00Z",
        inputs=[lot("LMT-0091", 12.0)],
        outputs=[lot("BCR-7781", 12.0)],
    )
    report = verify_chain(early, [first, world.origin], verifier=world.verifier(), now=NOW)
    assert report.code == Code.CUSTODY_DATES_OUT_OF_ORDER


def test_a_transfer_by_someone_who_never_held_the_lot(world: World) -> None:
    """The refinery's own node signs a 'sale' of Kivu's lot: a valid signature, no custody."""
    stolen = world.sale(
        world.refinery,
        "refinery",
        "trader",
        [world.origin],
        inputs=[lot(LOT, 12.0)],
        outputs=[lot("LMT-0091", 12.0)],
    )
    report = verify_chain(stolen, [world.origin], verifier=world.verifier(), now=NOW)
    assert report.code == Code.CUSTODY_SELLER_NEVER_HELD


@pytest.mark.parametrize(
    ("declared", "grade", "code"),
    [(90.0, 20.0, "OK"), (99.5, 20.0, Code.YIELD_EXCEEDED), (90.0, 24.2, Code.YIELD_EXCEEDED)],
)
def test_a_yield_beyond_tolerance(world: World, declared: float, grade: float, code: str) -> None:
    """Refining hydroxide into sulphate: a yield above cobalt's 98 % ceiling, or more metal
    out (2,904 kg) than the declared 90 % of the 2,928 kg in allows."""
    first, _ = _honest(world)
    event = {
        "type": ["TransformationEvent", "Event"],
        "processType": "refining",
        "inputs": [lot("LMT-0091", 12.0)],
        "outputs": [lot("SUL-1", 12.0, moisture=0.0, grade=grade)],  # 2,904 kg in 2,928 kg
        "declaredYield": declared,
        "commodity": "cobalt sulphate",
        "eventTime": "2026-11-10T08:00:00Z",
    }
    base = copy.deepcopy(EXAMPLES["CustodyTransferCredential"])
    for key in ("sourceParty", "derivedFrom", "destinationParty"):
        base.pop(key)
    refined = issue_custody_event(
        world.trader, "trader", {**base, **event}, derived_from=[first], now=NOW
    )
    report = verify_chain(refined.token, [first, world.origin], verifier=world.verifier(), now=NOW)
    assert report.code == code, report.problems


def test_the_presenter_must_be_the_last_buyer(world: World) -> None:
    first, second = _honest(world)
    report = verify_chain(
        second,
        [first, world.origin],
        verifier=world.verifier(),
        now=NOW,
        holder=world.dids["trader"],
    )
    assert report.code == Code.CUSTODY_NOT_LAST_BUYER


def test_a_revoked_origin_or_a_forged_event_invalidates_the_chain(world: World) -> None:
    first, second = _honest(world)
    forged = _tamper(
        first,
        lambda claims: claims["credentialSubject"][0]["outputs"][0]["mass"].update(value=24.0),
    )
    tampered = verify_chain(second, [forged, world.origin], verifier=world.verifier(), now=NOW)
    assert tampered.code == Code.CUSTODY_LINK_BROKEN  # the altered event is not the one referenced
    alone = verify_chain(forged, [world.origin], verifier=world.verifier(), now=NOW)
    assert alone.code == Code.CUSTODY_LINK_INVALID
    origin_id = payload(world.origin)["id"]
    revoke(world.platform, origin_id, reason="assay withdrawn", actor="ministry", now=NOW)
    revoked = verify_chain(second, [first, world.origin], verifier=world.verifier(), now=NOW)
    assert revoked.code == Code.CUSTODY_LINK_INVALID and "REVOKED" in revoked.problems[0][2]


def test_an_event_must_be_signed_by_its_source_party(world: World) -> None:
    """The registry accredits no one for custody events; the one rule is that the party
    handing the lot over signed it. The trader signs a 'sale' naming Kivu as the seller."""
    event = copy.deepcopy(EXAMPLES["CustodyTransferCredential"])
    event.update(
        sourceParty=world.dids["kivu"],
        destinationParty=world.dids["trader"],
        derivedFrom=[
            {"id": payload(world.origin)["id"], "sha256": credential_digest(world.origin)}
        ],
        inputs=[lot(LOT, 12.0)],
        outputs=[lot("LMT-0091", 12.0)],
    )
    credential = build_credential(
        "CustodyTransferCredential",
        issuer={"id": world.dids["trader"], "name": "Trader"},
        subject=event,
        valid_from=NOW,
        valid_until=None,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
    )
    token = sign_credential(credential, signer_for(world.trader, world.dids["trader"]), now=NOW)
    report = world.verifier().check_credential(token, now=NOW)
    assert report.code == Code.ISSUER_NOT_ACCREDITED, report.to_dict()
    chain = verify_chain(token, [world.origin], verifier=world.verifier(), now=NOW)
    assert chain.code == Code.CUSTODY_LINK_INVALID


def _tamper(token: str, change: Any) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    change(claims)
    return f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"


def _resign_unsigned(token: str, claims: dict[str, Any]) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"


@pytest.mark.slow  # several served homes or CLI processes: behind the marker .ci/run also runs
def test_the_cli_hands_a_lot_over_and_verifies_the_chain(world: World, tmp_path: Path) -> None:
    """``oretrust custody issue`` in the seller's home, ``custody verify`` in the verifier's:
    exit 0 for the honest chain, 1 for an over-claim, 2 for a bad event file."""
    refresh_status_lists(world.platform, now=datetime.now(UTC))  # the CLI reads the clock
    origin = tmp_path / "origin.jwt"
    origin.write_text(world.origin + "\n")
    event = copy.deepcopy(EXAMPLES["CustodyTransferCredential"])
    event.update(destinationParty=world.dids["trader"], eventTime="2026-11-02T08:00:00Z")

    def hand_over(tonnes: float, name: str) -> subprocess.CompletedProcess[str]:
        event.update(inputs=[lot(LOT, tonnes)], outputs=[lot("LMT-0091", tonnes)])
        (tmp_path / f"{name}.json").write_text(json.dumps(event))
        return run_oretrust(
            "custody", "issue", "--holder", "kivu", "--event", str(tmp_path / f"{name}.json"),
            "--from", str(origin), "--out", str(tmp_path / f"{name}.jwt"),
            "--home", str(world.kivu.path),
        )  # fmt: skip

    def verify(name: str) -> subprocess.CompletedProcess[str]:
        return run_oretrust(
            "custody", "verify", str(tmp_path / f"{name}.jwt"), "--with", str(origin),
            "--holder", world.dids["trader"], "--home", str(world.platform.path), "--json",
        )  # fmt: skip

    assert hand_over(12.0, "honest").returncode == 0
    honest = verify("honest")
    assert honest.returncode == 0, honest.stdout + honest.stderr
    assert json.loads(honest.stdout)["links"][1]["to"] == world.dids["trader"]
    assert hand_over(30.0, "greedy").returncode == 0  # a seller may sign anything…
    greedy = verify("greedy")
    assert greedy.returncode == 1  # …the chain says it does not balance
    assert json.loads(greedy.stdout)["code"] == Code.MASS_BALANCE_EXCEEDED
    (tmp_path / "bad.json").write_text("[1, 2")
    bad = run_oretrust(
        "custody", "issue", "--holder", "kivu", "--event", str(tmp_path / "bad.json"),
        "--from", str(origin), "--out", str(tmp_path / "bad.jwt"), "--home", str(world.kivu.path),
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def _trader_presents(world: World, *events: str) -> Any:
    """The trader keeps the origin certificate and ``events`` in its wallet and presents the
    origin to the refinery; the wallet adds the custody events that carry the lot to it."""
    refresh_status_lists(world.platform, now=NOW)
    for token in (world.origin, *events):
        with contextlib.suppress(ConflictError):  # already kept from an earlier presentation
            holder.receive_credential(
                world.trader, "trader", token, now=NOW, verifier=world.verifier()
            )
    origin_id = payload(world.origin)["id"]
    token = holder.present(world.trader, "trader", [origin_id], nonce="n-1",
                           audience=world.dids["refinery"], now=NOW)  # fmt: skip
    return world.verifier().check_presentation(
        token, nonce="n-1", audience=world.dids["refinery"], now=NOW
    )


def test_a_trader_presents_the_mines_origin_only_with_the_chain_to_itself(world: World) -> None:
    bare = _trader_presents(world)
    assert bare.code == Code.CUSTODY_NOT_LAST_BUYER and not bare.verified
    first = world.sale(world.kivu, "kivu", "trader", [world.origin],
                       inputs=[lot(LOT, 12.0)], outputs=[lot("LMT-0091", 12.0)])  # fmt: skip
    carried = _trader_presents(world, first)
    assert carried.verified, carried.to_dict()["errors"]
    chain = next(c for c in carried.checks if c.id == "custody_chain")
    assert chain.passed and LOT in chain.detail and "LMT-0091" in chain.detail


def test_a_presented_chain_that_does_not_balance_fails(world: World) -> None:
    greedy = world.sale(world.kivu, "kivu", "trader", [world.origin],
                        inputs=[lot(LOT, 30.0)], outputs=[lot("LMT-0091", 30.0)])  # fmt: skip
    report = _trader_presents(world, greedy)
    assert not report.verified
    failed = next(c for c in report.checks if c.id == "custody_chain")
    assert failed.code == Code.MASS_BALANCE_EXCEEDED and "kg more than it covers" in failed.detail
