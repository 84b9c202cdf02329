"""Find and read an Architect project's files into `Project`.

CONTRACT (used by normalize.py; implementation owned by the parser work):

* `load_project(project_dir, manifest=None, home=None) -> Project`
  finds the manifest in Architect's precedence (`app.arc`, `.arc`, `arc.json`,
  `arc.yaml`, `arc.yml`, `package.json` `arc` then `architect` key), or the one
  given; when none exists, `Project.manifest` is None (Architect then falls back
  to its built-in default app). Also reads `prefs.arc` / `preferences.arc`
  (project dir, and the global one in `home`, default the user's home) and
  `.env`. Raises `ArcErrors` (kind "manifest") for files that cannot be read or
  parsed, with file, line and column.
* `load_function_config(project_dir, src) -> Manifest | None` reads
  `<src>/config.arc` (or its .json / .yaml forms, as Architect does).

Values inside `Item.value` have Architect's parser JSON shape: a scalar
(str, int, float, bool), a list (an array: several words on one line), or a
one-key dict (a vector `{name: [values]}` or a map `{name: {key: value}}`,
where a map value is a scalar or a list).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from arc2tf.errors import KIND_MANIFEST, KIND_PLUGIN, KIND_VALIDATION, ArcError, ArcErrors, ArcWarning
from arc2tf.positions import Locator, Spot, entry, json_constant_at, json_spots, yaml_spots


@dataclass(frozen=True)
class Item:
    """One entry of a pragma, with where it starts in the file (1-based).

    In JSON and YAML manifests: an array element's start, or an object entry's key
    (`"get /": {}`, `region: us-east-1`). None for items the rules add.
    """

    value: Any
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Pragma:
    name: str  # without the "@"
    items: tuple[Item, ...]
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Manifest:
    path: Path  # absolute
    display: str  # the path as messages show it (relative to the cwd when below it)
    format: str  # "arc" | "json" | "yaml" | "package.json"
    pragmas: tuple[Pragma, ...]  # in file order
    # Parts of the file Architect's parser silently drops (and so does arc2tf), said out loud.
    warnings: tuple[ArcWarning, ...] = ()

    def pragma(self, name: str) -> Pragma | None:
        for p in self.pragmas:
            if p.name == name:
                return p
        return None

    def to_json(self) -> dict[str, list[Any]]:
        """Architect's parser output: {pragma: [values]}."""
        return {p.name: [i.value for i in p.items] for p in self.pragmas}


@dataclass(frozen=True)
class Project:
    dir: Path  # absolute project dir
    manifest: Manifest | None  # None: no manifest found (Architect's default app applies)
    local_prefs: Manifest | None  # prefs.arc / preferences.arc in the project dir
    global_prefs: Manifest | None  # prefs.arc / preferences.arc in the home dir
    # .env, as Architect reads it (see load_project): {"testing": {...} | None, "staging": None,
    # "production": None} when the project dir has a .env (it then replaces prefs @env), else None.
    dotenv: dict[str, dict[str, str] | None] | None
    dotenv_path: Path | None = None


# ---------------------------------------------------------------------------
# Loading. What follows mirrors @architect/inventory 6 (src/read/*, and
# src/config/project/prefs/*), which is what Architect deploys from:
#
# * Project manifest, first that exists wins: app.arc, .arc, arc.json, arc.yaml,
#   arc.yml, then package.json's `arc` key, else its `architect` key (a JS
#   truthy value). arc.toml is not read. Once a file is chosen its errors are
#   reported; nothing falls back past a broken or empty file (except a
#   package.json without either key, which Architect skips).
# * Preferences, per scope, first that exists wins: preferences.arc, prefs.arc,
#   .preferences.arc, .prefs.arc. The local scope is the project dir, the global
#   scope the home dir. Architect reads global first, then local, and local
#   settings replace global ones setting by setting (normalize.py merges).
# * .env: only in the project dir (never the home dir). Parsed like dotenv 16
#   (`KEY=value`, `export KEY=value`, `KEY: value`, quotes, `# comments`). It has
#   no per-environment sections: all of it is the `testing` environment's, and
#   when a .env exists Architect sets env to {testing: .env vars (null when
#   empty), staging: null, production: null}, discarding every prefs @env
#   (local and global) for all three environments. `Project.dotenv` holds that
#   replacement mapping.
# * Files are read as UTF-8 with invalid bytes replaced (Node's toString()); a
#   byte-order mark is kept, so a .arc file starting with one fails the way it
#   does in Architect (unknown character).
# ---------------------------------------------------------------------------

