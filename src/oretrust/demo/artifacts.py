"""What ``oretrust demo`` leaves behind: files and ``summary.json`` per the scripting contract
in ARCHITECTURE.md, written as the story goes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.formats.jws import parse_compact
from oretrust.report import Verdict

__all__ = ["FOLDERS", "Artifacts", "Echo", "prepare", "write_json"]

Echo = Callable[[str], None]
FOLDERS = ("did", "credentials", "presentations", "reports", "status", "nodes")


class Judged(Protocol):
    """What a step's report must offer: a verifier's report or a custody chain's."""

    @property
    def verified(self) -> bool: ...

    @property
    def verdict(self) -> str: ...

    @property
    def code(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


class Artifacts:
    """The demo folder and the ``summary.json`` being written into it."""

    def __init__(self, out_dir: Path, say: Echo) -> None:
        self.out = out_dir
        self.say = say
        self.summary: dict[str, Any] = {"credentials": [], "presentations": [], "steps": []}

    def write(self, relative: str, value: Any) -> None:
        """``value`` as indented JSON at ``DIR/relative``."""
        write_json(self.out / relative, value)

    def credential(
        self,
        name: str,
        token: str,
        *,
        credential_id: str,
        issuer: str,
        format: str,
        type_name: str,
        holder: str,
        after: Verdict,
    ) -> None:
        """Write ``credentials/<name>.jwt|.sd-jwt`` and its summary entry: expected VALID
        before the revocation step and ``after`` after it (a forgery: INVALID throughout)."""
        suffix = "sd-jwt" if format == "dc+sd-jwt" else "jwt"
        file = f"credentials/{name}.{suffix}"
        (self.out / file).write_text(token + "\n", encoding="utf-8")
        payload = _payload_of(token.split("~")[0])
        status = payload.get("credentialStatus") or payload.get("status")
        self.summary["credentials"].append(
            {
                "name": name,
                "file": file,
                "format": format,
                "type": type_name,
                "id": credential_id,
                "issuer": issuer,
                "holder": holder,
                "status": status,
                "expected": {
                    "before": "INVALID" if after == "INVALID" else "VALID",
                    "after": after,
                },
            }
        )

    def presentation(self, name: str, record: dict[str, str], after: Verdict) -> None:
        """Write ``presentations/<name>.json`` and its summary entry."""
        self.write(f"presentations/{name}.json", record)
        self.summary["presentations"].append(
            {
                "name": name,
                "file": f"presentations/{name}.json",
                "format": record["format"],
                "expected": {"before": "VALID", "after": after},
            }
        )

    def step(self, name: str, report: Judged, expected_code: str, story: str) -> None:
        """Write ``reports/<name>.json``; raise ``DEMO_FAILED`` unless the report's code is
        ``expected_code`` (the demo proves its story, it does not just print it)."""
        self.write(f"reports/{name}.json", report.to_dict())
        self.summary["steps"].append(
            {"name": name, "report": f"reports/{name}.json", "expected_code": expected_code}
        )
        if report.code != expected_code:
            raise InputError(
                f"demo step {name} gave {report.code}, expected {expected_code}",
                code=Code.DEMO_FAILED,
            )
        colour = "green" if report.verified else "red"
        self.say(f"   {story}: [bold {colour}]{report.verdict}[/] ({report.code})")


def prepare(out_dir: Path) -> None:
    """Start from an empty folder; only a previous demo's output is ever deleted."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / "summary.json").is_file() or not (out_dir / "oretrust.db").is_file():
            raise InputError(
                f"{out_dir} is not empty and not a previous demo: choose another --out",
                code=Code.OUTPUT_NOT_EMPTY,
            )
        shutil.rmtree(out_dir)
    for sub in FOLDERS:
        (out_dir / sub).mkdir(parents=True, exist_ok=True)


def write_json(path: Path, value: Any) -> None:
    """``value`` as indented UTF-8 JSON with a final newline."""
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _payload_of(token: str) -> dict[str, Any]:
    """The payload of a token this demo made itself (shown, not trusted)."""
    return parse_compact(token).unverified_payload()
