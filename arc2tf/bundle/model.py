"""What bundling reports back: per function, and as it goes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arc2tf.errors import ArcWarning

# Lambda's limit on a function's unzipped code (layers included): 250 MiB.
LAMBDA_UNZIPPED_LIMIT = 262_144_000
# Warn from here, well before a deploy fails on the limit.
LAMBDA_UNZIPPED_WARN = 200 * 1024 * 1024


@dataclass(frozen=True)
class BundledFunction:
    name: str  # Function.name
    zip_path: Path  # <bundle_dir>/<name>.zip
    sha256: str  # base64 of the zip's SHA-256, what Terraform's filebase64sha256 gives
    zipped_size: int  # bytes
    unzipped_size: int  # bytes, as Lambda counts them against its limit
    rebuilt: bool  # False: inputs unchanged, the existing zip was kept
    input_hash: str  # hex digest of everything that went in (decides rebuilds)
    install_command: tuple[str, ...] | None = None  # the installer run for its dependencies, if any


@dataclass(frozen=True)
class BundleReport:
    bundle_dir: Path
    functions: tuple[BundledFunction, ...]  # sorted by name
    removed: tuple[Path, ...] = ()  # zips of functions that no longer exist, deleted
    warnings: tuple[ArcWarning, ...] = ()

    @property
    def rebuilt(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.functions if f.rebuilt)

    @property
    def reused(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.functions if not f.rebuilt)

    def function(self, name: str) -> BundledFunction:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class BundleEvent:
    """One step of bundling, for a progress display.

    stage: "start" (function is "", total set), "installing" (detail: the
    install), "zipping", then one of "built", "reused", "failed" per function,
    and "finish" (function is "", detail: a summary).
    """

    stage: str
    function: str = ""
    detail: str = ""
    done: int = 0  # functions finished so far
    total: int = 0


ProgressCallback = Callable[[BundleEvent], None]
