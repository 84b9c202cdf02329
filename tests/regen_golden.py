"""Regenerate the emitter's golden files: `python -m tests.regen_golden`.

Writes `tests/golden/terraform/<case>/` for every case of `golden_cases()`
(the example apps through the real pipeline, plus synthetic IRs for features
the examples lack), removing files no longer generated. Review the diff with
`git diff tests/golden` before committing it.

Each root's generated `.gitignore` lists `arc2tf-env.auto.tfvars.json`, so git
ignores the golden copies of that file too: add a new case's with `git add -f`
(files already tracked stay tracked).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from arc2tf.emit import EmitOptions, render_terraform
from arc2tf.ir import App
from tests.ir_fixtures import REPO, synthetic_apps

GOLDEN_DIR = Path(__file__).resolve().parent / "golden" / "terraform"
EXAMPLES = REPO / "examples"
# Test projects for pragmas the examples lack (@tables, @scheduled, @events, @queues, ...).
PROJECTS = Path(__file__).resolve().parent / "projects"


def _example(name: str, base: Path = EXAMPLES) -> Callable[[], App]:
    def load() -> App:
        from arc2tf.normalize import load_app

        return load_app(base / name)

    return load


def golden_cases() -> dict[str, Callable[[], App]]:
    """Case name -> a function building its IR (examples are loaded, synthetic ones built)."""
    cases: dict[str, Callable[[], App]] = {
        f"example-{d.name}": _example(d.name) for d in sorted(EXAMPLES.iterdir()) if d.is_dir()
    }
    for d in sorted(PROJECTS.iterdir()):
        if d.is_dir():
            cases[f"project-{d.name}"] = _example(d.name, PROJECTS)
    for name, app in synthetic_apps().items():
        cases[name] = lambda app=app: app
    return cases


def render_case(name: str) -> dict[str, str]:
    return render_terraform(golden_cases()[name](), EmitOptions())


def main() -> int:
    if GOLDEN_DIR.exists():
        shutil.rmtree(GOLDEN_DIR)
    for name in golden_cases():
        for rel, text in render_case(name).items():
            path = GOLDEN_DIR / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        print(f"wrote {GOLDEN_DIR.relative_to(REPO) / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
