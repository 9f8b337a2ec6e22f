"""Web pages for people who will never use a CLI: server-rendered, translated, offline.

The shell beside :mod:`oretrust.api`: the same app (``create_app`` calls
:func:`oretrust.web.install.install_web`), the same dependencies (home, clock, settings), the
same verification services — the pages render what the services return and decide nothing
themselves.

* :mod:`.pages` — the public verify page (``/``, ``/verify``, ``/verify/report.json``);
* :mod:`.console` — the issuer console and the registry-admin view (``/console``);
* :mod:`.describe` — a report as a readable document (shared with ``oretrust show``);
* :mod:`.issuers` — an issuer's name and accreditation as this home knows them;
* :mod:`.i18n` — translations as data (``locales/<lang>.json``), language negotiation;
* :mod:`.rendering` — Jinja2 templates (``templates/``, all extending ``base.html``);
* :mod:`.qr_image` — QR images of ``OT1:`` texts (:mod:`oretrust.formats.ot1`);
* :mod:`.security` — CSP and the other security headers;
* :mod:`.docs` — ``/docs`` with Swagger UI served from the app, not a CDN.

Static files (``static/``) are served at ``/static/web/``; no page refers to another origin.
"""
