"""Property tests: no input makes the parser or loader fail with anything but ArcErrors,
and any structure written as .arc text reads back as that structure.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arc2tf import parse
from arc2tf.errors import ArcErrors
from arc2tf.manifest import load_project
from arc2tf.parse import parse_arc

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BASES = [
    "@app\nmy-app\n\n@http\nget /\npost /things/:id\nget /files/*\n\n@ws\njoin\n\n@static\nfolder public\n",
    "@app\nx # name\n@aws\nregion us-east-1\nlayers\n  arn:aws:lambda:us-east-1:1:layer:a:1\n@tables\n"
    "data\n  pk *String\n  sk **String\n  stream true\n",
    "@app\ny\n@env\ntesting\n  FOO bar\n  LIST a b c\nstaging\n  X 1\n"
    "@cats\nm\n  house\n    tabby\n    tortoise\n",
    "@app\nz\n@p\n\"quoted # text\" 'single' `tick`\n-1.5 0x1F true false\nvec\n\tone\n\ttwo\n",
]
FRAGMENTS = [
    "@",
    "@http",
    "#",
    "# c",
    "\n",
    "\r\n",
    "\r",
    "  ",
    "    ",
    "\t",
    " ",
    '"',
    "'",
    "`",
    "\\",
    "{",
    "}",
    "<",
    ";",
    "🤠",
    "é",
    "\x00",
    "\ufeff",
    "\u2028",
    "\xa0",
    "true",
    "false",
    "-",
    "1e9",
    "0x",
    "key value",
    "\n  k v",
    "\n    v",
    "\n  lonely",
]


def outcome(text: str) -> Any:
    """The parse, or the error's identity; anything else escaping is a test failure."""
    try:
        pragmas = parse_arc(text, "app.arc")
    except ArcErrors as exc:
        assert exc.errors and all(e.kind == "manifest" and e.file == "app.arc" and e.hint for e in exc.errors)
        return [(e.parser_error, e.line, e.column) for e in exc.errors]
    for pragma in pragmas:
        for item in pragma.items:
            assert is_arc_shape(item.value)
            assert item.line is not None and item.line >= pragma.line
    return pragmas


def is_arc_shape(value: Any) -> bool:
    """Architect's parser JSON shape: scalar, array of scalars, vector, or map."""
    scalar = (str, int, float, bool)
    if isinstance(value, scalar):
        return True
    if isinstance(value, list):
        return all(isinstance(v, scalar) for v in value)
    if isinstance(value, dict) and len(value) == 1:
        (inner,) = value.values()
        if isinstance(inner, list):
            return all(isinstance(v, scalar) for v in inner)
        return isinstance(inner, dict) and all(
            isinstance(v, scalar) or (isinstance(v, list) and all(isinstance(x, scalar) for x in v))
            for v in inner.values()
        )
    return False


@SETTINGS
@given(st.text())
def test_any_text_parses_or_raises_arc_errors(text: str) -> None:
    outcome(text)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(BASES))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "indent", "crlf", "tabs", "quote", "comment"]))
        at = draw(st.integers(0, len(text)))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(FRAGMENTS)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
        elif op == "indent":
            lines = text.split("\n")
            index = draw(st.integers(0, len(lines) - 1))
            lines[index] = " " * draw(st.integers(0, 6)) + lines[index].lstrip(" ")
            text = "\n".join(lines)
        elif op == "crlf":
            text = text.replace("\n", "\r\n")
        elif op == "tabs":
            text = text.replace("  ", "\t")
        elif op == "quote":
            text = text[:at] + draw(st.sampled_from(['"', "'", "`"])) + text[at:]
        else:
            text = text[:at] + "#" + text[at:]
    return text


@SETTINGS
@given(mutated())
def test_mutated_manifests_parse_or_raise_arc_errors(text: str) -> None:
    outcome(text)


@SETTINGS
@given(st.one_of(mutated(), st.lists(st.sampled_from(FRAGMENTS + ["a", "b", "1"]), max_size=40).map("".join)))
def test_plain_line_shortcut_agrees_with_the_full_scanner(text: str) -> None:
    def lines() -> Any:
        try:
            return parse._Lines(text, "app.arc").lines
        except ArcErrors as exc:
            return [(e.parser_error, e.line, e.column) for e in exc.errors]

    fast = lines()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "_PLAIN_LINE", re.compile(r"(?!)"))
        assert lines() == fast


