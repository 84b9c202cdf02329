"""Helpers for the bundle tests: a hand-built `ir.App` over a project dir, and tiny packages.

(Named test_bundle_* so it sits with the tests it serves; it holds no tests.)
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile
from pathlib import Path

from arc2tf import ir


def fn(name: str, src: str, runtime: str = "nodejs22.x", architecture: str = "arm64",
       kind: str = "http", route: str | None = None) -> ir.Function:
    config = ir.FunctionConfig(runtime=runtime, memory=1024, timeout=5, architecture=architecture,
                               concurrency=None, storage=512)
    return ir.Function(name=name, kind=kind, src=src, config=config,
                       route=route or ("get /" + name if kind == "http" else name))


def make_app(project: Path, functions: list[ir.Function], pragmas: dict | None = None,
             static: ir.StaticSite | None = None) -> ir.App:
    http = tuple(
        ir.HttpRoute(method=f.route.split()[0], path=f.route.split()[1], name=f.route, lambda_name=f.name,
                     src=f.src, function=f.name, route_key=f.route.upper(), arn_path="*")
        for f in functions if f.kind == "http"
    )
    ws = tuple(ir.WsRoute(name=f.route, route_key=f.route, src=f.src, function=f.name)
               for f in functions if f.kind == "ws")
    return ir.App(
        name="testapp", project_dir=project.absolute(), manifest="app.arc",
        http=http or None, ws=ws or None, static=static, static_disabled=False, asap=False,
        root_handler=None, aws=ir.AwsSettings(), env=None,
        functions=tuple(sorted(functions, key=lambda f: f.name)),
        pragmas=pragmas or {}, uncompiled=(),
    )


def write(path: Path, text: str | bytes, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    os.chmod(path, mode)
    return path


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def zip_read(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def b64sha256(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def make_wheel(dest_dir: Path, name: str, version: str, tag: str = "py3-none-any",
               module_source: str = "VALUE = 1\n") -> Path:
    """A minimal valid wheel, written by hand (no build tools, no network)."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": module_source.encode(),
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": (f"Wheel-Version: 1.0\nGenerator: arc2tf-tests\nRoot-Is-Purelib: "
                          f"{'true' if tag.endswith('any') else 'false'}\nTag: {tag}\n").encode(),
    }
    record_lines = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record_lines.append(f"{path},sha256={digest},{len(data)}")
    record_lines.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    dest_dir.mkdir(parents=True, exist_ok=True)
    wheel = dest_dir / f"{name}-{version}-{tag}.whl"
    wheel.write_bytes(buf.getvalue())
    return wheel
