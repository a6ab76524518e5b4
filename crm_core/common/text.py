"""Text helpers shared by the CRM: transliteration for machine names."""

import re
from decimal import Decimal, InvalidOperation

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "sch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def latin(text: str) -> str:
    return "".join(_TRANSLIT.get(char, char) for char in text.lower())


def latin_slug(text: str) -> str:
    """“Склад, м²” → “sklad_m”: a key usable in URLs and JSON paths."""
    return re.sub(r"[^a-z0-9]+", "_", latin(text)).strip("_")[:40]


def decimal_from_text(text: str):
    """A number typed in a form ("98.50" or "98,50"), or None when it is not one."""

    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
