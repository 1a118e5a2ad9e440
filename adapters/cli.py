"""The `relance` command: the core's CLI with the installed adapters and the demo plugged in. The console script
(pyproject.toml) and `python -m adapters.cli` start here; the core itself never imports an adapter."""

from __future__ import annotations

import sys

from connector import cli


def main(argv: list[str] | None = None) -> int:
    from adapters import demo
    from adapters.registry import SYSTEMS

    return cli.main(argv, SYSTEMS, demo)


if __name__ == "__main__":
    sys.exit(main())
