"""Install a function's dependencies the way Architect's hydrate does, for Lambda.

* Python: `requirements.txt` in the function dir -> `pip install --target`, for
  the Lambda platform (manylinux wheels of the function's architecture and
  Python version, wheels only), so an arm64 function gets arm64 wheels whatever
  machine builds it. The tree goes under `vendor/` in the zip, where hydrate puts
  it (`pip3 install -r requirements.txt -t ./vendor`); Architect's Lambdas find
  it through `PYTHONPATH=/var/task/vendor:...`, which the Terraform must set.
* Node.js: `package.json` with `package-lock.json` (or `npm-shrinkwrap.json`)
  and no `node_modules` -> `npm ci --omit=dev` in a scratch copy of the
  manifests (never in the user's dir), for Linux and the function's CPU, as
  hydrate does when deploying. An existing `node_modules` is bundled as is.

Installed trees are cached by a key over everything that decides them
(manifests, runtime, architecture, format version), under the bundle dir's
`.arc2tf-cache/deps/<key>/`, so an unchanged manifest is never installed twice,
and functions with the same manifests share one install.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from arc2tf.errors import KIND_BUILD, ArcError

NODE_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")
_OTHER_NODE_LOCKFILES = ("yarn.lock", "pnpm-lock.yaml")
_OUTPUT_TAIL_LINES = 40


@dataclass(frozen=True)
class DepsSpec:
    """What to install for one function, and where it lands in the zip."""

    installer: str  # "pip" | "npm"
    key: str  # hex digest identifying the installed tree
    src_dir: Path  # the function dir (pip runs there, so relative paths in requirements resolve)
    manifests: tuple[str, ...]  # file names in src_dir that decide the install
    prefix: str  # where the tree goes in the zip: "vendor/" | "node_modules/"
    platform_args: tuple[str, ...]  # the Lambda-platform flags passed to the installer
    label: str  # what the progress line shows


class InstallFailed(Exception):
    def __init__(self, command: list[str], output: str):
        self.command = command
        self.output = output
        super().__init__(f"{command[0]} failed")


def python_version(runtime: str) -> str | None:
    m = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def pip_platforms(runtime: str, architecture: str) -> tuple[str, ...]:
    """manylinux tags Lambda can load for this runtime and architecture.

    manylinux2014 (glibc 2.17) runs on every Python runtime. Python 3.12 and
    later run on Amazon Linux 2023 (glibc 2.34), which also loads manylinux_2_28
    wheels; some projects publish only those now, and pip does not infer them
    from manylinux2014.
    """
    machine = "aarch64" if architecture == "arm64" else "x86_64"
    platforms = [f"manylinux2014_{machine}"]
    version = python_version(runtime)
    if version and tuple(int(p) for p in version.split(".")) >= (3, 12):
        platforms.append(f"manylinux_2_28_{machine}")
    return tuple(platforms)


def detect(runtime: str, architecture: str, src_dir: Path, format_version: int,
           owner: str) -> DepsSpec | ArcError | None:
    """The install a function needs, None when it needs none, or why it cannot be built."""
    if runtime.startswith("python"):
        req = src_dir / "requirements.txt"
        if not req.is_file():
            return None
        version = python_version(runtime)
        if version is None:
            return _error(f"{owner}: cannot tell the Python version of runtime {runtime!r}", req,
                          "use a Lambda runtime such as python3.12")
        platform_args: list[str] = []
        for p in pip_platforms(runtime, architecture):
            platform_args += ["--platform", p]
        platform_args += ["--python-version", version, "--implementation", "cp", "--only-binary=:all:"]
        manifests = ("requirements.txt",)
        key = _key("pip", runtime, architecture, format_version, src_dir, manifests,
                   extra=_included_requirement_files(req))
        first_platform = pip_platforms(runtime, architecture)[0]
        label = f"pip install -r requirements.txt ({first_platform}, Python {version})"
        return DepsSpec("pip", key, src_dir, manifests, "vendor/", tuple(platform_args), label)

    if runtime.startswith("nodejs"):
        pkg = src_dir / "package.json"
        if not pkg.is_file() or (src_dir / "node_modules").exists():
            return None  # nothing declared, or installed by the user: bundled as is
        lockfile = next((n for n in NODE_LOCKFILES if (src_dir / n).is_file()), None)
        if lockfile is None:
            try:
                declared = json.loads(pkg.read_text(encoding="utf-8")).get("dependencies") or {}
            except (OSError, ValueError, AttributeError) as exc:
                return _error(f"{owner}: cannot read package.json: {exc}", pkg)
            if not declared:
                return None
            other = next((n for n in _OTHER_NODE_LOCKFILES if (src_dir / n).is_file()), None)
            hint = ("arc2tf installs with `npm ci` from package-lock.json, so every build gets the same "
                    "versions: run `npm install` in that dir and commit package-lock.json, "
                    "or install node_modules there yourself (it is then bundled as is)")
            found = f" (found {other})" if other else ""
            return _error(f"{owner}: package.json declares dependencies but has no package-lock.json{found}",
                          pkg, hint)
        cpu = "arm64" if architecture == "arm64" else "x64"
        manifests = tuple(n for n in ("package.json", lockfile, ".npmrc") if (src_dir / n).is_file())
        key = _key("npm", runtime, architecture, format_version, src_dir, manifests)
        label = f"npm ci --omit=dev (linux {cpu})"
        platform = ("--os", "linux", "--cpu", cpu)
        return DepsSpec("npm", key, src_dir, manifests, "node_modules/", platform, label)

    return None


def installed_tree(spec: DepsSpec, cache_dir: Path) -> Path | None:
    """The cached tree for `spec`, if it was installed before."""
    tree = cache_dir / spec.key / "tree"
    return tree if tree.is_dir() else None


def install(spec: DepsSpec, cache_dir: Path) -> tuple[Path, list[str]]:
    """Install `spec` into the cache (atomically) and return (tree dir, command run).

    Raises InstallFailed with the installer's output.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    final = cache_dir / spec.key
    work = Path(tempfile.mkdtemp(prefix=f".tmp-{spec.key[:16]}-", dir=cache_dir))
    try:
        tree = work / "tree"
        if spec.installer == "pip":
            command = [*_pip(), "install", "--requirement", str(spec.src_dir / "requirements.txt"),
                       "--target", str(tree), *spec.platform_args, "--no-compile",
                       "--disable-pip-version-check", "--no-input", "--progress-bar", "off"]
            _run(command, cwd=spec.src_dir)
            tree.mkdir(exist_ok=True)  # pip creates no target for a requirements file with none in it
            _drop_console_scripts(tree)
        else:
            scratch = work / "scratch"
            scratch.mkdir()
            for name in spec.manifests:
                shutil.copyfile(spec.src_dir / name, scratch / name)
            npm = shutil.which("npm")
            if npm is None:
                raise InstallFailed(["npm"], "npm was not found on PATH")
            command = [npm, "ci", "--omit=dev", *spec.platform_args, "--no-audit", "--no-fund",
                       "--no-update-notifier", "--loglevel=warn"]
            _run(command, cwd=scratch)
            modules = scratch / "node_modules"
            if modules.is_dir():
                # npm's hidden lockfile records paths relative to where it ran (the scratch dir),
                # so it would differ by machine; npm rebuilds it when missing, Lambda never reads it.
                (modules / ".package-lock.json").unlink(missing_ok=True)
                modules.rename(tree)
            else:
                tree.mkdir()  # a lockfile with no production dependencies
        (work / "meta.json").write_text(json.dumps({"command": command}, indent=2) + "\n")
        shutil.rmtree(work / "scratch", ignore_errors=True)
        try:
            os.rename(work, final)
        except OSError:
            if not (final / "tree").is_dir():  # not a concurrent build that got there first
                raise
        return final / "tree", command
    finally:
        shutil.rmtree(work, ignore_errors=True)