_MANIFEST_FILES = (
    ("app.arc", "arc"),
    (".arc", "arc"),
    ("arc.json", "json"),
    ("arc.yaml", "yaml"),
    ("arc.yml", "yaml"),
    ("package.json", "package.json"),
)
_FUNCTION_CONFIG_FILES = (
    ("config.arc", "arc"),
    (".arc-config", "arc"),
    ("arc.json", "json"),
    ("arc-config.json", "json"),
    ("config.yaml", "yaml"),
    ("config.yml", "yaml"),
    ("arc-config.yaml", "yaml"),
    ("arc-config.yml", "yaml"),
)
_PREFERENCE_FILES = ("preferences.arc", "prefs.arc", ".preferences.arc", ".prefs.arc")

_JS_WHITESPACE = " \t\n\r\x0b\x0c\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def load_project(project_dir: str | os.PathLike[str], manifest: str | os.PathLike[str] | None = None,
                 home: str | os.PathLike[str] | None = None) -> Project:
    """Read an Architect project's manifest, preferences and .env (see the notes above).

    `manifest` names the manifest file explicitly (relative to the cwd, like any
    command-line path); its format follows its name (`*.json`, `package.json`,
    `*.yaml`/`*.yml`, anything else is .arc). Raises `ArcErrors`.
    """
    root = Path(os.path.abspath(project_dir))
    if not root.is_dir():
        raise ArcErrors([ArcError(
            kind=KIND_MANIFEST, message=f"project directory not found: {_display(root)}",
            file=_display(root),
            hint="pass the folder that holds app.arc (or arc.json, arc.yaml, package.json)")])
    errors: list[ArcError] = []
    found: Manifest | None = None
    if manifest is not None:
        path = Path(os.path.abspath(manifest))
        if not path.is_file():
            raise ArcErrors([ArcError(
                kind=KIND_MANIFEST, message=f"manifest not found: {_display(path)}", file=_display(path),
                hint="--manifest takes a file: app.arc, arc.json, arc.yaml or package.json")])
        found = _read_manifest(path, _format_for(path.name), errors, KIND_MANIFEST)
        if found is None and not errors:
            errors.append(ArcError(kind=KIND_MANIFEST, message="package.json has no `arc` or `architect` key",
                                   file=_display(path), hint="add an `arc` key holding the manifest"))
    else:
        for name, fmt in _MANIFEST_FILES:
            path = root / name
            if not path.exists():
                continue
            found = _read_manifest(path, fmt, errors, KIND_MANIFEST)
            if found is not None or fmt != "package.json":
                break
    if errors:
        raise ArcErrors(errors)  # Architect stops at a broken manifest, before prefs and .env

    local_prefs = _read_prefs(root, errors)
    global_prefs = _read_prefs(Path(os.path.abspath(home)) if home is not None else Path.home(), errors)

    dotenv: dict[str, dict[str, str] | None] | None = None
    dotenv_path = root / ".env"
    if dotenv_path.exists():
        try:
            variables = parse_dotenv(_read_text(dotenv_path))
        except OSError as exc:
            errors.append(ArcError(kind=KIND_PLUGIN, message=f"cannot read .env: {exc.strerror or exc}",
                                   file=_display(dotenv_path), hint="make .env a readable text file"))
        else:
            dotenv = {"testing": variables or None, "staging": None, "production": None}
    else:
        dotenv_path = None  # type: ignore[assignment]

    if errors:
        raise ArcErrors(errors)
    return Project(dir=root, manifest=found, local_prefs=local_prefs, global_prefs=global_prefs,
                   dotenv=dotenv, dotenv_path=dotenv_path)


