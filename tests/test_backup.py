"""``oretrust backup`` / ``restore`` / ``heads``: a backup taken while a process issues and
revokes restores with every acknowledged change in it; a backup older than what was
published — status lists a verifier kept, the trust list's log head, heads kept outside the
database, or the served home itself — is refused (``RESTORE_ROLLBACK``) until
``--accept-rollback``; files are 0600; PostgreSQL goes through ``pg_dump`` on one snapshot."""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from api_support import MINISTRY, make_cast, serve_home
from oretrust import registry
from oretrust.credentials import EXAMPLES
from oretrust.home import Home
from oretrust.issuer import issue_credential
from oretrust.status.log import verify_log
from oretrust.status.operations import credential_status, revoke
from oretrust.status.publication import status_document_ids, stored_status_list
from oretrust.verifier import verify_token


def oretrust(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m oretrust ARGS`` with the caller's environment less ``ORETRUST_*``, plus
    ``env``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    return subprocess.run(
        [sys.executable, "-m", "oretrust", *args], capture_output=True, text=True,
        env=environment | env, timeout=300, check=False,
    )  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


TOKENS: dict[str, str] = {}  # credential id → vc+jwt, of every credential these tests issue


def issue(home: Home, holder_did: str) -> str:
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    subject["exporter"]["id"] = holder_did
    issued = issue_credential(
        home, issuer="ministry", type_name="MineralOriginCertificate", subject=subject,
        holder=holder_did, now=datetime.now(UTC),
    )  # fmt: skip
    TOKENS[issued.id] = issued.token
    return issued.id


def private(path: Path) -> None:
    """Every file under ``path`` is 0600, every folder 0700."""
    for item in [path, *path.rglob("*")]:
        mode = stat.S_IMODE(item.stat().st_mode)
        assert mode == (0o700 if item.is_dir() else 0o600), (item, oct(mode))


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_backup_under_load_restores_every_acknowledged_change(tmp_path: Path) -> None:
    """One process issues and revokes without pause while ``oretrust backup`` (another
    process) copies the live SQLite home: the restored home holds every issuance and
    revocation acknowledged before the backup started, its revocation log verifies, its
    stored status lists show the revocations, a revoked credential verifies REVOKED, and a
    restore checked against heads taken just before the backup is accepted."""
    live = tmp_path / "live"
    cast = make_cast(live)
    home = cast.home
    issued: list[str] = []
    revoked: list[str] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            while not stop.is_set():
                credential = issue(home, cast.holder_did)
                issued.append(credential)  # acknowledged: issue_credential returned
                if len(issued) % 2 == 0:
                    revoke(home, issued[-2], reason="load", now=datetime.now(UTC))
                    revoked.append(issued[-2])
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(revoked) < 5 and thread.is_alive():
            time.sleep(0.05)
        heads = oretrust("heads", "--home", str(live), "--out", str(tmp_path / "heads.json"))
        assert heads.returncode == 0, heads.stderr
        acked_issued, acked_revoked = list(issued), list(revoked)
        result = oretrust("backup", "--home", str(live), "--out", str(tmp_path / "b"), "--json")
        during = len(issued) - len(acked_issued)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert result.returncode == 0, result.stderr
    assert during > 0, "the writer did not write while the backup ran"
    private(tmp_path / "b")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["engine"] == "sqlite" and manifest["keys"]

    target = tmp_path / "restored"
    restored = oretrust(
        "restore", str(tmp_path / "b"), "--home", str(target),
        "--check-against", str(tmp_path / "heads.json"),
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert stat.S_IMODE((target / "oretrust.db").stat().st_mode) == 0o600
    private(target / "keys")
    back = Home.open(target)
    for credential in acked_issued:  # present (revoked later, perhaps, before the copy)
        assert credential_status(back, credential).status in ("VALID", "REVOKED")
    for credential in acked_revoked:
        assert credential_status(back, credential).status == "REVOKED", credential
    assert verify_log(back).intact
    token = stored_status_list(back, f"{_list_of(back)}-tsl").token
    assert token and len(status_document_ids(back)) >= 3
    report = verify_token(back, TOKENS[acked_revoked[0]], nonce=None, audience=None,
                          now=datetime.now(UTC))  # fmt: skip
    assert report.verdict == "REVOKED", report.to_dict()


def _list_of(home: Home) -> str:
    return status_document_ids(home)[0].rpartition("-")[0]


@pytest.mark.slow  # several served homes or CLI processes: behind the marker .ci/run also runs
def test_an_old_backup_is_refused_until_the_rollback_is_accepted(tmp_path: Path) -> None:
    """A backup taken before 2 revocations, 3 issuances and an accreditation: restoring it
    is refused against the served home (its status lists and trust list), against the
    published documents a verifier kept, and against a heads file — each naming what is
    lost; ``--accept-rollback`` restores it, saying so."""
    live = tmp_path / "live"
    cast = make_cast(live)
    first = [issue(cast.home, cast.holder_did) for _ in range(3)]
    assert (
        oretrust("backup", "--home", str(live), "--out", str(tmp_path / "old.tar.gz")).returncode
        == 0
    )
    private_file = tmp_path / "old.tar.gz"
    assert stat.S_IMODE(private_file.stat().st_mode) == 0o600
    later = [issue(cast.home, cast.holder_did) for _ in range(3)]
    now = datetime.now(UTC)
    revoke(cast.home, first[0], reason="fraud", now=now)
    revoke(cast.home, later[0], reason="fraud", now=now)
    registry.accredit(cast.home, MINISTRY, "MiningLicenceCredential", "CD", now=now)
    assert (
        oretrust("heads", "--home", str(live), "--out", str(tmp_path / "heads.json")).returncode
        == 0
    )

    with serve_home(live) as base:
        kept = tmp_path / "verifier-cache"
        kept.mkdir()
        (kept / "trust-list.jwt").write_text(httpx.get(f"{base}/trust-list").text)
        list_id = _list_of(cast.home)
        for kind in ("revocation", "tsl"):
            response = httpx.get(f"{base}/status/{list_id}-{kind}")
            (kept / f"{list_id}-{kind}.jwt").write_text(response.text)
        (kept / "unrelated.txt").write_text("not a witness")
        against_url = oretrust(
            "restore", str(private_file), "--home", str(tmp_path / "r1"), "--check-against", base
        )
    line = one_line_error(against_url)
    assert "RESTORE_ROLLBACK" in line and "--accept-rollback" in line
    assert "2 published revocation(s) not in the backup" in line
    assert "registry log was published up to entry" in line
    assert not (tmp_path / "r1" / "oretrust.db").exists()  # nothing written on refusal

    against_files = oretrust(
        "restore", str(private_file), "--home", str(tmp_path / "r2"), "--check-against", str(kept)
    )
    assert "2 published revocation(s) not in the backup" in one_line_error(against_files)
    against_heads = oretrust(
        "restore", str(private_file), "--home", str(tmp_path / "r3"),
        "--check-against", str(tmp_path / "heads.json"),
    )  # fmt: skip
    line = one_line_error(against_heads)
    assert "3 acknowledged issuance(s) lost" in line and "revocation log" in line

    nothing = oretrust("restore", str(private_file), "--home", str(tmp_path / "r4"))
    assert "nothing to check the backup against" in one_line_error(nothing)
    over_live = oretrust("restore", str(private_file), "--home", str(live), "--accept-rollback")
    assert "RESTORE_TARGET_NOT_EMPTY" in one_line_error(over_live)

    accepted = oretrust(
        "restore", str(private_file), "--home", str(tmp_path / "r5"),
        "--check-against", str(tmp_path / "heads.json"), "--accept-rollback",
    )  # fmt: skip
    assert accepted.returncode == 0, accepted.stderr
    assert "warning: accepted rollback" in accepted.stderr
    back = Home.open(tmp_path / "r5")
    assert credential_status(back, first[0]).status == "VALID"  # the rollback, accepted


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_a_current_backup_passes_the_served_home(tmp_path: Path) -> None:
    """Nothing changed since the backup: the served home's lists and trust list agree."""
    live = tmp_path / "live"
    cast = make_cast(live)
    credential = issue(cast.home, cast.holder_did)
    revoke(cast.home, credential, reason="x", now=datetime.now(UTC))
    assert oretrust("backup", "--home", str(live), "--out", str(tmp_path / "b")).returncode == 0
    with serve_home(live) as base:
        result = oretrust(
            "restore", str(tmp_path / "b"), "--home", str(tmp_path / "r"), "--check-against", base
        )
    assert result.returncode == 0, result.stderr
    assert credential_status(Home.open(tmp_path / "r"), credential).status == "REVOKED"


@pytest.mark.postgres
@pytest.mark.slow  # several served homes or CLI processes: behind the marker .ci/run also runs
def test_postgres_backup_is_a_pg_dump_of_one_snapshot_and_old_ones_are_refused(
    tmp_path: Path, postgres_url: str
) -> None:
    """pg_dump backup (0600), more changes, the database lost; restoring the old dump is
    refused against the heads kept outside it, then accepted: it reads as the backup."""
    env = {"ORETRUST_DATABASE_URL": postgres_url}
    cast = make_cast(tmp_path / "live", database_url=postgres_url)
    kept = issue(cast.home, cast.holder_did)
    revoke(cast.home, kept, reason="x", now=datetime.now(UTC))
    result = oretrust("backup", "--home", str(tmp_path / "live"), "--out", str(tmp_path / "b"),
                      "--json", **env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    private(tmp_path / "b")
    manifest = json.loads(result.stdout)
    assert manifest["engine"] == "postgresql" and (tmp_path / "b" / "database.dump").is_file()
    lost = issue(cast.home, cast.holder_did)
    revoke(cast.home, lost, reason="x", now=datetime.now(UTC))
    heads = oretrust("heads", "--home", str(tmp_path / "live"), "--out",
                     str(tmp_path / "heads.json"), **env)  # fmt: skip
    assert heads.returncode == 0, heads.stderr
    cast.home.engine.dispose()
    schema = manifest["schema"]
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:  # the disaster: the database is lost
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()

    refused = oretrust("restore", str(tmp_path / "b"), "--home", str(tmp_path / "new"),
                       "--check-against", str(tmp_path / "heads.json"), **env)  # fmt: skip
    line = one_line_error(refused)
    assert "RESTORE_ROLLBACK" in line and "1 acknowledged issuance(s) lost" in line
    accepted = oretrust("restore", str(tmp_path / "b"), "--home", str(tmp_path / "new"),
                        "--check-against", str(tmp_path / "heads.json"), "--accept-rollback",
                        **env)  # fmt: skip
    assert accepted.returncode == 0, accepted.stderr
    back = Home.open(tmp_path / "new", database_url=postgres_url)
    assert credential_status(back, kept).status == "REVOKED"
    assert verify_log(back).intact
    back.engine.dispose()
    again = oretrust("restore", str(tmp_path / "b"), "--home", str(tmp_path / "new2"),
                     "--accept-rollback", **env)  # fmt: skip
    assert "RESTORE_TARGET_NOT_EMPTY" in one_line_error(again)


def test_postgres_backup_without_pg_dump_says_so(tmp_path: Path) -> None:
    """No pg_dump on the PATH: one line naming it, exit 2 (before touching the database)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    result = oretrust(
        "backup", "--out", str(tmp_path / "b"), "--home", str(tmp_path),
        ORETRUST_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none", PATH=str(empty),
    )  # fmt: skip
    line = one_line_error(result)
    assert "PG_TOOLS_UNAVAILABLE" in line and "pg_dump is not installed" in line
