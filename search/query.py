"""What a typed query means, worked out once for both backends: its words, a phone's digits,
an email or number fragment, and the same keys typed in the other keyboard layout."""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm_core.common.services import phone_normalise
from search.documents import digits, normalise

MAX_WORDS = 8
MAX_LENGTH = 200

LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбюё"
TO_CYRILLIC = str.maketrans(LATIN, CYRILLIC)
TO_LATIN = str.maketrans(CYRILLIC, LATIN)
WORD = re.compile(r"\w+", re.UNICODE)
PHONE = re.compile(r"\+?[\d\s()\-.]+")
# Latin spelling of Russian names (passport-style, with the common variants), longest first
TRANSLIT = sorted(
    {
        "shch": "щ",
        "sch": "щ",
        "zh": "ж",
        "kh": "х",
        "ts": "ц",
        "ch": "ч",
        "sh": "ш",
        "yu": "ю",
        "ya": "я",
        "yo": "ё",
        "ye": "е",
        "iy": "ий",
        "yi": "ый",
        "a": "а",
        "b": "б",
        "v": "в",
        "g": "г",
        "d": "д",
        "e": "е",
        "z": "з",
        "i": "и",
        "y": "ы",
        "k": "к",
        "l": "л",
        "m": "м",
        "n": "н",
        "o": "о",
        "p": "п",
        "r": "р",
        "s": "с",
        "t": "т",
        "u": "у",
        "f": "ф",
        "h": "х",
        "c": "к",
        "w": "в",
        "x": "кс",
        "j": "й",
        "q": "к",
    }.items(),
    key=lambda pair: -len(pair[0]),
)
TRANSLIT_PATTERN = re.compile("|".join(latin for latin, _cyrillic in TRANSLIT))
TRANSLIT_MAP = dict(TRANSLIT)


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # normalised, operators and all
    words: tuple[str, ...] = ()
    # the same words as meant another way: typed in the other keyboard layout, or a Russian
    # name spelt in Latin letters
    alternatives: tuple[tuple[str, ...], ...] = ()
    key: str = ""  # a fragment to find inside identifiers: phone digits, email, number

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.key

    @property
    def is_short(self) -> bool:
        """One or two letters: matched as a name prefix, not as words."""
        return len(self.words) == 1 and len(self.words[0]) <= 2 and not self.key

    @property
    def every_word(self) -> tuple[str, ...]:
        return self.words + tuple(word for words in self.alternatives for word in words)


def _other_layout(text: str) -> str:
    letters = [char for char in text if not char.isspace()]
    if letters and all(char in LATIN for char in letters):
        return text.translate(TO_CYRILLIC)
    if letters and all(char in CYRILLIC or char in ",." for char in letters):
        return text.translate(TO_LATIN)
    return ""


def _key(text: str) -> str:
    number = digits(text)
    if len(number) >= 4 and PHONE.fullmatch(text):
        phone = phone_normalise(text) if len(number) >= 10 else None
        return digits(phone) if phone else number
    if len(text) >= 3 and " " not in text and any(char.isdigit() or char in "@." for char in text):
        return text  # part of an email, a website, an order or ticket number, a tax id
    return ""


def _transliterated(text: str) -> str:
    if not text or not all("a" <= char <= "z" or char in " -'" for char in text):
        return ""
    return TRANSLIT_PATTERN.sub(lambda found: TRANSLIT_MAP[found.group(0)], text)


def parse(raw: str) -> ParsedQuery:
    text = normalise(raw[:MAX_LENGTH])
    words = tuple(dict.fromkeys(word for word in WORD.findall(text) if word.strip("_")))
    words = words[:MAX_WORDS]
    alternatives = []
    for other in (_other_layout(text), _transliterated(text)):
        other_words = tuple(WORD.findall(other))[:MAX_WORDS] if other else ()
        if other_words and other_words != words and other_words not in alternatives:
            alternatives.append(other_words)
    return ParsedQuery(text=text, words=words, alternatives=tuple(alternatives), key=_key(text))


def tsquery_positions(
    positions: list[tuple[tuple[str, ...], bool]], *, prefixes: bool = True
) -> str:
    """A to_tsquery() argument: every position required, each one any of its words, a prefix
    where marked (the last word as you type, a corrected word) unless `prefixes` is off.
    Words are runs of letters and digits only, so nothing in them is tsquery syntax."""
    return " & ".join(
        "(" + " | ".join(f"'{word}'{':*' if prefix and prefixes else ''}" for word in words) + ")"
        for words, prefix in positions
    )
