"""Run filters on config values: parsed from text, turned into SQL with bound parameters.

``parse_filter("lr < 0.01")`` -> ``("lr", "<", 0.01)``. Values are never evaluated as code; keys
are matched as data (bound parameters), so any key text is safe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .reader import Filter

OPERATORS = ("<=", ">=", "!=", "=", "<", ">", "~")
_PATTERN = re.compile(r"^\s*(?P<key>[^<>=!~]+?)\s*(?P<op><=|>=|!=|==|=|<|>|~)\s*(?P<value>.*?)\s*$")


def parse_filter(text: str) -> Filter:
    """Parse ``key op value``; numbers become floats, quotes around strings are optional.

    Raises:
        ValueError: the text is not of that form (the message shows what is accepted).
    """
    m = _PATTERN.match(text)
    if not m or not m.group("value"):
        raise ValueError(f"cannot read the filter {text!r}: expected `key op value` with op one "
                         f"of {', '.join(OPERATORS)}, e.g. `lr < 0.01` or `optimizer = adam`")
    op = "=" if m.group("op") == "==" else m.group("op")
    raw = m.group("value")
    value: float | str
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        value = raw[1:-1]
    elif op == "~":  # a substring stays text: "arch ~ 50" must not become "50.0"
        value = raw
    else:
        try:
            value = float(raw)
        except ValueError:
            value = raw
    return (m.group("key").removeprefix("config."), op, value)


def filter_sql(filters: Sequence[Filter]) -> tuple[list[str], list[object]]:
    """SQL conditions on ``runs`` (one EXISTS per filter) and their parameters."""
    clauses: list[str] = []
    params: list[object] = []
    for key, op, value in filters:
        arg: object
        if op not in OPERATORS:
            raise ValueError(f"unknown filter operator {op!r}: use one of {', '.join(OPERATORS)}")
        if op == "~":
            cond, arg = "c.text LIKE ? ESCAPE '\\'", f"%{_escape_like(str(value))}%"
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            cond, arg = f"c.num {op} ?", float(value)
        else:
            cond, arg = f"c.text {op} ?", value
        clauses.append("EXISTS (SELECT 1 FROM run_config c WHERE c.run_id = runs.id AND "
                       f"c.key = ? AND {cond})")
        params.extend([key, arg])
    return clauses, params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
