"""docs/threat-model.md cannot rot: every test it cites exists, and every attacker has a section."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "threat-model.md"
#: ``tests/<file>.py::<test>`` or ``tests/<file>.py::<Class>::<test>``.
REFERENCE = re.compile(r"\btests/([\w/]+\.py)::(\w+)(?:::(\w+))?")
ATTACKERS = (
    "Stolen issuer key",
    "Corrupt official",
    "Compromised registry server",
    "Malicious holder",
    "Malicious verifier",
)


def _defined(path: Path) -> set[str]:
    """Every function, ``Class`` and ``Class::method`` name defined in ``path``."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return names


def test_every_cited_test_exists() -> None:
    references = set(REFERENCE.findall(DOC.read_text(encoding="utf-8")))
    assert len(references) >= 50, "the threat model cites (almost) no tests"
    missing = []
    for file, name, method in sorted(references):
        path = ROOT / "tests" / file
        wanted = f"{name}::{method}" if method else name
        if not path.is_file() or wanted not in _defined(path):
            missing.append(f"tests/{file}::{wanted}")
    assert not missing, f"docs/threat-model.md cites tests that do not exist: {missing}"


def test_each_attacker_has_a_section_with_its_residual_risk() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    for number, attacker in enumerate(ATTACKERS, start=1):
        found = [s for s in sections if s.startswith(f"{number}. {attacker}")]
        assert found, f"no section '## {number}. {attacker}'"
        for part in ("### What they can do", "### What they cannot do", "### How it is detected"):
            assert part in found[0], f"section {number} lacks '{part}'"
        assert "### Not defended / residual risk" in found[0], f"section {number}: no gaps"
    assert "## Not defended / residual risk: the full list" in text
