"""A credential type's JSON Schema as an HTML form; the form back as a subject; validation
errors on the fields they are about.

:class:`SubjectForm` reads the subject schema :meth:`oretrust.credentials.CredentialType.
json_schema` publishes (the one ``oretrust schema TYPE`` prints) and knows, for each
property, what to draw:

==============================================  =========================================
schema                                          form
==============================================  =========================================
object with properties                          a fieldset of its members (``group``)
array of objects                                numbered fieldsets and "add a row" (``list``)
``enum``                                        a select (``select``)
array of an ``enum``                            checkboxes (``checks``)
``number`` / ``integer``                        a number input
``boolean``                                     a select: yes / no
string ``format: date`` / ``date-time``         a date / a date and time (UTC) input
string                                          a text input
array of strings                                a text area, one per line (``lines``)
anything else (a GeoJSON ring…)                 a text area holding JSON (``json``)
==============================================  =========================================

``anyOf [X, null]`` is an optional X; a ``const`` member (GeoJSON's ``type: Polygon``) is
filled in, never asked; JSON-LD ``type`` arrays (``allOf`` / ``contains``) are left to the
issuer, and so is the subject's optional top-level ``id`` (the holder's DID: the console asks
for it once, beside the form).

Field names are ``s.`` + the data path (``s.mineSite.coordinates.latitude``,
``s.assay.0.analyte``). :meth:`SubjectForm.read` turns the submitted fields into the subject
— empty fields and empty rows left out, so the schema's ``required`` speaks for them — and
keeps every raw value under its data path, so the form is drawn again exactly as filled.
:meth:`SubjectForm.check` runs the schema (``jsonschema``, Draft 2020-12, formats checked)
and maps each error to the path of the field it is about (a ``required`` error to the
missing member, an ``anyOf`` error to the non-null branch's errors), in the reader's
language. The type's own checks, which a schema cannot express (ISO codes actually
assigned, dates in order), run when the service issues; their
:class:`~oretrust.errors.SchemaValidationError` names a field too (:func:`error_path`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from oretrust.credentials import CredentialType
from oretrust.web.i18n import Translator

__all__ = [
    "ErrorLine",
    "FormField",
    "Path",
    "RenderedForm",
    "SubjectForm",
    "Values",
    "error_path",
    "field_name",
]

Path = tuple[str | int, ...]
Values = dict[Path, str | tuple[str, ...]]

#: The prefix of every subject field's name.
PREFIX: Final = "s"
_ABSENT: Final = object()
_NULL: Final = {"type": "null"}
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?$")
_PATTERN_HINTS: Final = (
    ("^did:", "console.hint.did"),
    ("^[A-Za-z][A-Za-z0-9+.-]*:", "console.hint.uri"),
    ("^[A-Z]{2}(?:-", "console.hint.jurisdiction"),
    ("^[A-Z]{2}$", "console.hint.country"),
    ("^[A-Z]{3}$", "console.hint.currency"),
)
_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def field_name(path: Path) -> str:
    """The form field name of a data path: ``s.assay.0.analyte``."""
    return ".".join([PREFIX, *map(str, path)])


def error_path(dotted: str | None) -> Path | None:
    """``credentialSubject.assay[0].massFraction`` → ``("assay", 0, "massFraction")``
    (None for a field outside the subject)."""
    root = "credentialSubject"
    if not dotted or not dotted.startswith(root):
        return None
    rest = dotted[len(root) :]
    rest = re.sub(r"^\[0\]", "", rest)  # a subject written as a one-element array
    parts: list[str | int] = []
    for name, index in _PATH_PART.findall(rest):
        parts.append(int(index) if index else name)
    return tuple(parts)


@dataclass(frozen=True)
class FormField:
    """One field to draw: a leaf input, a ``group`` of members or a ``list`` of rows."""

    kind: str
    path: Path
    label: str
    required: bool
    value: str = ""
    chosen: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    error: str | None = None
    children: tuple[FormField, ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """The HTML ``name``."""
        return field_name(self.path)

    @property
    def dom_id(self) -> str:
        """The HTML ``id`` (the labels' ``for``, the error summary's links)."""
        return "-".join(["f", *map(str, self.path)])


@dataclass(frozen=True)
class ErrorLine:
    """One line of the error summary above the form: where, what, and the field's id."""

    where: str
    message: str
    dom_id: str


