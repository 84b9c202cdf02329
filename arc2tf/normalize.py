"""Turn a parsed Architect project into the IR, applying Architect's inventory rules.

This is a reimplementation of what `@architect/inventory` 6 does with a
manifest (read from its source, none of it copied): the same names, source
dirs, defaults, per-function `config.arc` merging, runtime aliases, ASAP /
root handler logic, preferences and `.env` handling, and the same validation.

Errors are collected like inventory collects them, in stages: plugins and
preferences (kind `plugin`), then every pragma (`validation`), then function
configuration (`configuration`), then cross-pragma checks (`validation`), then
file paths (`file path`). Every error of the first stage that has any is
raised together; later stages are not looked at, as in inventory, so the error
kinds match Architect's.

Where arc2tf departs from Architect it says so in a comment; the main ones:
two routes that Architect maps to one Lambda name both stay deployed (the later
one's `Function.name` gets a short stable suffix, with a warning); Architect 5
WebSocket dirs are used when the current ones are missing; `AWS_REGION` from
the environment is not read (the output must not depend on the shell it runs in);
`architecture`, `concurrency` and `region` values AWS would reject are
configuration errors here (inventory passes them on to CloudFormation); plugins
and macros are errors even when their file exists (arc2tf runs no JavaScript).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import operator
import os
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from arc2tf.errors import (
    KIND_CONFIGURATION,
    KIND_FILE_PATH,
    KIND_PLUGIN,
    KIND_VALIDATION,
    ArcError,
    ArcErrors,
    ArcWarning,
)
from arc2tf.ir import (
    ENVIRONMENTS,
    HTTP_METHODS,
    App,
    AwsSettings,
    Function,
    FunctionConfig,
    HttpRoute,
    Queue,
    Schedule,
    StaticSite,
    Table,
    TableIndex,
    TableStream,
    Topic,
    WsRoute,
)
from arc2tf.manifest import Item, Manifest, Pragma, Project

__all__ = ["normalize", "load_app", "architect_lambda_name", "architect_logical_id"]

# ---------------------------------------------------------------------------
# Architect's constants (inventory 6.1 / lambda-runtimes 3.0)

DEFAULT_FUNCTION_CONFIG: dict[str, Any] = {
    "timeout": 5,
    "memory": 1152,
    "runtime": "nodejs22.x",
    "architecture": "arm64",
    "handler": "index.handler",
    "concurrency": "unthrottled",
    "storage": 512,
    "layers": [],
    "policies": [],
    "shared": True,
    "env": True,
}
DEFAULT_REGION = "us-west-2"

# Newest (preferred) first: an alias resolves to the first entry, as in lambda-runtimes.
RUNTIMES: dict[str, tuple[str, ...]] = {
    "node": ("nodejs20.x", "nodejs22.x", "nodejs24.x"),
    "python": ("python3.12", "python3.13", "python3.14", "python3.11", "python3.10", "python3.9"),
    "java": ("java21", "java17", "java11", "java8.al2"),
    "dotnet": ("dotnet8",),
    "ruby": ("ruby3.3", "ruby3.2"),
    "custom": ("provided.al2023", "provided.al2"),
}
RUNTIME_ALIASES = {
    "node": "node",
    "nodejs": "node",
    "node.js": "node",
    "python": "python",
    "py": "python",
    "ruby": "ruby",
    "rb": "ruby",
    "java": "java",
    "dotnet": "dotnet",
    ".net": "dotnet",
    "custom": "custom",
}
ALL_RUNTIMES = frozenset([r for rs in RUNTIMES.values() for r in rs] + ["deno"])
ARCHITECTURES = ("arm64", "x86_64")

# Pragmas whose entries are Lambdas (inventory's `lambdas` list).
LAMBDA_PRAGMAS = ("events", "http", "queues", "scheduled", "tables-streams", "ws")
# Pragmas arc2tf turns into Terraform; every other pragma present is listed in App.uncompiled.
COMPILED_PRAGMAS = frozenset({"app", "aws", "http", "ws", "static", "tables", "tables-indexes", "scheduled",
                              "events", "queues", "tables-streams"})
ENV_VAR_NAME = re.compile(r"^[a-zA-Z0-9_]+$")
LOOSE_NAME = re.compile(r"^[a-z][a-zA-Z0-9\-_]+$")
VERY_LOOSE_NAME = re.compile(r"^[a-zA-Z0-9/\-._]*$")
_HTTP_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-:._*")
# Architect 5 named the WebSocket handler dirs `ws-connect` etc.; Architect 6+ ignores them.
LEGACY_WS_DIRS = {"connect": "ws-connect", "disconnect": "ws-disconnect", "default": "ws-default"}
# Handler files Architect looks for, in its order, and the file it assumes when none exists.
_HANDLER_FILES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "node": (("index.js", "index.mjs", "index.cjs"), None),  # none found: the handler setting's file
    "python": (("lambda.py", "handler.py", "index.py"), "lambda"),
    "ruby": (("lambda.rb", "handler.rb", "index.rb"), "lambda"),
    "deno": (("mod.ts", "mod.js", "mod.tsx", "index.ts", "index.js", "index.tsx"), "mod"),
}
_UNSET = object()
# The function config files Architect reads (manifest.load_function_config reads the same names).
_CONFIG_FILES = frozenset(
    {
        "config.arc",
        ".arc-config",
        "arc.json",
        "arc-config.json",
        "config.yaml",
        "config.yml",
        "arc-config.yaml",
        "arc-config.yml",
    }
)
# toLogicalID's and the @http validator's patterns (JavaScript's \w is ASCII-only)
_UPPER = re.compile(r"([A-Z])")
_EDGE_SEPARATORS = re.compile(r"^[\W_]+|[\W_]+$", re.ASCII)
_INNER_SEPARATOR = re.compile(r"[\W_]+(\w|$)", re.ASCII)
_AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
# A `:param` path part (validation has ensured it is well formed).
_PARAM_PART = re.compile(r"/:([^/]*)")
_BAD_PATH_CHAR = re.compile(r"[^a-zA-Z0-9/\-:._*]")
_TRAILING_SPECIAL = re.compile(r"[-._]($|/)")
_NAMED_PARAM = re.compile(r"/:[\w.-]+(/|$)", re.ASCII)
_MID_PART_PARAM = re.compile(r"/\w+:\w*", re.ASCII)
# Paths no check in validate_http can fault (`/`, `/*`, or parts of letters and digits joined by
# single `-`, `.`, `_`, each maybe a `:param`, then maybe a final `/*`): the common case skips the
# eight checks. Anything else goes through every check, so the errors are unchanged.
# (Possessive: nothing to backtrack into, and the regex engine does not try.)
_PLAIN_PATH = re.compile(r"/|/\*|(?:/:?[A-Za-z0-9]++(?:[-._][A-Za-z0-9]++)*+)++(?:/\*)?")
_METHOD_SET = frozenset(HTTP_METHODS)
_BY_NAME = operator.attrgetter("name")  # a sort key without a Python call per item
_METHODS_HINT = "expected one of " + ", ".join(HTTP_METHODS)


# ---------------------------------------------------------------------------
# Public entry points


def load_app(
    project_dir: str | Path, manifest: str | Path | None = None, home: str | Path | None = None
) -> App:
    """Read and normalize the project in `project_dir` (see `manifest.load_project`)."""
    from arc2tf.manifest import load_project

    with _gc_paused():
        return normalize(load_project(Path(project_dir), manifest=manifest, home=home))


def normalize(project: Project) -> App:
    """Build the IR of `project`, or raise `ArcErrors` with every error of the first failing stage."""
    with _gc_paused():
        return _Normalizer(project).run()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building: it rescans the growing, cycle-free object graph over and
    over (a quarter of the time for 3,000 routes). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def architect_lambda_name(path: str) -> str:
    """getLambdaName's lossy path -> dir name mapping: `/a-b.c/:d/*` -> `-a_b_c-000d-catchall`."""
    if path == "/":
        return "-index"
    out = path.replace("-", "_").replace(".", "_").replace("/", "-").replace("\\", "-").replace(":", "000")
    return out.replace("*", "catchall", 1)


def architect_logical_id(text: str) -> str:
    """Architect's toLogicalID (`get-things-id` -> `GetThingsId`), as @architect/package names resources."""
    s = _UPPER.sub(r" \1", text)
    if len(s) == 1:
        return s.upper()
    s = _EDGE_SEPARATORS.sub("", s).lower()
    s = s[:1].upper() + s[1:]
    s = _INNER_SEPARATOR.sub(lambda m: m.group(1).upper(), s)
    return "GetIndex" if s == "Get" else s


# ---------------------------------------------------------------------------
# JavaScript semantics the rules depend on


def _js_str(value: Any) -> str:
    """String(value) as JavaScript prints it (inventory's messages interpolate values this way)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, list | tuple):
        return ",".join("" if v is None else _js_str(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _is_int(value: Any) -> bool:
    """Number.isInteger: bools are not numbers in JavaScript."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _strict_in(value: Any, options: Iterable[Any]) -> bool:
    """Array.includes: strict equality, so `1` is not `true` (Python's `in` says it is)."""
    return any(
        type(value) is type(o) and value == o
        if isinstance(value, bool) or isinstance(o, bool)
        else value == o
        for o in options
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, list | dict):
        return True  # [] and {} are truthy in JavaScript
    return bool(value)


def _js_number(text: str) -> Any:
    """Number(text) where it is a number, else the text (inventory's coerceNumbers)."""
    t = text.strip()
    if t == "":
        return 0
    try:
        if re.fullmatch(r"0[xX][0-9a-fA-F]+", t):
            return int(t, 16)
        if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", t):
            f = float(t)
            return int(f) if f.is_integer() else f
    except ValueError:
        pass
    return text


def _posix_join(*parts: str) -> str:
    """path.join: joins and normalizes (posix separators), `.` for an empty result."""
    joined = "/".join(p for p in parts if p != "")
    if "." not in joined and "\\" not in joined and "//" not in joined and not joined.startswith("/"):
        return joined  # already normal (every default handler dir of an @http route)
    # Node's join never restarts at an absolute part: join(cwd, "/x") is cwd + "/x".
    return posixpath.normpath(joined.replace("\\", "/")).lstrip("/") or "."


_Frozen = TypeVar("_Frozen")


def _frozen_new(cls: type[_Frozen], values: dict[str, Any]) -> _Frozen:
    """`cls(**values)` for the IR records built once per route (Function, HttpRoute).

    A frozen dataclass's generated __init__ sets every field through object.__setattr__,
    which was a third of build_app at 3,000 routes. These classes have no __post_init__,
    slots or default factories (checked below), so an instance is exactly its field dict.
    Callers pass every field, in field order.
    """
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    return obj


def _plain_frozen_dataclass(cls: type) -> bool:
    return (
        not hasattr(cls, "__post_init__")
        and "__slots__" not in vars(cls)
        and all(f.default_factory is MISSING and f.init for f in fields(cls))
    )


# _frozen_new would build a different object if one of these gained such a feature.
if not (_plain_frozen_dataclass(Function) and _plain_frozen_dataclass(HttpRoute)):
    raise TypeError("normalize._frozen_new needs plain frozen dataclasses: build these with their __init__")


# ---------------------------------------------------------------------------
# Internal records


@dataclass
class _Problem:
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None


@dataclass(slots=True)
class _Lambda:
    """One Lambda as inventory populates it (any pragma)."""

    pragma: str
    name: str
    src: str  # relative to the project dir, posix
    custom_src: bool
    item: Item | None
    config: dict[str, Any]
    origins: dict[str, tuple[str | None, Item | None]]
    method: str = ""
    path: str = ""
    table: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    asap: bool = False


# ---------------------------------------------------------------------------


