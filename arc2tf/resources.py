"""Locate the grammar and template folders, installed or in a source checkout.

In a wheel they are copied into the package (pyproject's force-include); in a
checkout or an editable install they sit at the top of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"arc2tf is installed without its {name}/ folder (looked in {_PACKAGE_DIR})")


def grammar_dir() -> Path:
    return resource_dir("grammar")


def templates_dir() -> Path:
    return resource_dir("templates")
