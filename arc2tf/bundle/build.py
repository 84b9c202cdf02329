"""`bundle_functions`: a deterministic zip per function, rebuilt only when its inputs change.

Four passes, each parallel across functions:

1. plan: walk each function's dir (and the shared folders, once), hash every
   input, and compare with the hash recorded when its zip was last written;
2. install: dependencies of the functions that changed, once per distinct
   manifest, into the dependency cache;
3. zip: write the changed functions' zips (temp file, then rename);
4. record: the state file, the removal of zips of functions that are gone.

Threads, not processes: the heavy work (deflate, SHA-256, installers) runs in
zlib, hashlib and subprocesses, which release the GIL, and threads start in
microseconds, which is most of a no-change build. (benchmarks/bench_bundle.py
measures both.)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from collections.abc import Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from arc2tf import ir
from arc2tf.bundle import deps as deps_mod
from arc2tf.bundle.layout import SharedLayout, is_inside, runtime_base, shared_layout
from arc2tf.bundle.model import (
    LAMBDA_UNZIPPED_LIMIT,
    LAMBDA_UNZIPPED_WARN,
    BundledFunction,
    BundleEvent,
    BundleReport,
    ProgressCallback,
)
from arc2tf.bundle.progress import ConsoleProgress
from arc2tf.bundle.sources import FileEntry, StatCache, display_path, hash_file, merge, scan_tree
from arc2tf.bundle.zipper import file_base64_sha256, write_zip
from arc2tf.errors import KIND_BUILD, ArcError, ArcErrors, ArcWarning

# Bump when the zip layout or bytes would change for the same inputs: every bundle is rebuilt.
FORMAT_VERSION = 1
STATE_FILE = ".arc2tf-bundles.json"
CACHE_DIR = ".arc2tf-cache"
# "thread" or "process": how the zip pass runs in parallel. Threads by default (see the
# module docstring); benchmarks/bench_bundle.py switches this to compare the two.
ZIP_EXECUTOR = "thread"


@dataclass(frozen=True)
class _Plan:
    fn: ir.Function
    layers: tuple[tuple[FileEntry, ...], ...]  # src, shared, views, static.json: in precedence order
    spec: deps_mod.DepsSpec | None
    input_hash: str
    reuse: dict | None  # the state entry when the existing zip is still right


def bundle_functions(
    app: ir.App,
    bundle_dir: Path,
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    quiet: bool = False,
) -> BundleReport:
    """Write `<bundle_dir>/<Function.name>.zip` for every function of `app`.

    Unchanged functions keep their zip untouched. Zips arc2tf wrote for functions
    that no longer exist are removed; no other file in `bundle_dir` is touched.
    Raises ArcErrors (kind "build") naming the function and file for anything
    that stops a bundle from being built; the other functions are still built,
    and a function that failed keeps its previous zip.
    """
    bundle_dir = Path(bundle_dir).absolute()
    bundle_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = bundle_dir / CACHE_DIR
    cache_dir.mkdir(exist_ok=True)
    gitignore = cache_dir / ".gitignore"
    if not gitignore.exists():
        # The cache (installed dependencies, file stats) is per machine: never committed.
        gitignore.write_text("# arc2tf's build cache: safe to delete, not for version control\n*\n")
    if not jobs:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if progress is None and not quiet:
        progress = ConsoleProgress()
    emit = _Emitter(progress, total=len(app.functions))

    with open(cache_dir / "lock", "a") as lock:
        # Two builds into one bundle dir at once would race on the same files.
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks here; one build at a time is on the user
            pass
        else:
            fcntl.flock(lock, fcntl.LOCK_EX)
        return _bundle(app, bundle_dir, cache_dir, jobs, emit)


def _bundle(app: ir.App, bundle_dir: Path, cache_dir: Path, jobs: int, emit: _Emitter) -> BundleReport:
    state = _load_state(bundle_dir)
    same_format = state.get("format") == FORMAT_VERSION
    old_functions: dict[str, dict] = state.get("functions", {}) if same_format else {}
    stat_cache = StatCache(cache_dir / "stat.json")
    zip_stats = _load_json(cache_dir / "zips.json")
    errors: list[ArcError] = []
    warnings: list[ArcWarning] = []
    emit(BundleEvent("start"))

    layout = shared_layout(app)
    shared_layers, errs = _scan_shared(layout, stat_cache)
    if errs:
        # Every function sharing that folder would be wrong; stop before touching any zip.
        emit(BundleEvent("finish", detail="bundles: not built (shared folder has problems)"))
        raise ArcErrors(errs)

    real_project = os.path.realpath(app.project_dir)

    def plan(fn: ir.Function) -> _Plan | list[ArcError]:
        old = old_functions.get(fn.name)
        return _plan(app, fn, layout, shared_layers, stat_cache, bundle_dir, old, zip_stats, real_project)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        plans: list[_Plan] = []
        # Planning is serial on purpose: with warm stat caches it is pure-Python stat and dict
        # work, which threads only slow down (GIL handoffs: measured 0.28 s serial vs 0.40 s on
        # two threads for 500 functions); cold, its hashing is small next to the zipping below.
        for fn, result in zip(app.functions, map(plan, app.functions), strict=True):
            if isinstance(result, list):
                errors += result
                emit(BundleEvent("failed", fn.name), finished=True)
            else:
                plans.append(result)

        # Install what the changed functions need, once per distinct manifest.
        deps_cache = cache_dir / "deps"
        to_build = [p for p in plans if p.reuse is None]
        trees: dict[str, Path] = {}
        install_failures: dict[str, deps_mod.InstallFailed] = {}
        needed: dict[str, _Plan] = {}
        for p in to_build:
            if p.spec is not None:
                tree = deps_mod.installed_tree(p.spec, deps_cache)
                if tree is not None:
                    trees[p.spec.key] = tree
                else:
                    needed.setdefault(p.spec.key, p)

        def install(p: _Plan) -> None:
            assert p.spec is not None
            emit(BundleEvent("installing", p.fn.name, p.spec.label))
            try:
                trees[p.spec.key], _ = deps_mod.install(p.spec, deps_cache)
            except deps_mod.InstallFailed as exc:
                install_failures[p.spec.key] = exc

        list(pool.map(install, [needed[k] for k in sorted(needed)]))

        results: dict[str, BundledFunction] = {}
        for p in plans:
            if p.reuse is not None:
                results[p.fn.name] = _reused(p, bundle_dir, deps_cache)
                emit(BundleEvent("reused", p.fn.name), finished=True)
        ready = []
        for p in to_build:
            if p.spec is not None and p.spec.key in install_failures:
                errors.append(deps_mod.failure_error(p.fn.name, p.spec, install_failures[p.spec.key]))
                emit(BundleEvent("failed", p.fn.name), finished=True)
            else:
                ready.append(p)

        def build(p: _Plan) -> tuple[BundledFunction | list[ArcError], list[ArcWarning]]:
            emit(BundleEvent("zipping", p.fn.name))
            return _build(p, trees.get(p.spec.key) if p.spec else None, bundle_dir, deps_cache)

        zip_pool: Executor = pool
        if ZIP_EXECUTOR == "process" and len(ready) > 1:
            zip_pool = ProcessPoolExecutor(max_workers=jobs)
            futures = {zip_pool.submit(_build, p, trees.get(p.spec.key) if p.spec else None, bundle_dir,
                                       deps_cache): p for p in ready}
        else:
            futures = {pool.submit(build, p): p for p in ready}
        try:
            for future in as_completed(futures):
                p = futures[future]
                built, warns = future.result()
                warnings += warns
                if isinstance(built, list):
                    errors += built
                    emit(BundleEvent("failed", p.fn.name), finished=True)
                else:
                    results[p.fn.name] = built
                    emit(BundleEvent("built", p.fn.name, _size_label(built)), finished=True)
        finally:
            if zip_pool is not pool:
                zip_pool.shutdown()

    # Record what now matches what; keep entries of functions that failed (their old zip stays).
    current = {fn.name for fn in app.functions}
    new_functions = {name: entry for name, entry in old_functions.items() if name in current}
    new_zip_stats = {name: zip_stats[name] for name in new_functions if name in zip_stats}
    for name, bf in results.items():
        new_functions[name] = {
            "input": bf.input_hash,
            "sha256": bf.sha256,
            "zip_size": bf.zipped_size,
            "unzipped_size": bf.unzipped_size,
        }
        st = bf.zip_path.stat()
        new_zip_stats[name] = [st.st_size, st.st_mtime_ns, st.st_ino]

    removed = []
    for name in sorted(set(old_functions) - current):
        if not _safe_name(name):  # a hand-edited state file must not make us delete elsewhere
            continue
        stale = bundle_dir / f"{name}.zip"
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
            removed.append(stale)
    _remove_leftover_temp_files(bundle_dir)

    _write_json(bundle_dir / STATE_FILE, {"format": FORMAT_VERSION, "generator": "arc2tf",
                                          "functions": new_functions}, indent=2)
    _write_json(cache_dir / "zips.json", new_zip_stats)
    stat_cache.save()
    _prune_deps_cache(deps_cache, {p.spec.key for p in plans if p.spec is not None}
                      | {k for k in install_failures})

    # Workers finish in any order; messages start with the function name, so this is by function.
    errors.sort(key=lambda e: (e.message, e.file or ""))
    report = BundleReport(
        bundle_dir=bundle_dir,
        functions=tuple(results[n] for n in sorted(results)),
        removed=tuple(removed),
        warnings=tuple(sorted(warnings, key=lambda w: w.message)),
    )
    rebuilt = len(report.rebuilt)
    summary = (f"bundles: {rebuilt} rebuilt, {len(report.reused)} unchanged"
               + (f", {len(removed)} removed" if removed else "")
               + (f", {len(app.functions) - len(results)} failed" if errors else "")
               + f" ({display_path(bundle_dir)})")
    emit(BundleEvent("finish", detail=summary))
    if errors:
        raise ArcErrors(errors)
    return report


def _plan(app: ir.App, fn: ir.Function, layout: SharedLayout, shared_layers: dict[str, tuple[FileEntry, ...]],
          stat_cache: StatCache, bundle_dir: Path, old: dict | None,
          zip_stats: dict, real_project: str) -> _Plan | list[ArcError]:
    if not _safe_name(fn.name):
        return [_error(f"{fn.name}: not a usable bundle name", Path(fn.src),
                       "function names must not contain path separators or start with '.'")]
    project = Path(app.project_dir)
    src_dir = project / fn.src
    if not is_inside(src_dir, project, real_project):
        return [_error(f"{fn.name}: handler dir {fn.src} is outside the project dir", src_dir,
                       "handler dirs must be inside the project, so the bundle holds only the app's files")]
    if not src_dir.is_dir():
        return [_error(f"{fn.name}: handler dir {fn.src} does not exist", src_dir,
                       "create it with a handler (`arc2tf init` creates missing ones), or fix the manifest")]
    runtime, arch = fn.config.runtime, fn.config.architecture
    spec = deps_mod.detect(runtime, arch, src_dir, FORMAT_VERSION, fn.name)
    if isinstance(spec, ArcError):
        return [spec]

    base = runtime_base(runtime)
    has_shared = layout.shared_dir is not None or layout.static_json is not None
    gets_shared = fn.name in layout.shared_to and has_shared
    gets_views = fn.name in layout.views_to and layout.views_dir is not None
    # Stale copies hydrate left in the dir are replaced, not merged; pip's target is reinstalled whole.
    skipped = set()
    if gets_shared:
        skipped.add(base + "shared")
    if gets_views:
        skipped.add(base + "views")
    if spec is not None and spec.installer == "pip":
        skipped.add("vendor")
    src_entries, errors = scan_tree(src_dir, "", stat_cache, skip=skipped.__contains__, owner=fn.name)
    if errors:
        return errors

    layers: list[tuple[FileEntry, ...]] = [tuple(src_entries)]
    if gets_shared:
        layers.append(_rebase(shared_layers.get("shared", ()), base + "shared/"))
        layers.append(_rebase(shared_layers.get("static.json", ()), base + "shared/"))
    if gets_views:
        layers.append(_rebase(shared_layers.get("views", ()), base + "views/"))

    h = hashlib.sha256()
    h.update(f"arc2tf-bundle {FORMAT_VERSION}\nruntime {runtime}\narchitecture {arch}\n"
             f"deps {spec.key if spec else '-'}\n".encode())
    for e in merge(layers):
        h.update(f"{e.arcname}\0{'x' if e.executable else '-'}\0{e.sha256}\n".encode())
    input_hash = h.hexdigest()

    reuse = None
    if old and old.get("input") == input_hash and _zip_matches(bundle_dir / f"{fn.name}.zip", old,
                                                                zip_stats.get(fn.name)):
        reuse = old
    return _Plan(fn, tuple(layers), spec, input_hash, reuse)


def _zip_matches(path: Path, old: dict, recorded_stat: list | None) -> bool:
    """Is the zip on disk the one the state file describes? Stat first, bytes if stat differs
    (a fresh clone of a repo that commits bundles has new mtimes but the same bytes)."""
    try:
        st = path.stat()
    except OSError:
        return False
    if st.st_size != old.get("zip_size"):
        return False
    if recorded_stat == [st.st_size, st.st_mtime_ns, st.st_ino]:
        return True
    return file_base64_sha256(path) == old.get("sha256")


def _build(p: _Plan, tree: Path | None, bundle_dir: Path,
           deps_cache: Path) -> tuple[BundledFunction | list[ArcError], list[ArcWarning]]:
    """Zip one function (in a worker thread or process): (the result or its errors, warnings)."""
    warnings: list[ArcWarning] = []
    return _zip_function(p, tree, bundle_dir, deps_cache, warnings), warnings


def _zip_function(p: _Plan, tree: Path | None, bundle_dir: Path, deps_cache: Path,
                  warnings: list[ArcWarning]) -> BundledFunction | list[ArcError]:
    layers = list(p.layers)
    if p.spec is not None and tree is not None:
        dep_entries, errors = scan_tree(tree, p.spec.prefix, None, owner=p.fn.name)
        if errors:
            return errors
        layers.insert(1, tuple(dep_entries))  # above the function's own files, below shared code
    entries = merge(layers)
    unzipped = sum(e.size for e in entries)
    src = Path(p.fn.src)
    if unzipped > LAMBDA_UNZIPPED_LIMIT:
        over = unzipped - LAMBDA_UNZIPPED_LIMIT
        return [ArcError(
            kind=KIND_BUILD,
            message=(f"{p.fn.name}: bundle is {_mb(unzipped)} unzipped, {_mb(over)} over Lambda's "
                     "250 MB limit "
                     f"(largest: {_largest(entries)})"),
            file=display_path(Path(p.fn.src)),
            hint=("drop what the handler does not need (dev dependencies, tests, data files), move large "
                  "dependencies to a Lambda layer, or split the function"),
        )]
    if unzipped >= LAMBDA_UNZIPPED_WARN:
        warnings.append(ArcWarning(
            message=(f"{p.fn.name}: bundle is {_mb(unzipped)} unzipped, close to Lambda's 250 MB limit "
                     f"({_mb(LAMBDA_UNZIPPED_LIMIT - unzipped)} left; largest: {_largest(entries)})"),
            file=display_path(src),
            hint="trim dependencies before the limit stops a deploy",
        ))
    if not entries:
        return [_error(f"{p.fn.name}: handler dir {p.fn.src} has no files to bundle", Path(p.fn.src),
                       "add the handler file")]
    zip_path = bundle_dir / f"{p.fn.name}.zip"
    try:
        digest, size = write_zip(zip_path, entries)
    except OSError as exc:
        why = exc.strerror or str(exc)
        return [_error(f"{p.fn.name}: cannot write {display_path(zip_path)}: {why}", zip_path)]
    command = deps_mod.recorded_command(p.spec, deps_cache) if p.spec is not None else None
    return BundledFunction(p.fn.name, zip_path, digest, size, unzipped, True, p.input_hash,
                           tuple(command) if command else None)


def _reused(p: _Plan, bundle_dir: Path, deps_cache: Path) -> BundledFunction:
    old = p.reuse or {}
    command = deps_mod.recorded_command(p.spec, deps_cache) if p.spec is not None else None
    return BundledFunction(p.fn.name, bundle_dir / f"{p.fn.name}.zip", old["sha256"], old["zip_size"],
                           old["unzipped_size"], False, p.input_hash, tuple(command) if command else None)


def _scan_shared(layout: SharedLayout, stat_cache: StatCache) -> tuple[dict[str, tuple[FileEntry, ...]],
                                                                     list[ArcError]]:
    """The shared folders' files, relative to each folder, scanned once for all functions."""
    out: dict[str, tuple[FileEntry, ...]] = {}
    errors: list[ArcError] = []
    for key, folder in (("shared", layout.shared_dir), ("views", layout.views_dir)):
        if folder is not None:
            entries, errs = scan_tree(folder, "", stat_cache, owner=f"@{key} {display_path(folder)}")
            out[key] = tuple(entries)
            errors += errs
    if layout.static_json is not None:
        st = layout.static_json.stat()
        out["static.json"] = (FileEntry("static.json", str(layout.static_json.resolve()), False, st.st_size,
                                        hash_file(str(layout.static_json))),)
    return out, errors


