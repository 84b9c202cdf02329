"""Bundles with dependencies: pip for the Lambda platform, npm ci, existing node_modules.

Everything installs from packages the tests make (a wheel written by hand, a
tarball from `npm pack`): no network. pip is pointed at them through its own
environment variables (PIP_NO_INDEX, PIP_FIND_LINKS), as a user would point it
at a private index.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from test_bundle_support import fn, make_app, make_wheel, write, zip_names, zip_read

from arc2tf.bundle import bundle_functions
from arc2tf.errors import ArcErrors


@pytest.fixture
def wheelhouse(tmp_path, monkeypatch):
    house = tmp_path / "wheelhouse"
    make_wheel(house, "tinypkg", "1.0", module_source="VALUE = 'tiny'\n")
    # Only an aarch64 Linux build exists of this one, as for many compiled packages' newest wheels.
    make_wheel(house, "armonly", "2.0", tag="cp312-cp312-manylinux2014_aarch64",
               module_source="ARCH = 'arm'\n")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(house))
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    return house


def test_python_requirements_are_installed_into_vendor(tmp_path, wheelhouse):
    d = tmp_path / "src/http/get-index"
    write(d / "index.py", "import tinypkg\ndef handler(e, c): return tinypkg.VALUE\n")
    write(d / "requirements.txt", "tinypkg==1.0\n")
    write(d / "vendor/stale.py", "left by an old `arc hydrate`: replaced by the install\n")
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", runtime="python3.12", route="get /")])
    report = bundle_functions(app, tmp_path / "b", quiet=True)
    z = tmp_path / "b/get-index.zip"
    names = zip_names(z)
    assert "vendor/tinypkg/__init__.py" in names
    assert "vendor/tinypkg-1.0.dist-info/METADATA" in names
    assert "vendor/stale.py" not in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert zip_read(z, "vendor/tinypkg/__init__.py") == b"VALUE = 'tiny'\n"
    command = report.function("get-index").install_command
    assert command is not None and "--target" in command
    i = command.index("--python-version")
    assert command[i + 1] == "3.12"
    assert "--only-binary=:all:" in command and ("--implementation", "cp") == tuple(
        command[command.index("--implementation"):][:2])


def test_arm64_functions_get_aarch64_wheels_even_on_an_x86_64_build_machine(tmp_path, wheelhouse):
    for name in ("arm", "x86"):
        write(tmp_path / f"src/http/get-{name}/index.py", "def handler(e, c): return 1\n")
        write(tmp_path / f"src/http/get-{name}/requirements.txt", "armonly==2.0\n")
    arm = fn("get-arm", "src/http/get-arm", runtime="python3.12", architecture="arm64", route="get /arm")
    report = bundle_functions(make_app(tmp_path, [arm]), tmp_path / "b", quiet=True)
    command = report.function("get-arm").install_command
    assert command[command.index("--platform") + 1] == "manylinux2014_aarch64"
    assert "vendor/armonly/__init__.py" in zip_names(tmp_path / "b/get-arm.zip")

    # The same requirement for an x86_64 function must not get the aarch64 wheel: pip is told the platform.
    x86 = fn("get-x86", "src/http/get-x86", runtime="python3.12", architecture="x86_64", route="get /x86")
    with pytest.raises(ArcErrors) as exc:
        bundle_functions(make_app(tmp_path, [arm, x86]), tmp_path / "b", quiet=True)
    (err,) = exc.value.errors
    assert err.message.startswith("get-x86: installing dependencies failed:")
    assert "--platform manylinux2014_x86_64" in err.message
    assert "armonly" in err.message  # pip's own output is shown
    assert err.file.endswith("src/http/get-x86/requirements.txt")
    assert "manylinux2014_x86_64" in err.hint


def test_failed_install_keeps_the_previous_zip(tmp_path, wheelhouse):
    d = tmp_path / "src/http/get-index"
    write(d / "index.py", "def handler(e, c): return 1\n")
    write(d / "requirements.txt", "tinypkg==1.0\n")
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", runtime="python3.12", route="get /")])
    bundle_functions(app, tmp_path / "b", quiet=True)
    good = (tmp_path / "b/get-index.zip").read_bytes()

    write(d / "requirements.txt", "tinypkg==1.0\nno-such-package==9.9\n")
    with pytest.raises(ArcErrors) as exc:
        bundle_functions(app, tmp_path / "b", quiet=True)
    assert "no-such-package" in exc.value.errors[0].message
    assert (tmp_path / "b/get-index.zip").read_bytes() == good
    assert not list((tmp_path / "b").glob(".arc2tf-tmp-*"))

    # Fixed again: the zip for the original requirements is reused (state kept the good entry).
    write(d / "requirements.txt", "tinypkg==1.0\n")
    assert bundle_functions(app, tmp_path / "b", quiet=True).rebuilt == ()


def test_unchanged_requirements_are_not_reinstalled_when_handler_code_changes(tmp_path, wheelhouse):
    d = tmp_path / "src/http/get-index"
    write(d / "index.py", "def handler(e, c): return 1\n")
    write(d / "requirements.txt", "tinypkg==1.0\n")
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", runtime="python3.12", route="get /")])
    bundle_functions(app, tmp_path / "b", quiet=True)
    shutil.rmtree(wheelhouse)  # a reinstall would now fail
    write(d / "index.py", "def handler(e, c): return 2\n")
    report = bundle_functions(app, tmp_path / "b", quiet=True)
    assert report.rebuilt == ("get-index",)
    assert "vendor/tinypkg/__init__.py" in zip_names(tmp_path / "b/get-index.zip")


def test_python_bundles_with_dependencies_are_deterministic(tmp_path, wheelhouse):
    for root in (tmp_path / "one", tmp_path / "two"):
        write(root / "src/http/get-index/index.py", "def handler(e, c): return 1\n")
        write(root / "src/http/get-index/requirements.txt", "tinypkg==1.0\n")
        app = make_app(root, [fn("get-index", "src/http/get-index", runtime="python3.12", route="get /")])
        bundle_functions(app, root / "b", quiet=True)
    assert (tmp_path / "one/b/get-index.zip").read_bytes() == (tmp_path / "two/b/get-index.zip").read_bytes()


needs_npm = pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not on PATH")


@pytest.fixture
def tiny_tarball(tmp_path) -> Path:
    pkg = tmp_path / "tiny-src"
    write(pkg / "package.json", json.dumps({"name": "tiny", "version": "1.0.0", "main": "index.js"}))
    write(pkg / "index.js", "module.exports = 'tiny'\n")
    out = subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(tmp_path)], cwd=pkg,
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    return tmp_path / out


def _node_function_with_lock(d: Path, tarball: Path) -> None:
    write(d / "index.js", "exports.handler = async () => require('tiny')\n")
    write(d / "package.json", json.dumps({"name": "get-index", "version": "1.0.0",
                                          "dependencies": {"tiny": f"file:{tarball}"},
                                          "devDependencies": {}}))
    # The lockfile, made the way a user makes it; node_modules is removed again, as in a clean checkout.
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=d, check=True,
                   capture_output=True)
    shutil.rmtree(d / "node_modules")


@needs_npm
def test_node_lockfile_is_installed_with_npm_ci_outside_the_function_dir(tmp_path, tiny_tarball):
    d = tmp_path / "src/http/get-index"
    _node_function_with_lock(d, tiny_tarball)
    before = sorted(p.relative_to(d) for p in d.rglob("*"))
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", route="get /")])
    report = bundle_functions(app, tmp_path / "b", quiet=True)
    z = tmp_path / "b/get-index.zip"
    assert zip_read(z, "node_modules/tiny/index.js") == b"module.exports = 'tiny'\n"
    assert {"index.js", "package.json", "package-lock.json"} <= set(zip_names(z))
    command = report.function("get-index").install_command
    assert command[1:3] == ("ci", "--omit=dev") and ("--cpu", "arm64") == command[5:7]
    assert sorted(p.relative_to(d) for p in d.rglob("*")) == before  # the user's dir is untouched

    # Bundling the same again elsewhere gives the same bytes.
    other = tmp_path / "other"
    shutil.copytree(d, other / "src/http/get-index")
    bundle_functions(make_app(other, [fn("get-index", "src/http/get-index", route="get /")]), other / "b",
                     quiet=True)
    assert (other / "b/get-index.zip").read_bytes() == z.read_bytes()


@needs_npm
def test_existing_node_modules_is_bundled_as_is(tmp_path):
    d = tmp_path / "src/http/get-index"
    write(d / "index.js", "exports.handler = async () => require('hand-made')\n")
    write(d / "package.json", json.dumps({"dependencies": {"hand-made": "1.0.0"}}))  # no lockfile: not needed
    write(d / "node_modules/hand-made/index.js", "module.exports = 1\n")
    write(d / "node_modules/hand-made/package.json", '{"name": "hand-made", "version": "1.0.0"}')
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", route="get /")])
    report = bundle_functions(app, tmp_path / "b", quiet=True)
    assert report.function("get-index").install_command is None
    assert zip_names(tmp_path / "b/get-index.zip") == [
        "index.js", "node_modules/hand-made/index.js", "node_modules/hand-made/package.json", "package.json"]


def test_node_dependencies_without_a_lockfile_are_an_error_with_a_fix(tmp_path):
    d = tmp_path / "src/http/get-index"
    write(d / "index.js", "exports.handler = 1\n")
    write(d / "package.json", json.dumps({"dependencies": {"left-pad": "^1.3.0"}}))
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", route="get /")])
    with pytest.raises(ArcErrors) as exc:
        bundle_functions(app, tmp_path / "b", quiet=True)
    err = exc.value.errors[0]
    assert "no package-lock.json" in err.message and "npm install" in err.hint


def test_package_json_without_dependencies_needs_no_install(tmp_path):
    d = tmp_path / "src/http/get-index"
    write(d / "index.mjs", "export const handler = 1\n")
    write(d / "package.json", json.dumps({"type": "module"}))
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", route="get /")])
    bundle_functions(app, tmp_path / "b", quiet=True)
    with zipfile.ZipFile(tmp_path / "b/get-index.zip") as zf:
        assert zf.namelist() == ["index.mjs", "package.json"]


def test_a_file_included_by_requirements_txt_decides_the_install_too(tmp_path, wheelhouse):
    d = tmp_path / "src/http/get-index"
    write(d / "index.py", "def handler(e, c): return 1\n")
    write(d / "requirements.txt", "-r ../../../requirements-common.txt\n")
    write(tmp_path / "requirements-common.txt", "tinypkg==1.0\n")
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", runtime="python3.12", route="get /")])
    bundle_functions(app, tmp_path / "b", quiet=True)
    assert "vendor/tinypkg/__init__.py" in zip_names(tmp_path / "b/get-index.zip")
    write(tmp_path / "requirements-common.txt", "tinypkg==1.0\narmonly==2.0\n")
    bundle_functions(app, tmp_path / "b", quiet=True)
    assert "vendor/armonly/__init__.py" in zip_names(tmp_path / "b/get-index.zip")


def test_requirements_txt_with_nothing_in_it_bundles_the_handler(tmp_path, wheelhouse):
    d = tmp_path / "src/http/get-index"
    write(d / "index.py", "def handler(e, c): return 1\n")
    write(d / "requirements.txt", "# no dependencies yet\n")
    app = make_app(tmp_path, [fn("get-index", "src/http/get-index", runtime="python3.12", route="get /")])
    bundle_functions(app, tmp_path / "b", quiet=True)
    assert zip_names(tmp_path / "b/get-index.zip") == ["index.py", "requirements.txt"]
    (installed,) = (tmp_path / "b/.arc2tf-cache/deps").iterdir()
    stamp = (installed / "meta.json").stat().st_mtime_ns
    write(d / "index.py", "def handler(e, c): return 2\n")
    assert bundle_functions(app, tmp_path / "b", quiet=True).rebuilt == ("get-index",)
    assert (installed / "meta.json").stat().st_mtime_ns == stamp  # the empty install was reused
