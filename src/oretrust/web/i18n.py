"""Translations as data: one JSON file of ``key: text`` per language in ``web/locales/``.

A language is added by adding a file (``sw.json``, ``zh.json``…) holding every key of
``en.json`` — no code changes; ``tests/test_web_i18n.py`` fails on a missing or extra key in
any language, so a half-translated page never ships. Texts may hold ``{name}`` placeholders
filled by :meth:`Translator.text`.

The language of a page is chosen by :func:`choose_language`: ``?lang=`` first, then the
``Accept-Language`` header (RFC 9110 quality values), then English. The CLI uses the same
catalogues (``oretrust show --lang fr``), so a label reads the same everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["DEFAULT_LANGUAGE", "Translator", "catalogue", "choose_language", "languages"]

DEFAULT_LANGUAGE = "en"


@cache
def languages() -> tuple[str, ...]:
    """The languages shipped (file stems of ``locales/*.json``), English first."""
    folder = resources.files("oretrust.web") / "locales"
    found = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))
    return (DEFAULT_LANGUAGE, *[code for code in found if code != DEFAULT_LANGUAGE])


@cache
def catalogue(language: str) -> dict[str, str]:
    """The texts of ``language`` (KeyError for a language not shipped)."""
    if language not in languages():
        raise KeyError(language)
    path = resources.files("oretrust.web") / "locales" / f"{language}.json"
    texts: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return texts


@dataclass(frozen=True)
class Translator:
    """The texts of one language, falling back to English, then to the key itself (so a key
    a newer page uses never breaks an older catalogue at run time; the test catches it)."""

    language: str

    def text(self, key: str, **params: Any) -> str:
        """The text for ``key`` with ``{name}`` placeholders filled from ``params``."""
        template = catalogue(self.language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key, key)
        return template.format(**params) if params else template

    __call__ = text

    def has(self, key: str) -> bool:
        """Whether ``key`` has a text (in this language or English)."""
        return key in catalogue(self.language) or key in catalogue(DEFAULT_LANGUAGE)

    def first(self, *keys: str) -> str:
        """The text of the first of ``keys`` that has one (the last is the fallback)."""
        for key in keys[:-1]:
            if self.has(key):
                return self.text(key)
        return self.text(keys[-1])


def choose_language(requested: str | None, accept_language: str | None) -> str:
    """``requested`` (``?lang=``) when shipped, else the best shipped language of an
    ``Accept-Language`` header, else English."""
    available = languages()
    if requested and requested.lower() in available:
        return requested.lower()
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in available and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
