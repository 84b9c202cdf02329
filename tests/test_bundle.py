"""Bundles: deterministic bytes, contents and modes, shared code, safety, incrementality."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from test_bundle_support import b64sha256, fn, make_app, write, zip_names, zip_read

from arc2tf.bundle import STATE_FILE, BundleEvent, bundle_functions
from arc2tf.bundle.sources import display_path
from arc2tf.errors import ArcErrors

TESTS_DIR = Path(__file__).parent


def _sample_project(root: Path, file_mode: int = 0o644, exec_mode: int = 0o755) -> None:
    handler = "export const handler = async () => ({ ok: true })\n"
    write(root / "src/http/get-index/index.mjs", handler, file_mode)
    write(root / "src/http/get-index/lib/util.mjs", "export const twice = x => 2 * x\n", file_mode)
    write(root / "src/http/get-index/bin/tool.sh", "#!/bin/sh\necho hi\n", exec_mode)
    write(root / "src/http/get-index/data.bin", bytes(range(256)) * 64, file_mode)
    write(root / "src/ws/default/index.py", "def handler(event, context):\n    return {}\n", file_mode)
    write(root / "src/ws/default/pkg/__init__.py", "", file_mode)
    write(root / "src/shared/auth.mjs", "export const user = () => null\n", file_mode)


def _sample_app(root: Path):
    return make_app(root, [
        fn("get-index", "src/http/get-index", route="get /"),
        fn("ws-default", "src/ws/default", runtime="python3.12", architecture="x86_64", kind="ws",
           route="default"),
    ])


_BUILD_SCRIPT = """
import sys
import time
from pathlib import Path
from test_bundle_support import fn, make_app
from arc2tf.bundle import bundle_functions
root = Path(sys.argv[1])
app = make_app(root, [
    fn("get-index", "src/http/get-index", route="get /"),
    fn("ws-default", "src/ws/default", runtime="python3.12", architecture="x86_64", kind="ws",
       route="default"),
])
bundle_functions(app, Path(sys.argv[2]), quiet=True)
"""


def test_zips_are_byte_identical_across_dirs_mtimes_umasks_and_hash_seeds(tmp_path):
    one, two = tmp_path / "one" / "app", tmp_path / "elsewhere" / "deeper" / "app"
    _sample_project(one)
    _sample_project(two, file_mode=0o600, exec_mode=0o700)  # a stricter umask at checkout
    for i, path in enumerate(sorted(p for p in two.rglob("*") if p.is_file())):
        os.utime(path, ns=(1_600_000_000_000_000_000 + i, 1_600_000_000_000_000_000 + i * 7919))
    for root, umask, seed in ((one, "022", "0"), (two, "077", "12345")):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(TESTS_DIR))
        subprocess.run(["sh", "-c", f'umask {umask} && exec "$0" -c "$1" "$2" "$3"', sys.executable,
                        _BUILD_SCRIPT, str(root), str(root.parent / "bundles")], env=env, check=True)
    for name in ("get-index.zip", "ws-default.zip"):
        a = (one.parent / "bundles" / name).read_bytes()
        b = (two.parent / "bundles" / name).read_bytes()
        assert a == b, name
    # The state file is content-only too, so teams can commit it with the zips.
    state_one, state_two = (r.parent / "bundles" / STATE_FILE for r in (one, two))
    assert state_one.read_bytes() == state_two.read_bytes()


def test_zip_entries_are_sorted_files_with_fixed_time_and_normalized_modes(tmp_path):
    _sample_project(tmp_path, file_mode=0o664, exec_mode=0o775)
    write(tmp_path / "src/http/get-index/.DS_Store", "junk")
    write(tmp_path / "src/http/get-index/__pycache__/x.cpython-311.pyc", "junk")
    write(tmp_path / "src/http/get-index/old.pyc", "junk")
    write(tmp_path / "src/http/get-index/.git/HEAD", "junk")
    write(tmp_path / "src/http/get-index/node_modules/dep/index.js", "module.exports = 1\n")
    write(tmp_path / "src/http/get-index/node_modules/.cache/big", "junk")
    (tmp_path / "src/http/get-index/empty-dir").mkdir()
    report = bundle_functions(_sample_app(tmp_path), tmp_path / "bundles", quiet=True)

    zpath = tmp_path / "bundles" / "get-index.zip"
    with zipfile.ZipFile(zpath) as zf:
        infos = zf.infolist()
        assert zf.testzip() is None
    names = [i.filename for i in infos]
    assert names == [
        "bin/tool.sh",
        "data.bin",
        "index.mjs",
        "lib/util.mjs",
        "node_modules/@architect/shared/auth.mjs",
        "node_modules/dep/index.js",
    ]
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.create_system == 3
        assert info.extra == b""
        assert info.compress_type == zipfile.ZIP_DEFLATED
        mode = info.external_attr >> 16
        assert stat.S_ISREG(mode)
        assert stat.S_IMODE(mode) == (0o755 if info.filename == "bin/tool.sh" else 0o644)
    assert zip_read(zpath, "data.bin") == bytes(range(256)) * 64

    got = report.function("get-index")
    assert got.rebuilt and got.zip_path == zpath
    assert got.sha256 == b64sha256(zpath)  # what Terraform's filebase64sha256 computes
    assert got.zipped_size == zpath.stat().st_size
    assert got.unzipped_size == sum(i.file_size for i in infos)
    if shutil.which("unzip"):
        out = subprocess.run(["unzip", "-Z", "-l", str(zpath)], capture_output=True, text=True,
                             check=True).stdout
        assert "-rwxr-xr-x" in out and "-rw-r--r--" in out


def test_shared_and_views_go_where_architect_puts_them_per_runtime(tmp_path):
    write(tmp_path / "src/shared/util.py", "X = 1\n")
    write(tmp_path / "src/views/layout.mjs", "export default 1\n")
    write(tmp_path / "public/static.json", '{"a.css": "a-123.css"}\n')
    for d in ("get-page", "post-form", "any-catch"):
        write(tmp_path / f"src/http/{d}/index.mjs", "export const handler = 1\n")
    write(tmp_path / "src/ws/connect/index.py", "def handler(e, c): return {}\n")
    app = make_app(tmp_path, [
        fn("get-page", "src/http/get-page", route="get /page"),
        fn("post-form", "src/http/post-form", route="post /form"),
        fn("any-catch", "src/http/any-catch", route="any /catch"),
        fn("ws-connect", "src/ws/connect", runtime="python3.12", kind="ws", route="connect"),
    ], static=ir_static())
    bundle_functions(app, tmp_path / "b", quiet=True)
    node_base = "node_modules/@architect/"
    assert zip_names(tmp_path / "b/get-page.zip") == [
        "index.mjs", node_base + "shared/static.json", node_base + "shared/util.py",
        node_base + "views/layout.mjs"]
    # Views go only to GET and ANY routes.
    assert zip_names(tmp_path / "b/post-form.zip") == [
        "index.mjs", node_base + "shared/static.json", node_base + "shared/util.py"]
    assert node_base + "views/layout.mjs" in zip_names(tmp_path / "b/any-catch.zip")
    # Every other runtime gets vendor/.
    assert zip_names(tmp_path / "b/ws-connect.zip") == [
        "index.py", "vendor/shared/static.json", "vendor/shared/util.py"]


def ir_static():
    from arc2tf import ir

    return ir.StaticSite(folder="public")


def test_shared_pragma_listing_functions_narrows_sharing(tmp_path):
    write(tmp_path / "lib/common.mjs", "export const c = 1\n")
    for d in ("get-a", "get-b"):
        write(tmp_path / f"src/http/{d}/index.mjs", "export const handler = 1\n")
    # Stale copy left by `arc hydrate`: replaced, not merged.
    write(tmp_path / "src/http/get-a/node_modules/@architect/shared/stale.mjs", "old\n")
    app = make_app(tmp_path, [fn("get-a", "src/http/get-a", route="get /a"),
                              fn("get-b", "src/http/get-b", route="get /b")],
                   pragmas={"shared": [["src", "lib"], {"http": [["get", "/a"]]}]})
    bundle_functions(app, tmp_path / "b", quiet=True)
    assert zip_names(tmp_path / "b/get-a.zip") == ["index.mjs", "node_modules/@architect/shared/common.mjs"]
    assert zip_names(tmp_path / "b/get-b.zip") == ["index.mjs"]


def test_symlink_leaving_the_function_dir_is_refused(tmp_path):
    write(tmp_path / "secret.txt", "do not ship\n")
    write(tmp_path / "src/http/get-index/index.mjs", "export const handler = 1\n")
    (tmp_path / "src/http/get-index/linked.txt").symlink_to(tmp_path / "secret.txt")
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", route="get /")])
    with pytest.raises(ArcErrors) as exc:
        bundle_functions(app, tmp_path / "b", quiet=True)
    (err,) = exc.value.errors
    assert err.kind == "build"
    assert "get-index" in err.message and "points outside" in err.message
    assert err.file.endswith("src/http/get-index/linked.txt")
    assert not (tmp_path / "b/get-index.zip").exists()


def test_symlinks_inside_the_function_dir_are_bundled_as_files(tmp_path):
    d = tmp_path / "src/http/get-index"
    write(d / "index.mjs", "export const handler = 1\n")
    write(d / "real/tool.js", "#!/usr/bin/env node\n", 0o755)
    (d / "alias.mjs").symlink_to("index.mjs")
    (d / "real/loop").symlink_to(d / "real")  # a dir loop is walked once, not forever
    (d / ".bin").mkdir()
    (d / ".bin/tool").symlink_to("../real/tool.js")
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", route="get /")])
    bundle_functions(app, tmp_path / "b", quiet=True)
    z = tmp_path / "b/get-index.zip"
    assert zip_names(z) == [".bin/tool", "alias.mjs", "index.mjs", "real/tool.js"]
    assert zip_read(z, "alias.mjs") == b"export const handler = 1\n"
    with zipfile.ZipFile(z) as zf:
        assert stat.S_IMODE(zf.getinfo(".bin/tool").external_attr >> 16) == 0o755


def test_shared_folder_symlink_escape_is_refused(tmp_path):
    write(tmp_path / "outside.txt", "x")
    write(tmp_path / "src/http/get-index/index.mjs", "1")
    (tmp_path / "src/shared").mkdir(parents=True)
    (tmp_path / "src/shared/link").symlink_to(tmp_path / "outside.txt")
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", route="get /")])
    with pytest.raises(ArcErrors) as exc:
        bundle_functions(app, tmp_path / "b", quiet=True)
    assert "points outside" in exc.value.errors[0].message


def test_missing_handler_dir_is_an_error_naming_the_function(tmp_path):
    app = make_app(tmp_path, [fn("get-gone", "src/http/get-gone", route="get /gone")])
    with pytest.raises(ArcErrors) as exc:
        bundle_functions(app, tmp_path / "b", quiet=True)
    assert exc.value.errors[0].message.startswith("get-gone: handler dir src/http/get-gone does not exist")


def test_no_change_rebuild_reuses_every_zip_and_an_edit_rebuilds_only_that_function(tmp_path):
    _sample_project(tmp_path)
    app = _sample_app(tmp_path)
    bdir = tmp_path / "bundles"
    first = bundle_functions(app, bdir, quiet=True)
    assert set(first.rebuilt) == {"get-index", "ws-default"}
    stats = {p.name: p.stat().st_mtime_ns for p in bdir.glob("*.zip")}

    second = bundle_functions(app, bdir, quiet=True)
    assert second.rebuilt == () and set(second.reused) == {"get-index", "ws-default"}
    assert {p.name: p.stat().st_mtime_ns for p in bdir.glob("*.zip")} == stats  # not even rewritten
    assert second.functions == tuple(
        type(f)(**{**f.__dict__, "rebuilt": False}) for f in first.functions)

    before = (bdir / "get-index.zip").read_bytes()
    write(tmp_path / "src/ws/default/index.py", "def handler(event, context):\n    return {'v': 2}\n")
    third = bundle_functions(app, bdir, quiet=True)
    assert third.rebuilt == ("ws-default",) and third.reused == ("get-index",)
    assert (bdir / "get-index.zip").read_bytes() == before
    assert b"'v': 2" in zip_read(bdir / "ws-default.zip", "index.py")

    # A mode change is an input too (it changes the zip).
    os.chmod(tmp_path / "src/http/get-index/data.bin", 0o755)
    assert bundle_functions(app, bdir, quiet=True).rebuilt == ("get-index",)
    # So is a change of runtime or architecture.
    arm = make_app(tmp_path, [fn("get-index", "src/http/get-index", route="get /"),
                              fn("ws-default", "src/ws/default", runtime="python3.12", architecture="arm64",
                                 kind="ws", route="default")])
    assert bundle_functions(arm, bdir, quiet=True).rebuilt == ("ws-default",)


def test_a_changed_shared_file_rebuilds_the_functions_that_share_it(tmp_path):
    _sample_project(tmp_path)
    app = _sample_app(tmp_path)
    bundle_functions(app, tmp_path / "b", quiet=True)
    write(tmp_path / "src/shared/auth.mjs", "export const user = () => 'u'\n")
    assert bundle_functions(app, tmp_path / "b", quiet=True).rebuilt == ("get-index", "ws-default")


def test_a_zip_deleted_or_altered_on_disk_is_rebuilt(tmp_path):
    _sample_project(tmp_path)
    app = _sample_app(tmp_path)
    bdir = tmp_path / "b"
    bundle_functions(app, bdir, quiet=True)
    good = (bdir / "get-index.zip").read_bytes()
    (bdir / "get-index.zip").write_bytes(good[:-1] + b"\x01")  # same size, other bytes
    (bdir / "ws-default.zip").unlink()
    report = bundle_functions(app, bdir, quiet=True)
    assert report.rebuilt == ("get-index", "ws-default")
    assert (bdir / "get-index.zip").read_bytes() == good


def test_fresh_checkout_with_committed_bundles_rebuilds_nothing(tmp_path):
    _sample_project(tmp_path / "a")
    bundle_functions(_sample_app(tmp_path / "a"), tmp_path / "a/bundles", quiet=True)
    # A clone: same files, new mtimes and inodes, no machine-local cache.
    shutil.copytree(tmp_path / "a", tmp_path / "clone", ignore=shutil.ignore_patterns(".arc2tf-cache"))
    report = bundle_functions(_sample_app(tmp_path / "clone"), tmp_path / "clone/bundles", quiet=True)
    assert report.rebuilt == ()


def test_removed_function_zip_is_deleted_and_other_files_are_kept(tmp_path):
    _sample_project(tmp_path)
    bdir = tmp_path / "b"
    bundle_functions(_sample_app(tmp_path), bdir, quiet=True)
    write(bdir / "README.md", "mine\n")
    write(bdir / "other.zip", "a zip arc2tf did not write\n")
    only = make_app(tmp_path, [fn("get-index", "src/http/get-index", route="get /")])
    report = bundle_functions(only, bdir, quiet=True)
    assert report.removed == (bdir / "ws-default.zip",)
    assert sorted(p.name for p in bdir.iterdir()) == [
        ".arc2tf-bundles.json", ".arc2tf-cache", "README.md", "get-index.zip", "other.zip"]
    state = json.loads((bdir / STATE_FILE).read_text())
    assert sorted(state["functions"]) == ["get-index"]


def test_bundle_over_lambdas_unzipped_limit_is_an_error_saying_by_how_much(tmp_path):
    d = tmp_path / "src/http/get-big"
    write(d / "index.mjs", "1")
    with open(d / "model.bin", "wb") as f:  # sparse: no disk used
        f.truncate(262_144_000 + 5 * 1024 * 1024)
    app = make_app(tmp_path, [fn("get-big", "src/http/get-big", route="get /big")])
    with pytest.raises(ArcErrors) as exc:
        bundle_functions(app, tmp_path / "b", quiet=True)
    msg = exc.value.errors[0].message
    assert "get-big: bundle is 255.0 MB unzipped, 5.0 MB over Lambda's 250 MB limit" in msg
    assert "model.bin" in msg
    assert "layer" in exc.value.errors[0].hint
    assert not (tmp_path / "b/get-big.zip").exists()


def test_bundle_near_the_limit_builds_with_a_warning(tmp_path):
    d = tmp_path / "src/http/get-big"
    write(d / "index.mjs", "1")
    with open(d / "zeros.bin", "wb") as f:
        f.truncate(210 * 1024 * 1024)
    app = make_app(tmp_path, [fn("get-big", "src/http/get-big", route="get /big")])
    report = bundle_functions(app, tmp_path / "b", quiet=True)
    (warning,) = report.warnings
    assert "get-big: bundle is 210.0 MB unzipped, close to Lambda's 250 MB limit" in warning.message
    assert report.function("get-big").rebuilt


def test_progress_reports_each_function_and_plain_lines_off_a_terminal(tmp_path):
    import io

    from arc2tf.bundle import ConsoleProgress

    _sample_project(tmp_path)
    events: list[BundleEvent] = []
    bundle_functions(_sample_app(tmp_path), tmp_path / "b", progress=events.append)
    assert events[0].stage == "start" and events[-1].stage == "finish"
    finished = [(e.stage, e.function, e.done, e.total) for e in events if e.stage in ("built", "reused")]
    assert sorted(finished) == [("built", "get-index", 1, 2), ("built", "ws-default", 2, 2)] or sorted(
        finished) == [("built", "get-index", 2, 2), ("built", "ws-default", 1, 2)]

    where = display_path(tmp_path / "b")
    write(tmp_path / "src/ws/default/index.py", "def handler(event, context):\n    return 2\n")
    stream = io.StringIO()
    events = []
    console = ConsoleProgress(stream, tty=False)
    bundle_functions(_sample_app(tmp_path), tmp_path / "b", progress=lambda e: (events.append(e), console(e)))
    (line,) = stream.getvalue().splitlines()
    assert line.startswith("bundle ws-default: ") and line.endswith(" unzipped [2/2]")
    assert events[-1].detail == f"bundles: 1 rebuilt, 1 unchanged ({where})"


def test_quiet_prints_nothing(tmp_path, capsys):
    _sample_project(tmp_path)
    bundle_functions(_sample_app(tmp_path), tmp_path / "b", quiet=True)
    assert capsys.readouterr() == ("", "")


def test_process_and_thread_zip_passes_write_the_same_bytes(tmp_path, monkeypatch):
    from arc2tf.bundle import build

    _sample_project(tmp_path)
    bundle_functions(_sample_app(tmp_path), tmp_path / "threads", quiet=True)
    monkeypatch.setattr(build, "ZIP_EXECUTOR", "process")
    report = bundle_functions(_sample_app(tmp_path), tmp_path / "procs", quiet=True)
    assert report.rebuilt == ("get-index", "ws-default")
    for name in ("get-index.zip", "ws-default.zip"):
        assert (tmp_path / "threads" / name).read_bytes() == (tmp_path / "procs" / name).read_bytes()


def test_a_real_project_through_load_app(tmp_path):
    """The IR as normalize builds it from app.arc and config.arc, not by hand."""
    from arc2tf.normalize import load_app

    write(tmp_path / "app.arc", "@app\ndemo\n\n@http\nget /\nget /py\npost /form\n\n@ws\n")
    write(tmp_path / "src/http/get-index/index.mjs", "export const handler = 1\n")
    write(tmp_path / "src/http/get-py/index.py", "def handler(e, c): return 1\n")
    write(tmp_path / "src/http/get-py/config.arc", "@aws\nruntime python3.12\narchitecture x86_64\n")
    write(tmp_path / "src/http/post-form/index.mjs", "export const handler = 1\n")
    write(tmp_path / "src/http/post-form/config.arc", "@arc\nshared false\n")
    for route in ("connect", "default", "disconnect"):
        write(tmp_path / f"src/ws/{route}/index.mjs", "export const handler = 1\n")
    write(tmp_path / "src/shared/db.mjs", "export const db = 1\n")
    write(tmp_path / "src/views/page.mjs", "export const page = 1\n")
    app = load_app(tmp_path)
    report = bundle_functions(app, tmp_path / "terraform/bundles", quiet=True)
    assert [f.name for f in report.functions] == [f.name for f in app.functions]
    b = tmp_path / "terraform/bundles"
    assert zip_names(b / "get-index.zip") == [
        "index.mjs", "node_modules/@architect/shared/db.mjs", "node_modules/@architect/views/page.mjs"]
    assert zip_names(b / "get-py.zip") == [
        "config.arc", "index.py", "vendor/shared/db.mjs", "vendor/views/page.mjs"]
    assert zip_names(b / "post-form.zip") == ["config.arc", "index.mjs"]  # `@arc shared false`
    assert zip_names(b / "ws-default.zip") == ["index.mjs", "node_modules/@architect/shared/db.mjs"]


def test_every_problem_is_reported_at_once_and_the_other_functions_still_build(tmp_path):
    write(tmp_path / "outside.txt", "x")
    write(tmp_path / "src/http/get-a/index.mjs", "1")
    (tmp_path / "src/http/get-a/link").symlink_to(tmp_path / "outside.txt")
    write(tmp_path / "src/http/get-ok/index.mjs", "1")
    app = make_app(tmp_path, [fn("get-a", "src/http/get-a", route="get /a"),
                              fn("get-b", "src/http/get-b", route="get /b"),
                              fn("get-ok", "src/http/get-ok", route="get /ok")])
    with pytest.raises(ArcErrors) as exc:
        bundle_functions(app, tmp_path / "b", quiet=True)
    assert [e.message.split(":")[0] for e in exc.value.errors] == ["get-a", "get-b"]
    assert all(e.kind == "build" and e.hint for e in exc.value.errors)
    assert zip_names(tmp_path / "b/get-ok.zip") == ["index.mjs"]
    # The next build knows get-ok is done.
    (tmp_path / "src/http/get-a/link").unlink()
    write(tmp_path / "src/http/get-b/index.mjs", "1")
    assert bundle_functions(app, tmp_path / "b", quiet=True).rebuilt == ("get-a", "get-b")


def test_a_no_change_build_writes_nothing(tmp_path):
    _sample_project(tmp_path)
    bdir = tmp_path / "b"
    bundle_functions(_sample_app(tmp_path), bdir, quiet=True)
    time.sleep(2.1)  # past the stat cache's racy window, so the next build records every file
    bundle_functions(_sample_app(tmp_path), bdir, quiet=True)
    before = {p: p.stat().st_mtime_ns for p in bdir.rglob("*") if p.is_file()}
    bundle_functions(_sample_app(tmp_path), bdir, quiet=True)
    after = {p: p.stat().st_mtime_ns for p in bdir.rglob("*") if p.is_file()}
    assert after == before
