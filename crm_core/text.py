"""Text helpers shared by the CRM: transliteration for machine names."""

import re

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
