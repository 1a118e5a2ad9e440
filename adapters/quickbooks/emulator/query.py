"""The subset of Intuit's query language the emulator understands: SELECT * | COUNT(*) FROM entity
[WHERE cond AND cond ...] [ORDERBY field [ASC|DESC]] [STARTPOSITION n] [MAXRESULTS n], with =, <, >, <=, >=,
IN (...) and LIKE '%...%': the operators of Intuit's list
(https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries), which
has no != or <>: those are refused, so a query only the emulator would answer cannot pass the tests. Field paths
are dotted and case-insensitive; a reference compares by its `value`; a list field (AttachableRef) matches when
any element does. No OR: Intuit has none either.
STARTPOSITION 0 reads from the first row, as Intuit does ("the 0 value for start_position is accepted by the API
... The API considers it as 1", routablehq/python-quickbooks#177).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,|\*)|(?P<word>[A-Za-z0-9_.\-:+]+))")


class QueryError(ValueError):
    """The statement is outside the supported grammar (QueryParserError, code 4000, at Intuit)."""


@dataclass
class Cond:
    path: str
    op: str
    values: list


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[Cond] = field(default_factory=list)
    order_by: str | None = None
    descending: bool = False
    start: int = 1
    max_results: int = 100  # Intuit's default page


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise QueryError(f"unexpected text at {pos}: {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
        pos = m.end()
    return out


def parse(text: str) -> Query:
    toks = _tokens(text)
    i = 0

    def word(expect: str | None = None) -> str:
        nonlocal i
        if i >= len(toks):
            raise QueryError(f"statement ends early (expected {expect or 'a word'})")
        kind, value = toks[i]
        if expect and value.lower() != expect:
            raise QueryError(f"expected {expect.upper()}, found {value!r}")
        i += 1
        return value

    word("select")
    count = False
    if i < len(toks) and toks[i][1].lower() == "count":
        word()
        word("(")
        word("*")
        word(")")
        count = True
    elif toks[i][1] == "*":
        i += 1
    else:  # a field list: Intuit returns the chosen fields; the emulator returns whole objects
        while i < len(toks) and toks[i][1].lower() != "from":
            i += 1
    word("from")
    q = Query(entity=word(), count=count)
    while i < len(toks):
        kw = word().lower()
        if kw == "where":
            while True:
                path = word()
                if i >= len(toks):
                    raise QueryError("a condition without operator")
                op = word().lower()
                if op == "in":
                    word("(")
                    values = []
                    while True:
                        values.append(_literal(toks[i]))
                        i += 1
                        sep = word()
                        if sep == ")":
                            break
                        if sep != ",":
                            raise QueryError("expected , or ) in IN list")
                    q.where.append(Cond(path, "in", values))
                elif op in ("=", "<", ">", "<=", ">=", "like"):
                    q.where.append(Cond(path, op, [_literal(toks[i])]))
                    i += 1
                else:
                    raise QueryError(f"unsupported operator {op!r}")
                if i < len(toks) and toks[i][1].lower() == "and":
                    i += 1
                    continue
                if i < len(toks) and toks[i][1].lower() == "or":
                    raise QueryError("OR is not supported")
                break
        elif kw == "orderby":
            q.order_by = word()
            if i < len(toks) and toks[i][1].lower() in ("asc", "desc"):
                q.descending = word().lower() == "desc"
        elif kw == "startposition":
            q.start = int(word())
        elif kw == "maxresults":
            q.max_results = int(word())
        else:
            raise QueryError(f"unexpected {kw!r}")
    if q.start == 0:
        q.start = 1
    if q.start < 1 or q.max_results < 1:
        raise QueryError("STARTPOSITION and MAXRESULTS must be positive")
    q.max_results = min(q.max_results, 1000)
    return q


def _literal(tok: tuple[str, str]) -> Any:
    kind, value = tok
    if kind == "str":
        return value
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return Decimal(value)
    except InvalidOperation:
        raise QueryError(f"not a value: {value!r}") from None


def _get(obj: Any, parts: list[str]) -> list:
    """Every value at the dotted path (several when a list is crossed); references give their value."""
    if not parts:
        if isinstance(obj, dict) and "value" in obj:
            return [obj["value"]]
        return [obj]
    if isinstance(obj, list):
        return [v for item in obj for v in _get(item, parts)]
    if not isinstance(obj, dict):
        return []
    key = next((k for k in obj if k.lower() == parts[0].lower()), None)
    if key is None:
        return []
    return _get(obj[key], parts[1:])


def _cmp(a: Any, b: Any) -> tuple[Any, Any] | None:
    if isinstance(b, bool) or isinstance(a, bool):
        return (bool(a) if not isinstance(a, str) else a.lower() == "true"), bool(b)
    try:
        return Decimal(str(a)), Decimal(str(b))
    except (InvalidOperation, ValueError):
        pass
    if isinstance(a, str) and isinstance(b, str):
        if len(a) >= 10 and len(b) >= 10 and a[4:5] == "-" and b[4:5] == "-":  # dates and date-times
            return a[:len(b)] if len(b) == 10 else a, b
        return a.lower(), b.lower()
    return None


def _match(value: Any, cond: Cond) -> bool:
    if cond.op == "in":
        return any(_match(value, Cond(cond.path, "=", [v])) for v in cond.values)
    target = cond.values[0]
    if cond.op == "like":
        pattern = "^" + ".*".join(re.escape(p) for p in str(target).lower().split("%")) + "$"
        return re.match(pattern, str(value).lower(), re.S) is not None
    pair = _cmp(value, target)
    if pair is None:
        return False
    a, b = pair
    try:
        return {"=": a == b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[cond.op]
    except TypeError:
        return False


def matches(obj: dict, cond: Cond) -> bool:
    values = _get(obj, cond.path.split("."))
    return any(_match(v, cond) for v in values)


def run(q: Query, rows: list[dict]) -> tuple[list[dict], int]:
    """(the page, the count of all matching rows)."""
    hits = [r for r in rows if all(matches(r, c) for c in q.where)]
    if q.order_by:
        def key(r: dict):
            vals = _get(r, q.order_by.split("."))
            v = vals[0] if vals else ""
            try:
                return (0, Decimal(str(v)), "")
            except (InvalidOperation, ValueError):
                return (1, Decimal(0), str(v))
        hits.sort(key=key, reverse=q.descending)
    return hits[q.start - 1:q.start - 1 + q.max_results], len(hits)
