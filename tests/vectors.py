"""Loaders for the standards vectors in ``tests/vectors`` (one loader per format)."""

from __future__ import annotations

import json
from typing import Any

from conftest import VECTORS

__all__ = ["VECTORS", "load_json", "load_text"]


def load_json(relative: str) -> Any:
    """Parse a JSON vector file given its path relative to the vectors folder."""
    return json.loads((VECTORS / relative).read_text(encoding="utf-8"))


def load_text(relative: str) -> str:
    """A text vector (a compact token) without surrounding whitespace."""
    return (VECTORS / relative).read_text(encoding="utf-8").strip()
