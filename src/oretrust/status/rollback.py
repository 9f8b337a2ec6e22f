"""Is a backup behind what the home already published? The restore's rollback judgement.

A restored backup that lacks an acknowledged revocation makes a revoked credential verify
VALID again; one that lacks an issuance hands the credential's status index to another
credential, and its issuer can no longer revoke it. Nobody notices from inside the database.
Others do hold the evidence: verifiers and CDNs keep the last **published status lists**,
subscribers the **trust list** (whose ``log_head`` names the registry log's head), and the
operator the **heads** (:mod:`oretrust.store.heads`) taken of the live home and kept
outside its database. :func:`rollback_findings` compares a backup's heads with such a
*witness* and says, one line per loss, what the backup would roll back:

* a log (revocation or registry) whose witnessed head is further than the backup's, or
  whose entry at the same place has another hash (a fork);
* an issuer with more credentials witnessed than the backup has, a list with more entries
  allocated, a list the backup does not have at all, or a list at a lower version;
* a revoked index in a witnessed list that the backup does not have revoked (revocation is
  permanent, so this is a loss whenever it was published), and suspensions that differ
  from a list published *after* the backup's newest document of it.

:func:`witness_of_document` turns a published document (a status list as a vc+jwt
``BitstringStatusListCredential`` or a ``statuslist+jwt``, or a trust list) into a witness.
Its signature is **not** checked (``unverified``): a witness can only make a restore be
refused — which an operator then reviews and may override — never make one be accepted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from oretrust.codes import Code
from oretrust.errors import InputError, MalformedTokenError
from oretrust.formats.dates import parse_datetime
from oretrust.formats.jws import parse_compact
from oretrust.registry.trust_list import TRUST_LIST_TYP
from oretrust.status.bitstring import BitstringStatusList, decode_bitstring
from oretrust.status.rules import STATUS_REVOKED, STATUS_SUSPENDED, split_document_id
from oretrust.status.token_status_list import TokenStatusList, decode_status_list

__all__ = ["rollback_findings", "witness_of_document"]

_LOGS = {"revocation_log": "revocation log", "registry_log": "registry log"}
_SHOWN = 5  # indices named in a finding; the rest are counted


def rollback_findings(backup: Mapping[str, Any], witness: Mapping[str, Any]) -> list[str]:
    """What restoring ``backup`` (heads) would lose of what ``witness`` saw; [] if nothing."""
    findings = [*_log_findings(backup, witness), *_issued_findings(backup, witness)]
    lists: Mapping[str, Any] = backup.get("status_lists", {})
    for list_id, seen in sorted(witness.get("status_lists", {}).items()):
        have = lists.get(list_id)
        if have is None:
            findings.append(
                f"status list {list_id} was published but is not in the backup: the "
                f"credentials issued into it are lost"
            )
        else:
            findings.extend(_list_findings(list_id, have, seen))
    return findings


def witness_of_document(unverified_token: str) -> dict[str, Any]:
    """The witness a published status list or trust list is (see the module docstring).

    Raises MalformedTokenError for a token that is none of them or does not decode.
    """
    parsed = parse_compact(unverified_token.strip())
    typ = str(parsed.unverified_header.get("typ", "")).removeprefix("application/")
    payload = parsed.unverified_payload()
    if typ == TRUST_LIST_TYP:
        head = payload.get("log_head")
        if not isinstance(head, dict) or not isinstance(head.get("seq"), int):
            raise _not_a_witness("a trust list without a log_head")
        return {"registry_log": {"seq": head["seq"], "hash": str(head.get("hash", ""))}}
    if typ == "statuslist+jwt":
        claim = payload.get("status_list")
        if not isinstance(claim, dict) or not isinstance(payload.get("iat"), int):
            raise _not_a_witness("a statuslist+jwt without status_list or iat")
        entries = decode_status_list(claim)
        when = datetime.fromtimestamp(payload["iat"], UTC)
        return _list_witness(str(payload.get("sub", "")), entries, when, "tsl")
    subject = payload.get("credentialSubject")
    if typ == "vc+jwt" and isinstance(subject, dict) and "encodedList" in subject:
        purpose = subject.get("statusPurpose")
        if purpose not in ("revocation", "suspension"):
            raise _not_a_witness(f"a status list of purpose {purpose!r}")
        valid_from = parse_datetime(str(payload.get("validFrom", "")))
        if valid_from is None:
            raise _not_a_witness("a status list credential without validFrom")
        bits = decode_bitstring(str(subject["encodedList"]))
        return _list_witness(str(payload.get("id", "")), bits, valid_from, str(purpose))
    raise _not_a_witness(f"a token of typ {typ!r}")


def _log_findings(backup: Mapping[str, Any], witness: Mapping[str, Any]) -> Iterator[str]:
    for key, name in _LOGS.items():
        seen, have = witness.get(key), backup.get(key, {"seq": 0, "hash": ""})
        if not seen or int(seen.get("seq", 0)) <= 0:
            continue
        if have["seq"] < seen["seq"]:
            yield (
                f"the {name} was published up to entry {seen['seq']}; the backup ends at "
                f"{have['seq']}: {seen['seq'] - have['seq']} acknowledged change(s) lost"
            )
        elif have["seq"] == seen["seq"] and seen.get("hash") and seen["hash"] != have["hash"]:
            yield f"the {name} entry {seen['seq']} differs from the published one (a fork)"


def _issued_findings(backup: Mapping[str, Any], witness: Mapping[str, Any]) -> Iterator[str]:
    issued: Mapping[str, int] = backup.get("issued", {})
    for issuer, count in sorted(witness.get("issued", {}).items()):
        have = issued.get(issuer, 0)
        if have < count:
            yield (
                f"{issuer} had issued {count} credential(s); the backup has {have}: "
                f"{count - have} acknowledged issuance(s) lost"
            )


def _list_findings(list_id: str, have: Mapping[str, Any], seen: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    if seen.get("version") is not None and have["version"] < seen["version"]:
        found.append(
            f"status list {list_id} was at version {seen['version']}; the backup has version "
            f"{have['version']}: status changes lost"
        )
    if int(seen.get("allocated", 0)) > have["allocated"]:
        found.append(
            f"status list {list_id} had {seen['allocated']} entries allocated; the backup has "
            f"{have['allocated']}: issuances lost"
        )
    lost = sorted(set(seen.get("revoked") or ()) - set(have["revoked"]))
    if lost:
        found.append(
            f"status list {list_id}: {len(lost)} published revocation(s) not in the backup "
            f"(index {_indices(lost)})"
        )
    suspended = seen.get("suspended")
    if (
        suspended is not None
        and _newer(seen.get("published_at"), have.get("published_at"))
        and set(suspended) != set(have["suspended"])
    ):
        found.append(
            f"status list {list_id}: its suspensions were published after the backup's "
            f"newest document of it and differ from the backup's"
        )
    return found


def _list_witness(
    url: str, entries: BitstringStatusList | TokenStatusList, when: datetime, kind: str
) -> dict[str, Any]:
    """``{"status_lists": {list_id: {...}}}`` for one decoded published document."""
    published_id = url.rstrip("/").rpartition("/")[2]
    try:
        list_id, _kind = split_document_id(published_id)
    except InputError as exc:
        raise _not_a_witness(f"a status list at {url[:200]!r}, not an oretrust list URL") from exc
    marked = dict(_marked(entries))
    revoked = [i for i, v in marked.items() if v == STATUS_REVOKED]
    suspended = [i for i, v in marked.items() if v == STATUS_SUSPENDED]
    seen: dict[str, Any] = {"published_at": when.isoformat()}
    if kind == "tsl":
        seen |= {"revoked": revoked, "suspended": suspended}
    elif kind == "revocation":
        seen["revoked"] = sorted(marked)
    else:
        seen["suspended"] = sorted(marked)
    return {"status_lists": {list_id: seen}}


def _marked(entries: BitstringStatusList | TokenStatusList) -> Iterator[tuple[int, int]]:
    """``(index, value)`` of every non-zero entry, reading only the non-zero bytes."""
    bits = entries.bits if isinstance(entries, TokenStatusList) else entries.status_size
    per_byte = max(1, 8 // bits)
    for position, byte in enumerate(entries.to_bytes()):
        if byte:
            for index in range(position * per_byte, min((position + 1) * per_byte, len(entries))):
                value = entries.get(index)
                if value:
                    yield index, value


def _newer(seen: str | None, have: str | None) -> bool:
    if seen is None:
        return False
    if have is None:
        return True
    seen_at, have_at = parse_datetime(seen), parse_datetime(have)
    return seen_at is not None and have_at is not None and seen_at > have_at


def _indices(values: list[int]) -> str:
    shown = ", ".join(str(v) for v in values[:_SHOWN])
    return shown + (f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


def _not_a_witness(what: str) -> MalformedTokenError:
    return MalformedTokenError(
        f"{what} is not a published status list or trust list", code=Code.BACKUP_INVALID
    )