class _Normalizer:
    def __init__(self, project: Project):
        self.project = project
        self.cwd = project.dir
        self.problems: list[_Problem] = []
        self.warnings: list[ArcWarning] = []
        manifest = project.manifest
        if manifest is None:
            # inventory's built-in default manifest: `@app app-default`, `@http`, `@static`
            manifest = Manifest(
                path=self.cwd / "app.arc",
                display="(built-in default manifest)",
                format="arc",
                pragmas=(Pragma("app", (Item("app-default"),)), Pragma("http", ()), Pragma("static", ())),
            )
            self.manifest_rel = ""
        else:
            try:
                self.manifest_rel = manifest.path.resolve().relative_to(self.cwd.resolve()).as_posix()
            except ValueError:
                self.manifest_rel = manifest.path.as_posix()
        self.manifest = manifest
        self.display = manifest.display if project.manifest is not None else None
        self.arc: dict[str, list[Item]] = {p.name: list(p.items) for p in manifest.pragmas}
        self.pragma_pos: dict[str, Pragma] = {p.name: p for p in manifest.pragmas}
        self.cwd_str = str(self.cwd)
        self._dir_cache: dict[str, frozenset[str] | None] = {}
        self._cwd_prefix = os.path.join(self.cwd_str, "")
        self._handler_keys: dict[frozenset[str], str | None] = {}
        self._default_configs: dict[str | None, dict[str, Any]] = {}
        self._runtime: Any = _UNSET  # the project runtime, alias-resolved (set on first use)
        self._no_files_key: str | None = None
        # What the parser dropped the way Architect's does (Manifest.warnings) comes first.
        for m in (project.manifest, project.local_prefs, project.global_prefs):
            if m is not None:
                self.warnings.extend(m.warnings)

    # -- error plumbing ------------------------------------------------------

    def problem(
        self,
        message: str,
        item: Item | None = None,
        hint: str | None = None,
        display: str | None | bool = True,
    ) -> None:
        file = self.display if display is True else (display or None)
        line = column = None
        if item is not None:
            line, column = item.line, item.column
        self.problems.append(_Problem(message, file, line, column, hint))

    def problem_at_pragma(self, message: str, pragma: str, hint: str | None = None) -> None:
        p = self.pragma_pos.get(pragma)
        self.problems.append(
            _Problem(message, self.display, p.line if p else None, p.column if p else None, hint)
        )

    def stage(self, kind: str) -> None:
        """End a stage: raise everything found so far, as inventory returns one error type at a time."""
        if not self.problems:
            return
        seen: set[tuple] = set()
        errors = []
        for p in self.problems:
            key = (p.message, p.file, p.line, p.column)
            if key in seen:
                continue
            seen.add(key)
            errors.append(ArcError(kind, p.message, p.file, p.line, p.column, p.hint))
        raise ArcErrors(errors)

    def has(self, pragma: str) -> bool:
        """`arc.<pragma>` is truthy in inventory: present, even when empty."""
        return pragma in self.arc

    def nonempty(self, pragma: str) -> bool:
        return bool(self.arc.get(pragma))

    # -- the run -------------------------------------------------------------

    def run(self) -> App:
        # Stage 1 (`plugin`): @plugins / @macros, then preferences and .env.
        self.check_plugins()
        env = self.preferences_env()
        self.stage(KIND_PLUGIN)

        # The project-level function config: Architect's defaults, then @aws.
        self.project_config, self.project_origins = self.upsert(
            DEFAULT_FUNCTION_CONFIG, self.arc.get("aws", []), self.display
        )

        # Stage 2 (`validation`): every pragma.
        app_name = self.configure_app()
        aws = self.configure_aws()
        self.configure_cdn()
        lambdas: dict[str, list[_Lambda]] = {}
        lambdas["events"] = self.configure_events("events")
        lambdas["http"] = self.configure_http()
        self.configure_proxy()
        lambdas["queues"] = self.configure_events("queues")
        lambdas["scheduled"] = self.configure_scheduled()
        static = self.configure_static()
        tables = self.configure_tables()
        indexes = self.configure_tables_indexes()
        lambdas["tables-streams"] = self.configure_tables_streams()
        lambdas["ws"] = self.configure_ws()
        self.configure_shared(lambdas)
        self.configure_views(lambdas)
        self.stage(KIND_VALIDATION)

        # Stage 3 (`configuration`): memory, timeout, runtime, storage, layers.
        self.validate_config(aws, lambdas)
        self.stage(KIND_CONFIGURATION)

        # Stage 4 (`validation`): @tables children need their table.
        self.validate_tables_children(tables, indexes, lambdas["tables-streams"])
        self.stage(KIND_VALIDATION)

        # Stage 5 (`file path`): Architect only handles ASCII paths.
        self.validate_paths(lambdas)
        self.stage(KIND_FILE_PATH)

        return self.build_app(app_name, aws, static, env, lambdas, tables, indexes)

    # -- @plugins / @macros --------------------------------------------------

    def check_plugins(self) -> None:
        entries = [(i, "plugin") for i in self.arc.get("plugins", [])]
        entries += [(i, "macro") for i in self.arc.get("macros", [])]
        hint = (
            "arc2tf cannot run JavaScript: remove @plugins / @macros from the manifest "
            "(and port what they generate to Terraform by hand)"
        )
        for item, kind in entries:
            value = item.value
            custom = None
            if isinstance(value, str):
                name = value
            elif isinstance(value, dict) and value:
                name = next(iter(value))
                body = value[name]
                custom = body.get("src") if isinstance(body, dict) else None
            else:
                name = None
            if name == "_methods":
                self.problem(f"Plugin name {name} is reserved, please rename your plugin", item, hint)
                continue
            if not VERY_LOOSE_NAME.match(_js_str(name)):
                self.problem("Plugin names can only contain [a-zA-Z0-9/\\-._]", item, hint)
                continue
            found = self.find_plugin(kind, name, custom)
            label = name if name is not None else _js_str(value)
            if found is None:
                self.problem(
                    f"Cannot find plugin '{label}'! Are you sure you have installed or created it correctly?",
                    item,
                    hint,
                )
            else:
                self.problem(
                    f"Cannot run {kind} '{label}' ({found}): arc2tf does not run JavaScript "
                    f"plugins or macros",
                    item,
                    hint,
                )

    def find_plugin(self, kind: str, name: str | None, custom_src: Any) -> str | None:
        if name is None:
            return None
        if isinstance(custom_src, str):
            candidates = [custom_src, custom_src + ".js", custom_src + ".mjs"]
        else:
            base = f"src/{kind}s/{name}"
            candidates = [base + ".js", base + ".mjs", base, f"node_modules/{name}", f"node_modules/@{name}"]
        for c in candidates:
            if (self.cwd / c).exists():
                return c
        return None

    # -- preferences and .env ------------------------------------------------

    def preferences_env(self) -> dict[str, dict[str, str] | None] | None:
        """Env vars per environment from prefs `@env` (global, then local) and `.env`."""
        final: Any = None
        found_env = False
        for scope, prefs in (("global", self.project.global_prefs), ("local", self.project.local_prefs)):
            dotenv = self.project.dotenv if scope == "local" else None
            has_dotenv = scope == "local" and (dotenv is not None or self.project.dotenv_path is not None)
            if prefs is None and not has_dotenv:
                continue
            preferences = self.read_preferences(prefs) if prefs is not None else {}
            if has_dotenv:
                testing = _dotenv_testing(dotenv)
                preferences["env"] = {"testing": testing or None, "staging": None, "production": None}
            if "env" not in preferences:
                continue
            value = preferences["env"]
            if not isinstance(value, dict):
                final = value
            else:
                if not isinstance(final, dict):
                    final = {}
                final.update(value)
            found_env = True
        if not found_env or not _truthy(final) or not isinstance(final, dict):
            return None
        out: dict[str, dict[str, str] | None] = {}
        for env_name in ENVIRONMENTS:
            values = final.get(env_name)
            if isinstance(values, dict):
                out[env_name] = {str(k): _js_str(v) for k, v in sorted(values.items())}
            else:
                out[env_name] = None
        return out

    def read_preferences(self, prefs: Manifest) -> dict[str, Any]:
        display = prefs.display
        preferences: dict[str, Any] = {}
        for pragma in prefs.pragmas:
            key = pragma.name
            preferences[key] = {}
            for item in pragma.items:
                v = item.value
                target = preferences[key]
                if isinstance(v, list):
                    if len(v) == 1:
                        preferences[key] = v[0]
                    elif len(v) == 2 and isinstance(target, dict):
                        target[_js_str(v[0])] = v[1]
                    elif len(v) > 2 and isinstance(target, dict):
                        target[_js_str(v[0])] = list(v[1:])
                elif isinstance(v, dict):
                    if isinstance(target, dict):
                        target.update(v)
                else:
                    preferences[key] = v
            if key == "env":
                env = preferences["env"]
                for env_name in ENVIRONMENTS:
                    if not isinstance(env, dict):
                        break
                    values = env.get(env_name)
                    if _truthy(values):
                        for var, val in _js_entries(values):
                            if not ENV_VAR_NAME.match(var):
                                self.problem(
                                    f"Env var '{var}' is invalid, must be [a-zA-Z0-9_]",
                                    _find_item(pragma, env_name),
                                    display=display,
                                    hint="env var names may only use letters, digits and _",
                                )
                            if isinstance(val, list) and isinstance(values, dict):
                                values[var] = " ".join(_js_str(x) for x in val)
                    else:
                        env[env_name] = None
        # validatePreferences
        env = preferences.get("env")
        env_pragma = prefs.pragma("env")
        if "env" in preferences and env is not None and not isinstance(env, dict):
            self.problem(
                f"Invalid preferences setting: @env {_js_str(env)}",
                _first_item(env_pragma),
                display=display,
                hint="@env takes one block per environment: testing, staging, production",
            )
        elif isinstance(env, dict):
            for env_name in ENVIRONMENTS:
                values = env.get(env_name)
                if _truthy(values) and not isinstance(values, dict):
                    self.problem(
                        f"Invalid preferences setting: @env {env_name}",
                        _find_item(env_pragma, env_name) if env_pragma else None,
                        display=display,
                        hint=f"write `{env_name}` on its own line, then indented `NAME value` lines",
                    )
        sandbox = preferences.get("sandbox")
        if isinstance(sandbox, dict) and "env" in sandbox and _truthy(sandbox["env"]):
            if sandbox["env"] not in ENVIRONMENTS:
                self.problem(
                    f"Invalid preferences setting: @sandbox env {_js_str(sandbox['env'])}",
                    _find_item(prefs.pragma("sandbox"), "env"),
                    display=display,
                    hint="expected one of testing, staging, production",
                )
        return preferences

    # -- config merging ------------------------------------------------------

    def upsert(
        self,
        config: dict[str, Any],
        settings: Iterable[Item],
        display: str | None,
        origins: dict[str, tuple[str | None, Item | None]] | None = None,
    ) -> tuple[dict[str, Any], dict[str, tuple[str | None, Item | None]]]:
        """inventory's upsert: overlay `@aws`-style settings (layers and policies replace, deduped)."""
        props = dict(config)  # values are replaced, never changed in place
        origins = dict(origins or {})
        layers: list[Any] = []
        policies: list[Any] = []
        for item in settings:
            setting = item.value
            if isinstance(setting, list):
                if not setting:
                    continue
                name = {"policy": "policies", "layer": "layers"}.get(setting[0], setting[0])
                value: Any = list(setting[1:])
            elif isinstance(setting, dict) and setting:
                setting = dict(setting)
                if _truthy(setting.get("policy")):
                    setting["policies"] = setting.pop("policy")
                if _truthy(setting.get("layer")):
                    setting["layers"] = setting.pop("layer")
                name = next(iter(setting))
                value = setting[name]
            else:
                continue
            name = _js_str(name)
            if name == "layers" and _truthy(value):
                layers += value if isinstance(value, list) else [value]
            elif name == "policies" and _truthy(value):
                policies += value if isinstance(value, list) else [value]
            else:
                props[name] = value[0] if isinstance(value, list) and len(value) == 1 else value
            origins[name] = (display, item)
        if layers:
            props["layers"] = _dedupe(layers)
        if policies:
            props["policies"] = _dedupe(policies)
        return props, origins

    # -- @app ----------------------------------------------------------------

    def configure_app(self) -> str | None:
        items = self.arc.get("app")
        hint = "start the manifest with `@app` and, on the next line, the app name (e.g. `my-app`)"
        if items is None or len(items) != 1 or not isinstance(items[0].value, str):
            if items:
                self.problem("@app name not found or invalid", items[0], hint)
            else:
                self.problem_at_pragma("@app name not found or invalid", "app", hint)
            return None
        item = items[0]
        name = item.value
        name_hint = (
            "app names start with a lowercase letter, then letters, digits, - or _ "
            "(at least 2 characters, at most 100)"
        )
        if not LOOSE_NAME.match(name):
            self.problem(f"Invalid @app item: '{name}' must match {_js_regex(LOOSE_NAME)}", item, name_hint)
        _check_size(self, name, 1, 100, "@app", item, name_hint)
        return name

    # -- @aws ----------------------------------------------------------------

    def configure_aws(self) -> dict[str, Any]:
        aws: dict[str, Any] = {
            "apigateway": None,
            "bucket": None,
            "concurrency": None,
            "layers": None,
            "memory": None,
            "policies": None,
            "profile": None,
            "region": DEFAULT_REGION,
            "runtime": None,
            "timeout": None,
        }
        if not self.has("aws"):
            return aws
        aws, origins = self.upsert(aws, self.arc["aws"], self.display)
        self.aws_origins = origins
        api = aws.get("apigateway")
        if _truthy(api) and api not in ("http", "httpv1", "httpv2", "rest"):
            self.problem(
                "API type must be 'http[v1|v2]', or 'rest'",
                origins["apigateway"][1],
                "expected one of http, httpv1, httpv2, rest",
            )
        return aws

    # -- @cdn / @proxy -------------------------------------------------------

    def configure_cdn(self) -> None:
        if self.has("cdn") and not self.has("http"):
            self.problem_at_pragma("@cdn requires @http", "cdn", "add an @http pragma, or remove @cdn")

    def configure_proxy(self) -> None:
        if not self.has("proxy"):
            return
        if not self.has("http"):
            self.problem_at_pragma(
                "Specifying @proxy requires specifying @http",
                "proxy",
                "add an @http pragma, or remove @proxy",
            )
            return
        items = self.arc["proxy"]
        proxy: dict[str, Any] = {e: None for e in ENVIRONMENTS}
        if items:
            for env_name in ENVIRONMENTS:
                found = next(
                    (
                        i
                        for i in items
                        if isinstance(i.value, list)
                        and i.value
                        and i.value[0] == env_name
                        and _truthy(i.value[1] if len(i.value) > 1 else None)
                    ),
                    None,
                )
                if found is None:
                    self.problem_at_pragma(
                        f"@proxy {env_name} environment not found or invalid",
                        "proxy",
                        f"add a line `{env_name} https://...` under @proxy",
                    )
                else:
                    proxy[env_name] = found.value[1]
        for env_name, url in proxy.items():
            item = next(
                (i for i in items if isinstance(i.value, list) and i.value and i.value[0] == env_name), None
            )
            if not isinstance(url, str) or not re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", url):
                self.problem(
                    f"Invalid @proxy URL: {_js_str(url)}", item, "expected an http:// or https:// URL"
                )
            elif not re.match(r"^https?:", url, re.IGNORECASE):
                self.problem(f"Invalid @proxy protocol: {url}", item, "expected an http:// or https:// URL")

    # -- Lambda population (all pragmas) -------------------------------------

    def populate(
        self,
        pragma: str,
        item: Item | None,
        name: str,
        custom_src: Any,
        dir_type: str | None = None,
    ) -> _Lambda | None:
        """A Lambda's source dir and effective config (project config, then its `config.arc`)."""
        if custom_src is not None and not isinstance(custom_src, str):
            self.problem(
                f"Invalid @{pragma} item: src must be a path, got {_js_str(custom_src)}",
                item,
                "write `src path/to/handler/dir` relative to the project",
            )
            return None
        if custom_src:
            src = _posix_join(custom_src)
            files = self.dir_files(src)
        elif pragma == "http":
            src = f"src/http/{name}"  # getLambdaName output: no dots, slashes or backslashes
            # what dir_files(src) says, answered by the one listing of src/http
            http_dirs = self.dir_files("src/http")
            files = self.list_dir(src) if http_dirs and name in http_dirs else None
        else:
            src = _posix_join("src", dir_type or pragma, name)
            files = self.dir_files(src)
        # Only ask the loader when a config file is there: most handler dirs have none, and
        # one directory listing is much cheaper than a stat per candidate name (3,000 routes).
        fn_config = self.read_function_config(src) if files and files & _CONFIG_FILES else None
        if fn_config is None:
            return self.populate_default(pragma, item, name, src, bool(custom_src), files)
        self.warnings.extend(fn_config.warnings)
        config = dict(self.project_config)
        origins = dict(self.project_origins)
        if fn_config is not None:
            parsed = {p.name: list(p.items) for p in fn_config.pragmas}
            if "aws" in parsed:
                config, origins = self.upsert(config, parsed["aws"], fn_config.display, origins)
            if "arc" in parsed:
                config, origins = self.upsert(config, parsed["arc"], fn_config.display, origins)
        lam = _Lambda(
            pragma=pragma,
            name=name,
            src=src,
            custom_src=bool(custom_src),
            item=item,
            config=config,
            origins=origins,
        )
        self.resolve_runtime(lam)
        self.resolve_handler(lam)
        return lam

    def populate_default(
        self,
        pragma: str,
        item: Item | None,
        name: str,
        src: str,
        custom_src: bool,
        files: frozenset[str] | None,
    ) -> _Lambda:
        """A Lambda without config.arc: the project config, resolved once per handler file found.

        Such Lambdas share one (never changed) config dict and the project's origins, so the
        per-function checks below can tell them apart from functions with their own settings.
        """
        if self._runtime is _UNSET:
            runtime = self.project_config.get("runtime")
            alias = RUNTIME_ALIASES.get(runtime.lower()) if isinstance(runtime, str) else None
            self._runtime = RUNTIMES[alias][0] if alias else runtime if isinstance(runtime, str) else None
            self._no_files_key = _handler_file(self._runtime, None) if self._runtime else None
        if files is None:
            key = self._no_files_key
        else:
            # most handler dirs hold the same names (`index.mjs`): find their handler file once
            key = self._handler_keys.get(files, _UNSET)
            if key is _UNSET:
                key = _handler_file(self._runtime, files) if self._runtime else None
                self._handler_keys[files] = key
        shared = self._default_configs.get(key)
        if shared is not None and not (files and "package.json" in files):
            # the common case: nothing of its own to resolve or check
            return _Lambda(pragma, name, src, custom_src, item, shared, self.project_origins)
        lam = _Lambda(
            pragma=pragma,
            name=name,
            src=src,
            custom_src=custom_src,
            item=item,
            config=self.project_config,
            origins=self.project_origins,
        )
        if shared is None:
            lam.config = dict(self.project_config)
            self.resolve_runtime(lam)
            self.resolve_handler(lam)
            shared = self._default_configs[key] = lam.config
        elif files and "package.json" in files and str(shared.get("runtime")).startswith("node"):
            self.check_node_package(lam, self.cwd / src)
        lam.config = shared
        return lam

    def dir_files(self, src: str) -> frozenset[str] | None:
        """Names in a Lambda's src dir (None when it is not a dir), listed once per dir."""
        files = self._dir_cache.get(src, _UNSET)
        if files is not _UNSET:
            return files
        # posixpath.split, inlined (its fspath and separator look-ups cost per handler dir)
        cut = src.rfind("/") + 1
        parent, name = src[:cut], src[cut:]
        if parent.strip("/"):
            parent = parent.rstrip("/")
        if parent and parent != src and name not in (self.dir_files(parent) or ()):
            # a missing handler dir costs one listing of its parent, shared by all its siblings
            self._dir_cache[src] = None
            return None
        return self.list_dir(src)

    def list_dir(self, src: str) -> frozenset[str] | None:
        """dir_files(src) where its parent's listing is known to hold it: just list it (once)."""
        files = self._dir_cache.get(src, _UNSET)
        if files is _UNSET:
            # os.path.join(cwd, src), src being relative; listdir: scandir's DirEntry objects cost
            # more (3,000 handler dirs)
            path = src if src.startswith("/") else self._cwd_prefix + src
            try:
                files = frozenset(os.listdir(path))
            except OSError:
                files = None
            self._dir_cache[src] = files
        return files

    def read_function_config(self, src: str) -> Manifest | None:
        from arc2tf.manifest import load_function_config

        try:
            return load_function_config(self.cwd, src)
        except ArcErrors as exc:
            # inventory reads config.arc while populating pragmas: its errors are validation errors
            for e in exc.errors:
                self.problems.append(_Problem(e.message, e.file, e.line, e.column, e.hint))
            return None

    def resolve_runtime(self, lam: _Lambda) -> None:
        runtime = lam.config.get("runtime")
        if isinstance(runtime, str):
            alias = RUNTIME_ALIASES.get(runtime.lower())
            if alias:
                lam.config["runtime"] = RUNTIMES[alias][0]
        elif runtime is not None:
            lam.config["runtime"] = _js_str(runtime)

    def resolve_handler(self, lam: _Lambda) -> None:
        """inventory's getHandler: the handler file Architect finds (or assumes) in the src dir."""
        handler = lam.config.get("handler")
        runtime = lam.config.get("runtime")
        if not isinstance(handler, str) or not isinstance(runtime, str):
            self.problem_at_setting(
                lam,
                "handler",
                f"Invalid handler: {_js_str(handler)}. Expected {{file}}.{{method}}, example: index.handler",
                "write the handler as `file.function`",
            )
            return
        parts = handler.split(".")
        if len(parts) != 2:
            self.problem_at_setting(
                lam,
                "handler",
                f"Invalid handler: {handler}. Expected {{file}}.{{method}}, example: index.handler",
                "write the handler as `file.function`",
            )
        files = self.dir_files(lam.src)
        if files and "package.json" in files and runtime.startswith("node"):
            self.check_node_package(lam, self.cwd / lam.src)
        file = _handler_file(runtime, files) or parts[0]
        if handler == self.project_config.get("handler"):
            # Architect regenerates a default handler from the file it found: `lambda.handler` for Python
            lam.config["handler"] = f"{file.split('.')[0]}.handler"

    def check_node_package(self, lam: _Lambda, src_dir: Path) -> None:
        pkg_file = src_dir / "package.json"
        if not pkg_file.is_file():
            return
        try:
            pkg = json.loads(pkg_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            self.problem(
                f"Error getting Lambda handler in {lam.src}: {exc}",
                None,
                f"fix {lam.src}/package.json (it must be valid JSON)",
            )
            return
        kind = pkg.get("type") if isinstance(pkg, dict) else None
        if _truthy(kind) and kind not in ("module", "commonjs"):
            self.problem(
                f"Error getting Lambda handler in {lam.src}: Invalid 'type' field: {_js_str(kind)}",
                None,
                f'set "type" in {lam.src}/package.json to "module" or "commonjs"',
            )

    def problem_at_setting(self, lam: _Lambda, setting: str, message: str, hint: str | None) -> None:
        """Report at the line that set `setting` (@aws or config.arc), else at the Lambda's own line."""
        display, item = lam.origins.get(setting, (None, None))
        if item is None:
            self.problem(message, lam.item, hint)
        else:
            self.problem(message, item, hint, display or True)

    # -- @http ---------------------------------------------------------------

    def configure_http(self) -> list[_Lambda]:
        if not self.has("http"):
            self.root_handler: str | None = None
            self.asap = False
            return []
        routes: list[_Lambda] = []
        http_dirs = self.dir_files("src/http") or frozenset()
        for item in self.arc["http"]:
            route = self.populate_http(item, http_dirs)
            if route is not None:
                routes.append(route)

        if self.has("proxy"):
            root = "proxy"
        else:
            found: _Lambda | None = None
            for r in routes:
                if r.method != "get" and r.method != "any":
                    continue
                root_param = r.path.startswith("/:") and r.path.count("/") == 1
                if r.path in ("/", "/*") or root_param:
                    if found is None:
                        found = r
                        continue
                    path_len = 2 if r.path.startswith("/:") else len(r.path)
                    found_len = 2 if found.path.startswith("/:") else len(found.path)
                    if path_len < found_len or (r.method == "get" and path_len <= found_len):
                        found = r
            root = f"{found.method} {found.path}" if found else None
        self.asap = root is None
        self.root_handler = root or "arcStaticAssetProxy"

        checked = list(routes)
        if self.asap:
            checked.insert(0, _Lambda("http", "get /*", "", False, None, {}, {}, "get", "/*", asap=True))
        self.validate_http(checked)
        return routes

    def populate_http(self, item: Item, http_dirs: frozenset[str]) -> _Lambda | None:
        v = item.value
        if isinstance(v, list) and len(v) == 2:
            method, path, custom = v[0], v[1], None
        elif isinstance(v, dict) and v:
            path = next(iter(v))
            body = v[path]
            if not isinstance(body, dict) or "method" not in body:
                # inventory crashes here (reads `.method` of a vector); say what is missing instead
                self.problem(
                    f"Invalid @http route: {path} has no method",
                    item,
                    f"write the route as a map: `{path}` then an indented line `method get` "
                    "(and optionally `src path/to/dir`)",
                )
                return None
            method, custom = body["method"], body.get("src")
        else:
            self.problem(
                f"Invalid @http route: {_js_str(v)}",
                item,
                "write `<method> <path>`, e.g. `get /things/:id` (paths cannot contain spaces)",
            )
            return None
        if not isinstance(method, str):
            self.problem(f"Invalid @http method: {_js_str(method)} {_js_str(path)}", item, _METHODS_HINT)
            return None
        if not isinstance(path, str):
            self.problem(
                f"Invalid @http path (must start with a slash): {method.lower()} {_js_str(path)}",
                item,
                "paths start with / and contain letters, digits, -, ., _, :params and a final /*",
            )
            return None
        method = method.lower()
        lambda_name = method + architect_lambda_name(path)
        if custom is None and lambda_name not in http_dirs and self._runtime is not _UNSET:
            shared = self._default_configs.get(self._no_files_key)
            if shared is not None:
                # Most routes of a big app: no `src`, no handler dir (yet), so the shared project
                # config. Built directly: exactly what populate() and populate_default() give such
                # a route, without their general steps (3,000 routes: about 3 ms of 54).
                return _Lambda(
                    "http",
                    f"{method} {path}",
                    f"src/http/{lambda_name}",
                    False,
                    item,
                    shared,
                    self.project_origins,
                    method,
                    path,
                    extra={"lambda": lambda_name},
                )
        lam = self.populate("http", item, lambda_name, custom)
        if lam is None:
            return None
        lam.name = f"{method} {path}"
        lam.method, lam.path = method, path
        lam.extra["lambda"] = lambda_name
        return lam

    def validate_http(self, routes: list[_Lambda]) -> None:
        self.unique(routes, "@http routes", "remove one of the two, or change its method or path")
        path_hint = (
            "paths start with /, use letters, digits, -, ., _ between slashes, :params, and may end with /*"
        )
        plain = _PLAIN_PATH.fullmatch
        for r in routes:
            item, name, path = r.item, r.name, r.path
            if r.method in _METHOD_SET and plain(path):
                continue
            if r.method not in HTTP_METHODS:
                self.problem(
                    f"Invalid @http method: {name}",
                    item,
                    f"unknown HTTP method '{r.method}'; {_METHODS_HINT}",
                )
            if _BAD_PATH_CHAR.search(path):
                bad = list(dict.fromkeys(c for c in path if c not in _HTTP_PATH_CHARS))
                listed = ", ".join(bad)
                plural = "" if len(listed) == 1 else "s"  # sic: Architect counts the joined string
                self.problem(f"Invalid @http path character{plural} ({listed}): {name}", item, path_hint)
            if len(path) > 1:
                if path[0] != "/":
                    self.problem(f"Invalid @http path (must start with a slash): {name}", item, path_hint)
                if path.endswith("/"):
                    self.problem(
                        f"Invalid @http path (cannot end with '/'): {name}",
                        item,
                        f"remove the trailing slash: {path.rstrip('/') or '/'}",
                    )
                if "//" in path:
                    self.problem(
                        f"Invalid @http path (must have parts between two slashes): {name}", item, path_hint
                    )
                if _TRAILING_SPECIAL.search(path):
                    self.problem(
                        f"Invalid @http path (parts cannot end with special characters): {name}",
                        item,
                        "path parts cannot end with -, . or _",
                    )
            if "/:" in path and not _NAMED_PARAM.search(path):
                self.problem(
                    f"Invalid @http path (parameters must have only alphanumeric characters): {name}",
                    item,
                    "name every parameter: `/things/:id`",
                )
            if _MID_PART_PARAM.search(path):
                self.problem(
                    f"Invalid @http path (parameters can only be used at the beginning of a path part): "
                    f"{name}",
                    item,
                    "a :param is a whole path part: `/things/:id`",
                )
            if "*" in path and not path.endswith("/*"):
                self.problem(
                    f"Invalid @http path (catchalls can only be used at the end of a path): {name}",
                    item,
                    "a catchall is a final `/*` part: `/files/*`",
                )

    def unique(self, lambdas: list[_Lambda], label: str, hint: str) -> None:
        seen: set[str] = set()
        errored: set[str] = set()
        for lam in lambdas:
            if lam.name in seen and lam.name not in errored:
                errored.add(lam.name)
                self.problem(f"Duplicate {label} item: {lam.name}", lam.item, hint)
            seen.add(lam.name)

    # -- @ws -----------------------------------------------------------------

    def configure_ws(self) -> list[_Lambda]:
        if not self.has("ws"):
            return []
        items: list[Item | str] = list(self.arc["ws"])
        for route in ("disconnect", "default", "connect"):
            if not any(
                i.value == route or (isinstance(i.value, dict) and _truthy(i.value.get(route)))
                for i in self.arc["ws"]
            ):
                items.insert(0, route)
        routes: list[_Lambda] = []
        for entry in items:
            item = entry if isinstance(entry, Item) else None
            value = entry.value if isinstance(entry, Item) else entry
            if isinstance(value, str):
                name, custom = value, None
            elif isinstance(value, dict) and value:
                name = next(iter(value))
                body = value[name]
                custom = body.get("src") if isinstance(body, dict) else None
            else:
                self.problem(
                    f"Invalid @ws item: {_js_str(value)}",
                    item,
                    "write one WebSocket action name per line, e.g. `join`",
                )
                continue
            lam = self.populate("ws", item, name, custom)
            if lam is None:
                continue
            lam.extra["route"] = name
            if name.startswith("$") and name[1:] in ("connect", "disconnect", "default"):
                lam.name = name[1:]  # inventory forgives `$connect`; the backfilled route then duplicates it
            routes.append(lam)
        self.unique(
            routes,
            "@ws",
            "`connect`, `disconnect` and `default` are always present; list each "
            "custom action once, without a `$`",
        )
        for r in routes:
            hint = "WebSocket action names use letters, digits, /, -, . and _ (1 to 255 characters)"
            _check_size(self, r.name, 1, 255, "@ws", r.item, hint)
            if not VERY_LOOSE_NAME.match(r.name):
                self.problem(
                    f"Invalid @ws item: '{r.name}' must match {_js_regex(VERY_LOOSE_NAME)}", r.item, hint
                )
        return routes

    # -- @events / @queues / @scheduled / @tables-streams ---------------------

    def configure_events(self, pragma: str) -> list[_Lambda]:
        if not self.nonempty(pragma):
            return []
        out: list[_Lambda] = []
        for item in self.arc[pragma]:
            v = item.value
            if isinstance(v, str):
                lam = self.populate(pragma, item, v, None)
            elif isinstance(v, dict) and v:
                name = next(iter(v))
                body = v[name]
                lam = self.populate(pragma, item, name, body.get("src") if isinstance(body, dict) else None)
                if lam and pragma == "queues" and isinstance(body, dict):
                    lam.extra.update({k: body.get(k) for k in ("fifo", "batchSize", "batchWindow")})
            else:
                self.problem(
                    f"Invalid @{pragma} item: {_js_str(v)}", item, f"write one {pragma[:-1]} name per line"
                )
                continue
            if lam:
                out.append(lam)
        label = f"@{pragma}"
        self.unique(out, label, f"remove the duplicate {pragma[:-1]}")
        for lam in out:
            name, item = lam.name, lam.item
            hint = f"{pragma} names use letters, digits, /, -, . and _"
            if not VERY_LOOSE_NAME.match(name):
                self.problem(
                    f"Invalid {label} item: '{name}' must match {_js_regex(VERY_LOOSE_NAME)}", item, hint
                )
            _check_size(self, name, 1, 246, label, item, hint)
            if name.startswith("."):
                self.problem(f"Invalid {label} item (cannot start with a period): {name}", item, hint)
            if name.endswith("."):
                self.problem(f"Invalid {label} item (cannot end with a period): {name}", item, hint)
            if ".." in name:
                self.problem(f"Invalid {label} item (cannot have successive periods): {name}", item, hint)
            if name.lower().startswith(("aws", "amazon")):
                self.problem(
                    f"Invalid {label} item (cannot start with 'AWS' or 'Amazon'): {name}", item, hint
                )
            if pragma == "queues":
                for key, check, what in (
                    ("fifo", lambda x: isinstance(x, bool), "a boolean"),
                    ("batchSize", _is_int, "a number"),
                    ("batchWindow", _is_int, "a number"),
                ):
                    val = lam.extra.get(key)
                    if val is not None and not check(val):
                        self.problem(f"Invalid {label} item ({key} must be {what}): {name}", item, hint)
        return out

    def configure_scheduled(self) -> list[_Lambda]:
        if not self.nonempty("scheduled"):
            return []
        out: list[_Lambda] = []
        for item in self.arc["scheduled"]:
            v = item.value
            rate = cron = timezone = None
            if isinstance(v, list) and v:
                name = v[0]
                sched = " ".join(_js_str(x) for x in v[1:])
                m_rate = re.match(r"^rate\([^)]*\)$", sched)
                m_cron = re.match(r"^cron\([^)]*\)$", sched)
                if m_rate:
                    rate = _schedule_parts("rate", _clean_schedule(m_rate.group(0)))
                if m_cron:
                    cron = _schedule_parts("cron", _clean_schedule(m_cron.group(0)))
                custom = None
            elif isinstance(v, dict) and v:
                name = next(iter(v))
                body = v[name] if isinstance(v[name], dict) else {}
                for key in ("rate", "cron"):
                    if _truthy(body.get(key)):
                        exp = body[key]
                        exp = " ".join(_js_str(x) for x in exp) if isinstance(exp, list) else _js_str(exp)
                        if key == "rate":
                            rate = _schedule_parts("rate", exp)
                        else:
                            cron = _schedule_parts("cron", exp)
                timezone = body.get("timezone") if _truthy(body.get("timezone")) else None
                custom = body.get("src")
            else:
                self.problem(
                    f"Invalid @scheduled item: {_js_str(v)}",
                    item,
                    "write `name rate(1 day)` or `name cron(0 12 * * ? *)`",
                )
                continue
            lam = self.populate("scheduled", item, _js_str(name), custom)
            if lam:
                lam.extra.update(rate=rate, cron=cron, timezone=timezone)
                out.append(lam)
        self.unique(out, "@scheduled", "remove the duplicate schedule")
        for lam in out:
            self.validate_schedule(lam)
        return out

    def validate_schedule(self, lam: _Lambda) -> None:
        name, item = lam.name, lam.item
        rate, cron, tz = lam.extra["rate"], lam.extra["cron"], lam.extra["timezone"]
        hint = "e.g. `daily rate(1 day)`, `hourly rate(2 hours)` or `noon cron(0 12 * * ? *)`"
        if not VERY_LOOSE_NAME.match(name):
            self.problem(
                f"Invalid @scheduled item: '{name}' must match {_js_regex(VERY_LOOSE_NAME)}", item, hint
            )
        _check_size(self, name, 1, 242, "@scheduled", item, hint)
        if cron:
            exp = cron["expression"]
            if len(exp.split(" ")) != 6:
                self.problem(
                    f"Invalid @scheduled item (cron expressions have six fields): {name} cron({exp})",
                    item,
                    hint,
                )
            else:
                checks = (
                    ("minutes", r"^[\d,\-*/]+$"),
                    ("hours", r"^[\d,\-*/]+$"),
                    ("dayOfMonth", r"^[\d,\-*/?LW]+$"),
                    ("month", r"^[\da-zA-Z,\-*/?LW]+$"),
                    ("dayOfWeek", r"^[\da-zA-Z,\-*?L#]+$"),
                    ("year", r"^[\d,\-*/]+$"),
                )
                labels = {"dayOfMonth": "day-of-month", "dayOfWeek": "day-of-week"}
                for key, pattern in checks:
                    val = _js_str(cron[key])
                    if not re.match(pattern, val, re.ASCII):
                        self.problem(
                            f"Invalid @scheduled item ({labels.get(key, key)} value: {val}): "
                            f"{name} cron({exp})",
                            item,
                            hint,
                        )
        if rate:
            self.validate_rate(name, item, rate, hint)
        if tz is not None:
            if not isinstance(tz, str) or not tz:
                self.problem(
                    f"Invalid @scheduled item (timezone must be a non-empty string): {name}", item, hint
                )
            elif not _valid_timezone(tz):
                self.problem(
                    f"Invalid @scheduled item (timezone must be a valid IANA timzone identifier): {name}",
                    item,
                    "e.g. America/New_York",
                )
        if not cron and not rate:
            self.problem(f"Invalid @scheduled item (no cron or rate expression found): {name}", item, hint)
        if cron and rate:
            self.problem(f"Invalid @scheduled item (use either cron or rate, not both): {name}", item, hint)

    def validate_rate(self, name: str, item: Item | None, rate: dict[str, Any], hint: str) -> None:
        exp, value, interval = rate["expression"], rate["value"], rate["interval"]
        if len(exp.split(" ")) != 2:
            self.problem(
                f"Invalid @scheduled item (rate expressions have two fields): {name} rate({exp})", item, hint
            )
            return
        singular, plural = ("minute", "hour", "day"), ("minutes", "hours", "days")
        intervals = "rate interval must be 'minute', 'minutes', 'hour', 'hours', 'day', or 'days'"

        def err(description: str, val: Any) -> None:
            self.problem(
                f"Invalid @scheduled item ({description}, value: {_js_str(val)}): {name} rate({exp})",
                item,
                hint,
            )

        if not _is_int(value) or not value > 0:
            err("rate value must be a whole number greater than 0", value)
        if not isinstance(interval, str):
            err(intervals, interval)
            return
        if interval not in singular + plural:
            err(intervals, interval)
        if _is_int(value) and value == 1 and interval in plural:
            err("rate value of 1 must use a singular interval, e.g. 'minute', 'hour', 'day'", interval)
        if _is_int(value) and value > 1 and interval in singular:
            err(
                "rate values greater than 1 must use plural intervals, e.g. 'minutes', 'hours', 'days'",
                interval,
            )

    def configure_tables_streams(self) -> list[_Lambda]:
        ts = "tables-streams"
        if not self.nonempty(ts) and not self.nonempty("tables"):
            return []
        if self.has(ts) and not self.has("tables"):
            self.problem_at_pragma(
                "Specifying @tables-streams requires specifying corresponding @tables",
                ts,
                "add the table under @tables",
            )
            return []
        tables: list[_Lambda] = []
        for item in self.arc.get("tables", []):
            v = item.value
            if isinstance(v, dict) and v:
                name = next(iter(v))
                body = v[name]
                if isinstance(body, dict) and body.get("stream") is True:
                    lam = self.populate(ts, item, name, None)
                    if lam:
                        lam.table = name
                        tables.append(lam)
        streams: list[_Lambda] = []
        for item in self.arc.get(ts, []):
            v = item.value
            if isinstance(v, str):
                lam = self.populate(ts, item, v, None)
                if lam:
                    lam.table = v
            elif isinstance(v, dict) and v:
                name = next(iter(v))
                body = v[name] if isinstance(v[name], dict) else {}
                lam = self.populate(ts, item, name, body.get("src"))
                if lam:
                    lam.table = body["table"] if _truthy(body.get("table")) else name
            else:
                self.problem(f"Invalid @{ts} item: {_js_str(v)}", item, "write one table name per line")
                continue
            if lam:
                streams.append(lam)
        merged = streams + [t for t in tables if not any(s.table == t.table for s in streams)]
        self.unique(merged, "@tables-streams", "one stream per table")
        for lam in merged:
            hint = "table names use letters, digits, /, -, . and _ (3 to 255 characters)"
            _check_size(self, lam.name, 3, 255, "@tables-streams", lam.item, hint)
            if not VERY_LOOSE_NAME.match(lam.name):
                self.problem(
                    f"Invalid @tables-streams item: '{lam.name}' must match {_js_regex(VERY_LOOSE_NAME)}",
                    lam.item,
                    hint,
                )
        return merged

    # -- @tables / @tables-indexes ------------------------------------------

    def configure_tables(self) -> list[dict[str, Any]]:
        if not self.nonempty("tables"):
            return []
        tables = []
        for item in self.arc["tables"]:
            t = _parse_table(item.value, index=False)
            if t is None:
                self.problem(
                    f"Invalid @tables item: {_js_str(item.value)}",
                    item,
                    "write the table name, then indented `key *String` lines",
                )
                continue
            t["_item"] = item
            tables.append(t)
        self.validate_tables(tables, "@tables")
        return tables

    def configure_tables_indexes(self) -> list[dict[str, Any]]:
        pragma = "tables-indexes"
        if not self.nonempty(pragma):
            return []
        if not self.has("tables"):
            self.problem_at_pragma(
                "Specifying @tables-indexes requires specifying corresponding @tables",
                pragma,
                "add the table under @tables",
            )
            return []
        indexes = []
        for item in self.arc[pragma]:
            i = _parse_table(item.value, index=True)
            if i is None:
                self.problem(
                    f"Invalid @{pragma} item: {_js_str(item.value)}",
                    item,
                    "write the table name, then indented `key *String` lines",
                )
                continue
            i["_item"] = item
            indexes.append(i)
        self.validate_tables(indexes, "@tables-indexes")
        return indexes

    def validate_tables(self, entries: list[dict[str, Any]], label: str) -> None:
        hint = "names use letters, digits, /, -, . and _; tables need a partition key: `id *String`"
        for t in entries:
            item, name = t["_item"], t["name"]
            _check_size(self, name, 3, 255, label, item, hint)
            if not VERY_LOOSE_NAME.match(_js_str(name)):
                self.problem(
                    f"Invalid {label} item: '{name}' must match {_js_regex(VERY_LOOSE_NAME)}", item, hint
                )
            if not _truthy(t["partitionKey"]):
                self.problem(f"Invalid {label} item (partition key required): '{name}'", item, hint)
            if not _truthy(t["partitionKeyType"]):
                self.problem(f"Invalid {label} item (partition key type required): '{name}'", item, hint)
            for key, lo in (("indexName", 3), ("partitionKey", 1), ("sortKey", 1)):
                val = t.get(key)
                if _truthy(val):
                    _check_size(self, val, lo, 255, label, item, hint)
                    if not VERY_LOOSE_NAME.match(_js_str(val)):
                        self.problem(
                            f"Invalid {label} item: '{_js_str(val)}' must match {_js_regex(VERY_LOOSE_NAME)}",
                            item,
                            hint,
                        )
        if label == "@tables":
            seen: set[str] = set()
            errored: set[str] = set()
            for t in entries:
                if t["name"] in seen and t["name"] not in errored:
                    errored.add(t["name"])
                    self.problem(
                        f"Duplicate {label} item: {t['name']}", t["_item"], "remove the duplicate table"
                    )
                seen.add(t["name"])
        else:
            copy = [{k: v for k, v in t.items() if k != "_item"} for t in entries]
            items = [t["_item"] for t in entries]
            i = 0
            while i < len(copy):  # inventory splices while iterating; keep its exact pairing
                index = copy.pop(i)
                item = items.pop(i)
                if any(index == other for other in copy):
                    self.problem(
                        f"Duplicate {label} value: '{index['name']}'", item, "remove the duplicate index"
                    )
                i += 1

    # -- @static -------------------------------------------------------------

    def configure_static(self) -> dict[str, Any] | bool | None:
        if not self.has("static") and not self.has("http"):
            return None
        items = self.arc.get("static", [])
        settings: dict[str, Any] = {
            "compression": False,
            "fingerprint": None,
            "folder": "public",
            "ignore": None,
            "prefix": None,
            "prune": None,
            "spa": False,
            "staging": None,
            "production": None,
        }
        self.static_items: dict[str, Item] = {}
        if items and _strict_in(items[0].value, (False, "disable", "disabled")):
            return False
        for item in items:
            s = item.value
            ignore = None
            if isinstance(s, dict) and _truthy(s.get("ignore")):
                ignore = s["ignore"]
            elif isinstance(s, list) and s and isinstance(s[0], str) and s[0] in settings:
                if s[0] == "ignore":
                    ignore = list(s[1:])
                else:
                    settings[s[0]] = s[1] if len(s) > 1 else None
                self.static_items[s[0]] = item
            if ignore is not None:
                self.static_items["ignore"] = item
                if settings["ignore"]:
                    merged = list(settings["ignore"]) + (ignore if isinstance(ignore, list) else [ignore])
                    settings["ignore"] = _dedupe(merged)
                else:
                    settings["ignore"] = ignore
        if not self.has("http"):
            self.root_handler = "arcStaticAssetProxy"
        self.validate_static(settings)
        return settings

    def validate_static(self, s: dict[str, Any]) -> None:
        at = self.static_items.get
        if _truthy(s["compression"]) and not _strict_in(s["compression"], (True, "br", "gzip")):
            self.problem("Compression must be 'br' or 'gzip'", at("compression"), "expected true, br or gzip")
        if _truthy(s["fingerprint"]) and not _strict_in(s["fingerprint"], (True, "external")):
            self.problem(
                "Fingerprint must be true or 'external'", at("fingerprint"), "expected true or external"
            )
        ignore = s["ignore"]
        if _truthy(ignore) and (not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore)):
            self.problem("Ignore must be a list of one or more strings", at("ignore"), None)
        if _truthy(s["prefix"]) and not isinstance(s["prefix"], str):
            self.problem("Prefix must be a string", at("prefix"), None)
        if s["prune"] is not None and not isinstance(s["prune"], bool):
            self.problem("Prune must be a boolean", at("prune"), "expected true or false")
        if s["spa"] is not None and not isinstance(s["spa"], bool):
            self.problem("spa must be a string", at("spa"), "expected true or false")
        for env_name in ("staging", "production"):
            if s[env_name] is not None and not isinstance(s[env_name], str):
                self.problem(
                    f"{env_name.capitalize()} must be a string", at(env_name), "expected a bucket name"
                )

    # -- @shared / @views ----------------------------------------------------

    def configure_shared(self, lambdas: dict[str, list[_Lambda]]) -> None:
        if not any(lambdas[p] for p in LAMBDA_PRAGMAS):
            return
        self.configure_code_folder("shared", lambdas)

    def configure_views(self, lambdas: dict[str, list[_Lambda]]) -> None:
        if self.has("views") and not self.has("http"):
            self.problem_at_pragma("@views requires @http", "views", "add @http, or remove @views")
            return
        if not self.has("http"):
            return
        self.configure_code_folder("views", lambdas)

    def configure_code_folder(self, pragma: str, lambdas: dict[str, list[_Lambda]]) -> None:
        """@shared / @views: the folder must exist inside the project; listed Lambdas must exist."""
        items = self.arc.get(pragma, [])
        src: Any = None
        found_src = False
        for item in items:
            v = item.value
            if isinstance(v, list) and v and isinstance(v[0], str) and v[0].lower() == "src":
                if len(v) > 1 and isinstance(v[1], str):
                    src, found_src = v[1], True
                else:
                    self.problem(f"@{pragma} invalid setting: src", item, f"write `src path/to/{pragma}`")
        default = self.cwd / "src" / pragma
        if found_src:
            self.check_folder(pragma, src, required=True)
        elif default.exists():
            self.check_folder(pragma, f"src/{pragma}", required=False)
        else:
            return
        if not items or (len(items) == 1 and found_src):
            return
        for item in items:
            v = item.value
            if pragma == "shared":
                if isinstance(v, list):
                    continue
                if not isinstance(v, dict) or not v:
                    self.problem(f"@shared invalid setting: {_js_str(v)}", item, "list Lambdas by pragma")
                    return
                p = next(iter(v))
                if p not in LAMBDA_PRAGMAS:
                    self.problem(
                        f"{p} is not a valid @shared pragma",
                        item,
                        "expected one of " + ", ".join(LAMBDA_PRAGMAS),
                    )
                    return
                body = v[p]
                entries = (
                    list(body.items()) if isinstance(body, dict) else (body if isinstance(body, list) else [])
                )
                for entry in entries:
                    if p == "http":
                        name = (
                            " ".join(_js_str(x) for x in entry)
                            if isinstance(entry, list | tuple)
                            else _js_str(entry)
                        )
                    else:
                        name = _js_str(entry)
                    if not any(lam.name == name for lam in lambdas[p]):
                        self.problem(
                            f"@shared {name} not found in @{p} Lambdas",
                            item,
                            f"list only Lambdas defined under @{p}",
                        )
                        return
            else:
                method = v[0].lower() if isinstance(v, list) and v and isinstance(v[0], str) else None
                if method == "src":
                    continue
                path = v[1] if isinstance(v, list) and len(v) > 1 else None
                name = (
                    f"{_js_str(method) if method is not None else 'undefined'} "
                    f"{_js_str(path) if path is not None else 'undefined'}"
                )
                if not any(lam.name == name for lam in lambdas["http"]):
                    self.problem(
                        f"@views {name} not found in @http routes",
                        item,
                        "list only routes defined under @http",
                    )
                    return

    def check_folder(self, pragma: str, src: str, required: bool) -> None:
        path = (self.cwd / src).resolve()
        item = next(
            (
                i
                for i in self.arc.get(pragma, [])
                if isinstance(i.value, list) and i.value and i.value[0] == "src"
            ),
            None,
        )
        if path.exists() and not path.is_dir():
            self.problem(f"Must be a directory: {src}", item, None)
        elif not path.exists() and required:
            self.problem(f"Directory not found: {src}", item, f"create {src}, or fix the path")
        cwd = self.cwd.resolve()
        if cwd not in path.parents:
            self.problem(f"Directory must be a subfolder of this project: {src}", item, None)

    # -- final validation ----------------------------------------------------

    def validate_config(self, aws: dict[str, Any], lambdas: dict[str, list[_Lambda]]) -> None:
        g_runtime = self.project_config.get("runtime")
        g_memory, g_storage, g_timeout = (
            self.project_config.get(k) for k in ("memory", "storage", "timeout")
        )
        at = self.project_origins.get

        def where(key: str) -> tuple[Item | None, str | None | bool]:
            display, item = at(key, (None, None))
            return item, display or True

        mem_hint = "memory is in MB, a whole number from 128 to 10240"
        tmo_hint = "timeout is in seconds, a whole number from 1 to 900"
        sto_hint = "storage (ephemeral /tmp) is in MB, a whole number from 512 to 10240"
        run_hint = (
            "expected one of "
            + ", ".join(sorted(ALL_RUNTIMES))
            + " or an alias: "
            + ", ".join(sorted(RUNTIME_ALIASES))
        )
        if "memory" in self.project_origins and _bad_memory(g_memory):
            item, display = where("memory")
            self.problem(_memory_msg(f"{_js_str(g_memory)} MB (@aws)"), item, mem_hint, display)
        if _truthy(g_runtime) and (
            not isinstance(g_runtime, str)
            or (
                g_runtime not in ALL_RUNTIMES
                and g_runtime not in RUNTIME_ALIASES
                and g_runtime.lower() not in RUNTIME_ALIASES
            )
        ):
            item, display = where("runtime")
            self.problem(f"Invalid project-level runtime: {_js_str(g_runtime)}", item, run_hint, display)
        if "storage" in self.project_origins and _bad_storage(g_storage):
            item, display = where("storage")
            self.problem(_storage_msg(f"{_js_str(g_storage)} MB (@aws)"), item, sto_hint, display)
        if "timeout" in self.project_origins and _bad_timeout(g_timeout):
            item, display = where("timeout")
            self.problem(_timeout_msg(f"{_js_str(g_timeout)} seconds (@aws)"), item, tmo_hint, display)
        # arc2tf's own checks (AWS rejects these; inventory lets them through to CloudFormation)
        self.check_arc2tf_settings(self.project_config, self.project_origins, "@aws")
        region = aws.get("region")
        if not isinstance(region, str) or not _AWS_REGION.match(region):
            display, item = getattr(self, "aws_origins", {}).get("region", (None, None))
            self.problem(
                f"Invalid AWS region: {_js_str(region)} (@aws)",
                item,
                "expected a region name such as us-west-2 or eu-central-1",
                display or True,
            )

        for pragma in LAMBDA_PRAGMAS:
            for lam in lambdas[pragma]:
                if lam.origins is self.project_origins:
                    continue  # no settings of its own: the project-level checks above cover it
                c = lam.config
                label = f"@{pragma} {lam.name}"

                if _bad_memory(c.get("memory")) and c.get("memory") != g_memory:
                    self.problem_at_setting(
                        lam, "memory", _memory_msg(f"{_js_str(c.get('memory'))} MB ({label})"), mem_hint
                    )
                if c.get("runtime") not in ALL_RUNTIMES and c.get("runtime") != g_runtime:
                    self.problem_at_setting(
                        lam, "runtime", f"Invalid runtime: {_js_str(c.get('runtime'))} ({label})", run_hint
                    )
                if _bad_storage(c.get("storage")) and c.get("storage") != g_storage:
                    self.problem_at_setting(
                        lam, "storage", _storage_msg(f"{_js_str(c.get('storage'))} MB ({label})"), sto_hint
                    )
                if _bad_timeout(c.get("timeout")) and c.get("timeout") != g_timeout:
                    self.problem_at_setting(
                        lam,
                        "timeout",
                        _timeout_msg(f"{_js_str(c.get('timeout'))} seconds ({label})"),
                        tmo_hint,
                    )
                self.check_arc2tf_settings(c, lam.origins, label, only_own=True)

        # Layers: at most 5, full ARNs, in the app's region.
        region = aws.get("region")
        self.check_layers(self.project_config.get("layers"), region, self.project_origins)
        for pragma in LAMBDA_PRAGMAS:
            for lam in lambdas[pragma]:
                if lam.origins is self.project_origins:
                    continue  # a shared config: the project's layers (only runtime and handler differ)
                if lam.config.get("layers") != self.project_config.get("layers"):
                    self.check_layers(lam.config.get("layers"), region, lam.origins)

    def check_arc2tf_settings(
        self,
        config: dict[str, Any],
        origins: dict[str, tuple[str | None, Item | None]],
        label: str,
        only_own: bool = False,
    ) -> None:
        for key, ok, hint in (
            ("architecture", lambda v: v in ARCHITECTURES, "expected arm64 or x86_64"),
            (
                "concurrency",
                lambda v: v == "unthrottled" or (_is_int(v) and v >= 0),
                "expected a whole number of reserved executions, or unthrottled",
            ),
        ):
            if key not in origins:
                continue
            display, item = origins[key]
            if only_own and (display, item) == self.project_origins.get(key):
                continue
            if not ok(config.get(key)):
                self.problem(
                    f"Invalid Lambda {key} setting: {_js_str(config.get(key))} ({label})",
                    item,
                    hint,
                    display or True,
                )

    def check_layers(
        self, layers: Any, region: Any, origins: dict[str, tuple[str | None, Item | None]]
    ) -> None:
        if not _truthy(layers) or not isinstance(layers, list) or not layers:
            return
        display, item = origins.get("layers", (None, None))
        where = f" ({display})" if display else ""
        hint = "layers are full ARNs (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION) in the app's region"
        if len(layers) > 5:
            listed = "\n".join(f"  - {_js_str(x)}" for x in layers)
            self.problem(
                f"Lambdas can only be configured with up to 5 layers, got {len(layers)} layers{where}:\n"
                f"{listed}",
                item,
                hint,
                display or True,
            )
        invalid = [
            x for x in layers if not isinstance(x, str) or not x.startswith("arn:") or len(x.split(":")) != 8
        ]
        bad_region = [x for x in layers if x not in invalid and x.split(":")[3] != region]
        msg = ""
        if invalid:
            msg += f"Invalid ARN{'s' if len(invalid) > 1 else ''}{where}:\n" + "\n".join(
                f"  - {_js_str(x)}" for x in invalid
            )
        if bad_region:
            msg += (
                f"Layer{'s' if len(bad_region) > 1 else ''} not in app's region of "
                f"{_js_str(region)}{where}:\n"
                + "\n".join(f"  - Layer ARN: {x}\n  - Layer region: {x.split(':')[3]}" for x in bad_region)
            )
        if msg:
            self.problem(msg, item, hint, display or True)

    def validate_tables_children(
        self, tables: list[dict[str, Any]], indexes: list[dict[str, Any]], streams: list[_Lambda]
    ) -> None:
        names = {t["name"] for t in tables}
        for s in streams:
            if s.table not in names:
                self.problem(
                    f"@tables-streams {s.table} missing corresponding table",
                    s.item,
                    f"add `{s.table}` under @tables",
                )
        for i in indexes:
            if i["name"] not in names:
                self.problem(
                    f"@tables-indexes {i['name']} missing corresponding table",
                    i["_item"],
                    f"add `{i['name']}` under @tables",
                )

    def validate_paths(self, lambdas: dict[str, list[_Lambda]]) -> None:
        ascii_only = re.compile(r"^[ -~]+$")
        hint = "Architect only handles ASCII paths: rename the folder"
        cwd = str(self.cwd)
        if not ascii_only.match(cwd):
            self.problem("Project file path must contain only ascii characters", None, hint, False)
            return
        for pragma in LAMBDA_PRAGMAS:
            for lam in lambdas[pragma]:
                src = lam.src
                if src.isascii() and src.isprintable() and src:
                    continue  # all in [ -~]: what the regex matches, without the regex engine
                if not ascii_only.match(src):
                    self.problem(
                        f"@{pragma} {lam.name} source path must contain only ascii characters", lam.item, hint
                    )

    # -- the IR --------------------------------------------------------------

    def build_app(
        self,
        app_name: str | None,
        aws: dict[str, Any],
        static: Any,
        env: dict[str, dict[str, str] | None] | None,
        lambdas: dict[str, list[_Lambda]],
        tables: list[dict[str, Any]] | None = None,
        indexes: list[dict[str, Any]] | None = None,
    ) -> App:
        assert app_name is not None  # a missing @app is a validation error above
        taken: set[str] = set()
        functions: list[Function] = []
        settings: dict[int, tuple[FunctionConfig, bool | None, bool | None, bool]] = {}

        http_routes: tuple[HttpRoute, ...] | None = None
        if self.has("http"):
            routes = sorted(lambdas["http"], key=_BY_NAME)
            built = []
            for r in routes:
                lambda_name = r.extra["lambda"]
                if lambda_name in taken:
                    fn_name = _unique_name(lambda_name, r.name, taken)
                else:  # the usual case, without the call
                    fn_name = lambda_name
                    taken.add(fn_name)
                functions.append(
                    self.function(fn_name, "http", r.src, r, self.root_handler == r.name, settings)
                )
                route_key, arn_path = _route_key_and_arn_path(r.method, r.path)
                built.append(
                    _frozen_new(
                        HttpRoute,
                        {
                            "method": r.method,
                            "path": r.path,
                            "name": r.name,
                            "lambda_name": lambda_name,
                            "src": r.src,
                            "function": fn_name,
                            "route_key": route_key,
                            "arn_path": arn_path,
                        },
                    )
                )
            http_routes = tuple(built)
            self.warn_shared_dirs(routes)

        ws_routes: tuple[WsRoute, ...] | None = None
        if self.has("ws"):
            built_ws = []
            for r in sorted(lambdas["ws"], key=_BY_NAME):
                src = self.legacy_ws_dir(r)
                base = "ws-" + re.sub(r"[^A-Za-z0-9_-]", "_", r.name)
                fn_name = _unique_name(base, "ws " + r.name, taken)
                key = f"${r.name}" if r.name in ("connect", "disconnect", "default") else r.name
                functions.append(self.function(fn_name, "ws", src, r, False, settings))
                built_ws.append(WsRoute(r.name, key, src, fn_name))
            ws_routes = tuple(built_ws)

        event_functions = self.build_event_functions(lambdas, taken, functions, settings)

        static_site = None
        if isinstance(static, dict):
            ignore = static["ignore"]
            static_site = StaticSite(
                folder=_js_str(static["folder"]),
                fingerprint=static["fingerprint"],
                prefix=static["prefix"],
                ignore=tuple(ignore) if isinstance(ignore, list) else ignore,
                spa=static["spa"],
                compression=static["compression"],
                prune=static["prune"],
                staging=static["staging"],
                production=static["production"],
            )

        pc = self.project_config
        aws_settings = AwsSettings(
            region=aws["region"],
            profile=aws["profile"],
            apigateway=aws["apigateway"],
            bucket=aws["bucket"],
            defaults=FunctionConfig(
                runtime=pc["runtime"],
                memory=_as_int(pc["memory"]),
                timeout=_as_int(pc["timeout"]),
                architecture=pc["architecture"],
                concurrency=None if pc["concurrency"] == "unthrottled" else _as_int(pc["concurrency"]),
                storage=_as_int(pc["storage"]),
                layers=tuple(pc["layers"]),
                policies=tuple(pc["policies"]),
                handler=pc["handler"],
            ),
        )

        uncompiled = tuple(sorted(p for p in self.arc if p not in COMPILED_PRAGMAS))
        if uncompiled:
            listed = ", ".join("@" + p for p in uncompiled)
            first = self.pragma_pos.get(uncompiled[0])
            self.warnings.append(
                ArcWarning(
                    f"arc2tf does not compile {listed} yet: kept in the IR, but nothing is deployed for "
                    f"{'it' if len(uncompiled) == 1 else 'them'}",
                    self.display,
                    first.line if first else None,
                    first.column if first else None,
                    "deploy these resources another way for now, or remove the pragma(s)",
                )
            )

        return App(
            name=app_name,
            project_dir=self.cwd,
            manifest=self.manifest_rel,
            http=http_routes,
            ws=ws_routes,
            static=static_site,
            static_disabled=static is False,
            asap=self.has("http") and self.asap,
            root_handler=getattr(self, "root_handler", None),
            aws=aws_settings,
            env=MappingProxyType(
                {k: (MappingProxyType(v) if v is not None else None) for k, v in env.items()}
            )
            if env is not None
            else None,
            functions=tuple(sorted(functions, key=_BY_NAME)),
            pragmas=MappingProxyType(self.manifest.to_json()),
            uncompiled=uncompiled,
            warnings=tuple(self.warnings),
            tables=_build_tables(tables or [], indexes or [], lambdas.get("tables-streams", [])),
            **event_functions,
        )

    def build_event_functions(
        self,
        lambdas: dict[str, list[_Lambda]],
        taken: set[str],
        functions: list[Function],
        settings: dict[int, tuple[FunctionConfig, bool | None, bool | None, bool]],
    ) -> dict[str, Any]:
        """The functions of the compiled event pragmas (`<pragma>-<name>`) and what triggers them."""

        def function_of(pragma: str, lam: _Lambda) -> str:
            base = f"{pragma}-" + re.sub(r"[^A-Za-z0-9_-]", "_", lam.name)
            fn_name = _unique_name(base, f"{pragma} {lam.name}", taken)
            functions.append(self.function(fn_name, pragma, lam.src, lam, False, settings))
            return fn_name

        schedules = []
        for lam in sorted(lambdas["scheduled"], key=_BY_NAME):
            rate, cron = lam.extra["rate"], lam.extra["cron"]
            expression = f"rate({rate['expression']})" if rate else f"cron({cron['expression']})"
            schedules.append(Schedule(lam.name, expression, lam.extra["timezone"], lam.src,
                                      function_of("scheduled", lam)))
        topics = tuple(Topic(lam.name, lam.src, function_of("events", lam))
                       for lam in sorted(lambdas["events"], key=_BY_NAME))
        queues = []
        for lam in sorted(lambdas["queues"], key=_BY_NAME):
            fifo = lam.extra.get("fifo")
            if fifo is None:  # Architect's function config default: `fifo true`
                fifo = lam.config.get("fifo", True) is not False
            size, window = lam.extra.get("batchSize"), lam.extra.get("batchWindow")
            queues.append(Queue(lam.name, lam.src, function_of("queues", lam), fifo=bool(fifo),
                                batch_size=1 if size is None else int(size),
                                batch_window=0 if window is None else int(window)))
        return {
            "scheduled": tuple(schedules),
            "events": topics,
            "queues": tuple(queues),
            "table_streams": tuple(
                TableStream(lam.name, _js_str(lam.table), lam.src, function_of("tables-streams", lam))
                for lam in sorted(lambdas["tables-streams"], key=_BY_NAME)
            ),
        }

    def function(
        self,
        name: str,
        kind: str,
        src: str,
        lam: _Lambda,
        root_handler: bool,
        settings: dict[int, tuple[FunctionConfig, bool | None, bool | None, bool]],
    ) -> Function:
        """The IR function of `lam`; `settings` holds the settings of this build's shared configs."""
        if lam.origins is self.project_origins:
            # No config.arc: its config dict is one of a few shared by most functions (alive for
            # the whole build, so its id stays its own); the settings follow from it alone.
            fixed = settings.get(id(lam.config))
            if fixed is None:
                fixed = settings[id(lam.config)] = _function_settings(lam)
        else:
            fixed = _function_settings(lam)
        return _frozen_new(
            Function,
            {
                "name": name,
                "kind": kind,
                "src": src,
                "config": fixed[0],
                "route": lam.name,
                "root_handler": root_handler,
                "shared": fixed[1],
                "views": fixed[2],
                "env": fixed[3],
            },
        )

    def warn_shared_dirs(self, routes: list[_Lambda]) -> None:
        # Most apps have no two routes on one dir (or one ID candidate): one set says so, and
        # only then are the routes grouped.
        srcs = [r.src for r in routes]
        by_src: dict[str, list[_Lambda]] = {}
        if len(set(srcs)) < len(srcs):
            for r in routes:
                by_src.setdefault(r.src, []).append(r)
        shared = sorted((src, group) for src, group in by_src.items() if len(group) > 1)
        for src, group in shared:
            if all(r.custom_src for r in group):
                continue  # several routes on one explicit `src` is a choice, not an accident
            names = ", ".join(f"`{r.name}`" for r in group)
            first = group[1]
            self.warnings.append(
                ArcWarning(
                    f"routes {names} share the handler dir {src} (Architect maps their paths to one name); "
                    f"arc2tf deploys one function per route, all running that code",
                    self.display,
                    first.item.line if first.item else None,
                    first.item.column if first.item else None,
                    "to give a route its own handler, write it as a map with its own dir: "
                    f"`{first.path}` then indented `method {first.method}` and `src src/http/<dir>`",
                )
            )
        # Equal logical IDs need equal letters and digits (case aside): only such groups pay for toLogicalID.
        keys = [
            r.extra["lambda"].replace("000", "").replace("-", "").replace("_", "").lower() for r in routes
        ]
        candidates: dict[str, list[_Lambda]] = {}
        if len(set(keys)) < len(keys):
            for key, r in zip(keys, routes, strict=True):
                candidates.setdefault(key, []).append(r)
        by_id: dict[str, list[_Lambda]] = {}
        for group in candidates.values():
            if len(group) > 1:
                for r in group:
                    by_id.setdefault(architect_logical_id(r.extra["lambda"].replace("000", "")), []).append(r)
        for logical_id, group in sorted(by_id.items()):
            if len(group) < 2:
                continue
            names = ", ".join(f"`{r.name}`" for r in group)
            first = group[1]
            self.warnings.append(
                ArcWarning(
                    f"routes {names} map to one CloudFormation resource ({logical_id}HTTPLambda) "
                    "in Architect, "
                    "which deploys only one of them; arc2tf deploys all of them",
                    self.display,
                    first.item.line if first.item else None,
                    first.item.column if first.item else None,
                    "nothing to do for arc2tf; rename a path if the app must also deploy with Architect",
                )
            )

    def legacy_ws_dir(self, r: _Lambda) -> str:
        """Architect 5's `src/ws/ws-connect` dirs, used (with a warning) where the current dir is missing."""
        legacy = LEGACY_WS_DIRS.get(r.name)
        if r.custom_src or legacy is None or (self.cwd / r.src).is_dir():
            return r.src
        legacy_src = f"src/ws/{legacy}"
        if not (self.cwd / legacy_src).is_dir():
            return r.src
        self.warnings.append(
            ArcWarning(
                f"WebSocket route {r.name} uses the Architect 5 dir {legacy_src}; Architect 6 and later "
                f"look for {r.src} instead",
                self.display,
                *_position(r.item, self.pragma_pos.get("ws")),
                f"rename it: git mv {legacy_src} {r.src}",
            )
        )
        return legacy_src


