"""The HTTP service: FastAPI routers, bearer-token auth, problem+json errors.

``create_app(settings)`` builds the app (nothing happens at import); ``oretrust serve`` runs
it with uvicorn. Modules::

    app              create_app, create_app_from_env (the uvicorn --workers factory)
    settings         ServiceSettings (ORETRUST_* variables), rate-limit parsing
    problems         the ONE exception → problem+json table
    deps             Annotated dependencies: HomeDep, NowDep, VerifierDep, IssuerDep, …
    auth, tokens     roles, principals, bearer tokens (SHA-256 hashes only)
    audit            the audit log of authenticated mutating calls
    middleware       body size limit, per-client rate limit
    publication      DID documents, JWT VC issuer metadata, the trust list, caching headers
    services         the API-only service steps (envelopes, issuer-scoped operations)
    schemas          request and response bodies
    routes_*         the routers
"""

from oretrust.api.app import create_app, create_app_from_env
from oretrust.api.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app", "create_app_from_env"]
