"""The OData ``$filter`` subset of the pool list (ARM's Pool_ListByBatchAccount) and the node list.

Grammar: ``or``/``and``/``not``, parentheses, ``startswith``/``endswith``/``contains(path, 'text')`` and
``path eq|ne|gt|ge|lt|le literal``, where a path names a property with ``/`` (``properties/allocationState``)
and a literal is ``'text'`` (``''`` escapes a quote), ``datetime'2017-02-02'``, a number, ``true``/``false``
or ``null``. Text compares case-insensitively, as Azure's enum values do. Anything else is a 400 naming the
query parameter, so a client never gets an unfiltered list it did not ask for.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from azure_batch_emulator.errors import InvalidQueryParameterValue

Predicate = Callable[[dict[str, Any]], bool]

TOKEN = re.compile(
    r"\s*(?:(?P<datetime>datetime'[^']*')|(?P<text>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_/.]*))"
)
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
FUNCTIONS: dict[str, Callable[[str, str], bool]] = {
    "startswith": str.startswith,
    "endswith": str.endswith,
    "contains": operator.contains,
}
KEYWORDS = {"true": True, "false": False, "null": None}


def parse_filter(text: str) -> Predicate:
    """A predicate over pool or node bodies; InvalidQueryParameterValue when ``text`` is not in the subset."""
    parser = _Parser(_tokens(text))
    predicate = parser.expression()
    if parser.peek() is not None:
        raise _invalid(f"unexpected '{parser.peek()}'")
    return predicate


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while text[position:].strip():
        found = TOKEN.match(text, position)
        if found is None or found.lastgroup is None:
            raise _invalid(f"cannot read it from character {position + 1}")
        tokens.append((found.lastgroup, found.group(found.lastgroup)))
        position = found.end()
    return tokens


def _invalid(reason: str) -> InvalidQueryParameterValue:
    return InvalidQueryParameterValue(
        f"The value for the query parameter '$filter' is invalid: {reason}. Use comparisons (eq, ne, gt, "
        "ge, lt, le), startswith/endswith/contains, and/or/not and parentheses.",
        details=[{"code": "QueryParameterName", "message": "$filter"}],
    )


class _Parser:
    """Recursive descent over the tokens: or < and < not < comparison/function/parentheses."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise _invalid("it ends too early")
        token = self.tokens[self.index]
        if expected is not None and token[1].lower() != expected:
            raise _invalid(f"expected '{expected}' but found '{token[1]}'")
        self.index += 1
        return token

    def expression(self) -> Predicate:
        return self._chain("or", self.conjunction, _either)

    def conjunction(self) -> Predicate:
        return self._chain("and", self.negation, _both)

    def _chain(
        self,
        word: str,
        operand: Callable[[], Predicate],
        combine: Callable[[Predicate, Predicate], Predicate],
    ) -> Predicate:
        left = operand()
        while (self.peek() or "").lower() == word:
            self.take()
            left = combine(left, operand())
        return left

    def negation(self) -> Predicate:
        if (self.peek() or "").lower() == "not":
            self.take()
            inner = self.negation()
            return lambda pool: not inner(pool)
        if self.peek() == "(":
            self.take()
            inner = self.expression()
            self.take(")")
            return inner
        kind, word = self.take()
        if kind != "word":
            raise _invalid(f"expected a property or a function but found '{word}'")
        if word.lower() in FUNCTIONS:
            return self.function(FUNCTIONS[word.lower()])
        comparison = COMPARISONS.get(self.take()[1].lower())
        if comparison is None:
            raise _invalid(f"'{word}' must be followed by eq, ne, gt, ge, lt or le")
        return _compare(word, comparison, self.literal())

    def function(self, test: Callable[[str, str], bool]) -> Predicate:
        self.take("(")
        kind, path = self.take()
        self.take(",")
        text = self.literal()
        self.take(")")
        if kind != "word" or not isinstance(text, str):
            raise _invalid("a function takes a property and a quoted text")
        return lambda pool: isinstance(found := _value(pool, path), str) and test(found.lower(), text.lower())

    def literal(self) -> Any:
        kind, token = self.take()
        if kind == "text":
            return token[1:-1].replace("''", "'")
        if kind == "datetime":
            return _moment(token[len("datetime'") : -1])
        if kind == "number":
            return float(token)
        if kind == "word" and token.lower() in KEYWORDS:
            return KEYWORDS[token.lower()]
        raise _invalid(f"expected a value but found '{token}'")


def _either(left: Predicate, right: Predicate) -> Predicate:
    return lambda pool: left(pool) or right(pool)


def _both(left: Predicate, right: Predicate) -> Predicate:
    return lambda pool: left(pool) and right(pool)


def _compare(path: str, comparison: Callable[[Any, Any], bool], literal: Any) -> Predicate:
    def test(pool: dict[str, Any]) -> bool:
        found, wanted = _value(pool, path), literal
        if isinstance(wanted, datetime) and isinstance(found, str):
            found = _moment(found)
        if isinstance(found, str) and isinstance(wanted, str):
            found, wanted = found.lower(), wanted.lower()
        if isinstance(found, bool) != isinstance(wanted, bool):
            return comparison is operator.ne
        try:
            return comparison(found, wanted)
        except TypeError:  # an ordering between a value and null or another type: no match
            return False

    return test


def _value(pool: dict[str, Any], path: str) -> Any:
    value: Any = pool
    for step in path.split("/"):
        value = value.get(step) if isinstance(value, dict) else None
    return value


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"'{text[:40]}' is not a date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
