"""The access log never carries a secret sent in a query string.

oretrust takes bearer tokens only in the ``Authorization`` header, but clients put tokens
where they should not (``?access_token=ort_…``, a credential as ``?vc=eyJ…``), and
uvicorn's access log writes every request's path *with its query string* to a file that
operators ship to log stores and share freely. :class:`RedactQueryFilter`, installed on the
``uvicorn.access`` logger by :func:`install_access_log_filter` (``create_app`` calls it),
rewrites the logged path before any handler sees it:

* a query parameter keeps its value only when it is one of the API's own, non-secret
  parameters (:data:`KEPT_PARAMETERS`); any other value becomes ``REDACTED``;
* anything left that looks like an oretrust token (``ort_…``) or a JWT (``eyJ….…``) is
  replaced too, wherever it appears in the path or the query.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, quote

__all__ = ["KEPT_PARAMETERS", "RedactQueryFilter", "install_access_log_filter", "redact_target"]

#: Query parameters of the API whose values are identifiers or filters, never secrets.
KEPT_PARAMETERS = frozenset(
    {"credential_id", "entity_id", "limit", "since", "status", "subject", "type"}
)
#: What a redacted value reads as.
REDACTED = "REDACTED"
_SECRET = re.compile(r"ort_[A-Za-z0-9_-]+|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_.~-]*")


def redact_target(target: str) -> str:
    """``path?query`` as it may be logged: foreign parameter values and token-like strings
    replaced by :data:`REDACTED`."""
    path, mark, query = target.partition("?")
    if mark:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = "&".join(f"{quote(name, safe='')}={_kept(name, value)}" for name, value in pairs)
    return _SECRET.sub(REDACTED, path + mark + query)


def _kept(name: str, value: str) -> str:
    return quote(value, safe="") if name in KEPT_PARAMETERS else REDACTED


class RedactQueryFilter(logging.Filter):
    """Rewrites the request target of uvicorn access-log records (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record.args[2]`` (uvicorn's ``path?query``); never drops a record."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        return True


def install_access_log_filter() -> None:
    """Put the filter on ``uvicorn.access`` once (uvicorn's logging set-up keeps a logger's
    filters: it replaces handlers only)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryFilter) for f in logger.filters):
        logger.addFilter(RedactQueryFilter())
