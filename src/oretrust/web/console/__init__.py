"""The issuer console and the registry-admin view: server-rendered pages behind a login
with an API token (``oretrust token create``), beside the public verify page.

The pages decide nothing themselves: they call the service functions the HTTP API's routes
call (:func:`oretrust.api.services.issue_as`, :func:`~oretrust.api.services.change_own_status`,
:func:`oretrust.issuer.list_issued`, :func:`oretrust.status.log.list_log`, and
:mod:`oretrust.registry`'s ``accredit`` / ``suspend`` / ``withdraw`` / ``reinstate`` /
``list_accreditations`` / ``history``), under the same roles.

* :mod:`.session` — login with a token, the session cookie, the role guards;
* :mod:`.csrf` — the per-session CSRF token every console POST must carry;
* :mod:`.common` — rendering (no-store, links in the reader's language), paging, refusals;
* :mod:`.forms` — a credential type's JSON Schema as form fields, the fields back as a
  subject, validation errors on the fields they are about;
* :mod:`.login_pages` — ``/console/login``, ``/console/logout``, ``/console``;
* :mod:`.issuer_pages` — the issued list, the revocation log, the key page;
* :mod:`.issue_pages` — the issue form;
* :mod:`.status_pages` — revoke / suspend / reinstate with a confirmation step;
* :mod:`.reach` — how many credentials a compromise of the issuer's active key would touch;
* :mod:`.registry_pages` — ``/console/registry``: accreditations with their history, accredit;
* :mod:`.accreditation_pages` — suspend / withdraw / reinstate with a confirmation step.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from oretrust.web.console.common import ConsoleInterrupt

__all__ = ["install_console"]


def install_console(app: FastAPI) -> None:
    """Add the console's pages to ``app`` and answer :class:`ConsoleInterrupt` (a redirect to
    the login page, a 403 page) with the response it carries."""
    from oretrust.web.console import (
        accreditation_pages,
        issue_pages,
        issuer_pages,
        login_pages,
        registry_pages,
        status_pages,
    )

    async def interrupted(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ConsoleInterrupt)
        return exc.response

    app.add_exception_handler(ConsoleInterrupt, interrupted)
    for module in (
        login_pages,
        issuer_pages,
        issue_pages,
        status_pages,
        registry_pages,
        accreditation_pages,
    ):
        app.include_router(module.router)
