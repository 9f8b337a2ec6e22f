"""The demo's separate nodes: each party's own home, and the real servers that publish what
the others fetch.

The institutions' platform (``DIR`` itself) and the look-alike ministry run real
``oretrust serve`` processes on loopback ports for as long as the story runs; the mine
operator, the trader and the refinery are homes of their own under ``DIR/nodes/<party>/`` that
reach those servers over HTTP only, through ``ORETRUST_DID_WEB_HOSTS`` (set for this process
while the story runs, then restored). Nothing passes between homes but files and what the
servers publish.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from oretrust.codes import Code
from oretrust.did import did_web_url, parse_did_web_hosts
from oretrust.errors import OreTrustError
from oretrust.home import Home

__all__ = ["Node", "did_web_hosts", "network", "open_home", "served"]

#: How long a server may take to answer ``/readyz`` before the demo gives up.
START_TIMEOUT_SECONDS = 60.0
_HOSTS_SETTING = "ORETRUST_DID_WEB_HOSTS"


@dataclass
class Node:
    """One party's installation: its home, the DIDs it controls, its URL while it ran."""

    name: str
    home: Home
    folder: str  #: the home folder relative to DIR ("." for the platform)
    dids: list[str] = field(default_factory=list)
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``nodes.json`` entry (scripting contract)."""
        return {"home": self.folder, "dids": self.dids, "url": self.url}


def open_home(folder: Path) -> Home:
    """A fresh home at ``folder`` on its own embedded SQLite file, whatever
    ``ORETRUST_DATABASE_URL`` says (each party of the demo has its own database)."""
    return Home.open(folder, database_url=f"sqlite:///{folder.resolve() / 'oretrust.db'}")


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``oretrust serve --home folder`` on a free loopback port; yields its base URL once
    ``/readyz`` answers, and always stops the process. Its log is ``folder/serve.log``.

    Raises OreTrustError ``DEMO_FAILED`` (with the log's tail) when it does not start.
    """
    port = _free_port()
    log = folder / "serve.log"
    command = [
        sys.executable, "-m", "oretrust", "serve", "--home", str(folder),
        "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    environment = {
        k: v for k, v in os.environ.items() if k not in ("ORETRUST_DATABASE_URL", "ORETRUST_HOME")
    }
    with log.open("ab") as output:
        # our own interpreter and fixed arguments: nothing here comes from input
        process = subprocess.Popen(  # noqa: S603
            command, env=environment, stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, base, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def did_web_hosts(mapping: Mapping[str, str]) -> Iterator[None]:
    """``ORETRUST_DID_WEB_HOSTS`` with ``mapping`` (did:web DID → base URL) added for the
    duration, so every resolver and fetcher built meanwhile reaches the demo's servers."""
    previous = os.environ.get(_HOSTS_SETTING)
    hosts = parse_did_web_hosts(previous or "")
    for did, base in mapping.items():
        hosts[did_web_url(did).split("/")[2]] = base
    os.environ[_HOSTS_SETTING] = ",".join(f"{domain}={base}" for domain, base in hosts.items())
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_HOSTS_SETTING, None)
        else:
            os.environ[_HOSTS_SETTING] = previous


@contextmanager
def network(nodes: list[Node], folders: Mapping[str, Path]) -> Iterator[None]:
    """Serve each node named in ``folders`` and map all its did:web DIDs to its server."""
    with ExitStack() as stack:
        mapping: dict[str, str] = {}
        for node in nodes:
            if node.name in folders:
                node.url = stack.enter_context(served(folders[node.name]))
                mapping.update({did: node.url for did in node.dids if did.startswith("did:web:")})
        stack.enter_context(did_web_hosts(mapping))
        yield


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(encoding="utf-8", errors="replace")[-600:].strip()
            raise OreTrustError(
                f"the demo's server for {log.parent} did not start: {tail}", code=Code.DEMO_FAILED
            )
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
