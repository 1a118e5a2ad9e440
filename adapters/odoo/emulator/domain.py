"""Odoo search domains evaluated in Python, with the semantics of the ORM's SQL translation.

Prefix `&`, `|`, `!` with an implicit `&`; leaves `(path, operator, value)`. As Odoo does:
- a dotted path through a relational field means "any related record matches the rest of the leaf"
  (so a record with an empty many2one never matches `('partner_id.name', '!=', 'x')`);
- `=`/`!=` with False test for "not set"; `!=`, `not in` and the negative `like`s also match unset values;
  `<`, `>`... never match an unset value;
- `in`/`not in` with False in the list also match / exclude unset values;
- relational fields compared with strings compare the related records' display names;
- x2many `=`/`in` mean "contains one of", `!=`/`not in` "contains none of".
Error texts are those of Odoo 17 (`odoo/osv/expression.py`) and 19 (`odoo/orm/domains.py`).
"""

from __future__ import annotations

import functools
import re
from typing import Any, Protocol

TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)
OPERATORS = ("=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike", "like", "not like", "ilike", "not ilike",
             "in", "not in", "child_of", "parent_of", "any", "not any")
NEGATIVE = {"!=", "not in", "not like", "not ilike", "not any"}
RELATIONAL = ("many2one", "one2many", "many2many")
TEXTUAL = ("char", "text", "html", "selection")


class Env(Protocol):
    """What the evaluator needs from the store."""

    major: int
    schema: dict

    def value(self, model: str, rid: int, fname: str) -> Any: ...        # raw: m2o int|False, x2many [ids]
    def name_of(self, model: str, rid: int) -> str: ...
    def all_ids(self, model: str) -> list[int]: ...


def _field_error(env: Env, model: str, fname: str, leaf: tuple) -> ValueError:
    if env.major >= 18:
        return ValueError(f"Invalid field {model}.{fname} in condition ({leaf[0]!r}, {leaf[1]!r}, {leaf[2]!r})")
    return ValueError(f"Invalid field {model}.{fname} in leaf {tuple(leaf)}")


def parse(domain: Any) -> Any:
    """Domain list -> tree of ('&'|'|', a, b), ('!', a), ('leaf', (left, op, right))."""
    if domain is None:
        return None
    if not isinstance(domain, (list, tuple)):
        raise ValueError(f"Domain {domain} is syntactically not correct.")
    items = list(domain)
    pos = 0

    def expr():
        nonlocal pos
        if pos >= len(items):
            raise ValueError(f"Domain {domain} is syntactically not correct.")
        item = items[pos]
        pos += 1
        if item in ("&", "|"):
            a = expr()
            b = expr()
            return (item, a, b)
        if item == "!":
            return ("!", expr())
        if isinstance(item, (list, tuple)) and len(item) == 3:
            left, op, right = item
            op = {"<>": "!=", "==": "="}.get(op, op) if isinstance(op, str) else op
            leaf = (left, op, right if not isinstance(right, list) else list(right))
            if tuple(item) in (TRUE_LEAF, FALSE_LEAF):
                return ("leaf", tuple(item))
            if isinstance(left, str) and left and op in OPERATORS:
                return ("leaf", leaf)
        if isinstance(item, (bool, int)) and item in (True, False) and not isinstance(item, (list, tuple)):
            pass
        raise ValueError(f"Invalid leaf {item}")

    nodes = []
    while pos < len(items):
        nodes.append(expr())
    if not nodes:
        return None
    tree = nodes[-1]
    for node in reversed(nodes[:-1]):
        tree = ("&", node, tree)
    return tree


def leaves(tree: Any):
    if tree is None:
        return
    if tree[0] == "leaf":
        yield tree[1]
    else:
        for sub in tree[1:]:
            yield from leaves(sub)


def top_level_fields(domain: Any) -> set[str]:
    """Field names of leaves as Odoo's active_test check sees them (item[0] of each item)."""
    out = set()
    for item in domain or []:
        if isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            out.add(item[0])
    return out


def validate(env: Env, model: str, tree: Any) -> None:
    """Raise Odoo's ValueError for unknown fields, before any record is looked at."""
    for leaf in leaves(tree):
        if tuple(leaf) in (TRUE_LEAF, FALSE_LEAF):
            continue
        _validate_path(env, model, leaf)


