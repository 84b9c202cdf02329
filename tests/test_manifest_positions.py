"""JSON and YAML manifests point their errors at file:line:column, as app.arc does.

arc.json, arc.yaml and package.json (`arc`, then `architect`) give every pragma
its key's position and every item where it starts (an array element, or an
object entry's key); columns count as the .arc parser counts them (1-based,
UTF-16 code units, a tab is one column). The values they load are the ones the
loader gave before positions existed: the property tests below compare against
a frozen copy of that loader (`_reference`).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arc2tf.errors import ArcErrors
from arc2tf.manifest import (
    _JSON_ARC,
    _JSON_CONVERT,
    _JSON_PASS_THROUGH,
    Manifest,
    _as_json,
    _js_entries,
    _js_int,
    _js_json_float,
    _js_truthy,
    _reject_constant,
    _YamlLoader,
    load_project,
)

ARC2TF = [sys.executable, "-m", "arc2tf"]


# --- the same mistakes in every manifest form, through the CLI ------------------------------

# Each case: the arc.json text, the arc.yaml text, and what arc2tf says (after "file:line:col: ").
CASES: dict[str, tuple[str, str, str]] = {
    "bad @http method": (
        '{\n  "app": "demo",\n  "http": [\n    ["get", "/"],\n    ["fetch", "/things"]\n  ]\n}\n',
        "app: demo\nhttp:\n  - [get, /]\n  - [fetch, /things]\n",
        "error: Invalid @http method: fetch /things",
    ),
    "bad @ws action": (
        '{\n  "app": "demo",\n  "ws": [\n    "join",\n    "no spaces allowed"\n  ]\n}\n',
        "app: demo\nws:\n  - join\n  - no spaces allowed\n",
        "error: Invalid @ws item: 'no spaces allowed' must match /^[a-zA-Z0-9/\\-._]*$/",
    ),
    "bad @aws setting": (
        '{\n  "app": "demo",\n  "aws": {\n    "region": "us-west-2",\n    "memory": 5\n  }\n}\n',
        "app: demo\naws:\n  region: us-west-2\n  memory: 5\n",
        "error: Invalid Lambda memory setting: 5 MB (@aws), memory must be between 128 - 10240 MB",
    ),
    "bad @static setting": (
        '{\n  "app": "demo",\n  "static": {\n    "folder": "public",\n'
        '    "fingerprint": "sometimes"\n  }\n}\n',
        "app: demo\nstatic:\n  folder: public\n  fingerprint: sometimes\n",
        "error: Fingerprint must be true or 'external'",
    ),
    "duplicate route": (
        '{\n  "app": "demo",\n  "http": [\n    ["get", "/things"],\n    ["post", "/things"],\n'
        '    ["GET", "/things"]\n  ]\n}\n',
        "app: demo\nhttp:\n  - [get, /things]\n  - [post, /things]\n  - [GET, /things]\n",
        "error: Duplicate @http routes item: get /things",
    ),
    # A problem inside a map item is reported at the item (its key), as app.arc reports it
    # at the map's name line: items carry one position each.
    "bad method inside a map item": (
        '{\n  "app": "demo",\n  "http": {\n    "/things": {"method": "fetch"}\n  }\n}\n',
        "app: demo\nhttp:\n  /things:\n    method: fetch\n",
        "error: Invalid @http method: fetch /things",
    ),
}

# Where each form reports each case: arc.json, arc.yaml, package.json.
WHERE = {
    "bad @http method": ("5:5", "4:5", "8:7"),
    "bad @ws action": ("5:5", "4:5", "8:7"),
    "bad @aws setting": ("5:5", "4:3", "8:7"),
    "bad @static setting": ("5:5", "4:3", "8:7"),
    "duplicate route": ("6:5", "5:5", "9:7"),
    "bad method inside a map item": ("4:5", "3:3", "7:7"),
}


def package_json(arc_json: str, key: str) -> str:
    """The arc.json text as package.json's `key`, indented one level (2 columns, 3 lines down)."""
    first, *rest = arc_json.rstrip("\n").split("\n")
    body = "\n".join([first, *("  " + line for line in rest)])
    return f'{{\n  "name": "demo",\n  "private": true,\n  "{key}": {body}\n}}\n'


