"""Print errors and warnings the way compilers do: `file:line:col: error: message`,
then the source line and a caret, then the hint.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import click

from arc2tf.errors import ArcError, ArcWarning


def use_colour(stream) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to a non-empty value (no-color.org)."""
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


_use_colour = use_colour


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as messages show it: relative to the cwd when it is below it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        rel = absolute.relative_to(Path.cwd())
    except ValueError:
        return str(absolute)
    return rel.as_posix() if str(rel) != "." else "."


@cache
def _source_lines(path: str) -> tuple[str, ...]:
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ()
    return tuple(text.replace("\r\n", "\n").split("\n"))


def _excerpt(file: str | None, line: int | None, column: int | None) -> list[str]:
    if not file or not line:
        return []
    lines = _source_lines(file)
    if line > len(lines):
        return []
    raw = lines[line - 1]
    out = [f"  {line:>4} | " + raw.replace("\t", "  ")]
    if column:
        out.append("       | " + _caret_pad(raw, column) + "^")
    return out


def _caret_pad(raw: str, column: int) -> str:
    """Spaces up to `column` under the excerpt: columns count UTF-16 units and a tab as one,
    but the excerpt shows a tab as two spaces."""
    pad: list[str] = []
    units = 0
    for char in raw:
        if units >= column - 1:
            break
        units += 2 if ord(char) > 0xFFFF else 1
        pad.append("  " if char == "\t" else " ")
    return "".join(pad) + " " * max(0, column - 1 - units)


def format_diagnostic(severity: str, diag: ArcError | ArcWarning, colour: bool = False) -> str:
    where = diag.location()
    label = severity
    if colour:
        label = click.style(severity, fg="red" if severity == "error" else "yellow", bold=True)
    head = f"{where}: {label}: {diag.message}" if where else f"{label}: {diag.message}"
    lines = [head, *_excerpt(diag.file, diag.line, diag.column)]
    if diag.hint:
        lines.append(f"  hint: {diag.hint}")
    return "\n".join(lines)


def print_errors(errors: Iterable[ArcError]) -> None:
    errors = list(errors)
    colour = use_colour(sys.stderr)
    for err in errors:
        click.echo(format_diagnostic("error", err, colour), err=True)
    if len(errors) > 1:
        click.echo(f"{len(errors)} errors", err=True)


def print_warnings(warnings: Iterable[ArcWarning]) -> None:
    colour = use_colour(sys.stderr)
    for w in warnings:
        click.echo(format_diagnostic("warning", w, colour), err=True)