# ---------------------------------------------------------------------------
# Helpers


def _position(item: Item | None, pragma: Pragma | None) -> tuple[int | None, int | None]:
    """Line and column of an item, or of its pragma line when the item was added by the rules."""
    if item is not None and item.line is not None:
        return item.line, item.column
    if pragma is not None:
        return pragma.line, pragma.column
    return None, None


def _dotenv_testing(dotenv: Any) -> dict[str, str] | None:
    """The `testing` variables from `Project.dotenv` (Architect reads `.env` into testing only)."""
    if not isinstance(dotenv, dict):
        return None
    if any(k in dotenv for k in ENVIRONMENTS) and all(
        v is None or isinstance(v, dict) for v in dotenv.values()
    ):
        testing = dotenv.get("testing")
        return dict(testing) if testing else None
    return {str(k): str(v) for k, v in dotenv.items()} or None


def _js_entries(value: Any) -> list[tuple[str, Any]]:
    """Object.entries: dicts by key, lists and strings by index."""
    if isinstance(value, dict):
        return [(_js_str(k), v) for k, v in list(value.items())]
    if isinstance(value, list | str):
        return [(str(i), v) for i, v in enumerate(value)]
    return []


def _find_item(pragma: Pragma | None, key: str) -> Item | None:
    if pragma is None:
        return None
    for item in pragma.items:
        v = item.value
        if (isinstance(v, dict) and key in v) or (isinstance(v, list) and v and v[0] == key) or v == key:
            return item
    return _first_item(pragma)


