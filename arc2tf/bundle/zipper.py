"""Write a zip whose bytes depend only on the files that go in it.

Everything a zip tool would take from the machine is fixed here: entries sorted
by name, every timestamp 1980-01-01 00:00 (the earliest a zip can hold), Unix
permissions 0644 or 0755 only (from the executable bit), no directory entries
(Lambda does not need them, and leaving them out means an empty dir never
changes a bundle), no extra fields (no uid/gid, no extended timestamps), and
deflate at a fixed level. The remaining dependency is zlib itself: builds with
the same zlib give the same bytes (see the README's "Bundles" section).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import zipfile
from collections.abc import Sequence
from pathlib import Path

from arc2tf.bundle.sources import FileEntry

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6  # zlib's default and `zip`'s: a good size/speed balance for code
_UNIX = 3  # "made by" host system: Unix, so unzip and Lambda apply external_attr's mode


def entry_info(arcname: str, executable: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE_TIME)
    info.create_system = _UNIX
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_zip(dest: Path, entries: Sequence[FileEntry]) -> tuple[str, int]:
    """Write `entries` (already sorted by arcname) to `dest`, atomically.

    The zip is written to a temporary file next to `dest` and renamed over it
    only when complete, so a failure leaves any previous `dest` as it was.
    Returns (base64 sha256 as Terraform's filebase64sha256 gives it, zip size).
    """
    tmp = dest.with_name(f".arc2tf-tmp-{os.getpid()}-{dest.name}")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED,
                             compresslevel=COMPRESS_LEVEL, allowZip64=True) as zf:
            for e in entries:
                with open(e.path, "rb") as f:
                    data = f.read()
                zf.writestr(entry_info(e.arcname, e.executable), data,
                            compress_type=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
        digest = file_base64_sha256(tmp)
        size = tmp.stat().st_size
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest, size


def file_base64_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return base64.b64encode(h.digest()).decode("ascii")
