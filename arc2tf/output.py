"""Write generated Terraform into an output dir that users and other tools share.

The out dir holds more than arc2tf's files: a user's own `backend.tf` or
`extra.tf` in a root, Terraform's `.terraform/` dirs and state, the bundler's
`bundles/`. So arc2tf never swaps the whole dir; it owns exactly the files it
lists in its ownership manifest (`.arc2tf-files.json`: path -> sha256 of the
bytes it wrote) and touches nothing else.

`write_tree(out_dir, files)` is all-or-nothing:

1. Plan: compare each generated file with the disk; unchanged files are not
   rewritten (their mtimes stay); files arc2tf wrote before and no longer
   generates are stale. A file arc2tf did not write and would overwrite is an
   error, before anything is written.
2. Stage: write every new or changed file into a private temp dir inside the
   out dir (same filesystem, so the moves below are renames; inside rather
   than next to it because the out dir may be a mount point and its parent
   may not be writable). Disk full, a bad byte or Ctrl-C here leaves the out
   dir as it was.
3. Commit: hard-link each file about to be replaced or removed into the temp
   dir, write a journal, then rename the staged files into place and remove
   stale ones, the ownership manifest last. Any exception (Ctrl-C included)
   rolls back from the backups; a process killed outright leaves the journal,
   and the next `write_tree` or `check_tree` on that dir rolls back before
   doing anything else. Either way the previous output comes back
   byte-identical.

Two kinds of file are never compared by `check_tree` (`build --check`):

* `create_once` (a user-owned `terraform.tfvars` that arc2tf seeds): written
  only when missing; never owned, compared or removed.
* `local` (the values of the user's environment variables, from a gitignored
  prefs.arc / .env): owned, rewritten and removed like any generated file, but
  machine-local: a clean clone without those inputs must still pass the check,
  and the ownership manifest (committed with the Terraform) records no hash of
  them, so it neither changes with nor says anything about their content.

Testing hook: when the environment variable ARC2TF_TEST_CRASH_AFTER=N is set,
the N-th file operation of a write (staging writes and commit renames counted
together, from 1) raises OSError(ENOSPC), as a full disk would; with
ARC2TF_TEST_CRASH_MODE=kill the process exits at once with status 70 instead,
as a SIGKILL would, without rolling back; with ARC2TF_TEST_CRASH_MODE=sigterm it
sends itself SIGTERM (what a cancelled CI job gets), with =sigint SIGINT (Ctrl-C). Only the tests set these.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from arc2tf.errors import KIND_BUILD, ArcError, ArcErrors

OWNERSHIP_FILE = ".arc2tf-files.json"
_TMP_PREFIX = ".arc2tf-tmp-"
_JOURNAL = "journal.json"
_FORMAT = 1
# Dirs in the out dir that belong to others: never written, removed or compared.
_FOREIGN_TOPS = frozenset({"bundles", ".terraform"})
# The ownership manifest's entry for a `local` file, instead of the hash of its bytes.
_UNRECORDED = "local: content not recorded"


@dataclass(frozen=True)
class WriteReport:
    """What `write_tree` did; every tuple holds out-dir-relative posix paths, sorted."""

    written: tuple[str, ...]  # created or changed
    unchanged: tuple[str, ...]  # same bytes on disk: not touched
    removed: tuple[str, ...]  # written by arc2tf before, no longer generated
    seeded: tuple[str, ...]  # create-once files created this time
    kept_modified: tuple[str, ...]  # stale, but edited since arc2tf wrote them: left alone
    recovered: bool = False  # an interrupted earlier write was rolled back first


@dataclass(frozen=True)
class Drift:
    """How the disk differs from what arc2tf would write now (`build --check`)."""

    added: tuple[str, ...]  # generated, missing on disk
    changed: tuple[str, ...]  # generated, different on disk
    removed: tuple[str, ...]  # on disk and owned by arc2tf, no longer generated
    diff: str  # unified diff, disk -> generated
    recovered: bool = False

    @property
    def clean(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def summary(self) -> str:
        if self.clean:
            return "no drift"
        parts = [f"{len(self.added)} added", f"{len(self.changed)} changed", f"{len(self.removed)} removed"]
        return "drift: " + ", ".join(parts)


# ---------------------------------------------------------------------------
# public surface


def write_tree(
    out_dir: Path,
    files: Mapping[str, str | bytes],
    *,
    create_once: Collection[str] = (),
    local: Collection[str] = (),
    display: Callable[[Path], str] = str,
) -> WriteReport:
    """Make `out_dir` hold exactly `files` among the files arc2tf owns; see the module doc.

    Raises `ArcErrors` (kind "build") for a file arc2tf would overwrite but did
    not write, or an unreadable ownership manifest; OSError from the disk
    propagates after the rollback.
    """
    out_dir = Path(out_dir)
    wanted = _encode(files)
    once = frozenset(create_once)
    created_out = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with _locked(out_dir):
            recovered = _recover(out_dir)
            plan = _plan(out_dir, wanted, once, frozenset(local), display)
            if not (plan.write or plan.remove or plan.seed) and plan.manifest_current:
                return plan.report(recovered)
            _apply(out_dir, plan)
            return plan.report(recovered)
    except BaseException:
        if created_out:
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # only if empty: we created it and wrote nothing
        raise


def check_tree(
    out_dir: Path,
    files: Mapping[str, str | bytes],
    *,
    create_once: Collection[str] = (),
    local: Collection[str] = (),
    label: str | None = None,
) -> Drift:
    """Compare `files` with the disk, writing nothing (bar rolling back an interrupted write).

    `create_once` and `local` files (see the module doc) are not compared: `unchecked()`.
    """
    out_dir = Path(out_dir)
    wanted = _encode(files)
    skip = unchecked(create_once, local)
    prefix = (label or out_dir.as_posix()).rstrip("/")
    prefix = "" if prefix in ("", ".") else prefix + "/"
    recovered = False
    if out_dir.is_dir():
        with _locked(out_dir):
            recovered = _recover(out_dir)
    owned = _read_ownership(out_dir, lambda p: str(p)) if out_dir.is_dir() else {}
    added, changed, removed, chunks = [], [], [], []
    for rel in sorted(set(wanted) | set(owned)):
        if rel in skip:
            continue
        target = out_dir / rel
        new = wanted.get(rel)
        old = _read_bytes(target)
        if new is None:
            if old is None:
                continue
            removed.append(rel)
            chunks.append(_diff(old, b"", f"a/{prefix}{rel}", "/dev/null"))
        elif old is None:
            added.append(rel)
            chunks.append(_diff(b"", new, "/dev/null", f"b/{prefix}{rel}"))
        elif old != new:
            changed.append(rel)
            chunks.append(_diff(old, new, f"a/{prefix}{rel}", f"b/{prefix}{rel}"))
    return Drift(tuple(added), tuple(changed), tuple(removed), "".join(chunks), recovered)


def unchecked(create_once: Collection[str] = (), local: Collection[str] = ()) -> frozenset[str]:
    """The generated files `check_tree` leaves out: the user's (create-once) and machine-local ones."""
    return frozenset(create_once) | frozenset(local)


