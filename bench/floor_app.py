"""The framework's floor for ``bench_http.py``: FastAPI parsing the same request body as
``POST /credentials/verify`` (oretrust's own request model) and answering a fixed JSON — no
verification, no middleware, nothing of oretrust's service. Served by ``bench_http.py`` with
uvicorn as ``oretrust serve`` runs it, and driven by the same load process, so the verify
route's figure can be read against what the framework alone costs on the same machine."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from oretrust.api.schemas import VerifyCredentialRequest

app = FastAPI()


@app.post("/credentials/verify")
async def verify(body: VerifyCredentialRequest) -> JSONResponse:
    """Parse the body; answer a fixed object."""
    return JSONResponse({"verified": True, "kind": "credential"})
