"""Time bundling 10, 100 and 500 synthetic functions: cold, warm (no change), and `zip -rX`.

    python benchmarks/bench_bundle.py [--sizes 10,100,500] [--repeat 2] [--keep DIR]

Each function has a handler, a helper module, a JSON data file and (one in ten) a
1 MB asset: a few files each, some bigger, all compressible like real code and
data. `zip -rX` zips the same dirs, one archive per function as a deploy would,
in the same run. "cold" is a fresh bundle dir (no zips, no cache); "warm" is a
second build with nothing changed; "edit one" changes one handler and rebuilds.
Times are the best of --repeat runs, in seconds. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from arc2tf import ir
from arc2tf.bundle import build as bundle_build
from arc2tf.bundle import bundle_functions

_WORDS = ("const let return async await export import function request response handler status "
          "body headers json error value table item user session token route query params").split()


def _text(rng: random.Random, size: int) -> bytes:
    out: list[str] = []
    n = 0
    while n < size:
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 12)))
        line = f"{words} {rng.randint(0, 99999)};\n"
        out.append(line)
        n += len(line)
    return "".join(out).encode()[:size]


def make_project(root: Path, count: int) -> ir.App:
    rng = random.Random(count)
    functions = []
    for i in range(count):
        name = f"get-item-{i:04d}"
        d = root / "src" / "http" / name
        (d / "lib").mkdir(parents=True)
        (d / "index.mjs").write_bytes(_text(rng, 1_000))
        (d / "lib" / "helpers.mjs").write_bytes(_text(rng, 4_000))
        (d / "data.json").write_bytes(_text(rng, 20_000))
        if i % 10 == 0:
            (d / "asset.bin").write_bytes(_text(rng, 1_000_000))
        config = ir.FunctionConfig(runtime="nodejs22.x", memory=1024, timeout=5, architecture="arm64",
                                   concurrency=None, storage=512)
        functions.append(ir.Function(name=name, kind="http", src=f"src/http/{name}", config=config,
                                     route=f"get /item-{i:04d}"))
    return ir.App(name="bench", project_dir=root.absolute(), manifest="app.arc", http=None, ws=None,
                  static=None, static_disabled=False, asap=False, root_handler=None, aws=ir.AwsSettings(),
                  env=None, functions=tuple(functions), pragmas={}, uncompiled=())


def time_zip_rx(app: ir.App, out: Path) -> float:
    out.mkdir(parents=True)
    start = time.perf_counter()
    for f in app.functions:
        subprocess.run(["zip", "-rqX", str(out / f"{f.name}.zip"), "."], cwd=app.project_dir / f.src,
                       check=True)
    return time.perf_counter() - start


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def timed_cpu(action) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its children): CPU time shows the work
    done even when other jobs share the machine's cores."""
    cpu, start = _cpu(), time.perf_counter()
    action()
    return time.perf_counter() - start, _cpu() - cpu


def _best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(runs)


def bench_one(base: Path, count: int, repeat: int, has_zip: bool) -> tuple:
    root = base / f"app-{count}"
    app = make_project(root, count)
    sources = [p for p in (root / "src").rglob("*") if p.is_file()]
    mb = sum(p.stat().st_size for p in sources) / 1e6

    zip_rx = None
    if has_zip:
        zip_rx = _best([timed_cpu(lambda r=r: time_zip_rx(app, base / f"zip-{count}-{r}"))
                        for r in range(repeat)])

    def cold(tag: str, jobs: int | None, executor: str) -> tuple[float, float]:
        bundle_build.ZIP_EXECUTOR = executor
        try:
            return _best([timed_cpu(lambda r=r: bundle_functions(app, base / f"{tag}-{count}-{r}", jobs=jobs,
                                                                 quiet=True))
                          for r in range(repeat)])
        finally:
            bundle_build.ZIP_EXECUTOR = "thread"

    cold1 = cold("one", 1, "thread")
    cold_proc = cold("proc", None, "process")
    cold_all = cold("b", None, "thread")
    bundle_dir = base / f"b-{count}-0"
    warm = min(timed(lambda: bundle_functions(app, bundle_dir, quiet=True)) for _ in range(repeat))
    handler = root / "src/http/get-item-0000/index.mjs"
    handler.write_bytes(handler.read_bytes() + b"// edited\n")
    edit = timed(lambda: bundle_functions(app, bundle_dir, quiet=True))
    return (count, len(sources), mb, zip_rx, cold1, cold_proc, cold_all, warm, edit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,500")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build here and keep the files (default: a temp dir)")
    args = parser.parse_args()
    has_zip = shutil.which("zip") is not None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    rows = []
    base = args.keep or Path(tempfile.mkdtemp(prefix="arc2tf-bench-"))
    try:
        for count in (int(s) for s in args.sizes.split(",")):
            rows.append(bench_one(base, count, args.repeat, has_zip))
            print(f"  {count} functions done", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Bundling synthetic apps ({cores} cores, load average {load:.1f} at the end, Python "
          f"{sys.version.split()[0]}; best of {args.repeat})\n")
    print("Wall seconds, CPU seconds (this process and its children) in parentheses.\n")
    print("| functions | files | MB in | `zip -rX` | arc2tf cold, 1 thread | cold, processes "
          "| cold, threads (default) | cold vs zip | warm (no change) | warm / cold | edit one |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def cell(t: tuple[float, float] | None) -> str:
        return "n/a" if t is None else f"{t[0]:.2f} ({t[1]:.2f})"

    for count, files, mb, zip_rx, cold1, cold_proc, cold_all, warm, edit in rows:
        ratio = f"{cold_all[0] / zip_rx[0]:.2f}x" if zip_rx else "n/a"
        print(f"| {count} | {files} | {mb:.1f} | {cell(zip_rx)} | {cell(cold1)} | {cell(cold_proc)} "
              f"| {cell(cold_all)} | {ratio} | {warm:.3f} | {warm / cold_all[0]:.3f} | {edit:.3f} |")


if __name__ == "__main__":
    main()