# ---------------------------------------------------------------------------
# planning


@dataclass
class _Plan:
    write: dict[str, bytes]  # rel -> new bytes (created or changed)
    unchanged: list[str]
    remove: list[str]
    seed: dict[str, bytes]
    kept_modified: list[str]
    ownership: dict[str, str]  # the new manifest: rel -> sha256
    manifest_current: bool  # the manifest on disk already says `ownership`

    def report(self, recovered: bool) -> WriteReport:
        return WriteReport(
            written=tuple(sorted(self.write)),
            unchanged=tuple(sorted(self.unchanged)),
            removed=tuple(sorted(self.remove)),
            seeded=tuple(sorted(self.seed)),
            kept_modified=tuple(sorted(self.kept_modified)),
            recovered=recovered,
        )


def _plan(out_dir: Path, wanted: dict[str, bytes], once: frozenset[str], local: frozenset[str],
          display) -> _Plan:
    owned = _read_ownership(out_dir, display)
    errors: list[ArcError] = []
    write: dict[str, bytes] = {}
    seed: dict[str, bytes] = {}
    unchanged: list[str] = []
    ownership: dict[str, str] = {}
    for rel, data in sorted(wanted.items()):
        target = out_dir / rel
        if target.is_dir():
            errors.append(ArcError(
                KIND_BUILD, "a directory is in the way of a file arc2tf generates",
                file=display(target), hint="move the directory away and build again",
            ))
            continue
        old = _read_bytes(target)
        if rel in once:
            if old is None:
                seed[rel] = data
            continue
        ownership[rel] = _UNRECORDED if rel in local else _sha256(data)
        if old == data:
            unchanged.append(rel)
        elif old is None or rel in owned or _looks_generated(old):
            write[rel] = data
        else:
            errors.append(ArcError(
                KIND_BUILD,
                "this file was not written by arc2tf; refusing to overwrite it",
                file=display(target),
                hint="arc2tf generates this file: move your changes to a file of your own "
                "(for example extra.tf next to it), delete it, then build again",
            ))
    if errors:
        raise ArcErrors(errors)
    remove: list[str] = []
    kept: list[str] = []
    for rel, sha in sorted(owned.items()):
        if rel in wanted:
            continue
        old = _read_bytes(out_dir / rel)
        if old is None:
            continue
        # An owned file the user has since edited is theirs now: keep it, say so. A local
        # file's content was never recorded: it goes (it only ever held copied values).
        (remove if sha in (_UNRECORDED, _sha256(old)) else kept).append(rel)
    current = _read_bytes(out_dir / OWNERSHIP_FILE) == _ownership_bytes(ownership)
    return _Plan(write, unchanged, remove, seed, kept, ownership, current)