def recorded_command(spec: DepsSpec, cache_dir: Path) -> list[str] | None:
    try:
        return json.loads((cache_dir / spec.key / "meta.json").read_text())["command"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def failure_error(owner: str, spec: DepsSpec, exc: InstallFailed) -> ArcError:
    lines = exc.output.rstrip().splitlines()
    tail = lines[-_OUTPUT_TAIL_LINES:]
    shown = ("  ...\n" if len(lines) > len(tail) else "") + "\n".join("  | " + ln for ln in tail)
    if spec.installer == "pip":
        manifest = spec.src_dir / "requirements.txt"
        platforms = " or ".join(p for p in spec.platform_args if p.startswith("manylinux"))
        hint = (f"check the requirements; Lambda needs wheels for {platforms} (pure-Python wheels work "
                "everywhere, sdists are not built); the previous bundle was kept")
    else:
        manifest = spec.src_dir / next(n for n in spec.manifests if n in NODE_LOCKFILES)
        hint = "run `npm ci --omit=dev` in that dir to see the problem; the previous bundle was kept"
    message = f"{owner}: installing dependencies failed: {' '.join(exc.command)}\n{shown}"
    return _error(message, manifest, hint)


def _pip() -> list[str]:
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    found = shutil.which("pip3") or shutil.which("pip")
    if found is None:
        raise InstallFailed(["pip"], "pip was not found (neither `python -m pip` nor pip3 on PATH)")
    return [found]


def _run(command: list[str], cwd: Path) -> None:
    env = dict(os.environ)
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    try:
        proc = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as exc:
        raise InstallFailed(command, str(exc)) from exc
    if proc.returncode != 0:
        raise InstallFailed(command, proc.stdout or f"exit status {proc.returncode}, no output")


def _drop_console_scripts(tree: Path) -> None:
    """Remove `bin/` (console scripts) and its lines in RECORD files.

    pip writes the building machine's Python path into each script's shebang;
    Lambda never runs them, and keeping them would make bundles differ by machine.
    """
    bin_dir = tree / "bin"
    if not bin_dir.is_dir():
        return
    shutil.rmtree(bin_dir)
    for record in sorted(tree.glob("*.dist-info/RECORD")):
        lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [ln for ln in lines if not re.match(r"(\.\./)+bin/|bin/", ln)]
        if kept != lines:
            record.write_text("".join(kept), encoding="utf-8")


def _key(installer: str, runtime: str, architecture: str, format_version: int, src_dir: Path,
         manifests: tuple[str, ...], extra: tuple[Path, ...] = ()) -> str:
    h = hashlib.sha256()
    h.update(f"arc2tf-deps {format_version}\n{installer}\n{runtime}\n{architecture}\n".encode())
    # Named relative to the function dir: the key is part of the input hash in the state file,
    # which must not depend on where the project is checked out.
    named = [(n, src_dir / n) for n in manifests]
    named += [(os.path.relpath(p, src_dir.resolve()), p) for p in extra]
    for name, path in named:
        data = path.read_bytes() if path.is_file() else b""
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


_INCLUDE = re.compile(r"^\s*(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)(\S+)")


def _included_requirement_files(requirements: Path) -> tuple[Path, ...]:
    """Files a requirements file pulls in with -r / -c (recursively): they decide the install
    too, so they are part of its cache key, wherever they are."""
    found: list[Path] = []
    todo = [requirements]
    while todo:
        current = todo.pop()
        try:
            lines = current.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            m = _INCLUDE.match(line)
            if m and "://" not in m.group(1):
                path = (current.parent / m.group(1)).resolve()
                if path not in found and path != requirements.resolve():
                    found.append(path)
                    todo.append(path)
    return tuple(sorted(found))


def _error(message: str, path: Path, hint: str | None = None) -> ArcError:
    from arc2tf.bundle.sources import display_path

    return ArcError(kind=KIND_BUILD, message=message, file=display_path(path), hint=hint)
