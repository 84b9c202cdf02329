"""Which of Architect's shared folders go into which function, and where.

Architect's hydrate copies the project's shared code (`src/shared`, or `@shared
src <dir>`) into every function, or only into those `@shared` lists, and its
views (`src/views`, or `@views src <dir>`) into the HTTP functions serving GET
and ANY routes, or only those `@views` lists. Node.js functions get them as
`node_modules/@architect/shared` and `.../views` (so `require('@architect/shared/x')`
works); every other runtime as `vendor/shared` and `vendor/views`. The static
folder's `static.json` (fingerprinted asset names) goes into `shared/` of every
function that shares code.
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

    names = {fn.name for fn in app.functions}
    # Listing functions in @shared narrows sharing to them (Architect resets every
    # function's `shared` first), but only when the shared folder exists.
    shared_to = set(names)
    listed = _listed_functions(app, shared_items)
    if shared_dir is not None and listed is not None:
        shared_to = listed
    views_to = {fn.name for fn in app.functions
                if fn.kind == "http" and (fn.route.startswith("get ") or fn.route.startswith("any "))}
    listed = _listed_functions(app, views_items, http_only=True)
    if views_dir is not None and listed is not None:
        views_to = listed

    # Per-function opt-outs (config.arc `@arc shared false` / `views false`), where the IR carries them.
    for fn in app.functions:
        if getattr(fn, "shared", None) is False:
            shared_to.discard(fn.name)
            views_to.discard(fn.name)  # Architect: `shared false` opts out of both copies
        if getattr(fn, "views", None) is False:
            views_to.discard(fn.name)
        if getattr(fn, "views", None) is True and fn.kind == "http":
            views_to.add(fn.name)
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


def is_inside(path: Path, root: Path) -> bool:
    real, real_root = os.path.realpath(path), os.path.realpath(root)
    return real == real_root or real.startswith(real_root + os.sep)