def inspect(project: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([*ARC2TF, "inspect"], cwd=project, capture_output=True, text=True, env=env)


FORMS = ["arc.json", "arc.yaml", "package.json arc", "package.json architect"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", list(CASES))
def test_errors_point_at_the_offending_value(tmp_path: Path, case: str, form: str) -> None:
    json_text, yaml_text, message = CASES[case]
    json_at, yaml_at, package_at = WHERE[case]
    if form == "arc.json":
        name, text, where = "arc.json", json_text, json_at
    elif form == "arc.yaml":
        name, text, where = "arc.yaml", yaml_text, yaml_at
    else:
        name, text, where = "package.json", package_json(json_text, form.split()[1]), package_at
    (tmp_path / name).write_text(text)
    result = inspect(tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    head, source, caret, *_ = result.stderr.splitlines()
    assert head == f"{name}:{where}: {message}"
    # The excerpt shows that line, the caret sits under the value's first character.
    line, column = map(int, where.split(":"))
    assert source == f"  {line:>4} | {text.splitlines()[line - 1]}"
    assert caret == "       | " + " " * (column - 1) + "^"


@pytest.mark.parametrize(
    ("name", "text", "shown", "caret"),
    [
        # A tab is one column and shows as two spaces: the caret follows the shown line.
        ("arc.json", '{\n\t"app": "demo",\n\t"http": [\n\t\t["fetch", "/"]\n\t]\n}\n',
         '     4 |     ["fetch", "/"]', "       |     ^"),
        ("app.arc", "@app\ndemo\n@http\nget /\n\t\nfetch /x\n", "     6 | fetch /x", "       | ^"),
        # U+1F600 is two columns (UTF-16 units) but one character of the shown line.
        ("arc.json", '{"app": "demo", "x": "\U0001f600", "http": [["fetch", "/"]]}',
         '     1 | {"app": "demo", "x": "\U0001f600", "http": [["fetch", "/"]]}',
         "       | " + " " * 35 + "^"),
    ],
)
def test_caret_sits_under_the_reported_column(tmp_path: Path, name: str, text: str, shown: str,
                                              caret: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = inspect(tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[1:3] == [shown, caret]


def test_package_json_reports_at_its_architect_key_when_arc_is_falsy(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{\n  "arc": "",\n  "architect": {\n    "app": "demo",\n'
                                           '    "ws": ["ok", "not ok"]\n  }\n}\n')
    result = inspect(tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith("package.json:5:18: error: Invalid @ws item: 'not ok'")


def test_function_config_json_and_yaml_point_at_the_setting(tmp_path: Path) -> None:
    (tmp_path / "app.arc").write_text("@app\ndemo\n@http\nget /\n")
    handler = tmp_path / "src" / "http" / "get-index"
    handler.mkdir(parents=True)
    (handler / "index.mjs").write_text("export const handler = async () => ({})\n")
    (handler / "arc-config.json").write_text('{\n  "aws": {\n    "timeout": 1,\n    "memory": 5\n  }\n}\n')
    result = inspect(tmp_path)
    assert result.stderr.startswith("src/http/get-index/arc-config.json:4:5: error: Invalid Lambda memory")
    (handler / "arc-config.json").unlink()
    (handler / "config.yaml").write_text("aws:\n  timeout: 1\n  memory: 5\n")
    result = inspect(tmp_path)
    assert result.stderr.startswith("src/http/get-index/config.yaml:3:3: error: Invalid Lambda memory")


# --- positions of pragmas and items -----------------------------------------------------------


def load(folder: Path, files: dict[str, str]) -> Manifest:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    manifest = load_project(folder, home=folder / "no-home").manifest
    assert manifest is not None
    return manifest


def positions(manifest: Manifest) -> dict[str, tuple[tuple[int | None, int | None], list[tuple]]]:
    return {p.name: ((p.line, p.column), [(i.line, i.column) for i in p.items]) for p in manifest.pragmas}


def test_json_positions_of_every_shape(tmp_path: Path) -> None:
    text = (
        '{"app": "demo",\n'
        ' "http": {"get /": {}, "post /x": "src/x",\n'
        '          "/y": {"method": "put"}},\n'
        ' "ws": ["join", ["a", "b"], {"leave": "src/leave"}],\n'
        ' "aws": {"region": "us-east-1", "layers": ["arn:1"]},\n'
        ' "macros": ["m"], "custom": {"k": 1}, "dropped": 5}\n'
    )
    assert positions(load(tmp_path, {"arc.json": text})) == {
        "app": ((1, 2), [(1, 9)]),
        "http": ((2, 2), [(2, 11), (2, 24), (3, 11)]),
        "ws": ((4, 2), [(4, 9), (4, 17), (4, 29)]),
        "aws": ((5, 2), [(5, 10), (5, 33)]),
        "macros": ((6, 2), [(6, 13)]),
        "custom": ((6, 19), [(6, 30)]),
    }


def test_json_repeated_key_is_at_its_last_occurrence_as_its_value_is(tmp_path: Path) -> None:
    text = '{"app": "demo",\n "aws": {"memory": 1024,\n  "memory": 5}}\n'
    manifest = load(tmp_path, {"arc.json": text})
    assert manifest.to_json()["aws"] == [["memory", 5]]
    assert positions(manifest)["aws"] == ((2, 2), [(3, 3)])


def test_json_columns_count_utf16_units_and_tabs_as_one(tmp_path: Path) -> None:
    # U+1F600 is two UTF-16 units; "é" one; a tab one column, as in app.arc.
    text = '{"app": "\U0001f600é",\t"ws": ["x"]}'
    assert positions(load(tmp_path, {"arc.json": text}))["ws"] == ((1, 16), [(1, 23)])


def test_json_escaped_keys_and_crlf(tmp_path: Path) -> None:
    text = '{\r\n  "app": "demo",\r\n  "h\\u0074tp": {\r\n    "get /\\"q\\"": {}, "\\/x": {}\r\n  }\r\n}'
    manifest = load(tmp_path, {"arc.json": text})
    assert manifest.to_json()["http"] == ['get /"q"', "/x"]
    assert positions(manifest)["http"] == ((3, 3), [(4, 5), (4, 23)])


def test_package_json_positions_are_inside_its_key(tmp_path: Path) -> None:
    text = '{"name": "p",\n "arc": {\n   "app": "demo",\n   "http": [["get", "/"]]}}\n'
    assert positions(load(tmp_path, {"package.json": text})) == {
        "app": ((3, 4), [(3, 11)]),
        "http": ((4, 4), [(4, 13)]),
    }


def test_yaml_positions_block_flow_anchors_and_merge_keys(tmp_path: Path) -> None:
    text = (
        "app: demo  # a comment\n"
        "base: &base\n"
        "  memory: 512\n"
        "aws:\n"
        "  <<: *base\n"
        "  region: us-east-1\n"
        "http: {get /: {}, /x: {method: put}}\n"
        "ws:\n"
        "- join\n"
        "- [a, b]\n"
        "tables:\n"
        "  - data: {id: '*String'}\n"
    )
    manifest = load(tmp_path, {"arc.yaml": text})
    assert manifest.to_json()["aws"] == [["memory", 512], ["region", "us-east-1"]]
    assert positions(manifest) == {
        "app": ((1, 1), [(1, 6)]),
        "base": ((2, 1), [(3, 3)]),
        "aws": ((4, 1), [(3, 3), (6, 3)]),  # a merged setting is where its anchor defines it
        "http": ((7, 1), [(7, 8), (7, 19)]),
        "ws": ((8, 1), [(9, 3), (10, 3)]),
        "tables": ((11, 1), [(12, 5)]),
    }


@pytest.mark.parametrize(
    "text",
    [
        "app: x\nset: !!set {a, b}\nomap: !!omap [a: 1, b: 2]\npairs: !!pairs [a: 1, a: 2]\n",
        "app: x\nhttp:\n  ? get /\n  : {}\n  1: one\n  true: t\n  2001-01-01: d\n",
        "app: x\nlist: &l [a, b]\nmore: [*l, *l]\nhttp: !!map {get /: {}}\n",
        "app: x\nbin: !!binary aGVsbG8=\nf: [.inf, -.Inf, .nan, 1e3, 0x1F, 0o17, 1_000]\n",
    ],
)
def test_yaml_unusual_nodes_load_as_before_with_positions(tmp_path: Path, text: str) -> None:
    manifest = load(tmp_path, {"arc.yaml": text})
    assert manifest.to_json() == _reference_yaml(text)
    starts = _yaml_node_starts(text)
    for pragma in manifest.pragmas:
        assert _offset_of(text, pragma.line, pragma.column) in starts
        for item in pragma.items:
            assert item.line is None or _offset_of(text, item.line, item.column) in starts


# --- malformed JSON and YAML ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("arc.json", '{\n  "app": "x",\n  "http": [\n}\n',
         "arc.json:4:1: error: invalid JSON: Expecting value"),
        ("arc.json", '{"app": "\U0001f600", "ws": ,}', "arc.json:1:21: error: invalid JSON: Expecting value"),
        ("arc.json", '{"app": "x",\n "ws": [1, -Infinity]}',
         "arc.json:2:12: error: invalid JSON: -Infinity is not valid JSON"),
        ("arc.json", '["NaN", NaN]', "arc.json:1:9: error: invalid JSON: NaN is not valid JSON"),
        ("arc.json", '"demo"', "arc.json:1:1: error: the manifest must be an object of pragmas"),
        ("arc.json", '{"app": "x",\n "http": [true]}', "arc.json:2:11: error: Invalid Lambda: true"),
        ("arc.json", '{"app": "x",\n "http": {"get /": null}}',
         'arc.json:2:11: error: Invalid Lambda: {"get /": null}'),
        ("arc.json", '{"app": "x",\n "http": 5}', 'arc.json:2:10: error: Invalid pragma: "http"'),
        ("arc.json", '{"app": "x",\n "custom": null}',
         'arc.json:2:12: error: Invalid pragma: "custom" is null'),
        ("package.json", "null", "package.json:1:1: error: Cannot read properties of null (reading 'arc')"),
        ("package.json", '{"arc": [1]}',
         "package.json:1:9: error: the manifest must be an object of pragmas"),
        ("arc.yaml", "app: x\nhttp:\n  - get /\n - bad\n",
         "arc.yaml:4:2: error: invalid YAML: expected <block end>, but found '<block sequence start>'"),
        ("arc.yaml", "app: x\nws: [a,\x01]\n",
         "arc.yaml:2:8: error: invalid YAML: unacceptable character #x0001: "
         "special characters are not allowed"),
        ("arc.yaml", "app: x\n\U0001f600: [a, *nope]\n",
         "arc.yaml:2:9: error: invalid YAML: found undefined alias 'nope'"),
    ],
)
def test_malformed_manifests_say_where(tmp_path: Path, name: str, text: str, expected: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = inspect(tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == expected


# --- the values are the ones the loader gave before positions (a frozen copy of it) -----------


class _Rejected(Exception):
    """What the frozen loader raised: (message, parser error)."""


def _reference_pragmas(data: Any) -> dict[str, list[Any]]:
    """manifest._pragmas_from_json as it was before positions (commit 4726941), values only."""
    if not isinstance(data, dict):
        raise _Rejected("the manifest must be an object of pragmas", "Error")
    result: dict[str, list[Any]] = {}
    for pragma, values in _js_entries(data):
        if pragma in _JSON_PASS_THROUGH:
            if not isinstance(values, list):
                raise _Rejected(f"Invalid pragma: {json.dumps(pragma)}", "Error")
            result[pragma] = values
            continue
        if pragma == "app" and not isinstance(values, list):
            result[pragma] = [values]
            continue
        if pragma in _JSON_ARC:
            if isinstance(values, dict):
                items: list[Any] = []
                for item, value in _js_entries(values):
                    if isinstance(value, str):
                        items.append([item, value])
                    elif isinstance(value, dict) and not value:
                        items.append(item)
                    elif isinstance(value, dict):
                        items.append({item: value})
                    elif value is None:
                        raise _Rejected(f"Invalid Lambda: {json.dumps({item: value})}", "Error")
                    else:
                        items.append(None)
                result[pragma] = items
            elif isinstance(values, list):
                items = []
                for entry in values:
                    if isinstance(entry, str) or isinstance(entry, list):
                        items.append(entry)
                    elif isinstance(entry, dict) and entry:
                        name, first = _js_entries(entry)[0]
                        if isinstance(first, str):
                            items.append([name, first])
                        elif isinstance(first, dict) or first is None:
                            items.append(entry)
                        else:
                            raise _Rejected(f"Invalid Lambda: {json.dumps(entry)}", "Error")
                    else:
                        raise _Rejected(f"Invalid Lambda: {json.dumps(entry)}", "Error")
                result[pragma] = items
            else:
                raise _Rejected(f"Invalid pragma: {json.dumps(pragma)}", "Error")
            continue
        if values is None:
            raise _Rejected(f"Invalid pragma: {json.dumps(pragma)} is null", "TypeError")
        if pragma in _JSON_CONVERT and not isinstance(values, dict | list):
            raise _Rejected(f"Invalid pragma: {json.dumps(pragma)}", "Error")
        if isinstance(values, dict):
            result[pragma] = [{k: v} if isinstance(v, list) else [k, v] for k, v in _js_entries(values)]
        elif isinstance(values, list):
            result[pragma] = values
    return result


def _reference_json_value(text: str) -> Any:
    try:
        return json.loads(text, parse_int=_js_int, parse_float=_js_json_float,
                          parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _Rejected(f"invalid JSON: {exc.msg}", "SyntaxError") from None
    except ValueError as exc:
        raise _Rejected(f"invalid JSON: {exc}", "SyntaxError") from None


def _reference_json(text: str, package: bool) -> dict[str, list[Any]] | None:
    data = _reference_json_value(text)
    if not package:
        return _reference_pragmas(data)
    found = None
    if isinstance(data, dict):
        found = data.get("arc")
        if not _js_truthy(found):
            found = data.get("architect")
    elif data is None:
        raise _Rejected("Cannot read properties of null (reading 'arc')", "Error")
    return _reference_pragmas(_as_json(found)) if _js_truthy(found) else None


def _reference_yaml(text: str) -> dict[str, list[Any]]:
    try:
        data = yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise _Rejected(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", "YAMLException") from None
    return _reference_pragmas(_as_json(data))


def _loaded(name: str, text: str) -> tuple[str, Any, Manifest | None]:
    """("ok", to_json(), manifest) or ("error", (message, parser error), None), via load_project."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_text(text, encoding="utf-8")
        try:
            manifest = load_project(folder, home=Path(folder) / "no-home").manifest
        except ArcErrors as exc:
            (err,) = exc.errors
            return "error", (err.message, err.parser_error), None
    return "ok", manifest.to_json() if manifest is not None else None, manifest


def _expected(reference, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", reference(*args)
    except _Rejected as exc:
        return "error", exc.args


def _offset_of(text: str, line: int | None, column: int | None) -> int:
    """The offset of a 1-based line and UTF-16 column (the reverse of what arc2tf reports)."""
    assert line is not None and column is not None
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    offset, units = start, 0
    while units < column - 1:
        units += 2 if ord(text[offset]) > 0xFFFF else 1
        offset += 1
    assert units == column - 1 and offset <= len(text)
    return offset


def _yaml_node_starts(text: str) -> set[int]:
    """Where every node (keys included) of the composed YAML document starts."""
    starts: set[int] = set()
    pending = [yaml.compose(text, Loader=_YamlLoader)]  # noqa: S506
    while pending:
        node = pending.pop()
        if node is None or node.start_mark.index in starts and not isinstance(node, yaml.ScalarNode):
            continue
        starts.add(node.start_mark.index)
        if isinstance(node, yaml.MappingNode):
            pending.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return starts


# Random JSON texts: objects may repeat keys, every gap may hold any JSON whitespace, numbers
# come in the spellings JSON allows (and NaN / Infinity, which it does not).


@dataclass(frozen=True)
class _Obj:
    pairs: tuple[tuple[str, Any], ...]


class _Raw(str):
    """A literal written as is."""


_CHARS = st.characters(exclude_categories=("Cs",))
_KEYS = st.sampled_from([
    "app", "http", "ws", "aws", "static", "macros", "tables", "events", "custom", "2", "10", "get /", "", "a",
    "\\", '"', "é", "\U0001f600",
]) | st.text(_CHARS, max_size=4)
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(_CHARS, max_size=6),
    st.sampled_from(["1.0", "-0", "1e400", "-1E-400", "0.5e+3", "12345678901234567890", "NaN", "-Infinity"])
    .map(_Raw),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.lists(st.tuples(_KEYS, inner), max_size=4)
    .map(lambda pairs: _Obj(tuple(pairs))),
    max_leaves=24,
)
_WORDS = st.text(_CHARS, max_size=6) | st.sampled_from(["get /", "/things", "join", "us-east-1"])
_SETTINGS = st.lists(st.tuples(_KEYS, _SCALARS | st.lists(_WORDS, max_size=3)), max_size=3).map(
    lambda pairs: _Obj(tuple(pairs)))
# Pragmas shaped as manifests are written (so that most of these load): arrays of names, of
# word arrays and of one-key maps, or objects of names to {}, a string or settings.
_PRAGMA_VALUES = st.one_of(
    st.lists(_WORDS | st.lists(_WORDS, min_size=1, max_size=3)
             | st.tuples(_KEYS, _WORDS | _SETTINGS).map(lambda pair: _Obj((pair,))), max_size=5),
    st.lists(st.tuples(_KEYS, _WORDS | _SETTINGS), max_size=5).map(lambda pairs: _Obj(tuple(pairs))),
)
_MANIFESTS = st.lists(st.tuples(_KEYS, _PRAGMA_VALUES), max_size=6).map(lambda pairs: _Obj(tuple(pairs)))
_DOCUMENTS = _MANIFESTS | st.lists(st.tuples(_KEYS, _VALUES), max_size=6).map(
    lambda pairs: _Obj(tuple(pairs))) | _VALUES
_GAPS = ["", "", "", " ", "\n", "\t", "\r\n", "\n    ", " \t "]


def _dump(node: Any, rnd: random.Random, ascii_only: bool) -> str:
    def gap() -> str:
        return rnd.choice(_GAPS)

    if isinstance(node, _Raw):
        return str(node)
    if isinstance(node, _Obj):
        parts = [gap() + json.dumps(k, ensure_ascii=ascii_only) + gap() + ":" + gap()
                 + _dump(v, rnd, ascii_only) + gap() for k, v in node.pairs]
        return "{" + (",".join(parts) if parts else gap()) + "}"
    if isinstance(node, list):
        parts = [gap() + _dump(v, rnd, ascii_only) + gap() for v in node]
        return "[" + (",".join(parts) if parts else gap()) + "]"
    return json.dumps(node, ensure_ascii=ascii_only)


def _check_json_positions(text: str, manifest: Manifest, container: Any) -> None:
    """Each pragma's position holds its key; each item's holds its element or its entry's key."""
    decoder = json.JSONDecoder(parse_int=_js_int, parse_float=_js_json_float)
    for pragma in manifest.pragmas:
        assert decoder.raw_decode(text, _offset_of(text, pragma.line, pragma.column))[0] == pragma.name
        values = container[pragma.name]
        if pragma.name == "app" and not isinstance(values, list):
            sources: list[Any] = [values]  # the app's name, at its value
        elif isinstance(values, dict):
            sources = [key for key, _ in _js_entries(values)]  # at each entry's key
        else:
            sources = values  # at each element
        assert len(sources) == len(pragma.items)
        for item, source in zip(pragma.items, sources, strict=True):
            found = decoder.raw_decode(text, _offset_of(text, item.line, item.column))[0]
            assert _as_json(found) == _as_json(source)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_DOCUMENTS, seed=st.integers(0, 2**32 - 1), ascii_only=st.booleans())
def test_arc_json_loads_the_same_values_with_positions(document: Any, seed: int, ascii_only: bool) -> None:
    text = _dump(document, random.Random(seed), ascii_only) + random.Random(seed).choice(_GAPS)
    outcome, value, manifest = _loaded("arc.json", text)
    assert (outcome, value) == _expected(_reference_json, text, False)
    if manifest is not None:
        _check_json_positions(text, manifest, _reference_json_value(text))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_DOCUMENTS, key=st.sampled_from(["arc", "architect"]),
       falsy_arc=st.sampled_from([None, '""', "0"]), seed=st.integers(0, 2**32 - 1))
def test_package_json_loads_the_same_values_with_positions(document: Any, key: str, falsy_arc: str | None,
                                                           seed: int) -> None:
    rnd = random.Random(seed)
    pairs: list[tuple[str, Any]] = [("name", "demo")]
    if falsy_arc is not None:
        pairs.append(("arc", _Raw(falsy_arc)))
    pairs.append((key, document))
    text = _dump(_Obj(tuple(pairs)), rnd, rnd.random() < 0.5)
    outcome, value, manifest = _loaded("package.json", text)
    assert (outcome, value) == _expected(_reference_json, text, True)
    if manifest is not None:
        package = _reference_json_value(text)
        found = package.get("arc") if _js_truthy(package.get("arc")) else package.get("architect")
        _check_json_positions(text, manifest, found)


def _plain(node: Any) -> Any:
    """The value a JSON AST stands for, as Python (repeated keys: the last wins)."""
    if isinstance(node, _Raw):
        return json.loads(str(node))
    if isinstance(node, _Obj):
        return {k: _plain(v) for k, v in node.pairs}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


# YAML spellings of plain scalars whose meaning differs between YAML 1.1 and js-yaml's 1.2.
_YAML_WORDS = ["yes", "No", "on", "0777", "0o17", "0x1F", "0b101", "1_000", "1e3", "1.5", ".inf", "-.Inf",
               ".nan", "~", "null", "true", "False", "2021-01-01", "2001-12-14t21:59:43.10-05:00", "get /",
               "fetch /things", "1:30", "+12", "-0"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_DOCUMENTS, flow=st.sampled_from([False, True, None]), unicode=st.booleans(),
       indent=st.integers(2, 5), words=st.lists(st.sampled_from(_YAML_WORDS), max_size=4))
def test_arc_yaml_loads_the_same_values_with_positions(document: Any, flow: bool | None, unicode: bool,
                                                        indent: int, words: list[str]) -> None:
    value = _plain(document)
    if isinstance(value, float) and value != value:
        return  # NaN: yaml.safe_dump writes .nan, which the comparison below cannot equal
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=unicode, indent=indent,
                          sort_keys=False)
    if isinstance(value, dict) and words:  # plain scalars, unquoted, as people write them
        text += "plain:\n" + "".join(f"  - {word}\n" for word in words)
    outcome, loaded, manifest = _loaded("arc.yaml", text)
    assert (outcome, loaded) == _expected(_reference_yaml, text)
    if manifest is not None:
        starts = _yaml_node_starts(text)
        for pragma in manifest.pragmas:
            assert _offset_of(text, pragma.line, pragma.column) in starts
            assert all(_offset_of(text, i.line, i.column) in starts for i in pragma.items)


def test_a_3000_route_arc_json_loads_with_positions_quickly_enough_to_not_matter(tmp_path: Path) -> None:
    # Not a benchmark (see the report's numbers): a guard that positions stay linear.
    routes = {f"get /r{i}/:id": {} for i in range(3000)}
    (tmp_path / "arc.json").write_text(json.dumps({"app": "big", "http": routes}, indent=2))
    manifest = load_project(tmp_path, home=tmp_path / "no-home").manifest
    assert manifest is not None
    http = manifest.pragma("http")
    assert http is not None and [(i.line, i.column) for i in http.items[-2:]] == [(3002, 5), (3003, 5)]
    assert re.fullmatch(r"get /r2999/:id", http.items[-1].value)
