"""`arc2tf init`: creates a runnable app, fills gaps, never overwrites, is idempotent.

Through the real entry point; the handlers it writes are run (Node with `node`,
Python in-process, the WebSocket echo against moto's management API).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ARC2TF = [sys.executable, "-m", "arc2tf"]
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not on PATH")


def arc2tf(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([*ARC2TF, *args], cwd=cwd, capture_output=True, text=True, env=env)


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


NODE_FILES = [
    "app.arc",
    "src/http/get-index/index.mjs",
    "src/ws/connect/index.mjs",
    "src/ws/default/index.mjs",
    "src/ws/disconnect/index.mjs",
    "public/index.mjs",
]


def test_init_creates_the_echo_app_then_nothing(tmp_path):
    result = arc2tf("init", "My Echo_App", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "My Echo_App"
    assert result.stdout.splitlines() == [
        *(f"created My Echo_App/{rel}" for rel in sorted(NODE_FILES, key=NODE_FILES.index)),
        "next: arc2tf build My Echo_App",
    ]
    assert sorted(snapshot(project)) == sorted(NODE_FILES)
    assert (project / "app.arc").read_text() == "@app\nmy-echo-app\n\n@http\nget /\n\n@ws\n\n@static\n"
    before = snapshot(project)

    again = arc2tf("init", cwd=project)
    assert again.returncode == 0, again.stderr
    assert again.stdout == ".: nothing to create, every handler exists\n"
    assert snapshot(project) == before  # bytes and mtimes


def test_init_fills_only_what_is_missing_and_never_overwrites(tmp_path):
    manifest = "@app\nshop\n\n@http\nget /\nget /items/:id\npost /items\n\n@ws\njoin\n"
    (tmp_path / "app.arc").write_text(manifest)
    mine = tmp_path / "src/http/get-index/index.mjs"
    mine.parent.mkdir(parents=True)
    mine.write_text("export const handler = async () => ({ statusCode: 204 })\n")
    other = tmp_path / "src/http/post-items/index.js"  # a handler in another file name: the dir is the user's
    other.parent.mkdir(parents=True)
    other.write_text("exports.handler = async () => ({ statusCode: 201 })\n")

    result = arc2tf("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    created = [line.removeprefix("created ") for line in lines if line.startswith("created")]
    assert created == [
        "src/http/get-items-000id/index.mjs",
        "src/ws/connect/index.mjs",
        "src/ws/default/index.mjs",
        "src/ws/disconnect/index.mjs",
        "src/ws/join/index.mjs",
        "public/index.mjs",
    ]
    assert mine.read_text() == "export const handler = async () => ({ statusCode: 204 })\n"
    assert sorted(p.name for p in other.parent.iterdir()) == ["index.js"]
    assert (tmp_path / "app.arc").read_text().startswith("@app\nshop\n")


def test_init_reports_a_broken_manifest_like_build_does(tmp_path):
    (tmp_path / "app.arc").write_text("@app\nbad\n\n@http\nfetch /\n")
    result = arc2tf("init", cwd=tmp_path)
    assert result.returncode == 1
    assert "app.arc:5" in result.stderr and "error" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.arc"]


def test_init_bad_runtime_is_bad_usage(tmp_path):
    result = arc2tf("init", "--runtime", "cobol", cwd=tmp_path)
    assert result.returncode == 2
    assert "Invalid value for '--runtime'" in result.stderr
    assert not list(tmp_path.iterdir())


@needs_node
def test_node_handlers_run(tmp_path):
    assert arc2tf("init", cwd=tmp_path).returncode == 0
    for rel in NODE_FILES[1:]:
        check = subprocess.run([NODE, "--check", str(tmp_path / rel)], capture_output=True, text=True)
        assert check.returncode == 0, (rel, check.stderr)
    # Run the HTTP and $connect handlers as Lambda would call them.
    script = """