@st.composite
def encoded_files(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(["app.arc", "arc.json", "arc.yaml", "package.json", "prefs.arc", ".env"]))
    if draw(st.booleans()):
        return name, draw(st.binary(max_size=300))
    text = draw(st.one_of(mutated(), st.text(max_size=200)))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "utf-8-sig", "latin-1", "cp1252", "utf-32"]))
    return name, text.encode(encoding, errors="replace")


@SETTINGS
@given(encoded_files())
def test_any_bytes_in_any_project_file_load_or_raise_arc_errors(file: tuple[str, bytes]) -> None:
    name, content = file
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if name in ("prefs.arc", ".env"):
            (root / "app.arc").write_text("@app\nx\n", encoding="utf-8")
        (root / name).write_bytes(content)
        try:
            project = load_project(root, home=root / "home")
        except ArcErrors as exc:
            assert exc.errors and all(e.kind in ("manifest", "plugin") and e.message for e in exc.errors)
            return
        if project.manifest is not None:
            for pragma in project.manifest.pragmas:
                json.dumps([i.value for i in pragma.items], allow_nan=True)  # plain JSON data


# --- round trip ---------------------------------------------------------------

# (st.from_regex is slow to draw from; characters from alphabets are not.)
NAMES = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("abcxyzABC_/*$"),
    st.text(alphabet="abcxyz019_./:*$-", max_size=8),
).filter(lambda s: s not in ("true", "false"))
SCALARS = st.one_of(
    NAMES,
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.integers(-400, 400).map(lambda n: n / 4),
    st.text(alphabet="ab #@{};", min_size=1, max_size=8),  # needs quotes
)


def render_scalar(value: Any, quote: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if re.fullmatch(r"[a-zA-Z0-9_./:*$-]+", value):
        return value
    return quote + value + quote


ITEMS = st.one_of(
    st.tuples(st.just("scalar"), SCALARS),
    st.tuples(st.just("array"), st.lists(SCALARS, min_size=2, max_size=4)),
    st.tuples(st.just("vector"), NAMES, st.lists(SCALARS, min_size=1, max_size=4)),
    st.tuples(
        st.just("map"),
        NAMES,
        st.dictionaries(
            NAMES, st.one_of(SCALARS, st.lists(SCALARS, min_size=2, max_size=4)), min_size=1, max_size=5
        ),
    ),
)
PRAGMA_NAMES = st.builds(lambda first, rest: first + rest, st.sampled_from("abcxyz"),
                         st.text(alphabet="abz09_-", max_size=6))
MANIFESTS = st.dictionaries(PRAGMA_NAMES, st.lists(ITEMS, max_size=4), min_size=1, max_size=3)


def render(manifest: dict[str, list[Any]], quote: str, indent: str, newline: str, comments: bool) -> str:
    lines: list[str] = []
    note = " # note" if comments else ""
    for pragma, items in manifest.items():
        lines.append(f"@{pragma}{note}")
        for item in items:
            kind = item[0]
            if kind == "scalar":
                lines.append(render_scalar(item[1], quote) + note)
            elif kind == "array":
                lines.append(" ".join(render_scalar(v, quote) for v in item[1]) + note)
            elif kind == "vector":
                lines.append(item[1] + note)
                lines.extend(indent + render_scalar(v, quote) + note for v in item[2])
            else:
                lines.append(item[1])
                for key, value in item[2].items():
                    values = value if isinstance(value, list) else [value]
                    lines.append(
                        indent + key + " " + " ".join(render_scalar(v, quote) for v in values) + note
                    )
            if comments:
                lines.append("")
    return newline.join(lines) + newline


def expected(manifest: dict[str, list[Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for pragma, items in manifest.items():
        values: list[Any] = []
        for item in items:
            if item[0] in ("scalar", "array"):
                values.append(item[1])
            elif item[0] == "vector":
                values.append({item[1]: item[2]})
            else:
                values.append({item[1]: dict(item[2])})
        out[pragma] = values
    return out


# Drawing these nested structures costs hypothesis far more than parsing them.
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    MANIFESTS,
    st.sampled_from(['"', "'", "`"]),
    st.sampled_from(["  ", "\t"]),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_round_trip_structure_to_arc_text_and_back(
    manifest: dict[str, list[Any]], quote: str, indent: str, newline: str, comments: bool
) -> None:
    text = render(manifest, quote, indent, newline, comments)
    warnings: list[Any] = []
    pragmas = parse_arc(text, "app.arc", warnings)
    assert warnings == []
    assert {p.name: [i.value for i in p.items] for p in pragmas} == expected(manifest)
    assert [p.name for p in pragmas] == list(manifest)