def _validate_path(env: Env, model: str, leaf: tuple) -> None:
    left, op, right = leaf
    head, _, rest = left.partition(".")
    fields = env.schema[model].fields
    if head not in fields:
        raise _field_error(env, model, head, leaf)
    f = fields[head]
    if rest and f.type in RELATIONAL:
        _validate_path(env, f.relation, (rest, op, right))
    elif op in ("any", "not any") and f.type in RELATIONAL:
        validate(env, f.relation, parse(right))


def match(env: Env, model: str, rid: int, tree: Any) -> bool:
    if tree is None:
        return True
    kind = tree[0]
    if kind == "&":
        return match(env, model, rid, tree[1]) and match(env, model, rid, tree[2])
    if kind == "|":
        return match(env, model, rid, tree[1]) or match(env, model, rid, tree[2])
    if kind == "!":
        return not match(env, model, rid, tree[1])
    return match_leaf(env, model, rid, tree[1])


def _like(pattern: str, value: str, insensitive: bool, wrap: bool) -> bool:
    return _like_rx(pattern, insensitive, wrap).fullmatch(value) is not None


@functools.lru_cache(maxsize=512)
def _like_rx(pattern: str, insensitive: bool, wrap: bool) -> re.Pattern:
    """A search evaluates its pattern on every record: compiled once."""
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    if wrap:
        rx = ".*" + rx + ".*"
    return re.compile(rx, re.DOTALL | (re.IGNORECASE if insensitive else 0))


def _empty(v: Any) -> bool:
    return v is None or v is False or v == "" or v == []


def _coerce(ftype: str, v: Any) -> Any:
    if ftype == "boolean":
        return bool(v)
    if ftype in ("float", "monetary") and isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if ftype in ("integer", "many2one") and isinstance(v, (int, float)) and not isinstance(v, bool):
        return int(v)
    return v


def expand_hierarchy(env: Env, model: str, value: Any, op: str) -> set[int]:
    """Ids for child_of / parent_of: the given records and all their descendants / ancestors."""
    m = env.schema[model]
    if isinstance(value, str):
        start = {i for i in env.all_ids(model) if _like(value, env.name_of(model, i), True, True)}
    elif isinstance(value, (list, tuple)):
        start = {int(v) for v in value if v}
    elif value:
        start = {int(value)}
    else:
        start = set()
    parent = m.parent
    if not parent:
        return start
    out = set(start)
    if op == "child_of":
        frontier = set(start)
        while frontier:
            nxt = {i for i in env.all_ids(model) if env.value(model, i, parent) in frontier} - out
            out |= nxt
            frontier = nxt
    else:
        for i in start:
            seen = set()
            p = env.value(model, i, parent)
            while p and p not in seen:
                seen.add(p)
                out.add(p)
                p = env.value(model, p, parent)
    return out


