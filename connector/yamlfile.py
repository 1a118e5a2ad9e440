"""Load a YAML file into a pydantic model, turning every problem into a ConfigError naming file and key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from connector.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
# A value under such a key is a secret, or may be one written in the wrong place: never echoed in a message
# (relance.yaml also refuses it inline, connector/config.py).
SECRET_KEY = re.compile(r"(password|passwd|api_?key|secret|token|credential)", re.IGNORECASE)


def key_path(loc: tuple) -> str:
    """('segments', 0, 'levels', 2, 'channel') -> 'segments[0].levels[2].channel'."""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad dict key: the key itself is already in the path
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def validation_problems(exc: ValidationError, tags: frozenset[str] = frozenset()) -> list[str]:
    """One line per problem, `key.path: what is wrong`. `tags`: the values of a discriminated union's tag
    (`system: odoo`), which pydantic puts in the location and a reader would take for a key."""
    problems = []
    errors = exc.errors(include_url=False)
    for err in errors:
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (p.startswith(("function-", "tagged-union"))
                                                                         or p in tags)))
        if err["type"] == "too_short" and any(len(o["loc"]) > len(err["loc"]) and o["loc"][:len(err["loc"])] == err["loc"]
                                              for o in errors):
            continue  # "at least 1 item after validation": its only item failed, which is reported already
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif (err["type"] != "value_error" and isinstance(err.get("input"), (str, int, float, bool))
              and repr(err["input"]) not in msg  # our own value errors word their message and never echo secrets
              and not any(isinstance(p, str) and SECRET_KEY.search(p) for p in loc)):  # `password_env: 839201`
            msg += f" (got {err['input']!r})"
        problems.append(f"{key_path(loc)}: {msg}")
    return problems


def read_yaml(path: Path | str) -> object:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read file: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(path), f"{where}malformed YAML: {problem}") from None


def load_model(path: Path | str, model: type[M], context: dict | None = None, tags: frozenset[str] = frozenset()) -> M:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(str(path), "expected a mapping of keys at the top level")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ConfigError(str(path), validation_problems(exc, tags)) from None
