"""Benchmark an offline verification bundle for 50 issuers and 1,000,000 issued credentials,
1% of them revoked: its size (does it fit on a phone?) and how long a verifier takes to load it.

Run: ``.venv/bin/python bench/bench_bundle.py [--issuers N] [--credentials N] [--revoked F]
[--seed N] [--repeat N]``.

A throwaway home runs a registry that accredits ``--issuers`` issuers; each issuer's share of
the credentials gets status lists of the home's list size (131,072 entries), built directly
with the status codecs (no million issuances) and signed by that issuer as the revocation side
does: a revocation and a suspension Bitstring Status List credential and a Token Status List
per list. The real exporter (``oretrust.bundle.export_bundle``) signs the bundle, taking the
lists through its fetcher seam.

Reported: the bundle's size (bytes, MiB, and gzip -9 for transfer), then times, each beside a
baseline measured in the same run (machines are noisy; ratios travel better): loading the
bundle (signature, trust list) against one Ed25519 verify of a short message, and loading it
plus verifying and decoding every status list (what the first verifications pay) against that
many Ed25519 verifies plus bare ``zlib.decompress`` calls of the same lists. Medians of
``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from figure_table import Figure

from oretrust.bundle import (
    BundleDidResolver,
    BundlePins,
    BundleStatusLists,
    export_bundle,
    load_bundle,
)
from oretrust.encoding import b64url_decode
from oretrust.formats.jws import sign_compact
from oretrust.formats.vc_jwt import sign_credential
from oretrust.home import Home
from oretrust.identities import add_issuer, signer_for
from oretrust.registry import accredit
from oretrust.registry.service import init_registry
from oretrust.status.bitstring import BitstringStatusList
from oretrust.status.list_tokens import verify_bitstring_status_list, verify_status_list_token
from oretrust.status.publication import (
    build_bitstring_status_list_credential,
    build_status_list_token_claims,
)
from oretrust.status.resolver import InMemoryStatusListResolver
from oretrust.status.rules import LIST_SIZE
from oretrust.status.token_status_list import TokenStatusList

REGISTRY = "did:web:registry.bench.example"
PHONE_BUDGET_MB = 5.0  # "comfortably on a phone": a photo's size, on any phone and link


def _median(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _lists_for(
    home: Home, issuer: str, count: int, revoked_fraction: float, rng: random.Random, now: datetime
) -> dict[str, str]:
    """The signed status documents of ``count`` credentials of ``issuer``, some revoked."""
    signer = signer_for(home, issuer)
    host = issuer.removeprefix("did:web:")
    documents: dict[str, str] = {}
    for number in range((count + LIST_SIZE - 1) // LIST_SIZE):
        in_list = min(LIST_SIZE, count - number * LIST_SIZE)
        allocated = rng.sample(range(LIST_SIZE), in_list)  # random indices, as issuance does
        revoked = allocated[: round(in_list * revoked_fraction)]
        bits, values = BitstringStatusList(LIST_SIZE), TokenStatusList(LIST_SIZE, bits=2)
        for index in revoked:
            bits.set(index)
            values.set(index, 1)
        base = f"https://{host}/status/list-{number}"
        for purpose, status_list in (("revocation", bits), ("suspension", None)):
            url = f"{base}-{purpose}"
            document = build_bitstring_status_list_credential(
                issuer=issuer,
                url=url,
                purpose=purpose,  # type: ignore[arg-type]
                status_list=status_list or BitstringStatusList(LIST_SIZE),
                now=now,
            )
            documents[url] = sign_credential(document, signer, now=now)
        claims = build_status_list_token_claims(
            issuer=issuer, url=f"{base}-tsl", status_list=values, now=now
        )
        body = json.dumps(claims, separators=(",", ":")).encode()
        documents[f"{base}-tsl"] = sign_compact({"typ": "statuslist+jwt"}, body, signer)
    return documents


def _build(args: argparse.Namespace, folder: Path, now: datetime) -> tuple[str, str, float]:
    """The bundle, the registry key's thumbprint and the export time."""
    rng = random.Random(args.seed)
    home = Home.open(folder)
    init_registry(home, did=REGISTRY, display_name="Bench registry", now=now, default_flags=False)
    per_issuer = args.credentials // args.issuers
    lists: dict[str, str] = {}
    for number in range(args.issuers):
        issuer = f"did:web:issuer-{number}.bench.example"
        add_issuer(home, f"issuer-{number}", display_name=f"Issuer {number}", did=issuer, now=now)
        accredit(home, issuer, "MineralOriginCertificate", "CD", now=now)
        lists.update(_lists_for(home, issuer, per_issuer, args.revoked, rng, now))
    start = time.perf_counter()
    exported = export_bundle(
        home, now=now, status_urls=tuple(lists), fetcher=InMemoryStatusListResolver(lists)
    )
    took = time.perf_counter() - start
    assert not exported.missing, exported.missing
    home.engine.dispose()
    return exported.token, exported.key_thumbprint, took


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuers", type=int, default=50)
    parser.add_argument("--credentials", type=int, default=1_000_000)
    parser.add_argument("--revoked", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=20_260_101)
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args(argv)


