"""oretrust: a verifiable-credential trust registry for critical-mineral supply chains.

The safe surface, one name per job (loaded on first use, so ``import oretrust`` stays light)::

    Home                      a home: folder, database, key store (``Home.open(path)``)
    issue_credential          issue a vc+jwt (``issue_sd_jwt_credential``: an SD-JWT VC)
    present, present_sd_jwt   a holder's presentation for one verifier's challenge
    Verifier, verifier_for    the fail-closed verifier; the one built for a home
    verify_token              verify whatever a user hands in (credential or presentation)
    VerificationReport        the one report every verification returns
    OreTrustError, InvalidCredentialError, InputError   the errors a caller catches
    Code, CheckId             the table of failure codes and check ids

Anything else is reached through its package (``oretrust.registry``, ``oretrust.status``…);
``oretrust.formats`` holds the sharp tools (raw JWS, SD-JWT) behind these recipes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_SURFACE = {
    "Home": "oretrust.home",
    "issue_credential": "oretrust.issuer",
    "issue_sd_jwt_credential": "oretrust.issuer",
    "present": "oretrust.holder",
    "present_sd_jwt": "oretrust.holder",
    "Verifier": "oretrust.verifier",
    "verifier_for": "oretrust.verifier",
    "verify_token": "oretrust.verifier",
    "VerificationReport": "oretrust.report",
    "OreTrustError": "oretrust.errors",
    "InvalidCredentialError": "oretrust.errors",
    "InputError": "oretrust.errors",
    "Code": "oretrust.codes",
    "CheckId": "oretrust.codes",
}

__all__ = [
    "CheckId",
    "Code",
    "Home",
    "InputError",
    "InvalidCredentialError",
    "OreTrustError",
    "VerificationReport",
    "Verifier",
    "issue_credential",
    "issue_sd_jwt_credential",
    "present",
    "present_sd_jwt",
    "verifier_for",
    "verify_token",
]

if TYPE_CHECKING:
    from oretrust.codes import CheckId, Code
    from oretrust.errors import InputError, InvalidCredentialError, OreTrustError
    from oretrust.holder import present, present_sd_jwt
    from oretrust.home import Home
    from oretrust.issuer import issue_credential, issue_sd_jwt_credential
    from oretrust.report import VerificationReport
    from oretrust.verifier import Verifier, verifier_for, verify_token


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    module = _SURFACE.get(name)
    if module is None:
        raise AttributeError(f"module 'oretrust' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
