"""Bulk issuance (``oretrust issue --batch``): every line issued exactly once, resumable.

In process through :func:`oretrust.cli.batch_issue.run_batch` (the command's body) for the
rules; the real process (the CLI contract, SIGKILL mid-run) in ``test_issue_batch_process.py``
(slow).
"""

from __future__ import annotations

import copy
import csv
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from oretrust import identities, registry
from oretrust.cli.batch_issue import BatchSummary, run_batch
from oretrust.codes import Code
from oretrust.credentials import EXAMPLES
from oretrust.encoding import b64url_decode
from oretrust.errors import ConflictError, InputError, SchemaValidationError
from oretrust.home import Home
from oretrust.issuer import BatchIssuer, BatchRequest, list_issued
from oretrust.store.bulk import insert_rows
from oretrust.store.status_models import StatusEntryRecord
from oretrust.verifier import verifier_for

TYPE = "MineralOriginCertificate"
ISSUER = "did:web:mines.gouv.cd.example"
NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def prepared_home(folder: Path, database_url: str | None = None) -> Home:
    """A home with its own registry accrediting the ministry for origin certificates in CD."""
    opened = Home.open(folder, database_url=database_url)
    opened.set_domain("registry.minerals-trust.example")
    registry.init_registry(
        opened, did="did:web:registry.minerals-trust.example", display_name="Registry", now=NOW
    )
    identities.add_issuer(opened, "ministry", display_name="Ministry of Mines", did=ISSUER, now=NOW)
    identities.add_holder(opened, "kivu", display_name="Kivu Minerals SARL", now=NOW)
    registry.accredit(opened, ISSUER, TYPE, "CD", now=NOW)
    return opened


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """:func:`prepared_home` on SQLite."""
    return prepared_home(tmp_path / "home")


def subject(home: Home, number: int) -> dict[str, Any]:
    value = copy.deepcopy(EXAMPLES[TYPE])
    value["lotId"] = f"LOT-{number:05d}"
    value["exporter"]["id"] = identities.find_holder(home, "kivu").did
    return value


def write_jsonl(path: Path, subjects: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps({"credentialSubject": s}) + "\n" for s in subjects))
    return path


def batch(home: Home, source: Path, out: Path, **options: Any) -> BatchSummary:
    arguments: dict[str, Any] = {
        "issuer": "ministry", "type_name": TYPE, "credential_format": "vc+jwt", "out": out,
        "batch_size": 7, "now": NOW, "progress": False,
    }  # fmt: skip
    return run_batch(home, source, **(arguments | options))


def entries(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text().splitlines()]


def assert_each_line_once(home: Home, out: Path, lines: int) -> None:
    """The output and the issuer's records both hold exactly one credential per line."""
    written = entries(out)
    assert sorted(Counter(e["line"] for e in written).items()) == [
        (n, 1) for n in range(1, lines + 1)
    ]
    recorded = {summary.id for summary in list_issued(home, issuer="ministry")}
    assert len(recorded) == lines
    assert {e["id"] for e in written} == recorded


def test_a_rerun_skips_every_line_issued_and_tokens_verify(home: Home, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [subject(home, n) for n in range(30)])
    out = tmp_path / "out.jsonl"
    first = batch(home, source, out)
    assert (first.lines, first.issued, first.skipped) == (30, 30, 0)
    again = batch(home, source, out)
    assert (again.issued, again.skipped) == (0, 30)
    assert_each_line_once(home, out, 30)
    last = entries(out)[-1]
    report = verifier_for(home, allow_network=False).check_credential(last["token"], now=NOW)
    assert report.verdict == "VALID", report.to_dict()


