"""Mass balance over an accounting period: a refinery mixes lots from two suppliers, keeps a
``PeriodAccountCredential`` over at most 12 months, and sells sulphate drawn from it.

The chain walks sale → account → every input's chain → origin certificate; the honest one
verifies, and each fraud — drawing out more than was taken in, an input from outside the
period, a sale outside it, a period over 12 months, taking in a lot never received, drawing
more from an output lot than it holds — is rejected with its own code. Each party signs in its
own home (the fixture of ``test_custody_chain``).
"""

from __future__ import annotations

import contextlib
import copy
import json
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
from oretrust.credentials import EXAMPLES, build_credential, period_limit
from oretrust.custody import credential_digest, verify_chain
from oretrust.errors import ConflictError, SchemaValidationError
from oretrust.formats.vc_jwt import sign_credential
from oretrust.holder import issue_period_account
from oretrust.identities import signer_for
from oretrust.status.publication import refresh_status_lists


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from custody_world(tmp_path)


PERIOD = {"periodStart": "2026-07-01T00:00:00Z", "periodEnd": "2026-12-31T23:59:59Z"}


def _supplies(world: World) -> list[str]:
    """Kivu sells 12 t to the trader, who sells it to the refinery (11-10); Kivu sells the
    refinery another 10 t directly (11-05). Returns [via trader, trader's purchase, direct]."""
    first = world.sale(world.kivu, "kivu", "trader", [world.origin],
                       inputs=[lot(LOT, 12.0)], outputs=[lot("LMT-0091", 12.0)])  # fmt: skip
    second = world.sale(world.trader, "trader", "refinery", [first],
                        eventTime="2026-11-10T08:00:00Z", inputs=[lot("LMT-0091", 12.0)],
                        outputs=[lot("BCR-IN-1", 12.0)])  # fmt: skip
    direct = world.sale(world.kivu, "kivu", "refinery", [world.origin],
                        eventTime="2026-11-05T08:00:00Z", inputs=[lot(LOT, 10.0)],
                        outputs=[lot("BCR-IN-2", 10.0)])  # fmt: skip
    return [second, first, direct]


def _sulphate(lot_id: str, tonnes: float = 10.0) -> dict[str, Any]:
    return lot(lot_id, tonnes, moisture=0.5, grade=20.5)  # 2,039.75 kg Co per 10 t


def _account(world: World, derived: list[str], **change: Any) -> str:
    """The refinery's account: 22 t hydroxide in (5,368 kg Co), two 10 t sulphate lots out
    (4,079.5 kg Co) at a declared 94 % yield (5,045.9 kg allowed)."""
    account = copy.deepcopy(EXAMPLES["PeriodAccountCredential"])
    account.pop("accountHolder"), account.pop("derivedFrom")
    account.update(PERIOD)
    account["inputs"] = [lot("BCR-IN-1", 12.0), lot("BCR-IN-2", 10.0)]
    account["outputs"] = [_sulphate("SUL-1"), _sulphate("SUL-2")]
    account.update(change)
    for key in [key for key, value in change.items() if value is None]:
        del account[key]  # None leaves the member out (a trading account declares no yield)
    return issue_period_account(
        world.refinery, "refinery", account, derived_from=derived, now=NOW
    ).token


def _sale_from(world: World, account: str, **change: Any) -> str:
    """The refinery sells sulphate lot SUL-1 to the trader, drawing on its account."""
    options: dict[str, Any] = {
        "eventTime": "2026-11-15T08:00:00Z",
        "commodity": "cobalt sulphate",
        "inputs": [_sulphate("SUL-1")],
        "outputs": [_sulphate("NKR-1")],
    }
    options.update(change)
    return world.sale(world.refinery, "refinery", "trader", [account], **options)


def _verify(world: World, final: str, *documents: str, by: str = "trader") -> Any:
    """The chain ending in ``final``, presented by ``by`` (the trader buys the sulphate; the
    refinery holds what its account draws out)."""
    return verify_chain(
        final, list(documents), verifier=world.verifier(), now=NOW, holder=world.dids[by]
    )


def _codes(report: Any) -> list[str]:
    return [code for code, _, _ in report.problems]


def test_a_sale_drawn_from_a_period_account_verifies_back_to_the_origin(world: World) -> None:
    supplies = _supplies(world)
    account = _account(world, [supplies[0], supplies[2]])
    sale = _sale_from(world, account)
    report = _verify(world, sale, account, *supplies, world.origin)
    assert report.verified, report.problems
    kinds = [link.kind for link in report.links]
    assert kinds[0] == "origin" and kinds[-2:] == ["PeriodAccount", "TransactionEvent"]
    drawing = "\n".join(report.lines())
    assert "period account" in drawing and "SUL-1" in drawing and "NKR-1" in drawing
    as_json = report.to_dict()["links"]
    account_link = next(link for link in as_json if link["kind"] == "PeriodAccount")
    assert account_link["from"] == account_link["to"] == world.dids["refinery"]


