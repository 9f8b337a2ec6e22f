"""Where a verifier remembers the newest trust list it accepted (no rollback), and keeps it.

:class:`TrustListStore` is the interface :func:`~oretrust.registry.trust_list.load_trust_list`
uses: it refuses a list older than ``highest(registry_did)`` and calls ``accept`` for a new
one. :class:`InMemoryTrustListStore` lives for one process; :class:`FileTrustListStore`
persists in a folder, so a verifier that restarts offline still refuses an older list and can
reload the newest one with ``cached_token``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from oretrust.codes import Code
from oretrust.errors import ResolutionError

__all__ = ["FileTrustListStore", "InMemoryTrustListStore", "TrustListStore"]


class TrustListStore(Protocol):
    """Remembers, per registry DID, the newest trust list a verifier accepted."""

    def highest(self, registry_did: str) -> tuple[int, str] | None:
        """``(iat, sha256 hex)`` of the newest accepted list, or None."""
        ...

    def accept(self, registry_did: str, iat: int, digest: str, token: str) -> None:
        """Record a newly accepted list."""
        ...


class InMemoryTrustListStore:
    """A :class:`TrustListStore` for one process (tests, short-lived verifiers)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, str, str]] = {}

    def highest(self, registry_did: str) -> tuple[int, str] | None:
        """The newest accepted ``(iat, digest)``."""
        seen = self._seen.get(registry_did)
        return (seen[0], seen[1]) if seen else None

    def accept(self, registry_did: str, iat: int, digest: str, token: str) -> None:
        """Remember the list."""
        self._seen[registry_did] = (iat, digest, token)

    def cached_token(self, registry_did: str) -> str | None:
        """The newest accepted list itself."""
        seen = self._seen.get(registry_did)
        return seen[2] if seen else None


class FileTrustListStore:
    """A :class:`TrustListStore` persisted in a folder: ``state.json`` plus the lists themselves.

    The newest list of each registry is kept (``<sha256 of the DID>.jwt``) so a verifier that
    restarts offline can reload it with :meth:`cached_token`.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def highest(self, registry_did: str) -> tuple[int, str] | None:
        """The newest accepted ``(iat, digest)`` from ``state.json``."""
        entry = self._state().get(registry_did)
        if not isinstance(entry, dict):
            return None
        return int(entry["iat"]), str(entry["sha256"])

    def accept(self, registry_did: str, iat: int, digest: str, token: str) -> None:
        """Persist the list and its ``iat`` atomically (write to a temporary file, rename)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(self._token_path(registry_did), token + "\n")
        state = self._state()
        state[registry_did] = {"iat": iat, "sha256": digest}
        _atomic_write(
            self.folder / "state.json", json.dumps(state, indent=2, sort_keys=True) + "\n"
        )

    def cached_token(self, registry_did: str) -> str | None:
        """The newest accepted list of ``registry_did``, or None."""
        path = self._token_path(registry_did)
        return path.read_text(encoding="utf-8").strip() if path.is_file() else None

    def _state(self) -> dict[str, Any]:
        path = self.folder / "state.json"
        if not path.is_file():
            return {}
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ResolutionError(
                f"trust list state {path} is unreadable: {exc}", code=Code.TRUST_LIST_STATE_INVALID
            ) from exc
        return value if isinstance(value, dict) else {}

    def _token_path(self, registry_did: str) -> Path:
        return self.folder / f"{hashlib.sha256(registry_did.encode()).hexdigest()[:32]}.jwt"


def _atomic_write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