def _rebase(entries: Iterable[FileEntry], prefix: str) -> tuple[FileEntry, ...]:
    return tuple(dataclasses.replace(e, arcname=prefix + e.arcname) for e in entries)


class _Emitter:
    """Serializes progress events from worker threads and counts finished functions."""

    def __init__(self, callback: ProgressCallback | None, total: int):
        self._callback = callback
        self._total = total
        self._done = 0
        self._lock = threading.Lock()

    def __call__(self, event: BundleEvent, finished: bool = False) -> None:
        if self._callback is None:
            return
        with self._lock:
            if finished:
                self._done += 1
            self._callback(dataclasses.replace(event, done=self._done, total=self._total))


def _load_state(bundle_dir: Path) -> dict:
    data = _load_json(bundle_dir / STATE_FILE)
    return data if isinstance(data.get("functions"), dict) else {}


def _load_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict, indent: int | None = None) -> None:
    """Write atomically, and not at all when the bytes are the same (a no-change build leaves
    the committed state file, and its mtime, alone)."""
    text = json.dumps(data, sort_keys=True, indent=indent) + "\n"
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    tmp = path.with_name(f".arc2tf-tmp-{os.getpid()}-{path.name}")
    tmp.write_text(text)
    os.replace(tmp, path)


def _remove_leftover_temp_files(bundle_dir: Path) -> None:
    """Temp zips of an interrupted build (only arc2tf's own prefix)."""
    for leftover in bundle_dir.glob(".arc2tf-tmp-*"):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)


def _prune_deps_cache(deps_cache: Path, keep: set[str]) -> None:
    """Drop installs no current function uses (the cache would grow with every manifest edit)."""
    import shutil

    if not deps_cache.is_dir():
        return
    for child in deps_cache.iterdir():
        if child.is_dir() and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def _safe_name(name: str) -> bool:
    return bool(name) and not name.startswith(".") and "/" not in name and "\\" not in name


def _largest(entries: list[FileEntry]) -> str:
    top = sorted(entries, key=lambda e: (-e.size, e.arcname))[:3]
    return ", ".join(f"{e.arcname} {_mb(e.size)}" for e in top)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _size_label(bf: BundledFunction) -> str:
    return f"{_human(bf.zipped_size)} zipped, {_human(bf.unzipped_size)} unzipped"


def _human(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} kB"
    return _mb(n)


def _error(message: str, path: Path, hint: str | None = None) -> ArcError:
    return ArcError(kind=KIND_BUILD, message=message, file=display_path(path), hint=hint)