def _looks_generated(data: bytes) -> bool:
    """True for a file whose header says arc2tf generated it (an ownership manifest lost or
    from before arc2tf kept one): such a file may be replaced without being in the manifest."""
    first = data.split(b"\n", 1)[0].lower()
    return b"arc2tf" in first and b"generated" in first


def _read_ownership(out_dir: Path, display) -> dict[str, str]:
    path = out_dir / OWNERSHIP_FILE
    raw = _read_bytes(path)
    if raw is None:
        return {}
    try:
        doc = json.loads(raw.decode("utf-8"))
        entries = doc["files"]
        if not isinstance(entries, dict):
            raise TypeError("files is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise ArcErrors([ArcError(
            KIND_BUILD, f"cannot read arc2tf's ownership manifest: {exc}",
            file=display(path),
            hint="delete it and build again; arc2tf then owns only the files whose header says "
            "it generated them",
        )]) from None
    # Entries come from disk: skip anything that would point outside the out dir.
    return {
        rel: str(sha) for rel, sha in entries.items()
        if isinstance(rel, str) and _safe_rel(rel) and rel.split("/", 1)[0] not in _FOREIGN_TOPS
    }


def _ownership_bytes(ownership: Mapping[str, str]) -> bytes:
    doc = {"format": _FORMAT, "generator": "arc2tf", "files": dict(sorted(ownership.items()))}
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------
# staging and commit


class _FaultInjector:
    """The test-only crash hook described in the module doc."""

    def __init__(self) -> None:
        raw = os.environ.get("ARC2TF_TEST_CRASH_AFTER", "")
        self.after = int(raw) if raw.isdigit() else None
        self.mode = os.environ.get("ARC2TF_TEST_CRASH_MODE", "raise")
        self.count = 0

    def step(self) -> None:
        if self.after is None:
            return
        self.count += 1
        if self.count >= self.after:
            if self.mode == "kill":
                os._exit(70)
            if self.mode in ("sigterm", "sigint"):
                import signal

                os.kill(os.getpid(), signal.SIGTERM if self.mode == "sigterm" else signal.SIGINT)
                return
            raise OSError(errno.ENOSPC, "No space left on device (ARC2TF_TEST_CRASH_AFTER)")


