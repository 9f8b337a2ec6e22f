"""Floors for ``bench_http.py``, served with uvicorn as ``oretrust serve`` runs it and driven
by the same load process, so the verify route's figure can be read against them:

* ``app`` — the framework's floor: FastAPI parsing the same request body as
  ``POST /credentials/verify`` (oretrust's own request model) and answering a fixed JSON —
  no verification, no middleware, nothing of oretrust's service;
* ``ceiling`` — the signature's ceiling: a bare ASGI app (no framework) that reads the body,
  takes the token and checks its Ed25519 signature with the issuer's key
  (``BENCH_PUBLIC_JWK``), nothing else — the most requests/s any Python service on uvicorn
  could answer here while verifying one signature per request.
"""

from __future__ import annotations

import json
import os
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from oretrust.api.schemas import VerifyCredentialRequest
from oretrust.encoding import b64url_decode
from oretrust.jwk import public_key_from_jwk

app = FastAPI()


@app.post("/credentials/verify")
async def verify(body: VerifyCredentialRequest) -> JSONResponse:
    """Parse the body; answer a fixed object."""
    return JSONResponse({"verified": True, "kind": "credential"})


_KEY: Any = None
_ANSWER = b'{"verified":true,"kind":"credential"}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(_ANSWER))]


async def ceiling(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Read the body, verify the token's signature, answer a fixed JSON (see the module)."""
    global _KEY
    if scope["type"] != "http":
        return
    if _KEY is None:
        _KEY = public_key_from_jwk(json.loads(os.environ["BENCH_PUBLIC_JWK"]))
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    signing_input, _, signature = orjson.loads(body)["verifiableCredential"].rpartition(".")
    _KEY.verify(b64url_decode(signature), signing_input.encode())
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _ANSWER})