def figures(
    issuers: int = 50, credentials: int = 1_000_000, revoked: float = 0.01, repeat: int = 5
) -> list[Figure]:
    """The figures for ``bench/run_all.py``: the bundle's size beside the phone budget, and
    the load times beside their baselines (lower is better)."""
    args = _arguments([f"--issuers={issuers}", f"--credentials={credentials}",
                       f"--revoked={revoked}", f"--repeat={repeat}"])  # fmt: skip
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="oretrust-bench-bundle-") as folder:
        token, registry_key, _ = _build(args, Path(folder), now)
    pins = BundlePins({REGISTRY: frozenset({registry_key})})
    bundle = load_bundle(token, pins=pins, now=now)
    name = f"bundle, {issuers} issuers, {credentials:,} credentials"
    result = [
        Figure("bench_bundle", f"{name}: size", len(token.encode()) / 2**20, "MiB",
               PHONE_BUDGET_MB, "MiB phone budget", target=1.0, lower_is_better=True),
    ]  # fmt: skip
    for label, value, baseline, what in _time_rows(token, pins, bundle.status_lists, now, repeat):
        result.append(Figure("bench_bundle", label, value * 1e3, "ms", baseline * 1e3,
                             f"ms {what}", lower_is_better=True))  # fmt: skip
    return result


def main() -> int:
    """Build the bundle, measure, print; return a process exit code."""
    args = _arguments()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="oretrust-bench-bundle-") as folder:
        token, registry_key, export_seconds = _build(args, Path(folder), now)
    pins = BundlePins({REGISTRY: frozenset({registry_key})})
    bundle = load_bundle(token, pins=pins, now=now)
    size = len(token.encode())
    packed = len(gzip.compress(token.encode(), compresslevel=9))
    print(f"oretrust offline bundle benchmark: Python {sys.version.split()[0]}")
    print(
        f"{args.issuers} issuers, {args.credentials:,} credentials, {args.revoked:.0%} revoked "
        f"(seed {args.seed}); {len(bundle.status_lists)} status list documents, "
        f"{len(bundle.did_documents)} DID documents, {len(bundle.schemas)} schemas"
    )
    print(f"exported in {export_seconds:.2f} s; times are medians of {args.repeat} runs\n")
    verdict = "fits comfortably" if size / 2**20 <= PHONE_BUDGET_MB else "does NOT fit"
    print("Size")
    print(f"  bundle file            {size:>12,} bytes  {size / 2**20:>7.2f} MiB")
    print(f"  gzip -9 (to transfer)  {packed:>12,} bytes  {packed / 2**20:>7.2f} MiB")
    print(f"  -> {verdict} in a {PHONE_BUDGET_MB:.0f} MiB phone budget\n")
    rows = _time_rows(token, pins, bundle.status_lists, now, args.repeat)
    print("Time (ratio = measured / baseline from this run)")
    print(f"  {'operation':<40}{'time':>11}{'baseline':>11}{'ratio':>9}  baseline is")
    for name, value, baseline, what in rows:
        print(f"  {name:<40}{_fmt(value):>11}{_fmt(baseline):>11}{value / baseline:>8.1f}x  {what}")
    return 0


def _time_rows(
    token: str, pins: BundlePins, lists: dict[str, str], now: datetime, repeat: int
) -> list[tuple[str, float, float, str]]:
    key = Ed25519PrivateKey.generate()
    message = b"x" * 64
    signature = key.sign(message)
    public = key.public_key()
    one_verify = _median(lambda: public.verify(signature, message), max(repeat, 50))
    compressed = [_compressed(text) for text in lists.values()]

    def load() -> object:
        return load_bundle(token, pins=pins, now=now)

    def load_and_read_every_list() -> None:
        bundle = load_bundle(token, pins=pins, now=now)
        source, dids = BundleStatusLists(bundle), BundleDidResolver(bundle)
        for url, text in bundle.status_lists.items():
            tsl = '"statuslist+jwt"' in str(b64url_decode(text.split(".")[0]))
            verify = verify_status_list_token if tsl else verify_bitstring_status_list
            check = partial(verify, url=url, did_resolver=dids, now=now)
            source.obtain(url, "token" if tsl else "bitstring", now, check, timedelta(seconds=60))

    def baseline_lists() -> None:
        for data, wbits in compressed:
            public.verify(signature, message)
            zlib.decompress(data, wbits=wbits)

    rows = [
        (
            "load bundle (signature, trust list)",
            _median(load, repeat),
            one_verify,
            "1 Ed25519 verify",
        ),
        (
            f"load + verify/decode all {len(lists)} lists",
            _median(load_and_read_every_list, repeat),
            _median(baseline_lists, repeat),
            f"{len(lists)} x (Ed25519 verify + zlib.decompress)",
        ),
    ]
    return rows


def _compressed(token: str) -> tuple[bytes, int]:
    """The compressed list inside a status document, and the zlib ``wbits`` that reads it."""
    payload = json.loads(b64url_decode(token.split(".")[1]))
    if "status_list" in payload:
        return b64url_decode(payload["status_list"]["lst"]), 15
    return b64url_decode(payload["credentialSubject"]["encodedList"][1:]), 31


def _fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e9:.1f} ns"


if __name__ == "__main__":
    raise SystemExit(main())
