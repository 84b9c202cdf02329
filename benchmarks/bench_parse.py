"""How long arc2tf takes to parse a manifest, by app size (and to normalize it, when it can).

Synthetic manifests of 10 to 3,000 HTTP routes: static paths, :params and
catchalls over the eight methods, one WebSocket action per ten routes, one
@tables map per fifty routes (keys, a key holding a list), @aws settings with a
layers vector, @static settings. For each size it times `parse_arc` on the text,
`load_project` on a temp project dir (read + parse), and `normalize.load_app`
(read + parse + normalize) when arc2tf.normalize provides it. Prints a markdown
table of medians: wall-clock, and CPU time (the shared machine's load makes wall
time alone misleading).

    python benchmarks/bench_parse.py [--runs 15]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import tempfile
import time
import timeit
from collections.abc import Callable
from functools import partial
from pathlib import Path

from synthetic import http_routes  # benchmarks/ is on sys.path when run as a script

from arc2tf.manifest import load_project
from arc2tf.parse import parse_arc

SIZES = (10, 100, 1_000, 3_000)


def manifest(routes: int) -> str:
    lines = [
        "# synthetic benchmark app",
        "@app",
        "benchapp",
        "",
        "@aws",
        "region us-east-1",
        "runtime nodejs22.x # the default",
        "memory 512",
        "layers",
        "  arn:aws:lambda:us-east-1:123456789012:layer:one:1",
        "  arn:aws:lambda:us-east-1:123456789012:layer:two:3",
        "",
        "@static",
        "folder public",
        "spa true",
        "",
        "@http",
    ]
    lines += http_routes(routes)
    lines += ["", "@ws"] + [f"action{i}" for i in range(max(1, routes // 10))]
    lines += ["", "@tables"]
    for i in range(max(1, routes // 50)):
        lines += [f"table{i}", "  pk *String", "  sk **Number", "  stream true", f"  tags a{i} b{i} c{i}"]
    return "\n".join(lines) + "\n"


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of `runs` calls (after one warm-up call)."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per size (median reported)")
    args = parser.parse_args()
    try:
        load_app = importlib.import_module("arc2tf.normalize").load_app
    except (ImportError, AttributeError):
        load_app = None

    header = ["routes", "lines", "KiB", "parse_arc ms (wall / cpu)", "load_project ms (wall / cpu)"]
    if load_app:
        header.append("load_app = parse + normalize ms (wall / cpu)")
    rows = []
    for routes in SIZES:
        text = manifest(routes)
        with tempfile.TemporaryDirectory() as folder:
            project = Path(folder)
            (project / "app.arc").write_text(text, encoding="utf-8")
            home = project / "home"
            row = [f"{routes:,}", f"{text.count(chr(10)):,}", f"{len(text.encode()) / 1024:.0f}"]
            calls: list[Callable[[], object]] = [
                partial(parse_arc, text, "app.arc"),
                partial(load_project, project, home=home),
            ]
            if load_app:
                calls.append(partial(load_app, project, home=home))
            for fn in calls:
                wall, cpu = timed(fn, args.runs)
                row.append(f"{wall * 1000:.1f} / {cpu * 1000:.1f}")
        rows.append(row)

    calibration = min(timeit.repeat("sum(x)", "x = list(range(1000))", number=1000, repeat=5)) * 1000
    print(f"median of {args.runs} runs; this machine now: sum(range(1000)) = {calibration:.1f} µs\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
