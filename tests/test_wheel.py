"""The wheel carries everything arc2tf needs at run time (grammar/, templates/).

The grammar and templates live at the top of the repository and are copied into
the package only when the wheel is built; an editable install or a source checkout
would hide a missing copy. So: build the wheel, unpack it, and run
`arc2tf inspect` from the unpacked wheel alone on PYTHONPATH, outside the repo.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip(
        "hatchling", reason="hatchling (the build backend, in the test extra) is not installed"
    )
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = out.glob("arc2tf-*.whl")
    target = out / "unpacked"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    return target


def test_wheel_ships_grammar_and_templates(unpacked_wheel: Path) -> None:
    package = unpacked_wheel / "arc2tf"
    assert (package / "grammar" / "arc.lark").is_file()
    assert (package / "templates").is_dir() and any((package / "templates").iterdir())


def test_inspect_runs_from_the_unpacked_wheel(unpacked_wheel: Path, tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples" / "echo", tmp_path / "echo")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "PYTHONPATH": str(unpacked_wheel), "HOME": str(home), "NO_COLOR": "1"}
    where = subprocess.run(
        [sys.executable, "-c", "import arc2tf.resources as r; print(r.__file__); print(r.grammar_dir())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    module_file, grammar = where.stdout.splitlines()
    assert Path(module_file).is_relative_to(unpacked_wheel), "arc2tf was imported from the source tree"
    assert Path(grammar).is_relative_to(unpacked_wheel)

    proc = subprocess.run(
        [sys.executable, "-m", "arc2tf", "inspect", "--json", "echo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["app"] == "wsproj" and [r["name"] for r in data["http"]] == ["get /"]
    assert [r["routeKey"] for r in data["ws"]] == ["$connect", "$default", "$disconnect"]
