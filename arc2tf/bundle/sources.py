"""Walk a source tree safely and hash what it holds.

A tree is a function's handler dir, or Architect's shared / views folder. Walking
one yields `FileEntry`s: the path a file gets inside the zip, where to read it,
whether it is executable, and a content hash. Junk is left out; a symlink (or a
symlinked dir) is followed only while it stays inside the tree, so a bundle can
never pick up files from elsewhere on the build machine.

Content hashes are what decide rebuilds. Reading every file on every build would
make a no-change build as slow as hashing the whole app, so `StatCache` keeps the
hash of each file keyed by (size, mtime, inode, mode), as git's index does, and
trusts it only for files last modified well before the scan started.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from arc2tf.errors import KIND_BUILD, ArcError

# Left out of every bundle, wherever they appear (by file or dir name).
JUNK_NAMES = frozenset({".git", "__pycache__", ".DS_Store"})
JUNK_SUFFIXES = (".pyc",)
# Left out only as a child of node_modules (build tools' caches: large, machine-specific).
JUNK_IN_NODE_MODULES = frozenset({".cache"})

# A file modified this close to the scan start may still change within the same
# mtime tick; its cached hash is not kept (git's "racy" rule).
_RACY_SECONDS = 2.0

_READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileEntry:
    arcname: str  # path inside the zip, posix separators, no leading "./"
    path: str  # absolute path to read the bytes from (a symlink's target, resolved)
    executable: bool
    size: int
    sha256: str  # hex digest of the content


def is_junk(name: str, parent_name: str) -> bool:
    if name in JUNK_NAMES or name.endswith(JUNK_SUFFIXES):
        return True
    return parent_name == "node_modules" and name in JUNK_IN_NODE_MODULES


def display_path(path: str | Path) -> str:
    """A path as messages show it: relative to the cwd when below it."""
    p = os.path.abspath(path)
    try:
        rel = os.path.relpath(p)
    except ValueError:
        return p
    return p if rel.startswith("..") else rel


class StatCache:
    """file path -> (size, mtime_ns, inode, mode, sha256); thread-safe, saved as JSON."""

    def __init__(self, path: Path | None):
        self._path = path
        self._lock = threading.Lock()
        self._started_ns = time.time_ns()
        self._old: dict[str, list] = {}
        self._new: dict[str, list] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text())
                if isinstance(data, dict):
                    self._old = data
            except (OSError, ValueError):
                pass

    def sha256(self, path: str, st: os.stat_result) -> str:
        key = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode]
        with self._lock:
            hit = self._old.get(path)
        if hit is not None and hit[:4] == key:
            digest = hit[4]
        else:
            digest = hash_file(path)
        # Only keep entries old enough that a later edit must change their mtime.
        if st.st_mtime_ns < self._started_ns - int(_RACY_SECONDS * 1e9):
            with self._lock:
                self._new[path] = [*key, digest]
        return digest

    def save(self) -> None:
        if self._path is None or self._new == self._old:
            return
        tmp = self._path.with_name(self._path.name + ".tmp")
        tmp.write_text(json.dumps(self._new, sort_keys=True, separators=(",", ":")))
        os.replace(tmp, self._path)


def hash_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_READ_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def scan_tree(
    root: Path,
    prefix: str,
    cache: StatCache | None,
    *,
    skip: Callable[[str], bool] = lambda rel: False,
    owner: str,
) -> tuple[list[FileEntry], list[ArcError]]:
    """Every file under `root` as entries named `prefix + relative path`.

    `skip(rel)` drops a relative path (file or dir, posix) before it is read.
    `owner` names the function (or folder) in error messages. With no `cache`,
    files are not hashed (`sha256` is ""): for trees whose identity is known
    another way, such as installed dependencies keyed by their manifests.
    Returns the entries (unsorted) and the problems found; a tree with problems
    must not be bundled.
    """
    entries: list[FileEntry] = []
    errors: list[ArcError] = []
    real_root = os.path.realpath(root)
    # (dir on disk, relative path ending in "/" or "", its real path, real paths of it and its
    # ancestors): a symlinked dir that points back at an ancestor is a loop, not walked again.
    stack: list[tuple[str, str, str, frozenset[str]]] = [(str(root), "", real_root, frozenset({real_root}))]

    def inside(real: str) -> bool:
        return real == real_root or real.startswith(real_root + os.sep)

    while stack:
        dir_path, rel_dir, real_parent, ancestors = stack.pop()
        # The dir's name as it will be in the zip: a dependency tree's root is "node_modules".
        parent_name = (prefix + rel_dir).rstrip("/").rsplit("/", 1)[-1] or os.path.basename(dir_path)
        try:
            with os.scandir(dir_path) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            errors.append(_err(f"{owner}: cannot read {display_path(dir_path)}: {exc.strerror}", dir_path))
            continue
        for child in children:
            name = child.name
            if is_junk(name, parent_name):
                continue
            rel = rel_dir + name
            if skip(rel):
                continue
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                errors.append(_err(f"{owner}: file name is not valid UTF-8: {display_path(child.path)}",
                                   child.path, "rename it; zip entry names must be UTF-8"))
                continue
            target = child.path
            real = None  # known only for symlinks; a plain child's is its parent's plus its name
            try:
                if child.is_symlink():
                    real = os.path.realpath(child.path)
                    if not inside(real):
                        errors.append(_err(
                            f"{owner}: symlink {display_path(child.path)} points outside {display_path(root)}"
                            f" (to {display_path(real)})",
                            child.path,
                            "bundles hold only files inside the function's own dir; copy the file in, "
                            "or put shared code in src/shared",
                        ))
                        continue
                    if not os.path.exists(real):
                        errors.append(_err(f"{owner}: symlink {display_path(child.path)} is broken",
                                           child.path, "remove it or point it at a file inside the dir"))
                        continue
                    target = real
                st = os.stat(target)
            except OSError as exc:
                errors.append(_err(f"{owner}: cannot read {display_path(child.path)}: {exc.strerror}",
                                   child.path))
                continue
            if stat.S_ISDIR(st.st_mode):
                real_dir = real if real is not None else real_parent + os.sep + name
                if real_dir in ancestors:
                    continue
                stack.append((child.path, rel + "/", real_dir, ancestors | {real_dir}))
            elif stat.S_ISREG(st.st_mode):
                try:
                    digest = cache.sha256(target, st) if cache is not None else ""
                except OSError as exc:
                    why = exc.strerror
                    errors.append(_err(f"{owner}: cannot read {display_path(target)}: {why}", target))
                    continue
                entries.append(FileEntry(
                    arcname=prefix + rel,
                    path=target,
                    executable=bool(st.st_mode & 0o111),
                    size=st.st_size,
                    sha256=digest,
                ))
            else:
                errors.append(_err(f"{owner}: {display_path(child.path)} is not a regular file or dir",
                                   child.path, "remove it (sockets, pipes and devices cannot go in a zip)"))
    return entries, errors


def merge(layers: Iterable[Iterable[FileEntry]]) -> list[FileEntry]:
    """Entries of several trees, later layers winning on the same name, sorted by name."""
    by_name: dict[str, FileEntry] = {}
    for layer in layers:
        for e in layer:
            by_name[e.arcname] = e
    return [by_name[k] for k in sorted(by_name)]


def _err(message: str, path: str, hint: str | None = None) -> ArcError:
    return ArcError(kind=KIND_BUILD, message=message, file=display_path(path), hint=hint)