@pytest.mark.parametrize(
    ("change", "code"),
    [  # a third 10 t sulphate lot: 6,119 kg Co out of 5,368 in at 94 % (5,046 allowed)
        ({"outputs": [_sulphate("SUL-1"), _sulphate("SUL-2"), _sulphate("SUL-3")]},
         Code.YIELD_EXCEEDED),
        # a trading account (no processing, no yield) handing on 23 t of 22 t taken in
        ({"declaredYield": None, "outputs": [lot("SUL-1", 23.0)]}, Code.MASS_BALANCE_EXCEEDED),
    ],
)  # fmt: skip
def test_an_account_drawing_out_more_than_it_took_in(
    world: World, change: dict[str, Any], code: str
) -> None:
    supplies = _supplies(world)
    token = _account(world, [supplies[0], supplies[2]], **change)
    report = _verify(world, token, *supplies, world.origin, by="refinery")
    assert report.code == code, report.problems
    assert report.problems[0][1] == payload(token)["id"] and "kg" in report.problems[0][2]


def test_an_input_from_outside_the_period_is_out_of_order(world: World) -> None:
    supplies = _supplies(world)  # the direct purchase is dated 11-05
    account = _account(world, [supplies[0], supplies[2]], periodStart="2026-11-06T00:00:00Z")
    report = _verify(world, account, *supplies, world.origin, by="refinery")
    assert _codes(report) == [Code.CUSTODY_DATES_OUT_OF_ORDER], report.problems
    assert "outside its period 2026-11-06" in report.problems[0][2]


def test_a_sale_outside_the_accounts_period_is_out_of_order(world: World) -> None:
    supplies = _supplies(world)
    account = _account(world, [supplies[0], supplies[2]], periodEnd="2026-11-12T00:00:00Z")
    sale = _sale_from(world, account)  # 11-15, after the period closed
    report = _verify(world, sale, account, *supplies, world.origin)
    assert _codes(report) == [Code.CUSTODY_DATES_OUT_OF_ORDER], report.problems
    assert "outside the period" in report.problems[0][2]


def test_a_period_over_twelve_months_is_refused_and_a_forged_one_fails(world: World) -> None:
    supplies = _supplies(world)
    with pytest.raises(SchemaValidationError, match="at most 12 months"):
        _account(world, [supplies[0], supplies[2]], periodStart="2025-12-31T23:59:58Z")
    # Signed by hand, past the builder's validation: the verifier's schema check refuses it.
    account = copy.deepcopy(EXAMPLES["PeriodAccountCredential"])
    account.update(
        accountHolder=world.dids["refinery"],
        periodStart="2025-06-01T00:00:00Z",
        inputs=[lot("BCR-IN-1", 12.0)],
        derivedFrom=[{"id": payload(supplies[0])["id"], "sha256": credential_digest(supplies[0])}],
    )
    with pytest.raises(SchemaValidationError):
        build_credential("PeriodAccountCredential", issuer=world.dids["refinery"],
                         subject=account, valid_from=NOW, valid_until=None,
                         credential_id=f"urn:uuid:{uuid.uuid4()}")  # fmt: skip
    credential = build_credential(
        "PeriodAccountCredential",
        issuer={"id": world.dids["refinery"], "name": "Refinery"},
        subject={**account, "periodStart": "2026-06-01T00:00:00Z"},
        valid_from=NOW,
        valid_until=None,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
    )
    credential["credentialSubject"]["periodStart"] = "2025-06-01T00:00:00Z"
    signer = signer_for(world.refinery, world.dids["refinery"])
    forged = sign_credential(credential, signer, now=NOW)
    checked = world.verifier().check_credential(forged, now=NOW)
    assert not checked.verified and checked.code == Code.SCHEMA_VALIDATION_FAILED
    assert "at most 12 months" in checked.to_dict()["errors"][0]["detail"]
    report = _verify(world, forged, *supplies, world.origin, by="refinery")
    assert report.code == Code.CUSTODY_LINK_INVALID, report.problems


def test_an_account_taking_in_a_lot_it_never_received(world: World) -> None:
    supplies = _supplies(world)  # LMT-0091 went to the trader, never to the refinery
    account = _account(
        world,
        [supplies[1], supplies[2]],
        inputs=[lot("LMT-0091", 12.0), lot("BCR-IN-2", 10.0)],
    )
    report = _verify(world, account, *supplies, world.origin, by="refinery")
    assert Code.CUSTODY_SELLER_NEVER_HELD in _codes(report), report.problems


def test_a_sale_drawing_more_than_an_output_lot_holds(world: World) -> None:
    supplies = _supplies(world)
    account = _account(world, [supplies[0], supplies[2]])
    greedy = _sale_from(world, account, inputs=[_sulphate("SUL-1", 15.0)],
                        outputs=[_sulphate("NKR-1", 15.0)])  # fmt: skip
    report = _verify(world, greedy, account, *supplies, world.origin)
    assert report.code == Code.MASS_BALANCE_EXCEEDED, report.problems
    assert "lot SUL-1 of period account" in report.problems[0][2]


