"""Snippets and highlights computed the same way whatever backend found the hit."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WINDOW = 90


def _pattern(words: tuple[str, ...]) -> re.Pattern | None:
    # a word's stem-ish start, so "договора" marks "договор" and "договоры" too
    stems = sorted({word[: max(4, len(word) - 2)] for word in words if len(word) >= 2}, key=len)
    if not stems:
        return None
    alternatives = "|".join(re.escape(stem).replace("е", "[её]") for stem in reversed(stems))
    return re.compile(rf"(?<!\w)({alternatives})\w*", re.IGNORECASE)


def mark(text: str, words: tuple[str, ...]) -> SafeString:
    pattern = _pattern(words)
    if pattern is None:
        return escape(text)
    parts, last = [], 0
    for found in pattern.finditer(text):
        parts.append(escape(text[last : found.start()]))
        parts.append(f"<mark>{escape(found.group(0))}</mark>")
        last = found.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


def snippet(body: str, words: tuple[str, ...]) -> SafeString:
    """A window of `body` around its first matched word, marked; its start when none match."""
    body = " ".join(body.split())
    if not body:
        return mark_safe("")
    pattern = _pattern(words)
    found = pattern.search(body) if pattern else None
    if found is None:
        return escape(body[: 2 * WINDOW] + ("…" if len(body) > 2 * WINDOW else ""))
    start = max(0, found.start() - WINDOW)
    end = min(len(body), found.end() + WINDOW)
    text = ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")
    return mark(text, words)
