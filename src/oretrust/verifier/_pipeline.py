"""What each kind of input must pass, and the guard that turns any exception into a failure.

The verifier fails closed by construction: before it looks at a token it declares, on the
report, every check that kind of input requires (:data:`REQUIRED`); a report is verified only
when all of them were recorded as passed (:class:`~oretrust.report.VerificationReport`). Each
step runs inside :func:`step`, so an exception — an :class:`~oretrust.errors.OreTrustError`
with its code, or anything unexpected — becomes a failed check where it happened, never a
skipped one and never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from oretrust.codes import CheckId, Code
from oretrust.errors import OreTrustError
from oretrust.report import VerificationReport

__all__ = [
    "CHALLENGE_CHECKS",
    "REPLAY_WARNING",
    "REQUIRED",
    "Challenge",
    "InputKind",
    "begin",
    "step",
]

T = TypeVar("T")


class InputKind(StrEnum):
    """The four kinds of input the verifier accepts."""

    VC_JWT = "credential vc+jwt"
    SD_JWT_VC = "credential dc+sd-jwt"
    VP_JWT = "presentation vp+jwt"
    SD_JWT_KB = "presentation SD-JWT+KB"


_SIGNED = (
    CheckId.FORMAT,
    CheckId.MEDIA_TYPE,
    CheckId.KID,
    CheckId.ISSUER_RESOLVED,
    CheckId.SIGNATURE,
    CheckId.KEY_VALIDITY,
)

#: The checks each kind requires before the verifier's own extras (status, accreditation) and,
#: for presentations, the challenge checks (``nonce``, ``audience``) unless waived by the caller.
REQUIRED: dict[InputKind, frozenset[CheckId]] = {
    InputKind.VC_JWT: frozenset(
        (*_SIGNED, CheckId.DATA_MODEL, CheckId.VALIDITY_PERIOD, CheckId.SCHEMA)
    ),
    InputKind.SD_JWT_VC: frozenset(
        (
            *_SIGNED,
            CheckId.DISCLOSURES,
            CheckId.VALIDITY_PERIOD,
            CheckId.DATA_MODEL,
            CheckId.DISCLOSURE_PROFILE,
            CheckId.SCHEMA,
        )
    ),
    InputKind.VP_JWT: frozenset(
        (*_SIGNED, CheckId.DATA_MODEL, CheckId.FRESHNESS, CheckId.HOLDER_BINDING)
    ),
    InputKind.SD_JWT_KB: frozenset((CheckId.FORMAT, CheckId.KEY_BINDING, CheckId.HOLDER_BINDING)),
}

#: What binds a presentation to this verifier's challenge.
CHALLENGE_CHECKS = frozenset((CheckId.NONCE, CheckId.AUDIENCE))

#: The warning every report carries when its caller waived the replay check.
REPLAY_WARNING = (
    "replay check skipped at the caller's request: no nonce or audience of this verifier was "
    "checked, so this presentation could be a replay"
)


@dataclass(frozen=True)
class Challenge:
    """What this verifier asked the holder to answer: its ``nonce`` and its ``audience``."""

    nonce: str
    audience: str


def begin(report: VerificationReport, kind: InputKind, *extra: str) -> VerificationReport:
    """Declare on ``report`` what ``kind`` requires, plus ``extra`` check ids; return it."""
    report.require(*REQUIRED[kind], *extra)
    return report


def step(report: VerificationReport, check_id: str, action: Callable[[], T]) -> T | None:
    """Run ``action``; on any exception record ``check_id`` as failed and return None.

    An OreTrustError keeps its code and detail; anything else (a RecursionError on hostile
    input, a bug) is ``CHECK_ERROR`` naming the exception's type, never its message, which may
    echo attacker-chosen input.
    """
    try:
        return action()
    except OreTrustError as exc:
        report.failed(check_id, exc.code, exc.detail)
    except Exception as exc:  # fail closed: a crash inside a check is a failed check
        report.failed(check_id, Code.CHECK_ERROR, f"the check raised {type(exc).__name__}")
    return None
