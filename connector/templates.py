"""Where the texts are: `<root>/<lang>/<template>[.<tone>][.consumer].txt` and each language's `_phrases.yaml`,
looked up in the integrator's templates directory (relance.yaml `templates:`) before the shipped ones.

A template is plain `string.Template` text whose first line is `Subject: ...`: no expression language, so an
integrator edits words, not code. The language falls back from the customer's (`fr_BE`) to its family (`fr_*`),
then English. For a consumer, `<name>.consumer.txt` wins over any tone: the texts that cite the law between
professionals have their own. Phrases (salutations, the penalty sentence per jurisdiction, table headings) merge
English, then the family, then the language itself, the integrator's over the shipped ones key by key.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template

import yaml

from connector.errors import ConfigError

FALLBACK_LANG = "en_US"
SHIPPED = Path(str(resources.files("mappings") / "templates"))


@dataclass(frozen=True)
class Table:
    """The items of a message: a table in a letter and an e-mail, one line per item in plain text."""

    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...]  # the last row: a label and the totals, aligned under the amount column
    lines: tuple[str, ...]  # the same items as sentences, for plain text
    numeric: tuple[bool, ...] = ()  # columns aligned right


@dataclass(frozen=True)
class Rendered:
    subject: str
    blocks: tuple[str | Table, ...]  # paragraphs (single newlines kept) and the items table where `$items` was
    lang: str = FALLBACK_LANG
    path: str = ""  # the template file, for messages about it
    phrases: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def text(self) -> str:
        return "\n\n".join("\n".join(b.lines) if isinstance(b, Table) else b for b in self.blocks)

    @property
    def html(self) -> str:
        out = []
        for b in self.blocks:
            if isinstance(b, Table):
                out.append(_html_table(b))
            else:
                out.append(f"<p>{html.escape(b).replace(chr(10), '<br/>')}</p>")
        return "".join(out)


def _html_table(t: Table) -> str:
    def cells(row: Sequence[str], tag: str) -> str:
        return "".join(f'<{tag} style="padding:2px 8px;text-align:{"right" if num else "left"}">{html.escape(c)}</{tag}>'
                       for c, num in zip(row, t.numeric or [False] * len(row)))
    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in t.rows)
    return (f'<table style="border-collapse:collapse"><thead><tr>{cells(t.head, "th")}</tr></thead>'
            f"<tbody>{body}</tbody><tfoot><tr>{cells(t.total, 'th')}</tr></tfoot></table>")


@dataclass(frozen=True)
class Library:
    """The template roots of a tenant, the integrator's first; the shipped texts always come last."""

    roots: tuple[Path, ...] = ()

    @classmethod
    def of(cls, directory: str | Path | None) -> Library:
        return cls(roots=(Path(directory),) if directory else ())

    @property
    def all_roots(self) -> tuple[Path, ...]:
        return (*self.roots, SHIPPED)

    def languages(self) -> list[str]:
        return sorted({p.name for root in self.all_roots if root.is_dir() for p in root.iterdir() if p.is_dir()})

    def _chain(self, lang: str | None) -> list[str]:
        """The folders to look in, most specific first: the language, its family, English."""
        out: list[str] = []
        for candidate in (lang, (lang or "")[:2], FALLBACK_LANG):
            if not candidate:
                continue
            for folder in (candidate, *self._family(candidate)):
                if folder not in out:
                    out.append(folder)
        return out

    def _family(self, prefix: str) -> list[str]:
        return [name for name in self.languages() if name.startswith(prefix)]

    def find(self, name: str, lang: str | None, tone: str | None = None, debtor: str = "professional") -> Path:
        """Per language: a consumer's own text first (any root: the law decides), then the integrator's texts before
        the shipped ones, the tone's variant before the plain one within each root."""
        toned = [f"{name}.{tone}.txt"] if tone else []
        groups = [[*(f"{name}.{tone}.consumer.txt" for _ in toned), f"{name}.consumer.txt"]] if debtor == "consumer" else []
        groups.append([*toned, f"{name}.txt"])
        for folder in self._chain(lang):
            for files in groups:
                for root in self.all_roots:
                    for file in files:
                        path = root / folder / file
                        if path.is_file():
                            return path
        raise ConfigError(str(self.all_roots[0] / FALLBACK_LANG / f"{name}.txt"),
                          f"no template {name!r} for language {lang or FALLBACK_LANG}")

    def phrases(self, lang: str | None) -> dict:
        return _phrases(self.all_roots, tuple(reversed(self._chain(lang))))


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


@functools.lru_cache(maxsize=64)
def _phrases(roots: tuple[Path, ...], chain: tuple[str, ...]) -> dict:
    out: dict = {}
    for folder in chain:  # English first, the language itself last
        for root in reversed(roots):  # the shipped texts, then the integrator's
            path = root / folder / "_phrases.yaml"
            if not path.is_file():
                continue
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise ConfigError(str(path), f"not valid YAML: {exc}") from None
            if not isinstance(data, dict):
                raise ConfigError(str(path), "must be a mapping of phrase names to texts")
            out = _merge(out, data)
    return out


def phrase(phrases: dict, dotted: str, default: str | None = None) -> str:
    """A phrase by its dotted name (`steps.agency`); a jurisdiction's own wording falls back to `.default`."""
    node: object = phrases
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            if default is not None:
                return default
            raise ConfigError("_phrases.yaml", f"no phrase {dotted!r}")
        node = node[part]
    if not isinstance(node, str):
        raise ConfigError("_phrases.yaml", f"phrase {dotted!r} must be a text")
    return node


def fill(text: str, values: dict[str, str], where: str) -> str:
    try:
        return Template(text).substitute(values)
    except (KeyError, ValueError) as exc:
        raise ConfigError(where, f"unknown or malformed placeholder {exc}") from None


def split_template(path: Path) -> tuple[str, str]:
    """(subject, body) of a template file."""
    raw = path.read_text(encoding="utf-8")
    first, _, body = raw.partition("\n")
    if not first.startswith("Subject:"):
        raise ConfigError(str(path), "the first line must be 'Subject: ...'")
    return first.removeprefix("Subject:").strip(), body.strip()
