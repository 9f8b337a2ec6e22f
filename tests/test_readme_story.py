"""The README's story, party by party, runs as written.

The fenced block under "The story, party by party" is run by bash in an empty folder, with
this environment's ``oretrust`` first on the ``PATH`` and no ``ORETRUST_*`` settings. Only two
things change: port 8001 becomes a free one, and ``sleep 2`` becomes a wait for the port (a
slow machine must not make the story flaky). Then every home's key store is inspected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api_support import free_port, key_inventory

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[1] / "README.md"


def story_block() -> str:
    """The shell block of the README's party-by-party story."""
    section = README.read_text(encoding="utf-8").split("### The story, party by party", 1)[1]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def test_the_readme_story_runs_as_written(tmp_path: Path) -> None:
    port = str(free_port())
    script = story_block().replace("8001", port)
    assert "& sleep 2" in script
    script = script.replace(
        "& sleep 2", f"& until (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null; do sleep 0.2; done"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        [
            "bash",
            "-c",
            "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + script,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    first, _, after_revocation = result.stdout.partition("VALID → REVOKED")
    assert "VALID presentation" in first and "issuer_accredited: OK subscribed" in first
    assert "REVOKED" in after_revocation and "refused: exit 1" in after_revocation
    owners = {
        home: {
            owner for owner, _ in key_inventory(tmp_path / home) if not owner.startswith("file:")
        }
        for home in ("platform", "kivu", "refinery")
    }
    assert owners["platform"] == {
        "did:web:registry.minerals-trust.example",
        "did:web:mines.gouv.cd.example",
    }
    assert len(owners["kivu"]) == 1 and next(iter(owners["kivu"])).startswith("did:jwk:")
    assert owners["refinery"] == set()  # a verifier needs no key to trust a registry
