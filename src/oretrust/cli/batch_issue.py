"""``oretrust issue --batch FILE``: bulk issuance from JSON lines or CSV, resumable.

One credential per input line (see :mod:`oretrust.cli._batch_input`), issued by
:class:`oretrust.issuer.BatchIssuer` in batches of ``--batch-size`` (one transaction each),
each credential written (id + token) to ``--out`` as its batch commits, with a rich progress
bar on stderr. The output is also the journal (:mod:`oretrust.cli._batch_journal`): a rerun
with the same input and ``--out`` skips the lines already issued, and no line is ever issued
twice, even after a kill.

A bad line stops the run: the lines before it are issued, it and the lines after it are
not, and the error names its line number and field (exit 2). Fix the line and rerun: the
lines already issued are skipped. Holders named by the lines get no wallet copy (this is
issuance for others; ``oretrust wallet`` imports a token).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from oretrust import identities
from oretrust.cli._batch_input import BatchLine, count_lines, read_lines
from oretrust.cli._batch_journal import Journal
from oretrust.cli._common import now, parse_time, print_json
from oretrust.codes import Code
from oretrust.errors import InputError, OreTrustError
from oretrust.home import Home
from oretrust.issuer import BatchIssuer, BatchRequest, PreparedCredential

__all__ = ["BatchSummary", "issue_batch_command", "run_batch"]

_FORMATS = {"vc+jwt": "vc+jwt", "sd-jwt": "dc+sd-jwt", "dc+sd-jwt": "dc+sd-jwt"}


@dataclass(frozen=True)
class BatchSummary:
    """What a run did: lines read, credentials issued now, lines skipped (issued before)."""

    lines: int
    issued: int
    skipped: int
    dropped: int
    out: Path

    def to_dict(self) -> dict[str, object]:
        """JSON form for ``--json``."""
        return {
            "lines": self.lines,
            "issued": self.issued,
            "skipped": self.skipped,
            "dropped_uncommitted": self.dropped,
            "out": str(self.out),
        }


def run_batch(
    home: Home,
    source: Path,
    *,
    issuer: str,
    type_name: str | None,
    credential_format: str,
    out: Path,
    batch_size: int,
    now: datetime,
    progress: bool,
) -> BatchSummary:
    """Issue every line of ``source`` not issued yet; see the module docstring.

    Raises InputError (``INVALID_INPUT`` naming the line and field, ``FILE_UNREADABLE``), and
    a bad line's own error (SchemaValidationError…) with its line number in front.
    """
    if credential_format not in _FORMATS:
        raise InputError(
            f"--format must be vc+jwt or sd-jwt, not {credential_format!r}",
            code=Code.UNSUPPORTED_FORMAT,
        )
    if batch_size < 1:
        raise InputError("--batch-size must be at least 1", code=Code.INVALID_INPUT)
    try:
        total = count_lines(source)
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc}", code=Code.FILE_UNREADABLE) from exc
    issuing = BatchIssuer(
        home, issuer=issuer, now=now, credential_format=_FORMATS[credential_format]
    )
    journal = Journal(out)
    dropped = journal.recover(home, issuing.issuer.did)
    run = _Run(home, source, issuing, journal, type_name, batch_size)
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("issuing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=console, disable=not (progress and console.is_terminal),
    )  # fmt: skip
    with bar:
        task = bar.add_task("issuing", total=total)
        for advanced in run.lines():
            bar.advance(task, advanced)
    return BatchSummary(run.read, run.issued, run.skipped, dropped, journal.path)


def issue_batch_command(
    home: Path | None,
    source: Path,
    *,
    issuer: str,
    type_name: str | None,
    out: Path | None,
    credential_format: str,
    batch_size: int,
    as_json: bool,
    quiet: bool,
    per_line: Mapping[str, object],
) -> None:
    """``oretrust issue --batch``: refuse the single-credential options (``per_line``: each
    line gives its own), open the ``home`` folder, run :func:`run_batch` at the current
    time, print its summary."""
    given = [name for name, value in per_line.items() if value]
    if given:
        raise InputError(
            f"{', '.join(given)}: with --batch, each line gives its own (credentialSubject, "
            "holder, validUntil)",
            code=Code.INVALID_INPUT,
        )
    if out is None:
        raise InputError("--batch needs --out FILE.jsonl or DIR", code=Code.INVALID_INPUT)
    summary = run_batch(
        Home.open(home), source, issuer=issuer, type_name=type_name, out=out,
        credential_format=credential_format, batch_size=batch_size, now=now(),
        progress=not (quiet or as_json),
    )  # fmt: skip
    if as_json:
        print_json(summary.to_dict())
    elif not quiet:
        Console(soft_wrap=True).print(
            f"issued {summary.issued}, skipped {summary.skipped} issued before, of "
            f"{summary.lines} lines → {summary.out}", markup=False, highlight=False,
        )  # fmt: skip


class _Run:
    """One pass over the input: skip what the journal holds, issue the rest batch by batch."""

    def __init__(
        self,
        home: Home,
        source: Path,
        issuing: BatchIssuer,
        journal: Journal,
        type_name: str | None,
        batch_size: int,
    ) -> None:
        self.home, self.source, self.issuing, self.journal = home, source, issuing, journal
        self.type_name, self.batch_size = type_name, batch_size
        self.read = self.issued = self.skipped = 0
        self._holders: dict[str, str] = {}

    def lines(self) -> Iterator[int]:
        """Issue; yield how many lines each step settled (for the progress bar)."""
        pending: list[tuple[BatchLine, PreparedCredential]] = []
        lines = read_lines(self.source)
        while True:
            try:  # a bad line: the lines before it are issued, it and none after
                line = next(lines, None)
                if line is not None and self.journal.check(line, self.source):
                    self.read, self.skipped = self.read + 1, self.skipped + 1
                    yield 1
                    continue
                prepared = self._prepared(line) if line is not None else None
            except OreTrustError:
                self._flush(pending)
                raise
            if line is None or prepared is None:
                break
            self.read += 1
            pending.append((line, prepared))
            if len(pending) >= self.batch_size:
                yield self._flush(pending)
        yield self._flush(pending)

    def _prepared(self, line: BatchLine) -> PreparedCredential:
        """``line`` checked as issuance checks it; its errors name its number."""
        try:
            return self.issuing.prepare(self._request(line))
        except OreTrustError as exc:
            exc.detail = f"{self.source.name} line {line.number}: {exc.detail}"
            raise

    def _flush(self, pending: list[tuple[BatchLine, PreparedCredential]]) -> int:
        if not pending:
            return 0
        lines = [line for line, _ in pending]
        self.issuing.issue(
            [prepared for _, prepared in pending],
            before_commit=lambda issued: self.journal.append(
                lines, issued, self.issuing.issuer.did
            ),
        )
        self.issued += len(pending)
        pending.clear()
        return len(lines)

    def _request(self, line: BatchLine) -> BatchRequest:
        type_name = line.options.get("type", self.type_name)
        if not type_name:
            raise InputError("no type: give --type or a type field", code=Code.INVALID_INPUT)
        holder = line.options.get("holder")
        return BatchRequest(
            type_name,
            line.subject,
            self._holder_did(holder) if holder else None,
            parse_time(line.options.get("validUntil"), "validUntil"),
        )

    def _holder_did(self, holder: str) -> str:
        """A holder's DID as given, or that of a holder of this home named by it."""
        if holder.startswith("did:"):
            return holder
        if holder not in self._holders:
            self._holders[holder] = identities.find_holder(self.home, holder).did
        return self._holders[holder]
