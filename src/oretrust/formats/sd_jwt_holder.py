"""SD-JWT presentation by the holder (internal; RFC 9901 §4.3, §7.2).

The holder picks claims by claim path. A path discloses the claim it names, every disclosure
on the way to it (parents of a nested claim) and, unless ``nested=False``, every disclosure
inside it. A Key Binding JWT (``typ: kb+jwt``) over the verifier's ``aud`` and ``nonce`` and
the ``sd_hash`` of the presentation proves possession of the ``cnf`` key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from oretrust.codes import Code
from oretrust.encoding import b64url_encode
from oretrust.errors import InputError
from oretrust.formats.jws import JwsSigner
from oretrust.formats.sd_jwt_core import (
    DEFAULT_LIMITS,
    KB_JWT_TYP,
    ClaimPath,
    SdJwtLimits,
    b64_digest,
    check_claim_path,
    parse_sd_jwt,
)
from oretrust.formats.sd_jwt_processing import process_payload

__all__ = ["present_sd_jwt", "sign_kb_jwt"]


def present_sd_jwt(
    sd_jwt: str,
    disclose: Iterable[Sequence[str | int | None]],
    *,
    nested: bool = True,
    holder_signer: JwsSigner | None = None,
    audience: str | None = None,
    nonce: str | None = None,
    now: datetime | None = None,
    limits: SdJwtLimits = DEFAULT_LIMITS,
) -> str:
    """Build a presentation of the issued ``sd_jwt`` disclosing the claims at ``disclose``.

    With ``holder_signer`` a KB-JWT bound to ``audience``, ``nonce`` and ``now`` is appended;
    without, the presentation ends in ``~``. The holder should have checked the credential
    with :func:`~oretrust.formats.sd_jwt.verify_sd_jwt` when it was issued: this function
    checks structure only. Raises InputError ``CLAIM_PATH_NOT_FOUND``/``CLAIM_PATH_INVALID``,
    ``KB_JWT_EXPECTATIONS_MISSING`` (signer without audience, nonce or now),
    ``KEY_BINDING_UNAVAILABLE`` (no ``cnf`` to bind to), ``ALREADY_PRESENTED`` (input carries
    a KB-JWT); MalformedTokenError/InvalidCredentialError when ``sd_jwt`` does not parse.
    """
    unverified = parse_sd_jwt(sd_jwt, limits=limits)
    if unverified.kb_jwt is not None:
        raise InputError(
            "the SD-JWT already carries a key binding JWT", code=Code.ALREADY_PRESENTED
        )
    processed = process_payload(
        unverified.unverified_payload, unverified.disclosures, max_depth=limits.max_depth
    )
    wanted = [check_claim_path(path) for path in disclose]
    for path in wanted:
        if not _exists(processed.claims, path):
            raise InputError(f"no claim at path {list(path)!r}", code=Code.CLAIM_PATH_NOT_FOUND)
    chosen = {
        item.disclosure.digest
        for item in processed.disclosed
        if any(_covers(path, item.path, nested) for path in wanted)
    }
    presentation = (
        unverified.jws.token
        + "~"
        + "".join(d.encoded + "~" for d in unverified.disclosures if d.digest in chosen)
    )
    if holder_signer is None:
        return presentation
    if audience is None or nonce is None or now is None:
        raise InputError(
            "a key binding JWT needs audience, nonce and now", code=Code.KB_JWT_EXPECTATIONS_MISSING
        )
    if "cnf" not in processed.claims:
        raise InputError(
            "the credential has no 'cnf' key to bind to", code=Code.KEY_BINDING_UNAVAILABLE
        )
    if now.tzinfo is None:
        raise InputError("now must be timezone-aware", code=Code.NAIVE_DATETIME)
    claims = {
        "iat": int(now.timestamp()),
        "aud": audience,
        "nonce": nonce,
        "sd_hash": b64_digest(presentation),
    }
    return presentation + sign_kb_jwt(claims, holder_signer)


def sign_kb_jwt(claims: dict[str, Any], signer: JwsSigner) -> str:
    """Sign a KB-JWT: header ``typ: kb+jwt`` and the signer's ``alg``, no ``kid`` (the
    verifier takes the key from ``cnf``)."""
    header = {"alg": signer.algorithm, "typ": KB_JWT_TYP}
    signing_input = _b64_json(header) + "." + _b64_json(claims)
    return signing_input + "." + b64url_encode(signer.sign(signing_input.encode("ascii")))


def _b64_json(value: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _covers(wanted: ClaimPath, disclosed_at: ClaimPath, nested: bool) -> bool:
    """Whether a disclosure at ``disclosed_at`` is needed to show the claim at ``wanted``."""
    if len(disclosed_at) <= len(wanted):  # the claim itself or one of its parents
        return _prefix(wanted, disclosed_at)
    return nested and _prefix(wanted, disclosed_at[: len(wanted)])


def _prefix(pattern: ClaimPath, concrete: ClaimPath) -> bool:
    return all(
        isinstance(step, int) if want is None else type(want) is type(step) and want == step
        for want, step in zip(pattern, concrete, strict=False)
    )


def _exists(node: Any, path: ClaimPath) -> bool:
    if not path:
        return True
    head, tail = path[0], path[1:]
    if isinstance(node, dict) and isinstance(head, str):
        return head in node and _exists(node[head], tail)
    if isinstance(node, list) and head is None:
        return bool(node) and any(_exists(element, tail) for element in node)
    if isinstance(node, list) and isinstance(head, int):
        return head < len(node) and _exists(node[head], tail)
    return False
