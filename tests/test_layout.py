"""The layout keeps its shape: roles are packages, imports point one way, no circle, codes in
one table, and a tested public surface.

The import graph is read from the source (every ``import`` and ``from … import``, in
functions too, except under ``TYPE_CHECKING``); ``from package import module`` counts as an
edge to that module, not to the package's ``__init__``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import oretrust
from oretrust.codes import CheckId, Code

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "oretrust"


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    return skipped


def _imports(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in MODULES else base)
    edges = {_owner(target) for target in targets if target.startswith("oretrust")}
    return {edge for edge in edges if edge and edge != module}


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_the_graph_was_read() -> None:
    assert len(MODULES) > 100 and "oretrust.verifier._verifier" in GRAPH
    assert "oretrust.formats.jws" in GRAPH["oretrust.verifier._verifier"]


def test_no_import_circle() -> None:
    assert _cycles() == []


def test_home_is_a_plain_context() -> None:
    """``home`` imports only the store, the key store and the blocking boundary, and nothing
    below the roles and registries imports the verifier or the composition roots."""
    assert GRAPH["oretrust.home"] <= {
        "oretrust.keys", "oretrust.store.db", "oretrust.store.models", "oretrust.blocking"
    }  # fmt: skip
    for module, targets in GRAPH.items():
        if module.startswith(("oretrust.formats", "oretrust.did", "oretrust.credentials")):
            assert not {t for t in targets if t == "oretrust.home"}, module


#: Layers from the bottom; a module may import its own layer and those below it.
LAYERS = [
    (
        "oretrust.codes",
        "oretrust.errors",
        "oretrust.report",
        "oretrust.encoding",
        "oretrust.blocking",
    ),
    ("oretrust.cache_stats",),
    ("oretrust.store",),
    ("oretrust.jwk", "oretrust.keys", "oretrust.did", "oretrust.formats", "oretrust.credentials"),
    ("oretrust.home",),
    ("oretrust.identities", "oretrust.hosted_dids"),
    ("oretrust.status", "oretrust.registry"),
    ("oretrust.policy",),
    ("oretrust.bundle",),
    ("oretrust.verifier", "oretrust.custody"),
    ("oretrust.issuer", "oretrust.holder"),
    ("oretrust.api", "oretrust.demo", "oretrust.web"),
    ("oretrust.cli", "oretrust.__main__"),
]


def _layer(module: str) -> int:
    for level, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return level
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m != "oretrust"))
def test_imports_point_down(module: str) -> None:
    upward = sorted(t for t in GRAPH[module] if t != "oretrust" and _layer(t) > _layer(module))
    assert upward == [], f"{module} imports a higher layer"


def test_roles_are_packages() -> None:
    for role in ("issuer", "holder", "verifier", "cli", "demo"):
        assert (PACKAGE / role / "__init__.py").is_file(), role
    flat = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert not [name for name in flat if name.startswith(("cli_", "issuer", "holder", "verif"))]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_private_modules_are_imported_only_in_their_package(module: str) -> None:
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for target in GRAPH[module]:
        parent, _, leaf = target.rpartition(".")
        if leaf.startswith("_") and not leaf.startswith("__"):
            assert package == parent or package.startswith(parent + "."), f"{module} → {target}"


def test_public_surface() -> None:
    assert sorted(oretrust.__all__) == oretrust.__all__
    for name in oretrust.__all__:
        assert getattr(oretrust, name) is not None, name
    assert {"Home", "Verifier", "VerificationReport", "InvalidCredentialError"} <= set(
        oretrust.__all__
    )
    with pytest.raises(AttributeError):
        _ = oretrust.no_such_thing  # type: ignore[attr-defined]


# ---------------------------------------------------------------- codes live in one table
_UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+")


def _code_literals(path: Path) -> set[str]:
    """String literals used as codes: ``code=…``, ``default_code = …``, the code argument of
    ``report.failed``/``add``, and upper-snake module constants."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "code":
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = node.args
            if node.func.attr == "failed" and len(args) >= 2 and isinstance(args[1], ast.Constant):
                found.add(str(args[1].value))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            value = node.value.value
            if "default_code" in names and isinstance(value, str):
                found.add(value)
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "codes.py")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_codes_are_named_from_the_table_not_written_as_strings(path: Path) -> None:
    """``code=Code.X``, never ``code="X"``: a typo in a string is a code no test knows."""
    assert sorted(_code_literals(path)) == [], f"{path.name}: use oretrust.codes.Code members"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_check_ids_are_named_from_the_table(path: Path) -> None:
    """Check ids are ``CheckId`` members (policy requirements add ``policy:<name>``)."""
    ids: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("failed", "passed")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            ids.add(node.args[0].value)
    written = sorted(i for i in ids if not i.startswith("policy:"))
    assert written == [], f"{path.name}: name check ids from oretrust.codes.CheckId"


def test_the_code_table_is_upper_snake_and_check_ids_lower() -> None:
    assert all(_UPPER_SNAKE.fullmatch(code) or code.isalpha() for code in Code)
    assert all(check.value == check.name.lower() for check in CheckId)