def match_leaf(env: Env, model: str, rid: int, leaf: tuple) -> bool:
    if tuple(leaf) == TRUE_LEAF:
        return True
    if tuple(leaf) == FALSE_LEAF:
        return False
    left, op, right = leaf
    head, _, rest = left.partition(".")
    f = env.schema[model].fields[head]
    v = env.value(model, rid, head)

    if f.type in RELATIONAL:
        ids = list(v or []) if f.type != "many2one" else ([v] if v else [])
        if rest:
            return any(match_leaf(env, f.relation, r, (rest, op, right)) for r in ids)
        if op in ("any", "not any"):
            sub = parse(right)
            found = any(match(env, f.relation, r, sub) for r in ids)
            return found if op == "any" else not found
        if op in ("child_of", "parent_of"):
            targets = expand_hierarchy(env, f.relation, right, op)
            return any(r in targets for r in ids)
        if op == "=?":
            return True if _empty(right) else match_leaf(env, model, rid, (left, "=", right))
        values = right if isinstance(right, (list, tuple)) else [right]
        if any(isinstance(x, str) for x in values) and op not in ("<", ">", "<=", ">="):
            positive = {"!=": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}.get(op, op)
            names = [env.name_of(f.relation, r) for r in ids]
            hit = any(_str_op(positive, n, right) for n in names)
            return not hit if op in NEGATIVE else hit
        if op in ("=", "in"):
            wanted = {int(x) for x in values if x not in (False, None) and not isinstance(x, bool)}
            want_empty = any(x is False or x is None for x in values)
            return bool(set(ids) & wanted) or (want_empty and not ids)
        if op in ("!=", "not in"):
            unwanted = {int(x) for x in values if x not in (False, None) and not isinstance(x, bool)}
            exclude_empty = any(x is False or x is None for x in values)
            if exclude_empty and not ids:
                return False
            return not (set(ids) & unwanted)
        if op in ("<", ">", "<=", ">="):
            return any(_cmp(op, r, right) for r in ids) if right not in (False, None) else False
        if op in ("like", "ilike", "=like", "=ilike", "not like", "not ilike"):
            hit = any(_str_op(op.replace("not ", ""), env.name_of(f.relation, r), str(right)) for r in ids)
            return not hit if op.startswith("not") else hit
        raise ValueError(f"Invalid leaf {tuple(leaf)}")

    if rest:  # dotted path on a non-relational field
        raise ValueError(f"Wrong path {left}") if env.major < 18 else _field_error(env, model, left, leaf)
    if op in ("child_of", "parent_of"):
        if head == "id":
            return rid in expand_hierarchy(env, model, right, op)
        raise ValueError(f"Invalid leaf {tuple(leaf)}")
    if op == "=?":
        return True if _empty(right) else match_leaf(env, model, rid, (left, "=", right))
    v = None if v is False and f.type != "boolean" else v
    if f.type == "datetime" and isinstance(right, str) and len(right) == 10:
        right = right + (" 00:00:00")
    if op == "=":
        if right is False or right is None:
            return _empty(v) or (f.type == "boolean" and not v)
        if f.type == "boolean":
            return bool(v) == bool(right)
        return v is not None and _coerce(f.type, v) == _coerce(f.type, right)
    if op == "!=":
        if right is False or right is None:
            return not (_empty(v) or (f.type == "boolean" and not v))
        if f.type == "boolean":
            return bool(v) != bool(right)
        return v is None or v == "" and f.type in TEXTUAL or _coerce(f.type, v) != _coerce(f.type, right)
    if op in ("in", "not in"):
        has_false, concrete = _in_values(f.type, right)
        if f.type == "boolean":
            hit = bool(v) in concrete or (has_false and not v)
        else:
            hit = (v is not None and _coerce(f.type, v) in concrete) or (has_false and _empty(v))
        return hit if op == "in" else not hit
    if op in ("<", ">", "<=", ">="):
        if v is None or right is False or right is None:
            return False
        return _cmp(op, _coerce(f.type, v), _coerce(f.type, right))
    if op in ("like", "ilike", "=like", "=ilike", "not like", "not ilike"):
        if v is None or v == "":
            return op.startswith("not") or (op in ("like", "ilike") and right in ("", False) and v == "")
        hit = _str_op(op.replace("not ", ""), str(v), "" if right is False else str(right))
        return not hit if op.startswith("not") else hit
    if op in ("any", "not any"):
        raise ValueError(f"Invalid leaf {tuple(leaf)}")
    raise ValueError(f"Invalid leaf {tuple(leaf)}")


_IN_CACHE: dict[tuple[int, str], tuple[Any, bool, set]] = {}


def _in_values(ftype: str, right: Any) -> tuple[bool, set]:
    """(has False/None, the other values coerced) of an `in` leaf; a search evaluates the same leaf on every
    record, so it is computed once per leaf and search (`new_search` empties the cache, which holds `right`
    itself so that its id cannot be reused meanwhile)."""
    hit = _IN_CACHE.get((id(right), ftype))
    if hit is not None and hit[0] is right:
        return hit[1], hit[2]
    values = right if isinstance(right, (list, tuple, set)) else [right]
    has_false = any(x is False or x is None for x in values)
    concrete = {_coerce(ftype, x) for x in values if not (x is False or x is None)}
    _IN_CACHE[(id(right), ftype)] = (right, has_false, concrete)
    return has_false, concrete


def new_search() -> None:
    _IN_CACHE.clear()


def _cmp(op: str, a: Any, b: Any) -> bool:
    try:
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    except TypeError:
        return {"<": str(a) < str(b), ">": str(a) > str(b), "<=": str(a) <= str(b), ">=": str(a) >= str(b)}[op]


def _str_op(op: str, value: str, right: Any) -> bool:
    if op in ("=", "in"):
        values = right if isinstance(right, (list, tuple)) else [right]
        return value in values
    if op == "like":
        return _like(str(right), value, False, True)
    if op == "ilike":
        return _like(str(right), value, True, True)
    if op == "=like":
        return _like(str(right), value, False, False)
    if op == "=ilike":
        return _like(str(right), value, True, False)
    return False