def test_a_batch_killed_between_journal_and_commit_is_issued_once(
    home: Home, tmp_path: Path
) -> None:
    """The crash window: a batch's entries are fsynced, then the process dies before the
    commit (and a further line is half written). The rerun drops them and issues those
    lines once."""
    source = write_jsonl(tmp_path / "in.jsonl", [subject(home, n) for n in range(12)])
    out = tmp_path / "out.jsonl"
    head = tmp_path / "head.jsonl"
    head.write_text("".join(source.read_text().splitlines(keepends=True)[:5]))
    batch(home, head, out)  # lines 1-5 issued and committed
    issuing = BatchIssuer(home, issuer="ministry", now=NOW, credential_format="vc+jwt")
    doomed = [issuing.prepare(BatchRequest(TYPE, subject(home, n))) for n in (5, 6)]

    def journal_then_die(issued: list[Any]) -> None:
        with out.open("a") as handle:
            for number, credential in zip((6, 7), issued, strict=True):
                handle.write(
                    json.dumps(
                        {"line": number, "sha256": "x", "id": credential.id, "issuer": ISSUER}
                    )
                    + "\n"
                )
            handle.write('{"line": 8, "sha')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        issuing.issue(doomed, before_commit=journal_then_die)
    resumed = batch(home, source, out)
    assert (resumed.dropped, resumed.skipped, resumed.issued) == (2, 5, 7)
    assert_each_line_once(home, out, 12)
    set_aside = entries(out.with_name("out.jsonl.uncommitted"))
    assert [e["id"] for e in set_aside] == [p.issuance.credential_id for p in doomed]


def test_a_journal_of_another_home_is_refused_not_rewritten(home: Home, tmp_path: Path) -> None:
    """Pointed at another home's output (same issuer DID), the rerun would find none of its
    credentials recorded: more than one batch unrecorded cannot be a kill, so it refuses."""
    source = write_jsonl(tmp_path / "in.jsonl", [subject(home, n) for n in range(7)])
    out = tmp_path / "out.jsonl"
    batch(home, source, out, batch_size=3)
    written = out.read_bytes()
    other = prepared_home(tmp_path / "other")
    with pytest.raises(InputError, match="is not this batch's journal"):
        batch(other, source, out)
    assert out.read_bytes() == written
    assert list_issued(other, issuer="ministry") == []


def test_a_bad_line_stops_the_run_with_its_number_and_field(home: Home, tmp_path: Path) -> None:
    subjects = [subject(home, n) for n in range(10)]
    subjects[4]["mass"]["value"] = "heavy"
    source = write_jsonl(tmp_path / "in.jsonl", subjects)
    out = tmp_path / "out.jsonl"
    with pytest.raises(SchemaValidationError) as caught:
        batch(home, source, out, batch_size=3)
    assert caught.value.detail.startswith("in.jsonl line 5: credentialSubject.mass.value")
    assert [e["line"] for e in entries(out)] == [1, 2, 3, 4]
    assert len(list_issued(home, issuer="ministry")) == 4
    subjects[4]["mass"]["value"] = 12.5
    write_jsonl(source, subjects)
    fixed = batch(home, source, out, batch_size=3)
    assert (fixed.skipped, fixed.issued) == (4, 6)
    assert_each_line_once(home, out, 10)


def test_a_line_that_is_not_json_stops_the_run_after_the_lines_before_it(
    home: Home, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [subject(home, n) for n in range(4)])
    lines = source.read_text().splitlines(keepends=True)
    source.write_text("".join([*lines[:2], '{"credentialSubject": \n', *lines[2:]]))
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputError, match=r"^in\.jsonl line 3: is not JSON"):
        batch(home, source, out, batch_size=10)
    assert [e["line"] for e in entries(out)] == [1, 2]
    assert len(list_issued(home, issuer="ministry")) == 2


def test_an_issued_line_that_changed_is_refused(home: Home, tmp_path: Path) -> None:
    subjects = [subject(home, n) for n in range(3)]
    source = write_jsonl(tmp_path / "in.jsonl", subjects)
    out = tmp_path / "out.jsonl"
    batch(home, source, out)
    subjects[1]["lotId"] = "LOT-CHANGED"
    write_jsonl(source, subjects)
    with pytest.raises(InputError, match="line 2 changed since it was issued"):
        batch(home, source, out)
    assert len(list_issued(home, issuer="ministry")) == 3