def _apply(out_dir: Path, plan: _Plan) -> None:
    fault = _FaultInjector()
    tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out_dir))
    try:
        new_dir, old_dir = tmp / "new", tmp / "old"
        staged: dict[str, bytes] = {**plan.write, **plan.seed}
        if not plan.manifest_current or staged or plan.remove:
            staged[OWNERSHIP_FILE] = _ownership_bytes(plan.ownership)
        for rel, data in sorted(staged.items()):
            fault.step()
            _write_file(new_dir / rel, data)
        _fsync_dir(new_dir)
        # Commit: record how to undo, then rename. Order: files, removals, manifest last.
        order = [rel for rel in sorted(staged) if rel != OWNERSHIP_FILE]
        if OWNERSHIP_FILE in staged:
            order.append(OWNERSHIP_FILE)
        targets = order + plan.remove
        backed_up = []
        for rel in targets:
            if (out_dir / rel).exists():
                (old_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(out_dir / rel, old_dir / rel)
                except OSError:  # a filesystem without hard links: a copy is as good, only slower
                    shutil.copy2(out_dir / rel, old_dir / rel)
                backed_up.append(rel)
        journal = {
            "backed_up": backed_up,
            "created": [rel for rel in order if rel not in backed_up],
            "dirs": sorted(_missing_parents(out_dir, order)),
        }
        _write_file(tmp / _JOURNAL, json.dumps(journal, sort_keys=True).encode())
        _fsync_dir(tmp)
        try:
            for rel in order:
                fault.step()
                (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(new_dir / rel, out_dir / rel)
            for rel in plan.remove:
                fault.step()
                os.unlink(out_dir / rel)
                _prune_empty_parents(out_dir, (out_dir / rel).parent)
            _fsync_dir(out_dir)
        except BaseException:
            _rollback(out_dir, tmp)
            raise
        # Committed: from here on the temp dir is only garbage.
        os.unlink(tmp / _JOURNAL)
    finally:
        # A journal still here means the rollback itself was cut short: keep the backups
        # for the next run's `_recover`.
        if not (tmp / _JOURNAL).exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _rollback(out_dir: Path, tmp: Path) -> None:
    journal = json.loads((tmp / _JOURNAL).read_text("utf-8"))
    for rel in journal["created"]:
        if _safe_rel(rel):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out_dir / rel)
    for rel in journal["backed_up"]:
        if _safe_rel(rel) and (tmp / "old" / rel).exists():
            (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / "old" / rel, out_dir / rel)
    for rel in sorted(journal["dirs"], key=lambda r: -r.count("/")):
        if _safe_rel(rel):
            with contextlib.suppress(OSError):
                (out_dir / rel).rmdir()  # only when empty
    os.unlink(tmp / _JOURNAL)


def _recover(out_dir: Path) -> bool:
    """Roll back what an earlier, killed `write_tree` left half-committed; drop its temp dirs."""
    recovered = False
    for tmp in sorted(out_dir.glob(_TMP_PREFIX + "*")):
        if not tmp.is_dir() or tmp.is_symlink():
            continue
        if (tmp / _JOURNAL).is_file():
            _rollback(out_dir, tmp)
            recovered = True
        shutil.rmtree(tmp, ignore_errors=True)
    return recovered


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """One writer per out dir: without it, a second build could roll back the first's commit."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks on dirs; single-writer is the user's job
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArcErrors([ArcError(KIND_BUILD, f"another arc2tf is writing {out_dir}",
                                      hint="wait for it to finish and run again")]) from None
        yield
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------
# small helpers


def _encode(files: Mapping[str, str | bytes]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for rel, text in files.items():
        if not _safe_rel(rel) or rel == OWNERSHIP_FILE or rel.split("/", 1)[0] in _FOREIGN_TOPS:
            raise ValueError(f"arc2tf cannot write generated file {rel!r}: not a relative path it owns")
        out[rel] = text if isinstance(text, bytes) else text.encode("utf-8")
    return out


def _safe_rel(rel: str) -> bool:
    p = PurePosixPath(rel)
    return (
        bool(rel) and "\\" not in rel and "\0" not in rel and not p.is_absolute()
        and all(part not in ("", ".", "..") for part in rel.split("/"))
        and not rel.startswith(_TMP_PREFIX)
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # 0o666 through the umask: the mode a plain `open(..., "w")` gives, not mkstemp's 0600.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    if not path.is_dir():
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on dirs; the renames are still atomic
    finally:
        os.close(fd)


def _missing_parents(out_dir: Path, rels: list[str]) -> set[str]:
    missing: set[str] = set()
    for rel in rels:
        for parent in PurePosixPath(rel).parents:
            if str(parent) != "." and not (out_dir / parent).exists():
                missing.add(str(parent))
    return missing


def _prune_empty_parents(out_dir: Path, path: Path) -> None:
    """Remove dirs that removing a stale file left empty, up to (not including) the out dir."""
    out_dir = out_dir.resolve()
    path = path.resolve()
    while path != out_dir and out_dir in path.parents:
        try:
            path.rmdir()
        except OSError:
            return
        path = path.parent


def _diff(old: bytes, new: bytes, a: str, b: str) -> str:
    old_lines = old.decode("utf-8", errors="replace").splitlines(keepends=True)
    new_lines = new.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = list(difflib.unified_diff(old_lines, new_lines, a, b))
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
