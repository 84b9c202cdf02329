"""End to end: how long `arc2tf build --no-bundle` and `build --check` take, by app size.

Synthetic apps of 10 to 3,000 HTTP routes (the generator of bench_inventory.py)
plus WebSocket actions. For each size, in this process: read (parse +
normalize), render the Terraform, write the tree (first build, then a no-change
rebuild), and compare it (`--check`); then the same first build through the
real CLI in a fresh interpreter, which adds Python start-up and imports.

    python benchmarks/bench_build.py [--runs 5] [--sizes 10,100,1000,3000]

Prints a markdown table of median wall-clock times.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_inventory import manifest  # noqa: E402

from arc2tf.emit import CREATE_ONCE_FILES, EmitOptions, render_terraform  # noqa: E402
from arc2tf.normalize import load_app  # noqa: E402
from arc2tf.output import check_tree, write_tree  # noqa: E402


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:,.0f} ms"


def measure(size: int, project: Path, home: Path, runs: int) -> str:
    """One table row: each stage of a build of `project`, `runs` times."""
    # Warm-up: the grammar and the compiled templates load once per process.
    render_terraform(load_app(project, home=home), EmitOptions())
    out = project / "terraform"
    once = CREATE_ONCE_FILES
    cli = [sys.executable, "-m", "arc2tf", "build", "--no-bundle", "-q", str(project)]
    cli_env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    reads, renders, firsts, rebuilds, checks, clis = [], [], [], [], [], []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        t, app = timed(lambda: load_app(project, home=home))
        reads.append(t)
        t, files = timed(lambda a=app: render_terraform(a, EmitOptions()))
        renders.append(t)
        t, _ = timed(lambda f=files: write_tree(out, f, create_once=once))
        firsts.append(t)
        t, _ = timed(lambda f=files: write_tree(out, f, create_once=once))
        rebuilds.append(t)
        t, drift = timed(lambda f=files: check_tree(out, f, create_once=once))
        checks.append(t)
        assert drift.clean, drift.summary()
        shutil.rmtree(out)
        t, proc = timed(lambda: subprocess.run(cli, capture_output=True, text=True, env=cli_env))
        assert proc.returncode == 0, proc.stderr
        clis.append(t)
    size_kb = sum(len(v) for v in files.values()) / 1024
    cells = [f"{size:,}", str(len(files)), f"{size_kb:,.0f} KB",
             *(ms(t) for t in (reads, renders, firsts, rebuilds, checks, clis))]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10,100,1000,3000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print("| HTTP routes | files | output | read | render | write (first) | write (no change) "
          "| check | CLI build --no-bundle |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        for size in sizes:
            project = Path(tmp) / f"app{size}"
            project.mkdir()
            (project / "app.arc").write_text(manifest(size, max(1, size // 100)), encoding="utf-8")
            (project / "public").mkdir()
            print(measure(size, project, home, args.runs))
    print(f"\nmedian of {args.runs} runs, wall clock, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