def test_csv_rows_with_subject_paths_into_a_folder(home: Home, tmp_path: Path) -> None:
    """CSV: a credentialSubject JSON column, dotted columns (JSON values or text), per-row
    type; the folder gets the journal and one token file per line."""
    source = tmp_path / "in.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        paths = ("lotId", "mass.value", "licenceNumber")
        writer.writerow(["type", "credentialSubject", *(f"credentialSubject.{p}" for p in paths)])
        for n in range(4):
            writer.writerow([TYPE, json.dumps(subject(home, n)), f"CSV-{n}", "7.5", "PE 1"])
    folder = tmp_path / "out"
    summary = batch(home, source, folder, type_name=None)
    assert summary.issued == 4
    tokens = sorted(folder.glob("line-*.jwt"))
    assert [path.name for path in tokens] == [f"line-{n:07d}.jwt" for n in range(2, 6)]
    report = verifier_for(home, allow_network=False).check_credential(
        tokens[0].read_text().strip(), now=NOW
    )
    assert report.verdict == "VALID"
    payload = json.loads(b64url_decode(tokens[0].read_text().split(".")[1]))
    written = payload["credentialSubject"]
    assert (written["lotId"], written["mass"]["value"], written["licenceNumber"]) == (
        "CSV-0",
        7.5,
        "PE 1",
    )
    assert [e["line"] for e in entries(folder / "issued.jsonl")] == [2, 3, 4, 5]


def test_sd_jwt_batch_is_bound_to_the_holder(home: Home, tmp_path: Path) -> None:
    holder = identities.find_holder(home, "kivu").did
    source = tmp_path / "in.jsonl"
    source.write_text("".join(
        json.dumps({"credentialSubject": subject(home, n), "holder": "kivu"}) + "\n"
        for n in range(3)
    ))  # fmt: skip
    out = tmp_path / "out.jsonl"
    assert batch(home, source, out, credential_format="sd-jwt").issued == 3
    written = entries(out)
    assert {e["format"] for e in written} == {"dc+sd-jwt"}
    assert {e["holder"] for e in written} == {holder}
    assert all(e["token"].endswith("~") for e in written)


def test_a_line_the_registry_does_not_accredit_stops_the_run(home: Home, tmp_path: Path) -> None:
    """Accreditation is judged per type and jurisdiction (kept for the run): CD lines pass,
    the first RW line (the ministry is accredited for CD only) is refused with its number."""
    subjects = [subject(home, n) for n in range(4)]
    subjects[2]["countryOfOrigin"] = "RW"
    source = write_jsonl(tmp_path / "in.jsonl", subjects)
    out = tmp_path / "out.jsonl"
    with pytest.raises(ConflictError) as caught:
        batch(home, source, out)
    assert caught.value.code == Code.ISSUER_NOT_ACCREDITED_TO_ISSUE
    assert caught.value.detail.startswith("in.jsonl line 3: ")
    assert [e["line"] for e in entries(out)] == [1, 2]


def test_on_postgresql_batches_and_reruns(tmp_path: Path, postgres_url: str) -> None:
    """PostgreSQL takes the rows through COPY in the batch's transaction: the same rules."""
    home = prepared_home(tmp_path / "home", postgres_url)
    source = write_jsonl(tmp_path / "in.jsonl", [subject(home, n) for n in range(12)])
    out = tmp_path / "out.jsonl"
    assert batch(home, source, out, batch_size=5).issued == 12
    assert batch(home, source, out).skipped == 12
    assert_each_line_once(home, out, 12)
    report = verifier_for(home, allow_network=False).check_credential(
        entries(out)[0]["token"], now=NOW
    )
    assert report.verdict == "VALID"
    home.engine.dispose()


def test_copy_on_postgresql_raises_a_taken_slot_as_sqlalchemy_does(
    tmp_path: Path, postgres_url: str
) -> None:
    """A slot a concurrent issuer took surfaces from COPY as SQLAlchemy's IntegrityError, the
    error BatchIssuer retries a batch on (with fresh indices)."""
    home = prepared_home(tmp_path / "home", postgres_url)
    first = batch(
        home, write_jsonl(tmp_path / "in.jsonl", [subject(home, 0)]), tmp_path / "o.jsonl"
    )
    assert first.issued == 1
    with home.session() as session:
        taken = session.exec(select(StatusEntryRecord)).one()
        row = taken.model_dump(exclude={"id"}) | {"credential_id": "urn:uuid:0-taken-slot"}
        with pytest.raises(IntegrityError):
            insert_rows(session, "status_entry", [row])
    home.engine.dispose()