def load_function_config(project_dir: str | os.PathLike[str], src: str) -> Manifest | None:
    """The per-function config (`config.arc`, or its other names and formats) in `<project_dir>/<src>`.

    Inventory reads these while it validates pragmas, so their problems are kind
    "validation" errors.
    """
    folder = Path(os.path.abspath(project_dir)) / src
    for name, fmt in _FUNCTION_CONFIG_FILES:
        path = folder / name
        if not path.exists():
            continue
        errors: list[ArcError] = []
        found = _read_manifest(path, fmt, errors, KIND_VALIDATION)
        if errors:
            raise ArcErrors(errors)
        return found
    return None


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse .env text as dotenv 16 (the copy bundled in Architect's inventory) does."""
    out: dict[str, str] = {}
    text = re.sub(r"\r\n?", "\n", text)
    for match in _DOTENV_LINE.finditer(text):
        value = (match.group(2) or "").strip(_JS_WHITESPACE)
        quote = value[:1]
        value = _DOTENV_UNQUOTE.sub(r"\2", value)
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        out[match.group(1)] = value
    return out


_WS = r"[\s\ufeff]"
_DOTENV_LINE = re.compile(
    rf"^{_WS}*(?:export{_WS}+)?([A-Za-z0-9_.-]+)(?:{_WS}*={_WS}*?|:{_WS}+?)"
    rf"({_WS}*'(?:\\'|[^'])*'|{_WS}*\"(?:\\\"|[^\"])*\"|{_WS}*`(?:\\`|[^`])*`|[^#\r\n]+)?"
    rf"{_WS}*(?:#[^\n\r\u2028\u2029]*)?$",
    re.MULTILINE,
)
_DOTENV_UNQUOTE = re.compile(r"^(['\"`])([\s\S]*)\1$", re.MULTILINE)


def _display(path: Path) -> str:
    """A path as messages show it: relative to the cwd when it is below it, else absolute."""
    try:
        rel = path.relative_to(Path.cwd())
    except ValueError:
        return str(path)
    return rel.as_posix() if str(rel) != "." else "."


def _format_for(name: str) -> str:
    lower = name.lower()
    if lower == "package.json":
        return "package.json"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    return "arc"


def _read_text(path: Path) -> str:
    # Node's readFileSync().toString(): UTF-8, invalid bytes become U+FFFD, BOM kept.
    return path.read_bytes().decode("utf-8", errors="replace")


def _read_prefs(folder: Path, errors: list[ArcError]) -> Manifest | None:
    for name in _PREFERENCE_FILES:
        path = folder / name
        if path.exists():
            # Architect's inventory files preference problems under its `plugin` error type.
            return _read_manifest(path, "arc", errors, KIND_PLUGIN)
    return None


def _read_manifest(path: Path, fmt: str, errors: list[ArcError], kind: str) -> Manifest | None:
    """Read and parse one manifest file; append its problems to `errors`."""
    display = _display(path)
    try:
        text = _read_text(path)
    except OSError as exc:
        reason = "it is a directory" if path.is_dir() else (exc.strerror or str(exc))
        errors.append(ArcError(kind=kind, message=f"cannot read {path.name}: {reason}", file=display,
                               hint=f"make {path.name} a readable file, or remove it"))
        return None
    if fmt != "package.json" and text.strip(_JS_WHITESPACE) == "":
        errors.append(ArcError(kind=kind, message=f"Empty file: {path.name}", file=display,
                               hint=f"write the manifest into {path.name} (at least `@app` and a name), "
                                    "or delete it"))
        return None
    warnings: list[ArcWarning] = []
    try:
        if fmt == "arc":
            from arc2tf.parse import parse_arc  # parse.py imports this module's dataclasses

            pragmas = parse_arc(text, display, warnings)
        elif fmt == "json":
            data, spot = _load_json(text, display, kind)
            pragmas = _pragmas_from_json(data, display, kind, spot, Locator(text))
        elif fmt == "yaml":
            data, spot = _load_yaml(text, display, kind)
            pragmas = _pragmas_from_json(data, display, kind, spot, Locator(text))
        else:  # package.json: the manifest is the value of its `arc` (else `architect`) key
            package, spot = _load_json(text, display, kind, depth=3)
            found = None
            if isinstance(package, dict):
                key = "arc"
                found = package.get(key)
                if not _js_truthy(found):
                    key = "architect"
                    found = package.get(key)
                found_at = entry(spot, key)
                spot = found_at[1] if found_at is not None else None
            elif package is None:
                raise _fail(kind, display, "Cannot read properties of null (reading 'arc')",
                            *_at(Locator(text), spot[0] if spot is not None else None),
                            hint="package.json must hold a JSON object")
            if not _js_truthy(found):
                return None
            # Architect re-reads the key through JSON.stringify (Infinity becomes null).
            pragmas = _pragmas_from_json(_as_json(found), display, kind, spot, Locator(text))
    except ArcErrors as exc:
        errors.extend(replace(e, kind=kind) for e in exc.errors)
        return None
    return Manifest(path=path, display=display, format=fmt, pragmas=pragmas, warnings=tuple(warnings))


def _fail(kind: str, display: str, message: str, line: int | None = None, column: int | None = None,
          hint: str | None = None, parser_error: str | None = "Error") -> ArcErrors:
    # parser_error: the JavaScript error class Architect throws for this problem.
    return ArcErrors([ArcError(kind=kind, message=message, file=display, line=line, column=column,
                               hint=hint, parser_error=parser_error)])


def _js_truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0 and value == value  # 0 and NaN are falsy
    if isinstance(value, str):
        return value != ""
    return True  # objects and arrays, even empty ones


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _js_int(text: str) -> int | float:
    value = int(text)
    # JSON.parse reads every number as a double.
    return value if abs(value) <= 2**53 else float(value)


def _at(locate: Locator, offset: int | None) -> tuple[int | None, int | None]:
    """Line and column of an offset (None, None when unknown)."""
    return locate(offset) if offset is not None else (None, None)


def _load_json(text: str, display: str, kind: str, depth: int = 2) -> tuple[Any, Spot | None]:
    """The JSON value of `text` and where its parts start, `depth` levels down (see json_spots)."""
    try:
        data = json.loads(text, parse_int=_js_int, parse_float=_js_json_float,
                          parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _fail(kind, display, f"invalid JSON: {exc.msg}", *Locator(text)(exc.pos),
                    hint="fix the JSON syntax (JSON allows no comments or trailing commas)",
                    parser_error="SyntaxError") from None
    except ValueError as exc:  # NaN, Infinity, -Infinity (see _reject_constant)
        name = str(exc).split(" ", 1)[0]
        raise _fail(kind, display, f"invalid JSON: {exc}", *_at(Locator(text), json_constant_at(text, name)),
                    hint="fix the JSON syntax", parser_error="SyntaxError") from None
    except RecursionError as exc:
        raise _fail(kind, display, f"invalid JSON: {exc}", hint="fix the JSON syntax",
                    parser_error="SyntaxError") from None
    try:
        return data, json_spots(text, depth)
    except RecursionError:  # nested right at the limit json.loads got through: no positions
        return data, None


class _YamlLoader(yaml.SafeLoader):
    """Plain scalars resolved as js-yaml (Architect's YAML reader) resolves them.

    PyYAML follows YAML 1.1: `yes`/`on` are booleans, `0777` is octal, `1:30` is
    sexagesimal, `1e3` is a string. js-yaml follows YAML 1.2: only true/false
    are booleans, `0777` is 777, `1e3` is 1000 (underscores allowed in numbers).
    """


_YAML_BOOL = "tag:yaml.org,2002:bool"
_YAML_INT = "tag:yaml.org,2002:int"
_YAML_FLOAT = "tag:yaml.org,2002:float"
_YamlLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag not in (_YAML_BOOL, _YAML_INT, _YAML_FLOAT)]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    _YAML_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_YamlLoader.add_implicit_resolver(
    _YAML_INT, re.compile(r"^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o[0-7_]+|[0-9][0-9_]*)$"),
    list("-+0123456789"))
_YamlLoader.add_implicit_resolver(
    _YAML_FLOAT,
    re.compile(r"^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _yaml_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    base = {"0b": 2, "0x": 16, "0o": 8}.get(body[:2], 10)
    return sign * int(body[2:] if base != 10 else body, base)


_YamlLoader.add_constructor(_YAML_INT, _yaml_int)


def _load_yaml(text: str, display: str, kind: str) -> tuple[Any, Spot | None]:
    """The YAML value of `text` (as JSON: see below) and where its parts start."""
    # yaml.load(text, Loader=_YamlLoader), with the composed node tree kept for positions.
    loader: _YamlLoader | None = None
    try:
        loader = _YamlLoader(text)  # reads the text: unprintable characters fail here
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        offset = mark.index if mark is not None else getattr(exc, "position", None)  # ReaderError: position
        # A ReaderError has no `problem`; its text's second line names "<unicode string>" and the offset.
        problem = getattr(exc, "problem", None) or str(exc).split("\n", 1)[0]
        raise _fail(kind, display, f"invalid YAML: {problem}", *_at(Locator(text), offset),
                    hint="fix the YAML syntax", parser_error="YAMLException") from None
    except RecursionError:
        raise _fail(kind, display, "invalid YAML: nested too deeply", hint="fix the YAML syntax",
                    parser_error="YAMLException") from None
    finally:
        if loader is not None:
            loader.dispose()
    # Architect round-trips YAML through JSON.stringify: dates become strings,
    # Infinity and NaN become null.
    try:
        data = _as_json(data)
    except (TypeError, ValueError, RecursionError) as exc:
        raise _fail(kind, display, f"cannot convert YAML to JSON: {exc}",
                    hint="use plain YAML values") from None
    try:
        return data, yaml_spots(node, loader.construct_object)
    except (yaml.YAMLError, RecursionError):  # not expected: the same nodes constructed once already
        return data, None


def _as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    if isinstance(value, float):
        return _js_float(value)
    if value is None or isinstance(value, str | bool | int):
        return value
    return _yaml_json_default(value)


def _js_json_float(text: str) -> int | float:
    # JSON.parse: 1.0 is 1; 1e400 is Infinity.
    value = float(text)
    return int(value) if math.isfinite(value) and value.is_integer() and abs(value) < 2**53 else value


def _js_float(value: float) -> int | float | None:
    if not math.isfinite(value):
        return None  # JSON.stringify(Infinity) is null
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _yaml_json_default(value: Any) -> Any:
    # JSON.stringify(Date): UTC, milliseconds, "Z" (js-yaml reads timestamps as Dates).
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%dT00:00:00.000Z")
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, set):
        return sorted(value, key=str)
    raise TypeError(f"unsupported YAML value {value!r}")


# @architect/parser's compat/json.js: how a JSON/YAML manifest maps to .arc items.
_JSON_PASS_THROUGH = ("macros",)
_JSON_CONVERT = ("aws", "cdn", "macros", "static")
_JSON_ARC = ("app", "events", "http", "indexes", "queues", "scheduled", "streams", "ws", "tables")


def _js_entries(obj: dict[str, Any]) -> list[tuple[str, Any]]:
    """Object.entries order: array-index keys first, ascending, then insertion order."""
    def is_index(key: str) -> bool:
        return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < 2**32 - 1

    indexed = sorted((k for k in obj if is_index(k)), key=int)
    return [(k, obj[k]) for k in indexed] + [(k, v) for k, v in obj.items() if not is_index(k)]


def _pragmas_from_json(data: Any, display: str, kind: str, spot: Spot | None = None,
                       locate: Locator | None = None) -> tuple[Pragma, ...]:
    """compat/json.js's conversion, each pragma at its key and each item where it starts.

    `spot` says where `data`'s parts start in the text that `locate` reads (see
    positions.py): an item from an array at its element, an item from an object at
    its key. Without them, pragmas and items carry no position.
    """
    def at(offset: int | None) -> tuple[int | None, int | None]:
        return _at(locate, offset) if locate is not None else (None, None)

    if not isinstance(data, dict):
        raise _fail(kind, display, "the manifest must be an object of pragmas",
                    *at(spot[0] if spot is not None else None),
                    hint='write it as {"app": "my-app", "http": {"get /": {}}}')

    def invalid_pragma(pragma: str, offset: int | None) -> ArcErrors:
        return _fail(kind, display, f"Invalid pragma: {json.dumps(pragma)}", *at(offset),
                     hint=f"`{pragma}` must be an array or an object")

    def invalid_lambda(value: Any, offset: int | None) -> ArcErrors:
        return _fail(kind, display, f"Invalid Lambda: {json.dumps(value)}", *at(offset),
                     hint='write each item as "name", {"name": "value"} or {"name": {...settings}}')

    pragmas: list[Pragma] = []
    for pragma, values in _js_entries(data):
        found = entry(spot, pragma)
        pragma_at, where = found if found is not None else (None, None)
        value_at = where[0] if where is not None else None
        # Where each of `values`' entries (an object's, by key) or elements (an array's) starts.
        parts = where[1] if where is not None else None
        keys: dict[str, tuple[int, Spot]] = parts if isinstance(parts, dict) else {}
        elements: list[Spot] = parts if isinstance(parts, list) else []
        items: list[tuple[Any, int | None]]  # (value, offset where it starts)
        if pragma in _JSON_PASS_THROUGH:
            if not isinstance(values, list):
                raise invalid_pragma(pragma, value_at)
            items = _element_items(values, elements)
        elif pragma == "app" and not isinstance(values, list):
            items = [(values, value_at)]
        elif pragma in _JSON_ARC:
            if isinstance(values, dict):
                items = []
                for item, value in _js_entries(values):
                    item_at = keys[item][0] if item in keys else None
                    if isinstance(value, str):
                        items.append(([item, value], item_at))
                    elif isinstance(value, dict) and not value:
                        items.append((item, item_at))
                    elif isinstance(value, dict):
                        items.append(({item: value}, item_at))
                    elif value is None:  # JS: Object.keys(null) throws
                        raise invalid_lambda({item: value}, item_at)
                    else:
                        items.append((None, item_at))  # JS: undefined
            elif isinstance(values, list):
                items = []
                for entry_value, item_at in _element_items(values, elements):
                    if isinstance(entry_value, str | list):
                        items.append((entry_value, item_at))
                    elif isinstance(entry_value, dict) and entry_value:
                        name, first = _js_entries(entry_value)[0]
                        if isinstance(first, str):
                            items.append(([name, first], item_at))
                        elif isinstance(first, dict) or first is None:
                            items.append((entry_value, item_at))
                        else:
                            raise invalid_lambda(entry_value, item_at)
                    else:
                        raise invalid_lambda(entry_value, item_at)
            else:
                raise invalid_pragma(pragma, value_at)
        elif values is None:  # JS: typeof null is "object", and Object.entries(null) throws
            raise _fail(kind, display, f"Invalid pragma: {json.dumps(pragma)} is null", *at(value_at),
                        hint=f"give `{pragma}` an array or an object, or remove it", parser_error="TypeError")
        elif pragma in _JSON_CONVERT and not isinstance(values, dict | list):
            raise invalid_pragma(pragma, value_at)
        # Any other pragma: arrays pass through, objects become [key, value] tuples;
        # a scalar is dropped, as Architect drops it.
        elif isinstance(values, dict):
            items = [({k: v} if isinstance(v, list) else [k, v], keys[k][0] if k in keys else None)
                     for k, v in _js_entries(values)]
        elif isinstance(values, list):
            items = _element_items(values, elements)
        else:
            continue
        line, column = at(pragma_at)
        pragmas.append(Pragma(name=pragma, items=tuple(Item(v, *at(o)) for v, o in items),
                              line=line, column=column))
    return tuple(pragmas)


def _element_items(values: list[Any], elements: list[Spot]) -> list[tuple[Any, int | None]]:
    """An array's elements, each with the offset where it starts (None when not known)."""
    if len(elements) == len(values):
        return [(v, e[0]) for v, e in zip(values, elements, strict=True)]
    return [(v, None) for v in values]