const [page, connect] = await Promise.all(process.argv.slice(1, 3).map(p => import(p)))
const res = await page.handler({ rawPath: '/' })
const con = await connect.handler({ requestContext: { connectionId: 'c1' } })
console.log(JSON.stringify({ res, con }))
"""
    env = {**os.environ, "ARC_WSS_URL": "wss://abc.execute-api.us-west-2.amazonaws.com/staging"}
    run = subprocess.run(
        [NODE, "--input-type=module", "-e", script,
         str(tmp_path / "src/http/get-index/index.mjs"), str(tmp_path / "src/ws/connect/index.mjs")],
        capture_output=True, text=True, env=env, check=True,
    )
    out = json.loads(run.stdout.splitlines()[-1])
    assert out["con"] == {"statusCode": 200}
    assert out["res"]["statusCode"] == 200
    assert out["res"]["headers"]["content-type"].startswith("text/html")
    body = out["res"]["body"]
    assert body.startswith("<!doctype html>")
    assert 'window.WS_URL = "wss://abc.execute-api.us-west-2.amazonaws.com/staging"' in body
    assert '<script type="module" src="/_static/index.mjs">' in body


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"handler_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_python_handlers_run(tmp_path, monkeypatch):
    from moto import mock_aws
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

    result = arc2tf("init", "--runtime", "python3.12", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "app.arc").read_text().endswith("\n@aws\nruntime python3.12\n")

    from arc2tf.normalize import load_app

    app = load_app(tmp_path)
    files = {}
    for fn in app.functions:
        assert fn.config.runtime == "python3.12"
        module = fn.config.handler.rsplit(".", 1)[0]
        path = tmp_path / fn.src / f"{module}.py"
        assert path.is_file(), f"{fn.name}: no {path}"
        files[fn.route] = (path, fn.config.handler.rsplit(".", 1)[1])
        compile(path.read_text(), str(path), "exec")

    monkeypatch.setenv("ARC_WSS_URL", "wss://abc123.execute-api.us-west-2.amazonaws.com/staging")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    page_path, page_fn = files["get /"]
    res = getattr(_load(page_path), page_fn)({"rawPath": "/"}, None)
    assert res["statusCode"] == 200 and res["body"].startswith("<!doctype html>")
    assert 'window.WS_URL = "wss://abc123.execute-api.us-west-2.amazonaws.com/staging"' in res["body"]

    for route in ("connect", "disconnect"):
        path, name = files[route]
        event = {"requestContext": {"connectionId": "c1"}}
        assert getattr(_load(path), name)(event, None) == {"statusCode": 200}

    with mock_aws():
        path, name = files["default"]
        event = {"requestContext": {"connectionId": "conn-1"}, "body": json.dumps({"text": "hi"})}
        assert getattr(_load(path), name)(event, None) == {"statusCode": 200}
        from moto.core import DEFAULT_ACCOUNT_ID

        sent = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID]["us-west-2"].connections["conn-1"].data
        assert json.loads(sent)["echo"] == {"text": "hi"}


EVENT_APP = """@app
evapp

@scheduled
daily rate(1 day)

@events
signup

@queues
jobs

@tables
notes
  id *String

@tables-streams
notes
"""

# One event per kind, shaped as its AWS source sends it (trimmed to what identifies it).
KIND_EVENTS = {
    "scheduled": {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
    "events": {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "{\"hi\":1}"}}]},
    "queues": {"Records": [{"eventSource": "aws:sqs", "body": "{\"hi\":1}"}]},
    "tables-streams": {"Records": [{"eventSource": "aws:dynamodb", "eventName": "INSERT"}]},
}


@pytest.mark.parametrize("runtime", ["nodejs22.x", "python3.12"])
def test_event_function_handlers_run(tmp_path, runtime):
    """@scheduled, @events, @queues and @tables-streams functions get a handler of their own
    (not the WebSocket echo), which logs the event it is called with and returns."""
    from arc2tf.normalize import load_app

    (tmp_path / "app.arc").write_text(EVENT_APP + f"\n@aws\nruntime {runtime}\n")
    result = arc2tf("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    app = load_app(tmp_path)
    assert sorted(fn.kind for fn in app.functions) == sorted(KIND_EVENTS)
    for fn in app.functions:
        event = KIND_EVENTS[fn.kind]
        ext = ".mjs" if runtime.startswith("nodejs") else ".py"
        path = tmp_path / fn.src / (fn.config.handler.rsplit(".", 1)[0] + ext)
        source = path.read_text()
        assert source.splitlines()[0].lstrip('/"# ').startswith(f"@{fn.kind} {fn.route}:"), source
        assert "post_to_connection" not in source and "PostToConnection" not in source
        if ext == ".mjs":
            if NODE is None:
                pytest.skip("node is not on PATH")
            script = ("const m = await import(process.argv[1]);"
                      "const r = await m.handler(JSON.parse(process.argv[2]));"
                      "console.log(JSON.stringify({ returned: r === undefined ? null : r }))")
            run = subprocess.run([NODE, "--input-type=module", "-e", script, str(path), json.dumps(event)],
                                 capture_output=True, text=True, check=True)
            logged, returned = run.stdout.splitlines()
            assert json.loads(returned) == {"returned": None}
        else:
            import contextlib
            import io

            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                assert _load(path).handler(event, None) is None
            logged = printed.getvalue().strip()
        assert json.loads(logged) == event, fn.name
