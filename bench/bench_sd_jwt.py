"""Benchmark SD-JWT VC issue / present / verify beside PyPI's ``sd-jwt`` reference implementation.

Run: ``.venv/bin/python bench/bench_sd_jwt.py [--count N] [--rounds N]`` (``sd-jwt`` comes
with ``pip install -e '.[bench]'``, or ``.[test]``).

Both sides get, in the same run, the same claims — an origin certificate subject
(``MineralOriginCertificate``'s example) with its profile's six selectively disclosable
claims (``mass``, ``moisture``, ``assay``, ``price``, ``buyer``, ``mineSite.coordinates``), the
same issuer and holder Ed25519 keys, ``typ: dc+sd-jwt``, ``cnf`` = the holder's key, no decoys:

* **issue**: oretrust's :func:`oretrust.formats.sd_jwt.issue_sd_jwt_vc` vs ``SDJWTIssuer``;
* **present**: disclose ``mass`` and ``assay`` with a KB-JWT for an audience and nonce —
  :func:`oretrust.formats.sd_jwt.present_sd_jwt` vs ``SDJWTHolder.create_presentation``;
* **verify**: issuer signature, digests, KB-JWT (audience, nonce, ``sd_hash``) —
  :func:`oretrust.formats.sd_jwt.verify_sd_jwt` (which also checks ``typ``, the algorithm,
  validity times, the SD-JWT VC claim rules and the KB-JWT's age) vs ``SDJWTVerifier``.

Each rate is the best of ``--rounds`` rounds of ``--count`` operations; the figure's baseline
is the reference implementation's rate for the same operation, so ratio > 1 means oretrust
is faster. These are the format layers alone (no database, DID or status work): a full
verification adds what ``bench_verify.py`` measures.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from figure_table import Figure, print_table
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from oretrust.credentials import EXAMPLES
from oretrust.credentials.disclosure import disclosure_profile, sd_jwt_vc_claims, vct_for
from oretrust.formats.sd_jwt import issue_sd_jwt_vc, parse_sd_jwt, present_sd_jwt, verify_sd_jwt
from oretrust.keys import LocalSigner

BENCHMARK = "bench_sd_jwt"
TYPE = "MineralOriginCertificate"
ISSUER = "did:web:mines.gouv.cd.example"
KID = f"{ISSUER}#key-1"
AUDIENCE, NONCE = "did:web:refinery.example", "n-0S6_WzA2Mj"
SHOWN = (("mass",), ("assay",))


class _Sides:
    """The shared inputs, and one issue / present / verify closure per implementation."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        issuer_key, holder_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
        self.issuer_signer = LocalSigner(issuer_key, KID)
        self.holder_signer = LocalSigner(holder_key, "holder")
        self.issuer_jwk, self.holder_jwk = JWK.from_pyca(issuer_key), JWK.from_pyca(holder_key)
        subject = copy.deepcopy(EXAMPLES[TYPE])
        self.claims = sd_jwt_vc_claims(TYPE, subject)
        self.paths = [p for p in disclosure_profile(TYPE).withholdable if _has(self.claims, p)]
        self.vct = vct_for(TYPE)

    # oretrust
    def oretrust_issue(self) -> str:
        return issue_sd_jwt_vc(
            self.claims, self.issuer_signer, issuer=ISSUER, vct=self.vct, now=self.now,
            holder_jwk=self.holder_signer.public_jwk, disclosable=self.paths,
        ).compact  # fmt: skip

    def oretrust_present(self, issued: str) -> str:
        return present_sd_jwt(
            issued, SHOWN, holder_signer=self.holder_signer, audience=AUDIENCE, nonce=NONCE,
            now=self.now,
        )  # fmt: skip

    def oretrust_verify(self, presented: str) -> dict[str, Any]:
        verified = verify_sd_jwt(
            parse_sd_jwt(presented), self.issuer_signer.public_jwk, now=self.now,
            audience=AUDIENCE, nonce=NONCE,
        )  # fmt: skip
        return verified.claims

    # the reference implementation
    def reference_issue(self) -> str:
        claims: dict[Any, Any] = {"iss": ISSUER, "vct": self.vct, "iat": int(self.now.timestamp())}
        claims.update(_marked(self.claims, self.paths))
        issuer = SDJWTIssuer(
            claims, self.issuer_jwk, holder_key=self.holder_jwk, sign_alg="ES256",
            extra_header_parameters={"typ": "dc+sd-jwt", "kid": KID},
        )  # fmt: skip
        return str(issuer.sd_jwt_issuance)

    def reference_present(self, issued: str) -> str:
        holder = SDJWTHolder(issued)
        holder.create_presentation(
            {path[0]: True for path in SHOWN}, nonce=NONCE, aud=AUDIENCE,
            holder_key=self.holder_jwk, sign_alg="ES256",
        )  # fmt: skip
        return str(holder.sd_jwt_presentation)

    def reference_verify(self, presented: str) -> dict[str, Any]:
        verifier = SDJWTVerifier(
            presented, lambda issuer, header: self.issuer_jwk, expected_aud=AUDIENCE,
            expected_nonce=NONCE,
        )  # fmt: skip
        payload: dict[str, Any] = verifier.get_verified_payload()
        return payload


