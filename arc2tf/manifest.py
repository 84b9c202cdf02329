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

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Item:
    """One entry of a pragma, with where it starts in the file (1-based; None for JSON/YAML)."""

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
    dotenv: dict[str, dict[str, str]] | None  # .env, as Architect reads it (see load_project)
    dotenv_path: Path | None = None