@dataclass(frozen=True)
class RenderedForm:
    """The fields to draw and the summary of their errors, in document order."""

    fields: tuple[FormField, ...]
    summary: tuple[ErrorLine, ...]


@dataclass
class _Build:
    values: Values
    errors: Mapping[Path, str]
    extra_rows: Mapping[Path, int]
    t: Translator
    summary: list[ErrorLine]
    placed: set[Path]


class SubjectForm:
    """The form of one credential type's subject (see the module docstring)."""

    def __init__(self, credential_type: CredentialType) -> None:
        schema = credential_type.json_schema()
        self.type_name = credential_type.name
        self.defs: dict[str, Any] = schema["$defs"]
        self.root: dict[str, Any] = self.defs[credential_type.subject_model.__name__]
        root_required = self.root.get("required", [])
        #: Whether the subject's ``id`` is the optional holder DID (filled from the holder).
        self.holder_is_id = "id" in self.root.get("properties", {}) and "id" not in root_required

    @cached_property
    def _validator(self) -> Draft202012Validator:
        schema = {**self.root, "$defs": self.defs}
        return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    # ------------------------------------------------------------------ schema shapes
    def resolve(self, node: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """``node`` with ``$ref`` followed and ``anyOf [X, null]`` unwrapped; and whether
        it was nullable."""
        current = dict(node)
        nullable = False
        while True:
            if "$ref" in current:
                target = self.defs[str(current.pop("$ref")).rsplit("/", 1)[-1]]
                current = {**target, **current}
                continue
            options = current.get("anyOf")
            if isinstance(options, list) and len(options) == 2 and _NULL in options:
                real = next(option for option in options if option != _NULL)
                outer = {k: v for k, v in current.items() if k not in ("anyOf", "default")}
                current = {**real, **outer}
                nullable = True
                continue
            return current, nullable

    def kind(self, node: Mapping[str, Any]) -> str:
        """What to draw for the (resolved) ``node``; ``skip`` for what the issuer fills in."""
        if "const" in node:
            return "const"
        if "enum" in node:
            return "select"
        kind = node.get("type")
        if kind in ("boolean", "number", "integer"):
            return str(kind)
        if kind == "string":
            return {"date": "date", "date-time": "datetime"}.get(node.get("format", ""), "text")
        if kind == "object" and isinstance(node.get("properties"), dict):
            return "group"
        if kind == "array":
            if "allOf" in node:
                return "skip"  # a JSON-LD type array: the type's own values
            if "prefixItems" in node or not isinstance(node.get("items"), dict):
                return "json"
            items = self.kind(self.resolve(node["items"])[0])
            return {"group": "list", "select": "checks", "text": "lines"}.get(items, "json")
        return "json"

    def members(
        self, node: Mapping[str, Any], path: Path
    ) -> Iterable[tuple[str, dict[str, Any], bool]]:
        """The members of a group to draw: name, resolved schema, required."""
        required = set(node.get("required", []))
        for name, child in node.get("properties", {}).items():
            if path == () and name == "id" and self.holder_is_id:
                continue
            resolved, _ = self.resolve(child)
            if self.kind(resolved) != "skip":
                yield name, resolved, name in required

    # ------------------------------------------------------------------ form → subject
    def read(
        self, form: Mapping[str, list[str]], t: Translator
    ) -> tuple[dict[str, Any], Values, dict[Path, str]]:
        """The subject the form describes, the raw values by data path, and the values that
        could not even be read (a number that is not one…) by data path."""
        values: Values = {}
        errors: dict[Path, str] = {}
        data, _ = self._read(self.root, (), (), form, values, errors, t)
        return (data if isinstance(data, dict) else {}), values, errors

    def _read(
        self,
        node: dict[str, Any],
        form_path: Path,
        data_path: Path,
        form: Mapping[str, list[str]],
        values: Values,
        errors: dict[Path, str],
        t: Translator,
    ) -> tuple[Any, bool]:
        """(value or _ABSENT, whether anything was filled in)."""
        kind = self.kind(node)
        if kind == "group":
            result: dict[str, Any] = {}
            touched = False
            consts = {}
            for name, child, _ in self.members(node, data_path):
                if self.kind(child) == "const":
                    consts[name] = child["const"]
                    continue
                value, filled = self._read(
                    child, (*form_path, name), (*data_path, name), form, values, errors, t
                )
                touched = touched or filled
                if value is not _ABSENT:
                    result[name] = value
            return ({**consts, **result} if touched else _ABSENT), touched
        if kind == "list":
            items, _ = self.resolve(node["items"])
            rows: list[Any] = []
            for index in _row_indexes(form, field_name(form_path)):
                row, filled = self._read(
                    items, (*form_path, index), (*data_path, len(rows)), form, values, errors, t
                )
                if filled:
                    rows.append(row if row is not _ABSENT else {})
            return (rows if rows else _ABSENT), bool(rows)
        name = field_name(form_path)
        if kind == "checks":
            chosen = tuple(v for v in form.get(name, []) if v)
            if not chosen:
                return _ABSENT, False
            values[data_path] = chosen
            items, _ = self.resolve(node["items"])
            allowed = {str(option): option for option in items.get("enum", [])}
            if any(value not in allowed for value in chosen):
                errors[data_path] = t("console.error.enum")
                return _ABSENT, True
            return [allowed[value] for value in chosen], True
        raw = next(iter(form.get(name, [])), "")
        raw = raw.strip() if kind not in ("lines", "json") else raw.strip("\r\n")
        if not raw.strip() or kind in ("const", "skip"):
            return _ABSENT, False
        values[data_path] = raw
        try:
            return _parse(kind, node, raw.strip()), True
        except ValueError as exc:
            errors[data_path] = t(str(exc))
            return _ABSENT, True

    # ------------------------------------------------------------------ subject → form
    def values_of(self, data: Mapping[str, Any]) -> Values:
        """The raw values that draw ``data`` (the type's example, to start from)."""
        values: Values = {}
        self._flatten(self.root, data, (), values)
        return values

    def _flatten(self, node: dict[str, Any], value: Any, path: Path, values: Values) -> None:
        kind = self.kind(node)
        if value is None or kind in ("const", "skip"):
            return
        if kind == "group" and isinstance(value, Mapping):
            for name, child, _ in self.members(node, path):
                if name in value:
                    self._flatten(child, value[name], (*path, name), values)
        elif kind == "list" and isinstance(value, list):
            items, _ = self.resolve(node["items"])
            for index, row in enumerate(value):
                self._flatten(items, row, (*path, index), values)
        elif kind == "checks" and isinstance(value, list):
            values[path] = tuple(str(item) for item in value)
        elif kind == "lines" and isinstance(value, list):
            values[path] = "\n".join(str(item) for item in value)
        elif kind == "json":
            values[path] = json.dumps(value)
        elif kind == "boolean":
            values[path] = "true" if value else "false"
        elif kind in ("number", "integer"):
            values[path] = _number_text(value)
        elif kind == "datetime":
            values[path] = str(value).removesuffix("Z")
        else:
            values[path] = str(value)

    # ------------------------------------------------------------------ validation
    def check(self, data: Mapping[str, Any], t: Translator) -> dict[Path, str]:
        """The schema's errors about ``data``, one message per data path, in document order."""
        found: dict[Path, str] = {}
        for error in self._validator.iter_errors(data):
            _collect(error, found, t)
        return found

    # ------------------------------------------------------------------ drawing
    def render(
        self,
        values: Values,
        errors: Mapping[Path, str],
        t: Translator,
        extra_rows: Mapping[Path, int] | None = None,
    ) -> RenderedForm:
        """The fields with their values and errors; errors no field shows go to the summary
        under the nearest field's name."""
        build = _Build(values, errors, extra_rows or {}, t, [], set())
        fields = tuple(
            self._field(child, (name,), required, (), build)
            for name, child, required in self.members(self.root, ())
            if self.kind(child) != "const"
        )
        for path, message in errors.items():
            if path not in build.placed:
                where = " \u203a ".join(_label(part, t) for part in path) or t(
                    "console.form.subject"
                )
                build.summary.append(ErrorLine(where, message, "subject-form"))
        return RenderedForm(fields, tuple(build.summary))

    def _field(
        self,
        node: dict[str, Any],
        path: Path,
        required: bool,
        crumbs: tuple[str, ...],
        build: _Build,
        label: str | None = None,
    ) -> FormField:
        t = build.t
        kind = self.kind(node)
        label = label or _label(path[-1], t)
        error = build.errors.get(path)
        dom_id = "-".join(["f", *map(str, path)])
        if error is not None:
            build.placed.add(path)
            build.summary.append(ErrorLine(" \u203a ".join((*crumbs, label)), error, dom_id))
        if kind == "group":
            children = tuple(
                self._field(child, (*path, name), req, (*crumbs, label), build)
                for name, child, req in self.members(node, path)
                if self.kind(child) != "const"
            )
            return FormField("group", path, label, required, error=error, children=children)
        if kind == "list":
            items, _ = self.resolve(node["items"])
            count = _row_count(path, build, int(node.get("minItems", 0)))
            rows = tuple(
                self._field(items, (*path, i), False, (*crumbs, label), build, f"{label} {i + 1}")
                for i in range(count)
            )
            return FormField("list", path, label, required, error=error, children=rows)
        value = build.values.get(path, "")
        chosen = value if isinstance(value, tuple) else ()
        text = value if isinstance(value, str) else ""
        return FormField(
            kind,
            path,
            label,
            required,
            value=text,
            chosen=chosen,
            options=_options(self, node, kind, t),
            hint=_hint(self, node, kind, t),
            error=error,
            attrs=_attrs(node, kind),
        )


def _row_indexes(form: Mapping[str, list[str]], name: str) -> list[int]:
    prefix = name + "."
    found = set()
    for key in form:
        if key.startswith(prefix):
            head = key[len(prefix) :].split(".", 1)[0]
            if head.isdigit() and len(head) < 4:
                found.add(int(head))
    return sorted(found)


def _row_count(path: Path, build: _Build, min_items: int) -> int:
    depth = len(path)
    used: list[int] = []
    for key in (*build.values, *build.errors):
        if len(key) > depth and key[:depth] == path:
            index = key[depth]
            if isinstance(index, int):
                used.append(index)
    count = max(used) + 1 if used else max(min_items, 1)
    return min(count + build.extra_rows.get(path, 0), 200)


def _parse(kind: str, node: Mapping[str, Any], raw: str) -> Any:
    """The JSON value of one field; ValueError carrying the message key when unreadable."""
    if kind in ("number", "integer"):
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"console.error.type.{kind}") from None
        if not math.isfinite(number):
            raise ValueError(f"console.error.type.{kind}")
        if kind == "integer":
            if not number.is_integer():
                raise ValueError("console.error.type.integer")
            return int(number)
        return number
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError("console.error.enum")
        return raw == "true"
    if kind == "select":
        allowed = {str(option): option for option in node.get("enum", [])}
        if raw not in allowed:
            raise ValueError("console.error.enum")
        return allowed[raw]
    if kind == "datetime":
        match = _DATETIME.match(raw)
        if match is None:
            return raw  # a time with its zone, or not one: the schema and the type judge
        return f"{match.group(1)}{match.group(2) or ':00'}Z"
    if kind == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if kind == "json":
        try:
            return json.loads(raw)
        except ValueError:
            raise ValueError("console.error.json") from None
    return raw


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _label(part: str | int, t: Translator) -> str:
    return str(part + 1) if isinstance(part, int) else t.first(f"field.{part}", part)


