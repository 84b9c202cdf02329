"""Which of Architect's shared folders go into which function, and where.

Architect's hydrate copies the project's shared code (`src/shared`, or `@shared
src <dir>`) into every function, or only into those `@shared` lists, and its
views (`src/views`, or `@views src <dir>`) into the HTTP functions serving GET
and ANY routes, or only those `@views` lists. Node.js functions get them as
`node_modules/@architect/shared` and `.../views` (so `require('@architect/shared/x')`
works); every other runtime as `vendor/shared` and `vendor/views`. The static
folder's `static.json` (fingerprinted asset names) goes into `shared/` of every
function that shares code. A function that does not share code gets no views either
(hydrate's getPaths skips it for both).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arc2tf import ir


@dataclass(frozen=True)
class SharedLayout:
    shared_dir: Path | None  # absolute; None when the project has none
    views_dir: Path | None
    static_json: Path | None  # <static folder>/static.json when it exists
    shared_to: frozenset[str]  # Function.name that get shared code and static.json
    views_to: frozenset[str]  # Function.name that get views


def runtime_base(runtime: str) -> str:
    """Where shared and views go in a function's zip, by runtime."""
    return "node_modules/@architect/" if runtime.startswith("nodejs") else "vendor/"


def shared_layout(app: ir.App) -> SharedLayout:
    project = Path(app.project_dir)
    shared_items = list(app.pragmas.get("shared") or []) if app.pragmas else []
    views_items = list(app.pragmas.get("views") or []) if app.pragmas else []

    shared_dir = _folder(project, shared_items, "src/shared")
    views_dir = _folder(project, views_items, "src/views") if app.http is not None else None

    static_json = None
    if app.static is not None:
        candidate = project / app.static.folder / "static.json"
        if candidate.is_file():
            static_json = candidate

    # A function's effective `shared` setting, as inventory leaves it: listing functions in
    # @shared (when the shared folder exists) resets every function to false and sets the
    # listed ones to true, overriding config.arc; otherwise config.arc's `@arc shared false`
    # opts out.
    listed = _listed_functions(app, shared_items)
    if shared_dir is not None and listed is not None:
        shared_to = set(listed)
    else:
        shared_to = {fn.name for fn in app.functions if fn.shared is not False}
    # Views: GET and ANY routes by default, config.arc `views true|false` per function, or
    # exactly the routes @views lists (when the views folder exists).
    listed = _listed_functions(app, views_items, http_only=True)
    if views_dir is not None and listed is not None:
        views_to = set(listed)
    else:
        views_to = {fn.name for fn in app.functions if fn.kind == "http" and (
            fn.views is True or (fn.views is None and fn.route.split(" ", 1)[0] in ("get", "any")))}
    # Hydrate skips a function whose `shared` is false for every copy, views included.
    views_to &= shared_to
    return SharedLayout(shared_dir, views_dir, static_json, frozenset(shared_to), frozenset(views_to))


def _folder(project: Path, items: Iterable[Any], default: str) -> Path | None:
    for item in items:
        is_src = isinstance(item, list) and len(item) == 2 and str(item[0]).lower() == "src"
        if is_src and isinstance(item[1], str):
            path = project / item[1]
            return path if path.is_dir() else None
    path = project / default
    return path if path.is_dir() else None


def _listed_functions(app: ir.App, items: Iterable[Any], http_only: bool = False) -> set[str] | None:
    """Function names an @shared / @views pragma lists, or None when it lists none."""
    http_names = {r.name: r.function for r in app.http or ()}
    ws_names = {r.name: r.function for r in app.ws or ()}
    listed: set[str] = set()
    found_any = False
    for item in items:
        if isinstance(item, list) and item and str(item[0]).lower() == "src":
            continue
        if http_only:
            # @views lists routes directly: `get /things`
            if isinstance(item, list) and len(item) == 2:
                found_any = True
                fn = http_names.get(f"{str(item[0]).lower()} {item[1]}")
                if fn:
                    listed.add(fn)
            continue
        if not isinstance(item, dict):
            continue
        for pragma, entries in item.items():
            found_any = True
            pairs = list(entries.items()) if isinstance(entries, dict) else list(entries or [])
            for entry in pairs:
                if pragma == "http":
                    parts = list(entry) if isinstance(entry, list | tuple) else str(entry).split()
                    fn = http_names.get(" ".join(str(p) for p in parts[:1]).lower() + " "
                                        + " ".join(str(p) for p in parts[1:]))
                elif pragma == "ws":
                    fn = ws_names.get(str(entry[0] if isinstance(entry, list | tuple) else entry))
                else:
                    fn = None  # pragmas arc2tf does not deploy
                if fn:
                    listed.add(fn)
    return listed if found_any else None


def is_inside(path: Path, root: Path, real_root: str | None = None) -> bool:
    """Whether `path`, symlinks resolved, is `root` or below it. Callers checking many
    paths against one root pass its `real_root` (os.path.realpath walks every component)."""
    real = os.path.realpath(path)
    if real_root is None:
        real_root = os.path.realpath(root)
    return real == real_root or real.startswith(real_root + os.sep)
