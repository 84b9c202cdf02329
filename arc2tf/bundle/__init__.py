"""Handler bundles: one deterministic zip per function, with its dependencies.

Public surface: `bundle_functions(app, bundle_dir, *, jobs, progress, quiet) -> BundleReport`,
the report types, and `ConsoleProgress` (the default progress display).
See `build.py` for how a bundle is built, `zipper.py` for what makes its bytes
reproducible, `deps.py` for dependency installs, `layout.py` for shared code.
"""

from arc2tf.bundle.build import CACHE_DIR, FORMAT_VERSION, STATE_FILE, bundle_functions
from arc2tf.bundle.model import (
    LAMBDA_UNZIPPED_LIMIT,
    LAMBDA_UNZIPPED_WARN,
    BundledFunction,
    BundleEvent,
    BundleReport,
)
from arc2tf.bundle.progress import ConsoleProgress

__all__ = [
    "CACHE_DIR",
    "FORMAT_VERSION",
    "LAMBDA_UNZIPPED_LIMIT",
    "LAMBDA_UNZIPPED_WARN",
    "STATE_FILE",
    "BundleEvent",
    "BundleReport",
    "BundledFunction",
    "ConsoleProgress",
    "bundle_functions",
]