def _options(
    form: SubjectForm, node: Mapping[str, Any], kind: str, t: Translator
) -> tuple[tuple[str, str], ...]:
    if kind == "boolean":
        return (("true", t("value.yes")), ("false", t("value.no")))
    if kind == "select":
        return tuple((str(v), _value_label(v, t)) for v in node.get("enum", []))
    if kind == "checks":
        items, _ = form.resolve(node["items"])
        return tuple((str(v), _value_label(v, t)) for v in items.get("enum", []))
    return ()


def _value_label(value: Any, t: Translator) -> str:
    return t.first(f"value.{value}", str(value))


def _hint(form: SubjectForm, node: Mapping[str, Any], kind: str, t: Translator) -> str:
    source = form.resolve(node["items"])[0] if kind == "lines" else node
    pattern = str(source.get("pattern", ""))
    hints = [t(key) for prefix, key in _PATTERN_HINTS if pattern.startswith(prefix)][:1]
    if kind == "datetime":
        hints.append(t("console.hint.utc"))
    elif kind == "lines":
        hints.append(t("console.hint.lines"))
    elif kind == "json":
        hints.append(t("console.hint.json"))
    return " ".join(hints)


def _attrs(node: Mapping[str, Any], kind: str) -> tuple[tuple[str, str], ...]:
    attrs: list[tuple[str, str]] = []
    if kind in ("number", "integer"):
        attrs.append(("step", "1" if kind == "integer" else "any"))
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in node:
                attrs.append((attr, _number_text(node[key])))
    elif kind == "text" and "maxLength" in node:
        attrs.append(("maxlength", str(node["maxLength"])))
    return tuple(attrs)


