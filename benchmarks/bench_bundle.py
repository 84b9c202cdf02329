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
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from arc2tf import ir
from arc2tf.bundle import bundle_functions

_WORDS = ("const let return async await export import function request response handler status "
          "body headers json error value table item user session token route query params").split()


def _text(rng: random.Random, size: int) -> bytes:
    out: list[str] = []
    n = 0
    while n < size:
        line = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 12))) + f" {rng.randint(0, 99999)};\n"
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
        subprocess.run(["zip", "-rqX", str(out / f"{f.name}.zip"), "."], cwd=app.project_dir / f.src, check=True)
    return time.perf_counter() - start


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
            root = base / f"app-{count}"
            app = make_project(root, count)
            files = sum(1 for p in (root / "src").rglob("*") if p.is_file())
            mb = sum(p.stat().st_size for p in (root / "src").rglob("*") if p.is_file()) / 1e6

            zip_rx = None
            if has_zip:
                zip_rx = min(time_zip_rx(app, base / f"zip-{count}-{r}") for r in range(args.repeat))
            cold1 = min(timed(lambda r=r: bundle_functions(app, base / f"one-{count}-{r}", jobs=1, quiet=True))
                        for r in range(args.repeat))
            colds = []
            for r in range(args.repeat):
                colds.append(timed(lambda r=r: bundle_functions(app, base / f"b-{count}-{r}", quiet=True)))
            cold = min(colds)
            bundle_dir = base / f"b-{count}-0"
            warm = min(timed(lambda: bundle_functions(app, bundle_dir, quiet=True)) for _ in range(args.repeat))
            handler = root / "src/http/get-item-0000/index.mjs"
            handler.write_bytes(handler.read_bytes() + b"// edited\n")
            edit = timed(lambda: bundle_functions(app, bundle_dir, quiet=True))
            rows.append((count, files, mb, zip_rx, cold1, cold, warm, edit))
            print(f"  {count} functions done", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)

    print(f"Bundling synthetic apps ({cores} cores, Python {sys.version.split()[0]}; best of {args.repeat}; "
          "seconds)\n")
    print("| functions | files | MB in | `zip -rX` | arc2tf cold, 1 job | arc2tf cold, all cores "
          "| cold vs zip | warm (no change) | warm / cold | edit one |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count, files, mb, zip_rx, cold1, cold, warm, edit in rows:
        zip_col = f"{zip_rx:.2f}" if zip_rx is not None else "n/a"
        ratio = f"{cold / zip_rx:.2f}x" if zip_rx else "n/a"
        print(f"| {count} | {files} | {mb:.1f} | {zip_col} | {cold1:.2f} | {cold:.2f} | {ratio} | {warm:.3f} "
              f"| {warm / cold:.3f} | {edit:.3f} |")


if __name__ == "__main__":
    main()
