"""`arc2tf init`: a runnable project from nothing, or the missing pieces of one.

Creates the manifest when the project has none (the echo app: `@http get /`,
`@ws`, `@static`), then a working handler in every handler dir the app needs
that does not exist yet (HTTP: an HTML page; WebSocket `$default` and custom
actions: echo through the API Gateway management API; `$connect` and
`$disconnect`: accept), and the static folder's browser script. Which dirs and
which runtime come from the IR, so `init` on an existing Architect project
fills exactly the gaps `arc2tf build` would deploy. It never overwrites a file:
a handler dir that has any file in it is the user's.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from arc2tf import ir

NODE_RUNTIMES = ("nodejs22.x", "nodejs20.x", "nodejs18.x")
PYTHON_RUNTIMES = ("python3.13", "python3.12", "python3.11", "python3.10", "python3.9")
RUNTIMES = NODE_RUNTIMES + PYTHON_RUNTIMES


@dataclass(frozen=True)
class InitReport:
    created: tuple[str, ...]  # project-relative posix paths, in creation order
    skipped: tuple[str, ...]  # why a handler dir was left empty (runtime arc2tf cannot scaffold)
    manifest_created: bool


def app_name_for(project_dir: Path) -> str:
    """An `@app` name from the dir name that Architect accepts: lowercase letters, digits, dashes,
    starting with a letter."""
    name = re.sub(r"[^a-z0-9]+", "-", project_dir.resolve().name.lower()).strip("-")
    name = re.sub(r"^[^a-z]+", "", name)[:40].rstrip("-")
    return name if len(name) >= 2 else "app"


def manifest_text(name: str, runtime: str | None) -> str:
    text = f"@app\n{name}\n\n@http\nget /\n\n@ws\n\n@static\n"
    if runtime:
        text += f"\n@aws\nruntime {runtime}\n"
    return text


def init_project(project_dir: Path, runtime: str | None = None) -> InitReport:
    """Create what is missing; see the module doc. Raises `ArcErrors` for a manifest that is
    there but wrong (the same errors `arc2tf build` prints)."""
    from arc2tf.manifest import load_project
    from arc2tf.normalize import load_app

    project_dir = Path(project_dir)
    project_dir.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    manifest_created = False
    if load_project(project_dir).manifest is None:
        if _create(project_dir / "app.arc", manifest_text(app_name_for(project_dir), runtime)):
            created.append("app.arc")
            manifest_created = True

    app = load_app(project_dir)
    skipped: list[str] = []
    for fn in app.functions:
        src = project_dir / fn.src
        if src.is_dir() and any(src.iterdir()):
            continue
        file_name, text = _handler(app, fn)
        if text is None:
            skipped.append(f"{fn.src}: arc2tf init writes Node.js and Python handlers, "
                           f"not {fn.config.runtime}")
            continue
        if _create(src / file_name, text):
            created.append(f"{fn.src}/{file_name}")

    if app.static is not None:
        folder = project_dir / app.static.folder
        if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
            script = _BROWSER_ECHO if app.ws is not None else _BROWSER_PLAIN
            if _create(folder / "index.mjs", script):
                created.append(f"{app.static.folder}/index.mjs")
    return InitReport(tuple(created), tuple(skipped), manifest_created)


def _create(path: Path, text: str) -> bool:
    """Write a new file; False (and no write) when something is already there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return True


def _handler(app: ir.App, fn: ir.Function) -> tuple[str, str | None]:
    """(file name, source) of a working handler for `fn`; source None for runtimes arc2tf
    does not scaffold. The file follows `fn.config.handler` (`index.handler` -> `index.mjs`,
    Architect's Python `lambda.handler` -> `lambda.py`)."""
    module = fn.config.handler.rsplit(".", 1)[0] if "." in fn.config.handler else "index"
    runtime = fn.config.runtime
    if runtime.startswith("nodejs"):
        lang, ext = "node", ".mjs"
    elif runtime.startswith("python"):
        lang, ext = "python", ".py"
    else:
        return module, None
    file_name = module + ext
    if fn.kind == "http":
        with_ws = app.ws is not None and app.static is not None and fn.root_handler
        template = _PAGE_WITH_ECHO if with_ws else _PAGE
        page = (template.replace("__APP__", app.name).replace("__ROUTE__", fn.route)
                .replace("__SRC__", fn.src))
        body = _NODE_HTTP if lang == "node" else _PYTHON_HTTP
        return file_name, body.replace("__PAGE__", page)
    if fn.kind in _EVENT_SOURCES:
        body = _NODE_EVENT if lang == "node" else _PYTHON_EVENT
        return file_name, (body.replace("__KIND__", f"@{fn.kind}").replace("__ROUTE__", fn.route)
                           .replace("__SOURCE__", _EVENT_SOURCES[fn.kind]))
    if fn.route in ("connect", "disconnect"):
        body = _NODE_WS_ACCEPT if lang == "node" else _PYTHON_WS_ACCEPT
        return file_name, body.replace("__ROUTE__", fn.route)
    body = _NODE_WS_ECHO if lang == "node" else _PYTHON_WS_ECHO
    return file_name, body.replace("__ROUTE__", fn.route)


# --- handler sources ---------------------------------------------------------------------
# Placeholders are __NAME__ (not str.format) so the JavaScript braces stay as written.

_PAGE = """<!doctype html>
<html>
<head><meta charset="utf-8"><title>__APP__</title></head>
<body>
<h1>__APP__</h1>
<p><code>__ROUTE__</code> is served by <code>__SRC__</code>. Edit it and run <code>arc2tf build</code>.</p>
</body>
</html>"""

