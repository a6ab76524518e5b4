"""The API's JSON parser (its own module: REST framework's settings import it early)."""

import json
import math

from rest_framework import exceptions, parsers

# JSON nested deeper than this is refused (no request of ours nests more than a few levels).
MAX_JSON_DEPTH = 32


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise exceptions.ParseError(f"JSON parse error - the number {text} is too large.")
    return number


def _too_deep(data: object) -> bool:
    """Whether `data` nests lists and objects more than MAX_JSON_DEPTH deep (no recursion)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing with a 400 what it would crash on or pass along: JSON nested
    too deep for Python's decoder (or for any request of ours), and numbers too large to be
    finite (`1e309`, which no integer field can hold)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        too_deep = exceptions.ParseError(
            f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep."
        )
        try:
            data = json.loads(
                stream.read().decode(encoding),
                parse_float=_finite,
                parse_constant=self._constant,
            )
        except RecursionError:  # deeper than Python's decoder goes
            raise too_deep from None
        except (ValueError, UnicodeDecodeError) as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        if _too_deep(data):
            raise too_deep
        return data

    @staticmethod
    def _constant(name: str):
        raise ValueError(f"{name} is not a JSON value")
