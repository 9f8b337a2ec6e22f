"""Translations are data and complete: every language has every key (and no other), the same
placeholders, a label for every check id, credential type and schema field, and every key a
template names exists. Language negotiation: ``?lang=``, then Accept-Language, then English."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from oretrust.codes import CheckId
from oretrust.credentials import CREDENTIAL_TYPES
from oretrust.web.i18n import Translator, catalogue, choose_language, languages

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "oretrust" / "web" / "templates"
ENGLISH = catalogue("en")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _schema_properties() -> set[str]:
    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for known in CREDENTIAL_TYPES.values():
        walk(known.json_schema())
    return names


def test_english_and_french_ship() -> None:
    assert languages()[:1] == ("en",) and "fr" in languages()


@pytest.mark.parametrize("language", [code for code in languages() if code != "en"])
def test_every_language_has_every_key_and_no_other(language: str) -> None:
    texts = catalogue(language)
    assert sorted(set(ENGLISH) - set(texts)) == [], f"{language} lacks these keys"
    assert sorted(set(texts) - set(ENGLISH)) == [], f"{language} has keys English lacks"
    assert all(value.strip() for value in texts.values())


@pytest.mark.parametrize("language", languages())
def test_placeholders_agree(language: str) -> None:
    texts = catalogue(language)
    wrong = [k for k in ENGLISH if _placeholders(ENGLISH[k]) != _placeholders(texts[k])]
    assert wrong == []


def test_every_check_type_and_schema_field_has_a_label() -> None:
    needed = {f"check.{check}" for check in CheckId}
    needed |= {f"type.{name}" for name in CREDENTIAL_TYPES}
    needed |= {f"field.{name}" for name in _schema_properties()}
    assert sorted(needed - set(ENGLISH)) == []


def test_every_key_a_template_names_exists() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*'([a-z_.]+)'""", text))
    used = {key for key in used if not key.endswith(("_", "."))}  # prefixes of keys built
    assert len(used) > 40
    assert sorted(used - set(ENGLISH)) == []


def test_a_missing_key_is_caught_by_the_completeness_test() -> None:
    """The completeness test can fail: a catalogue without a key is reported."""
    partial = dict(catalogue("fr"))
    partial.pop("verdict.REVOKED")
    assert sorted(set(ENGLISH) - set(partial)) == ["verdict.REVOKED"]


@pytest.mark.parametrize(
    ("requested", "header", "expected"),
    [
        ("fr", "en", "fr"),
        (None, "fr-CD,fr;q=0.9,en;q=0.5", "fr"),
        (None, "sw, fr;q=0.4, en;q=0.8", "en"),
        (None, "de;q=1, fr;q=0.1", "fr"),
        ("xx", "fr;q=0", "en"),
        (None, None, "en"),
        (None, "fr;q=abc", "en"),
    ],
)
def test_choose_language(requested: str | None, header: str | None, expected: str) -> None:
    assert choose_language(requested, header) == expected


def test_translator_fills_placeholders_and_falls_back() -> None:
    t = Translator("fr")
    assert t("form.size_hint", size="1 KiB") == "Au plus 1 KiB par envoi."
    assert t("no.such.key") == "no.such.key"
    assert t.first("code.NO_SUCH", "code._other") == "Cette vérification a échoué."
