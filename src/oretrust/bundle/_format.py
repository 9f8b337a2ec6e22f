"""The bundle's constants and the shape checks both sides share (internal)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from oretrust.codes import Code
from oretrust.errors import ResolutionError

BUNDLE_TYP: Final = "oretrust-bundle+jwt"
BUNDLE_VERSION: Final = 1
#: How long a bundle is valid unless the exporter says otherwise (and never longer than the
#: earliest expiry among the signed documents it carries).
DEFAULT_VALIDITY: Final = timedelta(hours=24)
#: The largest bundle accepted: 50 issuers and a million credentials need well under 1 MiB.
MAX_BUNDLE_BYTES: Final = 32 * 1024 * 1024
#: JSON Schemas and DID documents nest deeper than tokens do.
MAX_BUNDLE_DEPTH: Final = 64


def invalid(detail: str) -> ResolutionError:
    """A ``BUNDLE_INVALID`` error (malformed, wrong version, a member of the wrong type)."""
    return ResolutionError(f"bundle: {detail}", code=Code.BUNDLE_INVALID)


def mapping_of(payload: dict[str, Any], name: str, value_type: type) -> dict[str, Any]:
    """``payload[name]`` as a mapping of strings to ``value_type``; BUNDLE_INVALID otherwise."""
    value = payload.get(name, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, value_type) for k, v in value.items()
    ):
        raise invalid(f"{name!r} must map strings to {value_type.__name__} values")
    return value


def numeric(payload: dict[str, Any], name: str) -> int:
    """An integer NumericDate member; BUNDLE_INVALID otherwise."""
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid(f"{name!r} must be an integer NumericDate")
    return value