def _has(claims: dict[str, Any], path: tuple[Any, ...]) -> bool:
    node: Any = claims
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return True


def _marked(claims: dict[str, Any], paths: list[tuple[Any, ...]]) -> dict[Any, Any]:
    """``claims`` with the key of each disclosable path wrapped in the reference's SDObj."""
    marked: dict[Any, Any] = {}
    for key, value in claims.items():
        below = [p[1:] for p in paths if p[0] == key and len(p) > 1]
        if below and isinstance(value, dict):
            value = _marked(value, below)
        marked[SDObj(key) if (key,) in paths else key] = value
    return marked


def _per_second(operation: Callable[[], object], count: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            operation()
        best = min(best, time.perf_counter() - start)
    return count / best


def _check_same_result(sides: _Sides) -> None:
    """Each side verifies what it made, with the same claims shown and the rest withheld."""
    ours = sides.oretrust_verify(sides.oretrust_present(sides.oretrust_issue()))
    theirs = sides.reference_verify(sides.reference_present(sides.reference_issue()))
    for claims in (ours, theirs):
        shown = {path[0] for path in SHOWN}
        hidden = {path[0] for path in sides.paths if len(path) == 1} - shown
        if not shown <= claims.keys() or hidden & claims.keys():
            raise SystemExit(f"the two sides disagree on what is disclosed: {sorted(claims)}")
    if ours["mass"] != theirs["mass"] or ours["assay"] != theirs["assay"]:
        raise SystemExit("the two sides disclosed different values")


def figures(count: int = 300, rounds: int = 3) -> list[Figure]:
    """Measure issue, present and verify on both sides (see the module docstring)."""
    sides = _Sides(datetime.now(UTC))
    _check_same_result(sides)
    ours_issued, theirs_issued = sides.oretrust_issue(), sides.reference_issue()
    ours_shown = sides.oretrust_present(ours_issued)
    theirs_shown = sides.reference_present(theirs_issued)
    pairs = {
        "issue": (sides.oretrust_issue, sides.reference_issue),
        "present (2 of 6 claims, KB-JWT)": (
            lambda: sides.oretrust_present(ours_issued),
            lambda: sides.reference_present(theirs_issued),
        ),
        "verify (signature, digests, KB-JWT)": (
            lambda: sides.oretrust_verify(ours_shown),
            lambda: sides.reference_verify(theirs_shown),
        ),
    }
    result = []
    for name, (ours, theirs) in pairs.items():
        ours_rate = _per_second(ours, count, rounds)
        theirs_rate = _per_second(theirs, count, rounds)
        result.append(
            Figure(BENCHMARK, f"SD-JWT VC {name}", ours_rate, "/s", theirs_rate, "sd-jwt /s")
        )
    return result


def main() -> int:
    """Measure and print the table (or ``--json``); return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="operations per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the best is kept)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    measured = figures(args.count, args.rounds)
    if args.json:
        print(json.dumps([f.to_dict() for f in measured], indent=2))
        return 0
    print(f"oretrust SD-JWT VC benchmark beside sd-jwt: Python {sys.version.split()[0]}")
    print_table(measured)
    print("\nratio = oretrust rate / sd-jwt rate, both measured in this run (> 1: oretrust faster)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
