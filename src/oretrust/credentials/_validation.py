"""Validate a subject dict against its model; turn pydantic errors into SchemaValidationError.

The subject is checked as JSON (it is serialised first), so what passes here is what the
published JSON Schema accepts: no string-to-number coercion, dates as ``YYYY-MM-DD``. The
first error becomes one :class:`~oretrust.errors.SchemaValidationError` whose ``field`` is a
dotted path from the credential root, with ``[i]`` for array positions
(``credentialSubject.assay[0].massFraction``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from oretrust.errors import SchemaValidationError

__all__ = ["SUBJECT_ROOT", "field_path", "validate_model"]

SUBJECT_ROOT = "credentialSubject"

M = TypeVar("M", bound=BaseModel)

_TYPE_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not an allowed field",
    "string_type": "must be a string",
    "float_type": "must be a number",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "list_type": "must be an array",
    "tuple_type": "must be an array",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "finite_number": "must be a finite number",
}


def field_path(loc: tuple[int | str, ...], root: str = SUBJECT_ROOT) -> str:
    """Render a pydantic location as ``root.a.b[2].c``."""
    path = root
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    bounds = {
        "greater_than": ("gt", ">"),
        "greater_than_equal": ("ge", ">="),
        "less_than": ("lt", "<"),
        "less_than_equal": ("le", "<="),
    }
    if kind in bounds:
        key, symbol = bounds[kind]
        return f"must be {symbol} {_number(ctx[key])}"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {ctx['pattern']}"
    if kind in ("enum", "literal_error"):
        return f"must be one of {ctx['expected']}"
    if kind in ("too_short", "string_too_short"):
        return f"must have at least {ctx['min_length']} item(s)"
    if kind in ("too_long", "string_too_long"):
        return f"must have at most {ctx['max_length']} item(s)"
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _to_schema_error(error: ErrorDetails, root: str) -> SchemaValidationError:
    loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    path = field_path(loc, root)
    if error["type"] == "oretrust_field":
        relative = str(ctx["field"])
        path += relative if relative.startswith("[") else f".{relative}"
        message = str(ctx["message"])
    else:
        message = _message(error)
    return SchemaValidationError(f"{path}: {message}", field=path)


def validate_model(model: type[M], data: object, root: str = SUBJECT_ROOT) -> M:
    """Validate JSON-shaped ``data`` against ``model``.

    Raises SchemaValidationError naming the first bad field (``root`` when ``data`` is not a
    JSON object at all).
    """
    if not isinstance(data, Mapping):
        raise SchemaValidationError(f"{root}: must be an object", field=root)
    try:
        # NaN and infinities pass through as JSON tokens so the model names the field.
        text = json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise SchemaValidationError(
            f"{root}: must be JSON data (strings, numbers, booleans, arrays, objects): {exc}",
            field=root,
        ) from exc
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise _to_schema_error(exc.errors(include_url=False)[0], root) from None
