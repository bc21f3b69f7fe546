"""Print the CLI reference (docs/cli.md) from the commands' own --help.

Run ``python -m mend.cli.reference > docs/cli.md``; tests/test_cli_reference.py fails when
the file drifts from the commands.
"""

from __future__ import annotations

import typer
from typer.testing import CliRunner

_ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}


def _paths(command, path: list[str]):
    yield path
    for name in sorted(getattr(command, "commands", {}) or {}):
        yield from _paths(command.commands[name], [*path, name])


def render() -> str:
    from mend.cli import app

    runner = CliRunner()
    out = ["# `mend` CLI reference", "", "Generated from `--help` by `python -m mend.cli.reference`; do not edit.", ""]
    for path in _paths(typer.main.get_command(app), []):
        result = runner.invoke(app, [*path, "--help"], env=_ENV, prog_name="mend")
        out += [f"## `{' '.join(['mend', *path])}`", "", "```text"]
        out += [line.rstrip() for line in result.output.strip("\n").splitlines()]
        out += ["```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
