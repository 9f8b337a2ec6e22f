"""What a vc+jwt's bytes alone decide, remembered by those bytes (internal).

Half of a verification's checks are pure functions of the signed text and of the code: the
compact serialisation and its header (``format``, ``media_type``), the VC Data Model rules
(``data_model``) and the subject schema (``schema``). A registry verifies the same
credential many times — every buyer, every border post, every re-check of a supplier — and
re-judging identical bytes each time was half of a verification's cost (issue 13's
profile). :class:`StructureMemo` keeps, per exact signing input (``header.payload`` as
received), the checks those bytes passed; the verifier replays them instead of re-running
them.

What it never remembers: the signature (checked on every call, over the remembered bytes
and the signature received now — a copied payload with another signature is verified
afresh), and every check whose answer can change — key, DID document, validity period,
status, accreditation — which always run. Only bytes whose structural checks all passed
are kept, so a failure is always judged afresh with its own detail. Each hit hands out a
fresh parse of the payload, so a caller that edits its report's claims edits nothing
remembered. The memory is bounded (forgotten all at once past ``max_items``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from oretrust.cache_stats import CountedMemory
from oretrust.codes import CheckId
from oretrust.encoding import b64url_decode
from oretrust.errors import MalformedTokenError
from oretrust.formats.jws import MAX_TOKEN_BYTES, UnverifiedJws
from oretrust.report import Check, VerificationReport
from oretrust.verifier._checks import ValidityBounds, validity_bounds

__all__ = ["MAX_STRUCTURES", "Structure", "StructureMemo"]

#: Signing inputs remembered at most (a few KB each).
MAX_STRUCTURES = 8192

#: The checks a vc+jwt's bytes alone decide.
_STRUCTURAL = (CheckId.FORMAT, CheckId.MEDIA_TYPE, CheckId.DATA_MODEL, CheckId.SCHEMA)


@dataclass(frozen=True, eq=False)
class Structure:
    """What the bytes of one signing input passed, and what later checks need of them
    (compared and hashed by identity: the kept verifier's outcomes are keyed by it)."""

    #: The protected header, read only by the verifier (never handed to a caller).
    header: dict[str, Any]
    payload_bytes: bytes
    issuer: str
    #: ``format`` and ``media_type``, recorded before the key is looked up.
    parsed: tuple[Check, ...]
    data_model: Check
    schema: Check
    #: What the schema step added: its warnings, and the parsed subject (``report.memo``).
    schema_warnings: tuple[str, ...]
    schema_memo: tuple[tuple[tuple[str, str], Any], ...]
    #: The times its validity is judged by (judged again at every verification's ``now``).
    validity: ValidityBounds | None

    def payload(self) -> dict[str, Any]:
        """A fresh parse of the payload (its rules already held: plain JSON suffices; orjson
        reads it several times faster, json what orjson refuses — an integer past 64 bits)."""
        try:
            parsed: dict[str, Any] = orjson.loads(self.payload_bytes)
        except orjson.JSONDecodeError:
            parsed = json.loads(self.payload_bytes)
        return parsed

    def replay_schema(self, report: VerificationReport) -> None:
        """Record the schema check as it passed, with what it left for later checks."""
        report.checks.append(self.schema)
        report.warnings.extend(self.schema_warnings)
        report.memo.update(self.schema_memo)


class StructureMemo:
    """Structures by signing input; thread-safe, bounded."""

    def __init__(self, *, max_items: int = MAX_STRUCTURES) -> None:
        self._items: CountedMemory[str, Structure] = CountedMemory(
            "credential_structures", max_items=max_items
        )

    def recall(self, signing_input: str) -> Structure | None:
        """The structure remembered for ``signing_input``, if any."""
        return self._items.get(signing_input)

    def recall_token(self, token: str) -> tuple[UnverifiedJws, Structure] | None:
        """``token`` as parsed, with the structure remembered for its signing input; None
        when none is (or the token is too long, or its signature part is not base64url —
        judged afresh then, so the failure is reported as for any token)."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
            return None
        token = token.strip()
        signing_input, _, signature_text = token.rpartition(".")
        structure = self.recall(signing_input)
        if structure is None:
            return None
        try:
            signature = b64url_decode(signature_text)
        except MalformedTokenError:
            return None
        unverified = UnverifiedJws(
            unverified_header=structure.header,
            unverified_payload_bytes=structure.payload_bytes,
            token=token,
            signature=signature,
        )
        return unverified, structure

    def remember_passed(
        self,
        unverified: UnverifiedJws,
        payload: dict[str, Any],
        report: VerificationReport,
        warnings_before: int,
    ) -> None:
        """Keep what the bytes of ``unverified`` (``payload``, parsed) passed — only when
        every check recorded so far passed and all the structural ones are among them;
        ``warnings_before``: how many warnings the report had before the schema step."""
        if not all(check.passed for check in report.checks) or report.issuer is None:
            return
        by_id = {check.id: check for check in report.checks}
        if not all(check_id in by_id for check_id in _STRUCTURAL):
            return
        self.remember(
            unverified.signing_input.decode("ascii"),
            Structure(
                header=unverified.unverified_header,
                payload_bytes=unverified.unverified_payload_bytes,
                issuer=report.issuer,
                parsed=(by_id[CheckId.FORMAT], by_id[CheckId.MEDIA_TYPE]),
                data_model=by_id[CheckId.DATA_MODEL],
                schema=by_id[CheckId.SCHEMA],
                schema_warnings=tuple(report.warnings[warnings_before:]),
                schema_memo=tuple(report.memo.items()),
                validity=validity_bounds(payload),
            ),
        )

    def remember(self, signing_input: str, structure: Structure) -> None:
        """Keep ``structure`` for ``signing_input``."""
        self._items.put(signing_input, structure)

    def __len__(self) -> int:
        return len(self._items)
