"""Every case of Architect's conformance corpus (tests/conformance, see its README).

Each case folder is an Architect project plus `expected.json`, the answer of
Architect's own packages. arc2tf must give the same answer, compared the way
the corpus's compare.py does: for valid projects every key of expected.json
deep-equals arc2tf's (`logicalId` aside: it is CloudFormation's); for invalid
ones the set of error kinds matches and every error line Architect reports is
reported too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from arc2tf.errors import ArcErrors
from arc2tf.inspect_view import render_json
from arc2tf.normalize import load_app

CASES_DIR = Path(__file__).parent / "conformance" / "cases"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "expected.json").is_file())
IGNORED = ("http.logicalId", "ws.logicalId")


def _strip(obj: Any, dotted: str) -> None:
    head, _, rest = dotted.partition(".")
    if isinstance(obj, list):
        for item in obj:
            _strip(item, dotted)
    elif isinstance(obj, dict) and head in obj:
        if rest:
            _strip(obj[head], rest)
        else:
            del obj[head]


def _first_diff(exp: Any, act: Any, path: str = "$") -> str | None:
    if isinstance(exp, dict) and isinstance(act, dict):
        for key in exp:
            if key not in act:
                return f"{path}.{key}: missing"
            diff = _first_diff(exp[key], act[key], f"{path}.{key}")
            if diff:
                return diff
        extra = [k for k in act if k not in exp]
        return f"{path}.{extra[0]}: unexpected key" if extra else None
    if isinstance(exp, list) and isinstance(act, list):
        if len(exp) != len(act):
            return f"{path}: expected {len(exp)} items, got {len(act)}"
        for i, (e, a) in enumerate(zip(exp, act, strict=True)):
            diff = _first_diff(e, a, f"{path}[{i}]")
            if diff:
                return diff
        return None
    same = exp is act if isinstance(exp, bool) or isinstance(act, bool) else exp == act
    return None if same else f"{path}: expected {json.dumps(exp)[:120]}, got {json.dumps(act)[:120]}"


def compare(expected: dict[str, Any], actual: dict[str, Any]) -> str | None:
    """compare.py's rules; None when arc2tf agrees with Architect."""
    exp_errors = expected.get("errors") or []
    act_errors = actual.get("errors") or []
    if exp_errors:
        if not act_errors:
            return "expected errors, got none"
        exp_kinds = sorted({e["kind"] for e in exp_errors})
        if exp_kinds == ["exception"]:
            return None  # Architect crashed: any clear error of arc2tf's is right
        act_kinds = sorted({e["kind"] for e in act_errors})
        if exp_kinds != act_kinds:
            return f"error kinds: expected {exp_kinds}, got {act_kinds}: {[e['message'] for e in act_errors]}"
        act_lines = {e.get("line") for e in act_errors}
        for e in exp_errors:
            if e.get("line") is not None and e["line"] not in act_lines:
                return f"expected an error on line {e['line']}, got lines {sorted(x for x in act_lines if x)}"
        return None
    if act_errors:
        return f"unexpected errors: {[e['message'] for e in act_errors]}"
    exp = {k: v for k, v in expected.items() if k != "errors"}
    act = {k: actual.get(k, "<missing>") for k in exp}
    for key in IGNORED:
        _strip(exp, key)
        _strip(act, key)
    return _first_diff(exp, act)


def inspect_json(case: Path, home: Path) -> dict[str, Any]:
    try:
        return render_json(load_app(case, home=home), ())
    except ArcErrors as exc:
        return render_json(None, exc.errors)


@pytest.fixture(scope="module")
def empty_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The oracle ran with an empty HOME: no global preferences.
    return tmp_path_factory.mktemp("home")


def test_corpus_is_complete() -> None:
    assert len(CASES) == 80, "tests/conformance/cases should hold all 80 cases of the corpus"


@pytest.mark.parametrize("case", CASES)
def test_case_matches_architect(case: str, empty_home: Path) -> None:
    folder = CASES_DIR / case
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    actual = inspect_json(folder, empty_home)
    assert compare(expected, actual) is None, compare(expected, actual)


@pytest.mark.parametrize("case", CASES)
def test_errors_say_where_and_how(case: str, empty_home: Path) -> None:
    """arc2tf's own additions to every error: the file it is in and a hint (Architect gives neither)."""
    actual = inspect_json(CASES_DIR / case, empty_home)
    for error in actual["errors"]:
        assert error["file"], error
        assert error["hint"], error


# A few cases through the real command line, as compare.py runs it.
CLI_CASES = (
    "inv-http-valid-controls",
    "inv-function-config-global-alias",
    "inv-prefs-local",
    "inv-http-err-bad-method",
    "parser-err-missing-end-quote",
    "inv-max-verbatim",
)


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_inspect_json_matches_architect(case: str, empty_home: Path) -> None:
    folder = CASES_DIR / case
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    env = {**os.environ, "HOME": str(empty_home), "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "arc2tf", "inspect", "--json", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr
    actual = json.loads(proc.stdout)
    assert compare(expected, actual) is None, compare(expected, actual)
    if expected["errors"]:
        assert proc.returncode == 1
        assert ": error: " in proc.stderr  # compiler-style report on stderr as well
        assert all(actual[k] is None for k in actual if k != "errors")
    else:
        assert proc.returncode == 0, proc.stderr
