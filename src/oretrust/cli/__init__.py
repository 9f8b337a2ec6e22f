"""The ``oretrust`` command line: :mod:`.main` is the entry point, the other modules add
command groups (registry, status, wallet, serve). Nothing else imports this package."""

from __future__ import annotations

from oretrust.cli.main import app, main

__all__ = ["app", "main"]