def _first_item(pragma: Pragma | None) -> Item | None:
    if pragma is None:
        return None
    return pragma.items[0] if pragma.items else Item(None, pragma.line, pragma.column)


def _js_regex(pattern: re.Pattern[str]) -> str:
    return "/" + pattern.pattern + "/"


def _check_size(
    n: _Normalizer, value: Any, lo: int, hi: int, label: str, item: Item | None, hint: str
) -> None:
    if not isinstance(value, str):
        n.problem(f"Invalid {label} item: '{_js_str(value)}' must be a string", item, hint)
        return
    if len(value) < lo:
        n.problem(f"Invalid {label} item: '{value}' must be greater than {lo} characters", item, hint)
    if len(value) > hi:
        n.problem(f"Invalid {label} item: '{value}' must be less than {hi} characters", item, hint)


def _dedupe(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if not _strict_in(v, out):
            out.append(v)
    return out


def _clean_schedule(text: str) -> str:
    return text.replace("(", "", 1).replace(")", "", 1)[4:]


def _schedule_parts(kind: str, expression: str) -> dict[str, Any]:
    bits = [_js_number(b) for b in expression.split(" ")]
    bits += [None] * (6 - len(bits))
    if kind == "rate":
        interval = bits[1].lower() if isinstance(bits[1], str) else bits[1]
        return {"expression": expression, "value": bits[0], "interval": interval}
    keys = ("minutes", "hours", "dayOfMonth", "month", "dayOfWeek", "year")
    return {"expression": expression, **dict(zip(keys, bits, strict=False))}


def _valid_timezone(tz: str) -> bool:
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not a zone"
        return False


def _parse_table(value: Any, index: bool) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not value:
        return None
    name = next(iter(value))
    body = value[name]
    t: dict[str, Any] = {
        "name": name,
        "partitionKey": None,
        "partitionKeyType": None,
        "sortKey": None,
        "sortKeyType": None,
    }
    if index:
        t.update(indexName=None, projectionType="ALL", projectionAttributes=None)
    entries = body.items() if isinstance(body, dict) else []
    if not index:
        # inventory's other table settings (its checks are independent `if`s, not an else-chain)
        t["_settings"] = {
            "stream": next((v for k, v in entries if k == "stream"), None),
            "ttl": next((k for k, v in reversed(list(entries)) if v in ("TTL", "ttl")), None),
            "encrypt": next((v for k, v in entries if k == "encrypt"), None),
            "pitr": next((v for k, v in reversed(list(entries)) if k in ("PITR", "pitr")), None),
            "PointInTimeRecovery": next((v for k, v in entries if k == "PointInTimeRecovery"), None),
        }
    for key, val in entries:
        is_sort = isinstance(val, str) and val.lower() in ("**", "**string", "**number")
        is_primary = isinstance(val, str) and val.lower() in ("*", "*string", "*number")
        if is_sort:
            t["sortKey"], t["sortKeyType"] = key, (val.replace("**", "", 1).lower() or "string").capitalize()
        elif is_primary:
            t["partitionKey"], t["partitionKeyType"] = (
                key,
                (val.replace("*", "", 1).lower() or "string").capitalize(),
            )
        elif index and key.lower() == "name":
            t["indexName"] = val
        elif index and key.lower() == "projection":
            low = val.lower() if isinstance(val, str) else val
            if low == "all":
                t["projectionType"] = "ALL"
            elif low == "keys":
                t["projectionType"] = "KEYS_ONLY"
            else:
                t["projectionType"] = "INCLUDE"
                t["projectionAttributes"] = val if isinstance(val, list) else [val]
    return t


def _key_type(value: Any) -> str | None:
    return _js_str(value) if value is not None else None


def _build_tables(
    tables: list[dict[str, Any]], indexes: list[dict[str, Any]], streams: list[_Lambda]
) -> tuple[Table, ...]:
    """The IR tables (validated above): settings as package reads them, indexes as it names them."""
    streamed = {lam.table for lam in streams}
    built = []
    for t in tables:
        name = _js_str(t["name"])
        settings = t["_settings"]
        encrypt = settings["encrypt"]
        own = [i for i in indexes if _js_str(i["name"]) == name]
        built.append(
            Table(
                name=name,
                partition_key=_js_str(t["partitionKey"]),
                partition_key_type=_js_str(t["partitionKeyType"]),
                sort_key=_js_str(t["sortKey"]) if _truthy(t["sortKey"]) else None,
                sort_key_type=_key_type(t["sortKeyType"]) if _truthy(t["sortKey"]) else None,
                ttl=_js_str(settings["ttl"]) if settings["ttl"] is not None else None,
                # inventory turns `stream true` and @tables-streams entries into stream functions;
                # package enables the table's stream for any of them.
                stream=_truthy(settings["stream"]) or name in streamed,
                encrypt=encrypt if encrypt is True else (_js_str(encrypt) if _truthy(encrypt) else False),
                pitr=_truthy(settings["pitr"]) or _truthy(settings["PointInTimeRecovery"]),
                indexes=tuple(_build_index(i) for i in own),
            )
        )
    return tuple(sorted(built, key=_BY_NAME))


def _build_index(index: dict[str, Any]) -> TableIndex:
    pk, sk = _js_str(index["partitionKey"]), index["sortKey"]
    sort_key = _js_str(sk) if _truthy(sk) else None
    name = index["indexName"]
    if not (isinstance(name, str) and name):
        # package's getGsiName when no `name` is written
        name = f"{pk}{'-' + sort_key if sort_key else ''}-index"
    attributes = index["projectionAttributes"] or []
    return TableIndex(
        name=name,
        partition_key=pk,
        partition_key_type=_js_str(index["partitionKeyType"]),
        sort_key=sort_key,
        sort_key_type=_key_type(index["sortKeyType"]) if sort_key else None,
        projection=index["projectionType"],
        projection_attributes=tuple(_js_str(a) for a in attributes),
    )


def _bad_memory(v: Any) -> bool:
    return not _is_int(v) or v < 128 or v > 10240


def _bad_timeout(v: Any) -> bool:
    return not _is_int(v) or v < 1 or v > 900


def _bad_storage(v: Any) -> bool:
    return not _is_int(v) or v < 512 or v > 10240


def _memory_msg(info: str) -> str:
    return f"Invalid Lambda memory setting: {info}, memory must be between 128 - 10240 MB"


def _timeout_msg(info: str) -> str:
    return f"Invalid Lambda timeout setting: {info}, timeout must be between 1 - 900 seconds"


def _storage_msg(info: str) -> str:
    return f"Invalid Lambda storage setting: {info}, storage must be between 512 - 10240 MB"


def _as_int(v: Any) -> int:
    return int(v)


def _handler_file(runtime: str, files: frozenset[str] | None) -> str | None:
    """The handler file Architect finds in a dir (Python: `lambda` when none); None: the setting's file."""
    for prefix, (candidates, fallback) in _HANDLER_FILES.items():
        if runtime.startswith(prefix):
            found = next((c for c in candidates if files and c in files), None)
            return found.split(".")[0] if found else fallback
    return None


def _function_config(c: dict[str, Any]) -> FunctionConfig:
    # Functions without config.arc share one config dict: look it up by identity first.
    by_id = _CONFIG_BY_ID.get(id(c))
    if by_id is not None and by_id[0] is c:
        return by_id[1]
    key = tuple(_hashable(c[k]) for k in _CONFIG_KEYS)
    cached = _CONFIG_CACHE.get(key)
    if cached is None:
        cached = _CONFIG_CACHE[key] = _new_function_config(c)
    if len(_CONFIG_BY_ID) > 256:
        _CONFIG_BY_ID.clear()
    _CONFIG_BY_ID[id(c)] = (c, cached)  # holds `c`, so its id is not reused while cached
    return cached


# Equal configs share one frozen FunctionConfig (most functions of an app have the same).
_CONFIG_KEYS = (
    "runtime",
    "memory",
    "timeout",
    "architecture",
    "concurrency",
    "storage",
    "layers",
    "policies",
    "handler",
)
_CONFIG_CACHE: dict[tuple[Any, ...], FunctionConfig] = {}
_CONFIG_BY_ID: dict[int, tuple[dict[str, Any], FunctionConfig]] = {}


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    return (type(value).__name__, value)


def _new_function_config(c: dict[str, Any]) -> FunctionConfig:
    return FunctionConfig(
        runtime=c["runtime"],
        memory=_as_int(c["memory"]),
        timeout=_as_int(c["timeout"]),
        architecture=c["architecture"],
        concurrency=None if c["concurrency"] == "unthrottled" else _as_int(c["concurrency"]),
        storage=_as_int(c["storage"]),
        layers=tuple(c["layers"]),
        policies=tuple(c["policies"]),
        handler=c["handler"],
    )


def _function_settings(lam: _Lambda) -> tuple[FunctionConfig, bool | None, bool | None, bool]:
    c = lam.config
    # Only what config.arc / @aws set explicitly: the bundler applies @shared / @views itself.
    shared = False if c.get("shared") is False else None
    views = c["views"] if "views" in lam.origins and isinstance(c.get("views"), bool) else None
    return _function_config(c), shared, views, c.get("env") is not False


def _unique_name(base: str, key: str, taken: set[str]) -> str:
    """`base`, or where it is taken, `base-<hash of key>`: stable as other routes come and go."""
    if base not in taken:
        taken.add(base)
        return base
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    for length in range(6, len(digest) + 1):
        name = f"{base}-{digest[:length]}"
        if name not in taken:
            taken.add(name)
            return name
    raise AssertionError("unreachable: sha256 prefixes of one key are distinct")


def _route_key_and_arn_path(method: str, path: str) -> tuple[str, str]:
    """The API Gateway v2 route key (`GET /things/{id}`, `ANY /{proxy+}`) and the METHOD/PATH
    of the execute-api ARN as a glob (params and greedy params are `*`, ANY is `*`)."""
    upper = method.upper()
    key_path = arn_path = path
    if ":" in path:
        key_path = _PARAM_PART.sub(_braced_param, path)
        arn_path = _PARAM_PART.sub("/*", path)
    if key_path.endswith("/*"):
        key_path = key_path[:-1] + "{proxy+}"
    return f"{upper} {key_path}", ("*" if method == "any" else upper) + arn_path


def _braced_param(match: re.Match[str]) -> str:
    # a function, not the template r"/{\1}": re expands templates in Python, match by match
    return "/{" + match[1] + "}"