def _collect(error: ValidationError, found: dict[Path, str], t: Translator) -> None:
    """Put ``error`` (or, for an optional value, its non-null branch's errors) in ``found``."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        options = error.validator_value if isinstance(error.validator_value, list) else []
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            index = sub.relative_schema_path[0] if sub.relative_schema_path else 0
            branches.setdefault(int(index), []).append(sub)
        real = [
            subs for index, subs in sorted(branches.items())
            if index < len(options) and options[index] != _NULL
        ]  # fmt: skip
        if len(real) == 1:
            for sub in real[0]:
                _collect(sub, found, t)
            return
    path: Path = tuple(error.absolute_path)
    names = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict):
        for name in names if isinstance(names, list) else []:
            if name not in error.instance:
                found.setdefault((*path, name), t("console.error.required"))
        return
    found.setdefault(path, _message(error, t))


def _message(error: ValidationError, t: Translator) -> str:
    """A jsonschema error in words of the reader's language."""
    rule, limit = error.validator, error.validator_value
    if rule == "type":
        kinds = limit if isinstance(limit, list) else [limit]
        return t.first(f"console.error.type.{kinds[0]}", "console.error.invalid")
    if rule == "minLength" and limit == 1:
        return t("console.error.required")
    texts = {
        "minLength": "console.error.min_length",
        "maxLength": "console.error.max_length",
        "minimum": "console.error.minimum",
        "maximum": "console.error.maximum",
        "exclusiveMinimum": "console.error.exclusive_minimum",
        "exclusiveMaximum": "console.error.exclusive_maximum",
        "minItems": "console.error.min_items",
        "maxItems": "console.error.max_items",
    }
    if rule in texts:
        return t(texts[rule], limit=_number_text(limit))
    if rule == "pattern":
        return t("console.error.pattern")
    if rule in ("enum", "const"):
        return t("console.error.enum")
    if rule == "format":
        return t.first(f"console.error.format.{limit}", "console.error.pattern")
    return t("console.error.invalid")
