"""For tests of the *verifier*: make the credentials the issuance service now refuses.

In a home that runs its own trust registry, ``issue_credential`` refuses what that registry
does not accredit (``ISSUER_NOT_ACCREDITED_TO_ISSUE``, see ``test_issuance_accreditation``).
Verifier tests still need such credentials — signed by a look-alike issuer, for the wrong
jurisdiction, back-dated into a suspension — as a forger holding the key or a home outside
the registry would make them, and the verifier must reject them. :func:`issue_past_the_registry`
lets one test's issuances skip that one check, nothing else.
"""

from __future__ import annotations

import pytest

from oretrust.issuer import _record


def issue_past_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """For the rest of the test, issuance no longer asks the home's registry (see module)."""
    monkeypatch.setattr(_record, "_require_accredited", lambda _home, _issuance: None)
