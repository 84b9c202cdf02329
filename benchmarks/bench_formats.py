"""How long arc2tf takes to read the same app from each manifest form Architect accepts.

`app.arc`, `arc.json`, `arc.yaml` and `package.json` (`"arc"` key) holding the same
10 to 3,000 HTTP routes, loaded with `manifest.load_project` (reading, parsing and
recording each item's file:line:column). Prints a markdown table of median times.

    python benchmarks/bench_formats.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from synthetic import http_routes  # benchmarks/ is on sys.path when run as a script

from arc2tf.manifest import load_project

SIZES = (10, 100, 1_000, 3_000)


def write_forms(root: Path, routes: int) -> dict[str, Path]:
    """One project dir per manifest form, all describing the same app."""
    pairs = [line.split(" ", 1) for line in http_routes(routes)]
    data = {"app": "benchapp", "http": pairs, "aws": {"region": "us-east-1"}}
    texts = {
        "app.arc": "@app\nbenchapp\n\n@aws\nregion us-east-1\n\n@http\n"
                   + "\n".join(f"{m} {p}" for m, p in pairs) + "\n",
        "arc.json": json.dumps(data, indent=2) + "\n",
        "arc.yaml": yaml.safe_dump(data, sort_keys=False),
        "package.json": json.dumps({"name": "benchapp", "arc": data}, indent=2) + "\n",
    }
    dirs = {}
    for name, text in texts.items():
        project = root / f"{routes}-{name}"
        project.mkdir()
        (project / name).write_text(text)
        dirs[name] = project
    return dirs


def median_ms(project: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        load_project(project)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per cell (median reported)")
    args = parser.parse_args()
    forms = ("app.arc", "arc.json", "arc.yaml", "package.json")
    print("| HTTP routes | " + " | ".join(f"`{f}`" for f in forms) + " |")
    print("|---:|" + "---:|" * len(forms))
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            dirs = write_forms(Path(tmp), size)
            cells = [f"{median_ms(dirs[f], args.runs):,.1f} ms" for f in forms]
            print(f"| {size:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
