"""HCL literals and `terraform fmt` layout for the generated Terraform.

Two jobs, both pure string work:

* `literal(value)` turns Python data (str, bool, int, None, lists, dicts) into
  an HCL expression. Strings are quoted so that nothing in them is read as a
  template: a literal `${` becomes `$${` and `%{` becomes `%%{`.
* `canonical(text)` lays out rendered Terraform the way `terraform fmt` does
  for the subset of HCL the templates produce: two-space indentation by
  bracket depth, `=` of consecutive one-line attributes aligned, no trailing
  blanks, at most one empty line in a row. The templates can then focus on
  reading like Terraform instead of on column counting, and the golden tests
  prove the result with `terraform fmt -check`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


def quote(text: str) -> str:
    """A double-quoted HCL string whose value is exactly `text` (no interpolation)."""
    if _NEEDS_ESCAPE.search(text) is None:
        body = text  # the common case: nothing to escape character by character
    else:
        out = []
        for ch in text:
            if ch in _ESCAPES:
                out.append(_ESCAPES[ch])
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        body = "".join(out)
    # Template sequences start with `${` and `%{`; doubling the sigil makes them literal.
    body = body.replace("${", "$${").replace("%{", "%%{")
    return f'"{body}"'


def key(name: str) -> str:
    """An object key: bare where HCL allows it, quoted otherwise."""
    if _IDENTIFIER.match(name) and name not in ("true", "false", "null"):
        return name
    return quote(name)


def literal(value: Any) -> str:
    """An HCL expression for plain data. Dicts keep their order (callers sort)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key(k)} = {literal(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no HCL literal for {type(value).__name__}")


# What matters to bracket counting, outside strings and inside them. The scanner jumps
# from one of these to the next (regex search) instead of stepping through every
# character: rendering a 3,000-route app spent most of its time here.
_OUTSIDE_TOKEN = re.compile(r'[#"{}\[\]()]')
_STRING_TOKEN = re.compile(r'\\.|\$\$\{|%%\{|\$\{|[{}"]', re.S)
_OPENERS, _CLOSERS = "{[(", "}])"


def _bracket_change(line: str) -> int:
    """Net bracket change of one line, counted as hclwrite counts it.

    Brackets inside quoted strings do not count; an interpolation `${ ... }`
    is balanced within one line in everything arc2tf generates.
    """
    if '"' not in line and "#" not in line:
        return sum(map(line.count, _OPENERS)) - sum(map(line.count, _CLOSERS))
    depth = 0
    i = 0
    while (m := _OUTSIDE_TOKEN.search(line, i)) is not None:
        ch = m.group()
        i = m.end()
        if ch == "#":
            break
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth -= 1
        else:  # a string: skip to its closing quote
            interp = 0  # depth of `${ ... }` we are in; a quote inside one does not end the string
            while (t := _STRING_TOKEN.search(line, i)) is not None:
                tok = t.group()
                i = t.end()
                if tok[0] == "\\":
                    continue
                if interp:
                    if tok == "}":
                        interp -= 1
                    elif tok.endswith("{"):
                        interp += 1
                elif tok == "${":
                    interp = 1
                elif tok == '"':
                    break
            else:
                return depth  # unterminated string: nothing after it counts
    return depth


def _assignment(line: str) -> tuple[str, str, bool] | None:
    """(key, value, one_line) when the line is a `key = value` attribute.

    `one_line` is False where the value opens a multi-line expression; fmt
    aligns only one-line attributes.
    """
    m = re.match(r'^("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.*)$', line)
    if not m or m.group(2).startswith(("=", ">")):  # `==` compares, `=>` belongs to a `for`
        return None
    return m.group(1), m.group(2), _bracket_change(m.group(2)) == 0


def canonical(text: str) -> str:
    """Re-indent and align `text` as `terraform fmt` would (for arc2tf's HCL subset).

    Indentation follows hclwrite's rule: a line that opens brackets (net) indents
    the lines after it by one level however many it opens; a line that closes
    them goes back to the level where they were opened.
    """
    lines: list[str] = []
    indents: list[int] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped:
            # At most one empty line in a row, and none right after an opening line.
            if lines and lines[-1] != "" and _bracket_change(lines[-1]) <= 0:
                lines.append("")
            continue
        net = _bracket_change(stripped)
        if net > 0:
            level = len(indents)
            indents.append(net)
        elif net < 0:
            closed = -net
            while closed > 0 and indents:
                if closed >= indents[-1]:
                    closed -= indents.pop()
                else:
                    indents[-1] -= closed
                    closed = 0
            level = len(indents)
            if lines and lines[-1] == "":  # no empty line right before a closing one
                lines.pop()
        else:
            level = len(indents)
        lines.append("  " * level + stripped)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(_align(lines)) + "\n"


def _align(lines: list[str]) -> list[str]:
    out = list(lines)
    chain: list[tuple[int, str, str, str]] = []

    def close() -> None:
        if chain:
            width = max(len(indent) + len(k) for _, indent, k, _ in chain)
            for idx, indent, k, rest in chain:
                out[idx] = f"{indent}{k}{' ' * (width - len(indent) - len(k) + 1)}= {rest}"
            chain.clear()

    for idx, line in enumerate(lines):
        stripped = line.lstrip(" ")
        found = _assignment(stripped) if stripped and not stripped.startswith("#") else None
        indent = line[: len(line) - len(stripped)]
        if found is None or not found[2]:
            close()
            if found is not None:
                out[idx] = f"{indent}{found[0]} = {found[1]}"
            continue
        chain.append((idx, indent, found[0], found[1]))
    close()
    return out