_PAGE_WITH_ECHO = """<!doctype html>
<html>
<head><meta charset="utf-8"><title>__APP__</title></head>
<body>
<h1>__APP__: echo</h1>
<form id="send"><input id="message" autofocus><button>Send</button></form>
<pre id="log"></pre>
<script>window.WS_URL = __WS_URL__</script>
<script type="module" src="/_static/index.mjs"></script>
</body>
</html>"""

_NODE_HTTP = """// HTTP handler: answer with an HTML page. arc2tf sets ARC_WSS_URL on every
// function (as Architect does), so the page can find the WebSocket API.
const page = `__PAGE__`

export async function handler (req) {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf8',
      'cache-control': 'no-cache, no-store, must-revalidate, max-age=0, s-maxage=0',
    },
    body: page.replace('__WS_URL__', JSON.stringify(process.env.ARC_WSS_URL || '')),
  }
}
"""

_PYTHON_HTTP = '''"""HTTP handler: answer with an HTML page. arc2tf sets ARC_WSS_URL on every
function (as Architect does), so the page can find the WebSocket API."""

import json
import os

PAGE = """__PAGE__"""


def handler(req, context):
    return {
        "statusCode": 200,
        "headers": {
            "content-type": "text/html; charset=utf8",
            "cache-control": "no-cache, no-store, must-revalidate, max-age=0, s-maxage=0",
        },
        "body": PAGE.replace("__WS_URL__", json.dumps(os.environ.get("ARC_WSS_URL", ""))),
    }
'''

_NODE_WS_ACCEPT = """// WebSocket $__ROUTE__: accept (a non-200 status would refuse the connection).
export async function handler (event) {
  console.log('__ROUTE__', event.requestContext.connectionId)
  return { statusCode: 200 }
}
"""

_PYTHON_WS_ACCEPT = '''"""WebSocket $__ROUTE__: accept (a non-200 status would refuse the connection)."""


def handler(event, context):
    print("__ROUTE__", event["requestContext"]["connectionId"])
    return {"statusCode": 200}
'''

_NODE_WS_ECHO = """// WebSocket __ROUTE__: echo each message back to the connection that sent it,
// through the API Gateway management API: the https:// form of ARC_WSS_URL.
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'

let client
function managementApi () {
  if (!client) {
    const endpoint = process.env.ARC_WSS_URL.replace(/^wss:\\/\\//, 'https://')
    client = new ApiGatewayManagementApiClient({ endpoint })
  }
  return client
}

export async function handler (event) {
  const { connectionId } = event.requestContext
  let message
  try { message = JSON.parse(event.body || '{}') }
  catch { message = event.body }
  await managementApi().send(new PostToConnectionCommand({
    ConnectionId: connectionId,
    Data: JSON.stringify({ echo: message, at: new Date().toISOString() }),
  }))
  return { statusCode: 200 }
}
"""

_PYTHON_WS_ECHO = '''"""WebSocket __ROUTE__: echo each message back to the connection that sent it,
through the API Gateway management API: the https:// form of ARC_WSS_URL."""

import json
import os
from datetime import datetime, timezone

import boto3

_client = None


def _management_api():
    global _client
    if _client is None:
        endpoint = os.environ["ARC_WSS_URL"].replace("wss://", "https://", 1)
        _client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    return _client


def handler(event, context):
    connection_id = event["requestContext"]["connectionId"]
    try:
        message = json.loads(event.get("body") or "{}")
    except ValueError:
        message = event.get("body")
    reply = {"echo": message, "at": datetime.now(timezone.utc).isoformat()}
    _management_api().post_to_connection(ConnectionId=connection_id, Data=json.dumps(reply).encode())
    return {"statusCode": 200}
'''

# What calls each kind of event function, for the comment atop its handler.
_EVENT_SOURCES = {
    "scheduled": "EventBridge calls it on its schedule",
    "events": "SNS calls it with each message published to its topic",
    "queues": "Lambda polls its SQS queue and calls it with batches of messages",
    "tables-streams": "Lambda reads its table's DynamoDB stream and calls it with batches of changes",
}

_NODE_EVENT = """// __KIND__ __ROUTE__: __SOURCE__.
// Returning ends the invocation; throwing makes AWS retry the event (or batch).
export async function handler (event) {
  console.log(JSON.stringify(event))
}
"""

_PYTHON_EVENT = '''"""__KIND__ __ROUTE__: __SOURCE__.
Returning ends the invocation; raising makes AWS retry the event (or batch)."""

import json


def handler(event, context):
    print(json.dumps(event))
'''

_BROWSER_ECHO = """// Browser side of the echo app: send what the user types, log what comes back.
const log = document.getElementById('log')
const input = document.getElementById('message')
const ws = new WebSocket(window.WS_URL)

ws.onopen = () => { log.textContent += 'connected\\n' }
ws.onclose = () => { log.textContent += 'closed\\n' }
ws.onerror = (e) => { log.textContent += `error: ${e.message || e}\\n` }
ws.onmessage = (e) => { log.textContent += `${e.data}\\n` }

document.getElementById('send').addEventListener('submit', (e) => {
  e.preventDefault()
  ws.send(JSON.stringify({ text: input.value }))
  input.value = ''
})
"""

_BROWSER_PLAIN = """// Served from the static bucket at /_static/index.mjs.
console.log('hello from the static bucket')
"""
