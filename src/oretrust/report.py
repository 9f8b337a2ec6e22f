"""The one verification report that the CLI, the HTTP API and the demo all render.

Every check the verifier runs is a :class:`Check` with a stable ``code``
(:mod:`oretrust.codes`). A report **fails closed**: it declares the checks its kind of input
requires (``required``), and it is ``verified`` only when every required check was recorded and
passed, no check failed, and every nested credential report is verified. A required check that
never ran is reported as an error (``CHECK_NOT_RUN``), so a path that stops early can never
read as VALID.
Its JSON shape (``verified``, ``checks``, ``errors``, ``warnings``) is part of the scripting
contract in ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from oretrust.codes import OK, CheckId, Code

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
        return {
            "id": str(self.id),
            "passed": self.passed,
            "code": str(self.code),
            "detail": self.detail,
        }


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
    #: Where each status list read by the ``status`` check came from and how old it was:
    #: ``url``, ``purpose``, ``index``, ``source`` (``home``/``https``/``revalidated``/
    #: ``cache``/``resolver``), ``iat``, ``age_seconds`` and, from a cache, ``cached_seconds``.
    status_lists: list[dict[str, Any]] = field(default_factory=list)
    #: The checks this kind of input requires (declared by the verifier before it starts).
    required: frozenset[str] = frozenset()
    #: What one check computed from this report's credential and another may reuse in the
    #: same verification (the schema check's parsed subject, by ``("subject", type)``, for
    #: the accreditation check's jurisdiction): never serialised, never compared.
    memo: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)

    def require(self, *check_ids: str) -> None:
        """Declare more required checks (e.g. the verifier's status and accreditation)."""
        self.required = self.required | frozenset(check_ids)

    def add(self, check_id: str, passed: bool, code: str = OK, detail: str = "") -> bool:
        """Record a check; return whether it passed (so callers can stop on fatal failures).

        A failed check always carries a failure code: ``OK`` or an empty code on a failure is
        recorded as ``CHECK_ERROR``."""
        if not passed and (not code or code == OK):
            code = Code.CHECK_ERROR
        self.checks.append(Check(check_id, passed, OK if passed else str(code), detail))
        return passed

    def passed(self, check_id: str, detail: str = "") -> bool:
        """Record a passed check."""
        return self.add(check_id, True, "OK", detail)

    def failed(self, check_id: str, code: str, detail: str) -> bool:
        """Record a failed check (always returns False)."""
        return self.add(check_id, False, code, detail)

    @property
    def missing(self) -> list[str]:
        """Required checks that were never recorded as passed or failed, in a stable order."""
        recorded = {check.id for check in self.checks}
        return sorted(self.required - recorded)

    @property
    def verified(self) -> bool:
        """True only when checks ran, every one passed, every required one is among them, and
        every nested report is verified (a presentation must carry credentials)."""
        return (
            bool(self.checks)
            and bool(self.required)
            and self.required.issubset([check.id for check in self.checks])  # none missing
            and all(check.passed for check in self.checks)
            and (self.kind == "credential" or bool(self.credentials))
            and all(nested.verified for nested in self.credentials)
        )

    @property
    def errors(self) -> list[Check]:
        """The failed checks, this report's own before its nested reports'. When nothing
        failed yet the report is not verified — a required check never ran, or a presentation
        carries no credential — that reason is the error (``CHECK_NOT_RUN``,
        ``NO_CREDENTIALS``), so an unverified report always names why."""
        return self._errors(self.verified)

    def _errors(self, verified: bool) -> list[Check]:
        """:attr:`errors`, given :attr:`verified` (computed once by :meth:`to_dict`)."""
        failed = [check for check in self.checks if not check.passed]
        failed += [error for nested in self.credentials for error in nested.errors]
        if failed or verified:
            return failed
        failed = [
            Check(check_id, False, Code.CHECK_NOT_RUN, "required check did not run")
            for check_id in self.missing
        ]
        if not failed and self.kind == "presentation" and not self.credentials:
            failed.append(
                Check(CheckId.CREDENTIALS, False, Code.NO_CREDENTIALS, "no credential verified")
            )
        if not failed:
            failed.append(Check(CheckId.VERIFIER, False, Code.CHECK_NOT_RUN, "no check ran"))
        return failed

    @property
    def verdict(self) -> Verdict:
        """VALID, REVOKED, SUSPENDED or INVALID (revocation wins over other failures' names)."""
        verified = self.verified
        return _verdict(verified, [] if verified else self._errors(verified))

    @property
    def code(self) -> str:
        """The first failure's code, or ``OK``."""
        errors = self.errors
        return errors[0].code if errors else "OK"

    def to_dict(self) -> dict[str, Any]:
        """The report's JSON form (the scripting contract's shape)."""
        verified = self.verified  # once: each reading walks every check and nested report
        errors = self._errors(verified)
        result: dict[str, Any] = {
            "verified": verified,
            "verdict": _verdict(verified, errors),
            "kind": self.kind,
            "checks": [check.to_dict() for check in self.checks],
            "errors": [error.to_dict() for error in errors],
            "not_run": self.missing,
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
        if self.status_lists:
            result["status_lists"] = [dict(entry) for entry in self.status_lists]
        if self.credentials:
            result["credentials"] = [nested.to_dict() for nested in self.credentials]
        return result


def _verdict(verified: bool, errors: list[Check]) -> Verdict:
    """VALID, else the first status code among ``errors`` (REVOKED, SUSPENDED), else INVALID."""
    if verified:
        return "VALID"
    for error in errors:
        if error.code in _STATUS_VERDICTS:
            return _STATUS_VERDICTS[error.code]
    return "INVALID"


@dataclass(frozen=True)
class CredentialCheck:
    """An extra check over a signature-verified credential (status, accreditation…).

    ``run`` records the check ``id`` on the report; ``now`` is the verifier's clock. When
    ``required`` the verifier declares ``id`` before running it, so a ``run`` that records
    nothing (or raises) leaves the credential INVALID rather than silently unchecked.

    ``fixed`` promises that, for the same credential bytes, ``run`` records the same checks
    and warnings for as long as the verifier holding it lives — it reads no clock and no
    source whose answers can change (the kept verifier's accreditation check, over registry
    answers it remembers for its life). The kept verifier then replays what it recorded.
    """

    id: str
    run: Callable[[dict[str, Any], VerificationReport, datetime], None]
    required: bool = True
    fixed: bool = False

    def __call__(
        self, credential: dict[str, Any], report: VerificationReport, now: datetime
    ) -> None:
        """Run the check (the verifier guards it against exceptions)."""
        self.run(credential, report, now)