def test_the_buyer_presents_the_origin_with_the_chain_through_the_account(world: World) -> None:
    """The refinery hands the buyer its sale, its account and the documents behind it; the
    buyer's wallet adds the whole chain to a presentation of the origin certificate."""
    supplies = _supplies(world)
    account = _account(world, [supplies[0], supplies[2]])
    sale = _sale_from(world, account)
    refresh_status_lists(world.platform, now=NOW)
    for token in (world.origin, *supplies, account, sale):
        with contextlib.suppress(ConflictError):
            holder.receive_credential(
                world.trader, "trader", token, now=NOW, verifier=world.verifier()
            )
    token = holder.present(world.trader, "trader", [payload(world.origin)["id"]], nonce="n-2",
                           audience=world.dids["refinery"], now=NOW)  # fmt: skip
    report = world.verifier().check_presentation(
        token, nonce="n-2", audience=world.dids["refinery"], now=NOW
    )
    assert report.verified, report.to_dict()["errors"]
    chain = next(c for c in report.checks if c.id == "custody_chain")
    assert "period account" in chain.detail and "NKR-1" in chain.detail


@pytest.mark.parametrize(
    ("start", "latest"),
    [
        (datetime(2026, 7, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC)),
        (datetime(2024, 2, 29, 12, tzinfo=UTC), datetime(2025, 2, 28, 12, tzinfo=UTC)),
    ],
)
def test_a_period_runs_twelve_calendar_months_at_most(start: datetime, latest: datetime) -> None:
    assert period_limit(start) == latest


@pytest.mark.slow  # several served homes or CLI processes: behind the marker .ci/run also runs
def test_the_cli_keeps_an_account_and_sells_from_it(world: World, tmp_path: Path) -> None:
    """``custody account`` in the refinery's own home, ``custody issue --from ACCOUNT`` for the
    sale, ``custody verify`` at the buyer's: exit 0; a period over 12 months exits 2, one line."""
    refresh_status_lists(world.platform, now=datetime.now(UTC))  # the CLI reads the clock
    supplies = _supplies(world)
    files = []
    for index, token in enumerate((*supplies, world.origin)):
        files.append(tmp_path / f"doc{index}.jwt")
        files[-1].write_text(token + "\n")
    account = copy.deepcopy(EXAMPLES["PeriodAccountCredential"])
    account.update(PERIOD, inputs=[lot("BCR-IN-1", 12.0), lot("BCR-IN-2", 10.0)],
                   outputs=[_sulphate("SUL-1")])  # fmt: skip
    (tmp_path / "account.json").write_text(json.dumps(account))
    home = ("--home", str(world.refinery.path))
    made = run_oretrust(
        "custody",
        "account",
        "--holder",
        "refinery",
        "--account",
        str(tmp_path / "account.json"),
        "--from",
        str(files[0]),
        "--from",
        str(files[2]),
        "--out",
        str(tmp_path / "account.jwt"),
        *home,
    )
    assert made.returncode == 0, made.stderr
    sale = copy.deepcopy(EXAMPLES["CustodyTransferCredential"])
    sale.update(destinationParty=world.dids["trader"], eventTime="2026-11-15T08:00:00Z",
                inputs=[_sulphate("SUL-1")], outputs=[_sulphate("NKR-1")])  # fmt: skip
    (tmp_path / "sale.json").write_text(json.dumps(sale))
    sold = run_oretrust("custody", "issue", "--holder", "refinery", "--event",
                        str(tmp_path / "sale.json"), "--from", str(tmp_path / "account.jwt"),
                        "--out", str(tmp_path / "sale.jwt"), *home)  # fmt: skip
    assert sold.returncode == 0, sold.stderr
    with_docs = [arg for f in (tmp_path / "account.jwt", *files) for arg in ("--with", str(f))]
    checked = run_oretrust("custody", "verify", str(tmp_path / "sale.jwt"), *with_docs,
                           "--holder", world.dids["trader"], "--json",
                           "--home", str(world.platform.path))  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "PeriodAccount" in [link["kind"] for link in json.loads(checked.stdout)["links"]]
    account["periodEnd"] = "2027-07-02T00:00:00Z"
    (tmp_path / "account.json").write_text(json.dumps(account))
    too_long = run_oretrust("custody", "account", "--holder", "refinery", "--account",
                            str(tmp_path / "account.json"), "--from", str(files[0]),
                            "--out", str(tmp_path / "long.jwt"), *home)  # fmt: skip
    assert too_long.returncode == 2 and "at most 12 months" in too_long.stderr
    assert len(too_long.stderr.strip().splitlines()) == 1 and not (tmp_path / "long.jwt").exists()
