"""`arc2tf inspect`: golden output on the examples, and its command-line behaviour.

Regenerate the golden files with `ARC2TF_REGEN=1 python -m pytest tests/test_inspect.py`
and review the diff.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "inspect"
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if (p / "app.arc").is_file())
REGEN = os.environ.get("ARC2TF_REGEN") == "1"


def run_inspect(*args: str, cwd: Path = REPO, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONHASHSEED": "random"}
    if home is not None:
        env["HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "arc2tf", "inspect", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), (
        f"missing golden file {path}: run ARC2TF_REGEN=1 python -m pytest tests/test_inspect.py"
    )
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; regenerate with ARC2TF_REGEN=1 and review"
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize(
    ("variant", "args"), [("table", ()), ("staging", ("--env", "staging")), ("json", ("--json",))]
)
def test_inspect_matches_golden(example: str, variant: str, args: tuple[str, ...], home: Path) -> None:
    proc = run_inspect(f"examples/{example}", *args, home=home)
    assert proc.returncode == 0, proc.stderr
    suffix = "json" if variant == "json" else "txt"
    check_golden(
        f"{example}.{variant}.{suffix}" if variant == "staging" else f"{example}.{suffix}", proc.stdout
    )


def test_echo_resolves_like_architect_5s_announcement(home: Path) -> None:
    data = json.loads(run_inspect("examples/echo", "--json", home=home).stdout)
    assert data["app"] == "wsproj" and data["rootHandler"] == "get /" and data["asap"] is False
    assert [(r["name"], r["src"]) for r in data["http"]] == [("get /", "src/http/get-index")]
    assert [f["routeKey"] for f in data["functions"]] == ["GET /", "$connect", "$default", "$disconnect"]
    assert data["static"]["folder"] == "public" and data["errors"] == []


def test_output_is_byte_identical_across_runs_and_hash_seeds(home: Path) -> None:
    runs = {run_inspect("examples/echo", "--json", home=home).stdout for _ in range(3)}
    assert len(runs) == 1


def test_table_shows_every_variable_of_each_environment(tmp_path: Path, home: Path) -> None:
    proj = tmp_path / "proj"
    (proj / "src/http/get-index").mkdir(parents=True)
    (proj / "app.arc").write_text("@app\nenvapp\n@http\nget /\n", encoding="utf-8")
    (proj / "prefs.arc").write_text(
        "@env\nstaging\n  API_URL https://s.example\nproduction\n  API_URL https://p\n", encoding="utf-8"
    )
    table = run_inspect(str(proj), home=home).stdout
    assert (
        "staging:\n    API_URL  https://s.example" in table and "production:\n    API_URL  https://p" in table
    )
    only = run_inspect(str(proj), "--env", "production", home=home).stdout
    assert "https://p" in only and "https://s.example" not in only


def test_bad_input_exits_1_with_every_error_compiler_style(tmp_path: Path, home: Path) -> None:
    proj = tmp_path / "bad"
    proj.mkdir()
    (proj / "app.arc").write_text("@app\nbad\n@http\nfetch /x\nget /y/\n", encoding="utf-8")
    proc = run_inspect(".", cwd=proj, home=home)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert (
        "app.arc:4:1: error: Invalid @http method: fetch /x\n     4 | fetch /x\n       | ^\n" in proc.stderr
    )
    assert (
        "hint: unknown HTTP method 'fetch'; expected one of get, post, put, patch, delete, head, options, any"
        in proc.stderr
    )
    assert "app.arc:5:1: error: Invalid @http path (cannot end with '/'): get /y/" in proc.stderr
    assert proc.stderr.rstrip().endswith("2 errors")


def test_bad_input_with_json_prints_the_errors_as_json_too(tmp_path: Path, home: Path) -> None:
    proj = tmp_path / "bad"
    proj.mkdir()
    (proj / "app.arc").write_text("@app\nbad\n@http\nfetch /x\n", encoding="utf-8")
    proc = run_inspect("--json", ".", cwd=proj, home=home)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [k for k, v in data.items() if v is not None] == ["errors"]
    assert data["errors"] == [
        {
            "kind": "validation",
            "message": "Invalid @http method: fetch /x",
            "line": 4,
            "file": "app.arc",
            "column": 1,
            "hint": "unknown HTTP method 'fetch'; expected one of get, post, put, patch, "
            "delete, head, options, any",
        }
    ]


@pytest.mark.parametrize("args", [("--env", "dev", "examples/echo"), ("--nope",), ("a", "b")])
def test_bad_usage_exits_2(args: tuple[str, ...], home: Path) -> None:
    proc = run_inspect(*args, home=home)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "Usage:" in proc.stderr
