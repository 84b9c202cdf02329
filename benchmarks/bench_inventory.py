"""How long arc2tf takes to read an app: parse + normalize (`normalize.load_app`), by app size.

Synthetic apps of 10 to 3,000 HTTP routes (a mix of static paths, :params and
catchalls over the eight methods) plus WebSocket actions, written to a temp dir,
first without handler dirs, then with one `index.mjs` per function (arc2tf lists
each handler dir once, for `config.arc` and the handler file). Prints a markdown
table of median and best wall-clock times.

    python benchmarks/bench_inventory.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from synthetic import http_routes  # benchmarks/ is on sys.path when run as a script

from arc2tf.manifest import load_project
from arc2tf.normalize import load_app, normalize

SIZES = (10, 100, 1_000, 3_000)
CLOCK = time.perf_counter  # --cpu: time.process_time (this process's CPU time, steadier on a busy machine)


def manifest(routes: int, ws_actions: int) -> str:
    lines = ["@app", "benchapp", "", "@aws", "region us-east-1", "memory 512", "", "@http"]
    lines += http_routes(routes)
    lines += ["", "@ws"] + [f"action{i}" for i in range(ws_actions)]
    lines += ["", "@static", "folder public", ""]
    return "\n".join(lines)


def time_it(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = CLOCK()
        fn()
        times.append(CLOCK() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per size (median reported)")
    parser.add_argument("--cpu", action="store_true", help="measure CPU time of this process, not wall time")
    args = parser.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        for size in SIZES:
            project = Path(tmp) / f"app{size}"
            project.mkdir()
            (project / "app.arc").write_text(manifest(size, max(1, size // 100)), encoding="utf-8")
            app = load_app(project, home=home)  # warm-up: grammar loaded, caches built
            assert len(app.http or ()) == size
            total = time_it(lambda p=project: load_app(p, home=home), args.runs)
            parsed = load_project(project, home=home)
            norm = time_it(lambda p=parsed: normalize(p), args.runs)
            for fn in app.functions:
                (project / fn.src).mkdir(parents=True, exist_ok=True)
                (project / fn.src / "index.mjs").write_text("export const handler = async () => ({})\n")
            with_dirs = time_it(lambda p=project: load_app(p, home=home), args.runs)
            rows.append((size, len(app.functions), total, norm, with_dirs))
    print(
        "| HTTP routes | functions | parse + normalize | normalize alone | parse + normalize, handler dirs |"
    )
    print("|---:|---:|---:|---:|---:|")
    for size, functions, total, norm, with_dirs in rows:
        cells = [
            f"{statistics.median(t) * 1000:.1f} ms (best {min(t) * 1000:.1f})"
            for t in (total, norm, with_dirs)
        ]
        print(f"| {size:,} | {functions:,} | " + " | ".join(cells) + " |")
    clock = "CPU" if args.cpu else "wall-clock"
    print(f"\n{clock} time, median of {args.runs} runs (best in brackets), Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
