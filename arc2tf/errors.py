"""One error type for everything the user can get wrong.

Every stage collects `ArcError`s instead of stopping at the first, and raises
`ArcErrors` once it has looked at the whole input, so a user fixes all of a
manifest's problems in one pass (as Architect's inventory does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Inventory's ARC_ERRORS types, so `inspect --json` matches Architect's oracle.
KIND_MANIFEST = "manifest"  # unreadable or unparsable manifest
KIND_VALIDATION = "validation"  # a manifest that parses but breaks Architect's rules
KIND_CONFIGURATION = "configuration"  # memory / timeout / runtime / storage out of range
KIND_PLUGIN = "plugin"  # @plugins / @macros (JavaScript we cannot run), prefs / .env problems
KIND_FILE_PATH = "file path"
KIND_BUILD = "build"  # arc2tf's own: bundling, output dir, limits AWS would reject


@dataclass(frozen=True)
class ArcError:
    """A problem in the user's project, with where it is and how to fix it."""

    kind: str
    message: str
    file: str | None = None  # path as the user should see it (relative to the cwd where possible)
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    hint: str | None = None
    parser_error: str | None = None  # Architect's parser error class, for manifest errors

    def location(self) -> str:
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def to_json(self) -> dict:
        out: dict = {"kind": self.kind, "message": self.message, "line": self.line}
        if self.parser_error:
            out["parserError"] = self.parser_error
        # arc2tf's additions to the oracle shape
        out["file"] = self.file
        out["column"] = self.column
        out["hint"] = self.hint
        return out


@dataclass(frozen=True)
class ArcWarning:
    """Something that works but that the user should know about."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def location(self) -> str:
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)


class ArcErrors(Exception):
    """Raised with every error found in one pass over the input."""

    def __init__(self, errors: Iterable[ArcError]):
        self.errors: tuple[ArcError, ...] = tuple(errors)
        super().__init__("; ".join(e.message for e in self.errors))
