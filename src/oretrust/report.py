"""The one verification report that the CLI, the HTTP API and the demo all render.

Every check the verifier runs is a :class:`Check` with a stable ``code``. A report is
``verified`` only when every check passed and every nested credential report is verified.
Its JSON shape (``verified``, ``checks``, ``errors``, ``warnings``) is part of the scripting
contract in ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = ["Check", "CredentialCheck", "Verdict", "VerificationReport"]

Verdict = Literal["VALID", "INVALID", "REVOKED", "SUSPENDED"]

#: Check codes that turn an INVALID verdict into a more specific one.
_STATUS_VERDICTS: dict[str, Verdict] = {"REVOKED": "REVOKED", "SUSPENDED": "SUSPENDED"}


@dataclass(frozen=True)
class Check:
    """One named check: ``id`` says what was checked, ``code`` is ``OK`` or the failure code."""

    id: str
    passed: bool
    code: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"id": self.id, "passed": self.passed, "code": self.code, "detail": self.detail}


@dataclass
class VerificationReport:
    """What the verifier found about one credential or presentation."""

    kind: Literal["credential", "presentation"]
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    credential_id: str | None = None
    issuer: str | None = None
    holder: str | None = None
    types: list[str] = field(default_factory=list)
    claims: dict[str, Any] | None = None
    credentials: list[VerificationReport] = field(default_factory=list)
    token: str | None = field(default=None, repr=False)
    #: For a selectively disclosed credential (SD-JWT VC): what was shown and what stayed
    #: hidden (``disclosed``, ``not_disclosed``, ``undisclosed_digests``); None otherwise.
    disclosure: dict[str, Any] | None = None

    def add(self, check_id: str, passed: bool, code: str = "OK", detail: str = "") -> bool:
        """Record a check; return whether it passed (so callers can stop on fatal failures)."""
        self.checks.append(Check(check_id, passed, "OK" if passed else code, detail))
        return passed

    def passed(self, check_id: str, detail: str = "") -> bool:
        """Record a passed check."""
        return self.add(check_id, True, "OK", detail)

    def failed(self, check_id: str, code: str, detail: str) -> bool:
        """Record a failed check (always returns False)."""
        return self.add(check_id, False, code, detail)

    @property
    def verified(self) -> bool:
        """True when every check passed, nested reports included, and at least one ran."""
        return (
            bool(self.checks)
            and all(check.passed for check in self.checks)
            and all(nested.verified for nested in self.credentials)
        )

    @property
    def errors(self) -> list[Check]:
        """The failed checks, nested reports included, in order."""
        own = [check for check in self.checks if not check.passed]
        return own + [error for nested in self.credentials for error in nested.errors]

    @property
    def verdict(self) -> Verdict:
        """VALID, REVOKED, SUSPENDED or INVALID (revocation wins over other failures' names)."""
        if self.verified:
            return "VALID"
        codes = [error.code for error in self.errors]
        for code in codes:
            if code in _STATUS_VERDICTS:
                return _STATUS_VERDICTS[code]
        return "INVALID"

    @property
    def code(self) -> str:
        """The first failure's code, or ``OK``."""
        errors = self.errors
        return errors[0].code if errors else "OK"

    def to_dict(self) -> dict[str, Any]:
        """The report's JSON form (the scripting contract's shape)."""
        result: dict[str, Any] = {
            "verified": self.verified,
            "verdict": self.verdict,
            "kind": self.kind,
            "checks": [check.to_dict() for check in self.checks],
            "errors": [error.to_dict() for error in self.errors],
            "warnings": list(self.warnings)
            + [warning for nested in self.credentials for warning in nested.warnings],
        }
        for name in ("credential_id", "issuer", "holder"):
            value = getattr(self, name)
            if value is not None:
                result[name] = value
        if self.types:
            result["types"] = self.types
        if self.claims is not None:
            result["claims"] = self.claims
        if self.disclosure is not None:
            result["disclosure"] = self.disclosure
        if self.credentials:
            result["credentials"] = [nested.to_dict() for nested in self.credentials]
        return result


#: An extra check over a signature-verified credential (status, accreditation, policy…): it
#: records its own check on the report; ``now`` is the verifier's clock.
CredentialCheck = Callable[[dict[str, Any], VerificationReport, datetime], None]
