"""A local stand-in for API Gateway, configured only from what is deployed in moto.

moto stores API Gateway v2 APIs and Lambda functions but cannot serve the APIs
or run the functions here (no Docker engine), and the real API Gateway is not
available. This module is the closest honest thing: `read_deployed_state()`
reads back, with boto3 from the moto server, what `terraform apply` deployed
(nothing comes from arc2tf's IR or the manifest):

* the WebSocket API's stage, the routes and integrations of the deployment that
  stage points at, and its route selection expression;
* the HTTP API's routes and integrations (its `$default` stage auto-deploys, so
  it serves the current routes), their types, URIs and payload format versions;
* per Lambda integration, the function by the ARN in the integration URI: its
  deployed runtime, handler, timeout and environment variables, its resource
  policy (which source ARNs may invoke it), and its code: the zip under the S3
  key its GetFunction code location names, fetched from the bucket that holds
  it and checked against the function's `CodeSha256`.

`LocalGateway` then serves that configuration on 127.0.0.1:

* WebSocket (the `websockets` library) on the stage path: `$connect` on the
  opening handshake (a non-2xx answer, an error, or an invoke permission that
  does not match refuses the connection), route selection per message by the
  deployed expression (`$request.body.<field>`) falling back to `$default`,
  `$disconnect` after the close. Events are shaped as AWS documents the
  WebSocket Lambda proxy integration event.
* HTTP, dispatched by the Host header as API Gateway's DNS names do:
  the HTTP API's routes (`GET /`, `ANY /{proxy+}`, ... by AWS's most-specific
  rule) with payload format 2.0 or 1.0 events and responses, `HTTP_PROXY`
  integrations (the static bucket) fetched from moto's S3; and the WebSocket
  API's management API on the stage path (`POST|GET|DELETE /@connections/{id}`,
  410 for a connection that is gone), which checks for a SigV4 signature
  scoped to `execute-api` (it does not verify it).
* Optionally (`tls=` an `ssl.SSLContext`), the same HTTP and WebSocket service
  over TLS on two more ports (`https_port`, `wss_port`), for a browser that
  opens the deployed https:// and wss:// URLs (tests/browser.py maps the APIs'
  hostnames to them). The plain ports stay as they are.
* Each invocation is a cold start in a fresh process: the deployed zip unpacked
  into a task dir and run under the runtime the configuration names: `node` for
  `nodejs*.x` (the AWS SDK v3 client the handlers use is supplied the way the
  Lambda runtime supplies it, from a `node_modules` the task dir sits under),
  this interpreter for `python3.*` (it has boto3, as the Lambda runtime does).
  The process gets the function's deployed environment exactly, the variables
  the Lambda runtime adds (region, function name, task root), and moto's
  credentials and endpoint. The deployed timeout (plus 10 s for the cold start)
  bounds it.
* Before invoking, the function's resource policy must allow
  `apigateway.amazonaws.com` with a source ARN glob matching the ARN API
  Gateway presents (`.../<stage>/<route key>`, `.../$default/<METHOD>/<path>`);
  otherwise the answer is 500 without a call, as in AWS.

Handlers reach the management API at `https://<api>.execute-api.<region>.amazonaws.com/<stage>`,
derived from the deployed `ARC_WSS_URL`. Neither the handler nor its
environment is changed for the test: a preload (node `--import`) or a botocore
hook (python) sends requests for `*.execute-api.*.amazonaws.com` to this
gateway over plain HTTP with the Host header kept, the way a DNS entry would.

What this proves: the handlers as bundled and deployed, with the environment
and routing Terraform deployed, work end to end: a real WebSocket client gets
its echo, the page carries the deployed URL, the static route serves the
deployed bucket object, and every route's invoke permission matches.
What it does not prove: real API Gateway or Lambda behaviour beyond the rules
written here (IAM policies of the function roles are not evaluated, SigV4 is not
verified, throttling, timeouts and payload limits are not modelled), nor the
exact runtime versions (local node and python stand in for the deployed ones).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import io
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

# The AWS SDK v3 client the Node handlers import; the Lambda Node runtime provides it
# (it is not in the bundles). Pinned: an install is cached per machine by this version.
NODE_SDK_PACKAGE = "@aws-sdk/client-apigatewaymanagementapi"
NODE_SDK_VERSION = "3.1178.0"

# The Lambda runtime's own variables; a deployed environment cannot set them.
_RUNTIME_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
                      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
                      "LAMBDA_TASK_ROOT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                      "AWS_SESSION_TOKEN", "TZ")
_COLD_START_SECONDS = 10  # Lambda's init phase has its own 10 s limit, apart from the timeout


class RuntimeUnavailable(RuntimeError):
    """A runtime piece (node, npm, the registry) is missing on this machine; tests skip on it."""


# --------------------------------------------------------------------------------------
# What is deployed (read back from moto)
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeployedFunction:
    arn: str
    name: str
    runtime: str
    handler: str
    timeout: int
    memory: int
    environment: Mapping[str, str]
    code: bytes  # the deployed zip
    code_sha256: str  # as Lambda reports it (base64 of the zip's SHA-256)
    code_location: str  # s3://bucket/key the zip was read from
    source_arns: tuple[str, ...]  # ArnLike globs of the statements that let API Gateway invoke it


@dataclass(frozen=True)
class WsApi:
    api_id: str
    endpoint: str  # wss://<id>.execute-api.<region>.amazonaws.com
    stage: str
    deployment_id: str
    route_selection_expression: str
    routes: Mapping[str, str]  # route key -> function ARN (the stage's deployment's snapshot)

    @property
    def domain(self) -> str:
        return self.endpoint.split("://", 1)[1]


@dataclass(frozen=True)
class HttpRoute:
    route_key: str  # "GET /", "ANY /{proxy+}", "$default"
    integration_type: str  # AWS_PROXY | HTTP_PROXY
    integration_uri: str
    integration_method: str
    payload_format_version: str
    function_arn: str | None  # AWS_PROXY only


@dataclass(frozen=True)
class HttpApi:
    api_id: str
    endpoint: str  # https://<id>.execute-api.<region>.amazonaws.com
    routes: tuple[HttpRoute, ...]

    @property
    def domain(self) -> str:
        return self.endpoint.split("://", 1)[1].rstrip("/")


@dataclass(frozen=True)
class DeployedState:
    region: str
    account_id: str
    ws: WsApi | None
    http: HttpApi | None
    functions: Mapping[str, DeployedFunction]  # by ARN


def function_arn_of(integration_uri: str) -> str:
    """The Lambda ARN in an AWS_PROXY integration URI (an invoke ARN or the plain function ARN)."""
    match = re.fullmatch(r"arn:aws[\w-]*:apigateway:[\w-]+:lambda:path/[\d-]+/functions/(.+)/invocations",
                         integration_uri)
    arn = match.group(1) if match else integration_uri
    if not arn.startswith("arn:") or ":function:" not in arn:
        raise ValueError(f"not a Lambda integration URI: {integration_uri}")
    return arn


def read_deployed_state(client: Callable[[str], Any], *, api_ids: Iterable[str] | None = None,
                        ws_stage: str | None = None) -> DeployedState:
    """What API Gateway and Lambda hold, via `client(service)` (boto3 clients of the moto server).

    `api_ids` picks this app's APIs when several apps share the server (the ids are in the
    deployed `ws_url` / `http_url`); `ws_stage` the WebSocket stage when it has several.
    """
    apigw = client("apigatewayv2")
    lam = client("lambda")
    s3 = client("s3")
    region = apigw.meta.region_name
    account_id = client("sts").get_caller_identity()["Account"]
    apis = apigw.get_apis()["Items"]
    if api_ids is not None:
        wanted = set(api_ids)
        apis = [api for api in apis if api["ApiId"] in wanted]
        if {api["ApiId"] for api in apis} != wanted:
            raise ValueError(f"APIs {sorted(wanted)} are not all deployed")
    by_protocol: dict[str, list[dict[str, Any]]] = {}
    for api in apis:
        by_protocol.setdefault(api["ProtocolType"], []).append(api)
    if any(len(found) > 1 for found in by_protocol.values()):
        raise ValueError(f"expected at most one API per protocol, found {[a['Name'] for a in apis]}")

    ws = http = None
    function_arns: set[str] = set()
    if by_protocol.get("WEBSOCKET"):
        ws = _read_ws_api(apigw, by_protocol["WEBSOCKET"][0], ws_stage)
        function_arns.update(ws.routes.values())
    if by_protocol.get("HTTP"):
        http = _read_http_api(apigw, by_protocol["HTTP"][0])
        function_arns.update(r.function_arn for r in http.routes if r.function_arn)
    functions = {arn: _read_function(lam, s3, arn) for arn in sorted(function_arns)}
    return DeployedState(region=region, account_id=account_id, ws=ws, http=http, functions=functions)


def _read_ws_api(apigw: Any, api: dict[str, Any], stage_name: str | None) -> WsApi:
    from tests.moto_server import deployment_routes

    api_id = api["ApiId"]
    stages = apigw.get_stages(ApiId=api_id)["Items"]
    if stage_name is None:
        if len(stages) != 1:
            names = [s["StageName"] for s in stages]
            raise ValueError(f"WebSocket API {api_id} has stages {names}: name one")
        stage_name = stages[0]["StageName"]
    stage = apigw.get_stage(ApiId=api_id, StageName=stage_name)
    deployment_id = stage.get("DeploymentId")
    if not deployment_id:
        raise ValueError(f"WebSocket stage {stage_name} points at no deployment: it serves nothing")
    routes = {}
    live = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api_id)["Items"]}
    for served in deployment_routes(apigw, api_id, deployment_id):
        route = live.get(served["routeKey"], {})
        if route.get("RouteResponseSelectionExpression"):
            raise NotImplementedError(f"route {served['routeKey']}: route responses are not modelled here")
        target = served["target"]
        integration = apigw.get_integration(ApiId=api_id, IntegrationId=target.split("/", 1)[1])
        if integration["IntegrationType"] != "AWS_PROXY":
            raise NotImplementedError(f"route {served['routeKey']}: {integration['IntegrationType']}")
        # The URI as the deployment snapshotted it (what the stage serves).
        routes[served["routeKey"]] = function_arn_of(served["integrationUri"])
    return WsApi(api_id=api_id, endpoint=api["ApiEndpoint"], stage=stage_name, deployment_id=deployment_id,
                 route_selection_expression=api["RouteSelectionExpression"], routes=routes)


def _read_http_api(apigw: Any, api: dict[str, Any]) -> HttpApi:
    api_id = api["ApiId"]
    stages = {s["StageName"]: s for s in apigw.get_stages(ApiId=api_id)["Items"]}
    stage = stages.get("$default")
    if stage is None or not stage.get("AutoDeploy"):
        # Only the auto-deploying $default stage is modelled: it serves the API's current routes.
        raise NotImplementedError(f"HTTP API {api_id}: stages {sorted(stages)}, need an auto-deploy $default")
    routes = []
    for route in apigw.get_routes(ApiId=api_id)["Items"]:
        integration = apigw.get_integration(ApiId=api_id, IntegrationId=route["Target"].split("/", 1)[1])
        kind = integration["IntegrationType"]
        if kind not in ("AWS_PROXY", "HTTP_PROXY"):
            raise NotImplementedError(f"route {route['RouteKey']}: {kind}")
        routes.append(HttpRoute(
            route_key=route["RouteKey"], integration_type=kind, integration_uri=integration["IntegrationUri"],
            integration_method=integration.get("IntegrationMethod", ""),
            payload_format_version=integration.get("PayloadFormatVersion", "1.0"),
            function_arn=function_arn_of(integration["IntegrationUri"]) if kind == "AWS_PROXY" else None,
        ))
    return HttpApi(api_id=api_id, endpoint=api["ApiEndpoint"],
                   routes=tuple(sorted(routes, key=lambda r: r.route_key)))


def _read_function(lam: Any, s3: Any, arn: str) -> DeployedFunction:
    got = lam.get_function(FunctionName=arn)
    config = got["Configuration"]
    # The code location names the S3 key the function's code came from (moto's form of
    # AWS's presigned URL); the zip is that object in the bucket that holds it.
    location = got.get("Code", {}).get("Location", "")
    key = unquote(urlsplit(location).path.lstrip("/"))
    holders = []
    for bucket in sorted(b["Name"] for b in s3.list_buckets()["Buckets"]):
        try:
            holders.append((bucket, s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
        except s3.exceptions.NoSuchKey:
            continue
    if len(holders) != 1:
        raise ValueError(f"{config['FunctionName']}: code key {key!r} found in {[b for b, _ in holders]}")
    bucket, code = holders[0]
    sha = base64.b64encode(hashlib.sha256(code).digest()).decode()
    if sha != config["CodeSha256"]:
        raise ValueError(f"{config['FunctionName']}: s3://{bucket}/{key} is not the code Lambda holds")
    return DeployedFunction(
        arn=config["FunctionArn"], name=config["FunctionName"], runtime=config["Runtime"],
        handler=config["Handler"], timeout=config["Timeout"], memory=config["MemorySize"],
        environment=dict(config.get("Environment", {}).get("Variables", {})),
        code=code, code_sha256=config["CodeSha256"], code_location=f"s3://{bucket}/{key}",
        source_arns=_apigateway_source_arns(lam, config["FunctionName"]),
    )


def _apigateway_source_arns(lam: Any, function_name: str) -> tuple[str, ...]:
    try:
        policy = json.loads(lam.get_policy(FunctionName=function_name)["Policy"])
    except lam.exceptions.ResourceNotFoundException:
        return ()
    arns = []
    for statement in policy.get("Statement", []):
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if statement.get("Effect") != "Allow" or not ({"lambda:InvokeFunction", "lambda:*"} & set(actions)):
            continue
        if statement.get("Principal") != {"Service": "apigateway.amazonaws.com"}:
            continue
        source = statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")
        arns.append(source if source else "*")  # no condition: any API may invoke it
    return tuple(sorted(arns))


def arn_like(arn: str, pattern: str) -> bool:
    """IAM's ArnLike: each of the six colon-separated parts matched on its own; `*` and `?` wildcards."""
    if pattern == "*":
        return True
    parts, globs = arn.split(":", 5), pattern.split(":", 5)
    if len(parts) != len(globs):
        return False
    for part, glob in zip(parts, globs, strict=True):
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
        if not re.fullmatch(regex, part, re.DOTALL):
            return False
    return True


# --------------------------------------------------------------------------------------
# The runtimes: unpacked code, a runner per language, a cold process per invocation
# --------------------------------------------------------------------------------------

def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "arc2tf-tests"


def node_sdk_modules(cache_root: Path | None = None) -> Path:
    """The `node_modules` holding NODE_SDK_PACKAGE@NODE_SDK_VERSION, installed once per machine.

    Installed with npm from the registry into a temp dir next to the cache entry, then
    renamed into place (a concurrent run that loses the race discards its copy).
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise RuntimeUnavailable("node and npm are needed to run the Node.js handlers (not on PATH)")
    entry = f"{NODE_SDK_PACKAGE.replace('/', '+')}@{NODE_SDK_VERSION}"
    root = (cache_root or _cache_root()) / "node-sdk" / entry
    modules = root / "node_modules"
    if (modules / NODE_SDK_PACKAGE / "package.json").is_file():
        return modules
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=root.parent))
    try:
        proc = subprocess.run(
            [npm, "install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--ignore-scripts",
             "--prefix", str(staging), f"{NODE_SDK_PACKAGE}@{NODE_SDK_VERSION}"],
            capture_output=True, text=True, timeout=300, check=False,
        )
        if proc.returncode != 0 or not (staging / "node_modules" / NODE_SDK_PACKAGE).is_dir():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
            raise RuntimeUnavailable(f"npm could not install {NODE_SDK_PACKAGE}@{NODE_SDK_VERSION}: {tail}")
        try:
            staging.rename(root)
        except OSError:
            if not (modules / NODE_SDK_PACKAGE).is_dir():
                raise
    except subprocess.TimeoutExpired as exc:
        raise RuntimeUnavailable(f"npm install of {NODE_SDK_PACKAGE} timed out") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return modules


# Written into the runtime dir with the gateway's port in place of __PORT__.
_NODE_PRELOAD = r"""// Test-only network redirect (tests/lambda_gateway.py), loaded with `node --import`.
// In these tests API Gateway is a local stand-in: requests for its endpoints
// (*.execute-api.<region>.amazonaws.com) go to 127.0.0.1:__PORT__ over plain HTTP, Host
// header kept, the way a DNS entry would send them there. The handler and its deployed
// environment are unchanged; every other request goes where it was going.
import http from 'node:http'
import https from 'node:https'
import { syncBuiltinESMExports } from 'node:module'

const EXECUTE_API = /^[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com$/
const httpsRequest = https.request

function toLocalGateway (input, options) {
  let target = input
  if (typeof input === 'string' || input instanceof URL) {
    const url = new URL(input)
    target = { hostname: url.hostname, port: url.port, path: url.pathname + url.search, ...options }
  }
  const host = target.hostname || String(target.host || '').split(':')[0]
  if (!EXECUTE_API.test(host)) return null
  const headers = { ...target.headers }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'host')) headers.host = host
  return { ...target, protocol: 'http:', hostname: '127.0.0.1', host: '127.0.0.1', port: __PORT__,
    agent: undefined, headers }
}

https.request = function request (input, options, callback) {
  const cb = typeof options === 'function' ? options : callback
  const target = toLocalGateway(input, typeof options === 'object' ? options : undefined)
  return target ? http.request(target, cb) : httpsRequest.apply(this, arguments)
}
https.get = function get (...args) {
  const req = https.request(...args)
  req.end()
  return req
}
syncBuiltinESMExports()
"""

# argv: task dir, handler ("index.handler"), result file, context JSON; the event on stdin.
_NODE_RUNNER = r"""// Runs one Lambda handler once (tests/lambda_gateway.py): resolves the handler as the
// Node.js runtime does, calls it with the event from stdin, writes the outcome as JSON.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [taskDir, handlerSpec, resultFile, contextJson] = process.argv.slice(2)
const slash = handlerSpec.lastIndexOf('/')
const [, moduleName, functionPath] = handlerSpec.slice(slash + 1).match(/^([^.]*)\.(.*)$/)
const base = path.resolve(taskDir, handlerSpec.slice(0, slash + 1), moduleName)

async function loadHandler () {
  // The runtime's order: no extension, .js, .mjs, .cjs.
  const file = ['', '.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f))
  if (!file) {
    const error = new Error(`Cannot find module '${moduleName}'`)
    throw Object.assign(error, { name: 'Runtime.ImportModuleError' })
  }
  const mod = await import(pathToFileURL(file).href)
  const find = (root) => functionPath.split('.').reduce((value, key) => value?.[key], root)
  const handler = find(mod) ?? find(mod.default)
  if (typeof handler !== 'function') {
    const error = new Error(`${handlerSpec} is undefined or not exported`)
    throw Object.assign(error, { name: 'Runtime.HandlerNotFound' })
  }
  return handler
}

const info = JSON.parse(contextJson)
const deadline = Date.now() + info.timeoutMs
const context = {
  ...info, callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
}
let outcome
try {
  const handler = await loadHandler()
  const event = JSON.parse(readFileSync(0, 'utf8'))
  const result = handler.length >= 3
    ? await new Promise((resolve, reject) => {
      const done = (err, value) => (err ? reject(err) : resolve(value))
      const returned = handler(event, context, done)
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject)
    })
    : await handler(event, context)
  outcome = { result: result === undefined ? null : result }
} catch (err) {
  outcome = {
    errorType: err?.name || 'Error',
    errorMessage: String(err?.message ?? err),
    stack: String(err?.stack || ''),
  }
}
writeFileSync(resultFile, JSON.stringify(outcome))
"""

_PYTHON_RUNNER = r'''"""Runs one Lambda handler once (tests/lambda_gateway.py), as the Python runtime would.

argv: task dir, handler ("lambda.handler"), result file, context JSON; the event on stdin.
"""

import importlib
import json
import os
import sys
import time
import traceback

GATEWAY_PORT = __PORT__


def redirect_execute_api_to_gateway():
    """Test-only network redirect: in these tests API Gateway is a local stand-in, so
    botocore's requests for *.execute-api.<region>.amazonaws.com go to 127.0.0.1 over plain
    HTTP, Host header kept, the way a DNS entry would send them there. The handler and its
    deployed environment are unchanged; every other request goes where it was going."""
    import re
    from urllib.parse import urlsplit, urlunsplit

    from botocore import httpsession

    execute_api = re.compile(r"[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com")
    send = httpsession.URLLib3Session.send

    def send_to_gateway(self, request):
        url = urlsplit(request.url)
        if url.scheme == "https" and execute_api.fullmatch(url.hostname or ""):
            request.headers["Host"] = url.netloc
            request.url = urlunsplit(("http", f"127.0.0.1:{GATEWAY_PORT}", url.path, url.query, ""))
        return send(self, request)

    httpsession.URLLib3Session.send = send_to_gateway


class Context:
    def __init__(self, info):
        self.function_name = info["functionName"]
        self.function_version = info["functionVersion"]
        self.invoked_function_arn = info["invokedFunctionArn"]
        self.memory_limit_in_mb = info["memoryLimitInMB"]
        self.aws_request_id = info["awsRequestId"]
        self.log_group_name = info["logGroupName"]
        self.log_stream_name = info["logStreamName"]
        self._deadline = time.monotonic() + info["timeoutMs"] / 1000

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main():
    task_dir, handler_spec, result_file, context_json = sys.argv[1:5]
    redirect_execute_api_to_gateway()
    # As Lambda's bootstrap: the task root first, and PYTHONPATH's /var/task entries (where
    # Lambda unpacks the code) standing for the dir this copy was unpacked into.
    extra = [task_dir + p[len("/var/task"):] for p in os.environ.get("PYTHONPATH", "").split(":")
             if p == "/var/task" or p.startswith("/var/task/")]
    sys.path[:0] = [task_dir, *extra]
    try:
        module_name, function_name = handler_spec.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)
        result = handler(json.load(sys.stdin), Context(json.loads(context_json)))
        outcome = {"result": result}
        text = json.dumps(outcome)
    except Exception as exc:  # the runtime reports any error as the invocation's error
        text = json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc),
                           "stack": traceback.format_exc()})
    with open(result_file, "w", encoding="utf-8") as fh:
        fh.write(text)


main()
'''


@dataclass(frozen=True)
class Invocation:
    """One call of a deployed function by the gateway."""

    function: str  # deployed function name
    route_key: str
    event: dict[str, Any]
    result: Any = None
    error: str | None = None  # "ErrorType: message" when the handler failed or was refused
    logs: str = ""  # the process's stdout + stderr (what CloudWatch would hold)
    seconds: float = 0.0


class _Runtimes:
    """Unpacked tasks and runners under one dir; one cold process per invocation."""

    def __init__(self, state: DeployedState, root: Path, gateway_port: int, moto_endpoint: str,
                 node_modules: Path | None) -> None:
        self.state = state
        self.root = root
        self.moto_endpoint = moto_endpoint
        self._lock = threading.Lock()
        self._tasks: dict[str, Path] = {}
        if node_modules is not None:
            # Where ESM resolution walking up from a task dir finds it (as /var/runtime/node_modules
            # serves /var/task in Lambda).
            (root / "node_modules").symlink_to(node_modules, target_is_directory=True)
        runner = root / "runner"
        runner.mkdir()
        (runner / "preload.mjs").write_text(_NODE_PRELOAD.replace("__PORT__", str(gateway_port)))
        (runner / "runner.mjs").write_text(_NODE_RUNNER)
        (runner / "runner.py").write_text(_PYTHON_RUNNER.replace("__PORT__", str(gateway_port)))
        self.runner = runner
        self.node_modules = node_modules

    def task_dir(self, fn: DeployedFunction) -> Path:
        with self._lock:
            task = self._tasks.get(fn.arn)
            if task is None:
                task = self.root / f"task-{fn.name}"
                with zipfile.ZipFile(io.BytesIO(fn.code)) as zf:
                    for info in zf.infolist():
                        target = (task / info.filename).resolve()
                        if not target.is_relative_to(task.resolve()):
                            raise ValueError(f"{fn.name}: zip entry {info.filename} leaves the task dir")
                    zf.extractall(task)
                self._tasks[fn.arn] = task
            return task

    def command(self, fn: DeployedFunction, task: Path, result_file: Path,
                context: dict[str, Any]) -> list[str]:
        args = [str(task), fn.handler, str(result_file), json.dumps(context)]
        if fn.runtime.startswith("nodejs"):
            node = shutil.which("node")
            if node is None or self.node_modules is None:
                raise RuntimeUnavailable(f"{fn.name}: {fn.runtime} needs node and the runtime's SDK")
            return [node, "--import", (self.runner / "preload.mjs").as_uri(), str(self.runner / "runner.mjs"),
                    *args]
        if fn.runtime.startswith("python3"):
            return [sys.executable, str(self.runner / "runner.py"), *args]
        raise NotImplementedError(f"{fn.name}: runtime {fn.runtime}")

    def environment(self, fn: DeployedFunction, task: Path) -> dict[str, str]:
        clash = sorted(set(_RUNTIME_VARIABLES) & set(fn.environment))
        if clash:
            raise ValueError(f"{fn.name}: deployed environment sets Lambda's reserved {clash}")
        region = self.state.region
        runtime = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(task), "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory), "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
            # moto's credentials and endpoint: any other AWS call a handler makes goes to moto.
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_ENDPOINT_URL": self.moto_endpoint,
        }
        return {**runtime, **fn.environment}

    def invoke(self, fn: DeployedFunction, route_key: str, event: dict[str, Any]) -> Invocation:
        task = self.task_dir(fn)
        request_id = str(uuid.uuid4())
        context = {
            "functionName": fn.name, "functionVersion": "$LATEST", "invokedFunctionArn": fn.arn,
            "memoryLimitInMB": str(fn.memory), "awsRequestId": request_id,
            "logGroupName": f"/aws/lambda/{fn.name}", "logStreamName": f"local/{request_id}",
            "timeoutMs": fn.timeout * 1000,
        }
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=self.root) as scratch:
            result_file = Path(scratch) / "result.json"
            try:
                proc = subprocess.run(
                    self.command(fn, task, result_file, context), input=json.dumps(event), cwd=task,
                    env=self.environment(fn, task), capture_output=True, text=True,
                    timeout=fn.timeout + _COLD_START_SECONDS, check=False,
                )
            except subprocess.TimeoutExpired as exc:
                logs = _text(exc.stdout) + _text(exc.stderr)
                return Invocation(fn.name, route_key, event, error=f"Sandbox.Timedout: after {exc.timeout} s",
                                  logs=logs, seconds=time.monotonic() - started)
            logs = proc.stdout + proc.stderr
            seconds = time.monotonic() - started
            if not result_file.is_file():
                return Invocation(fn.name, route_key, event, logs=logs, seconds=seconds,
                                  error=f"Runtime.ExitError: exited {proc.returncode} without a result")
            outcome = json.loads(result_file.read_text())
        if "errorType" in outcome:
            return Invocation(fn.name, route_key, event, logs=logs + outcome.get("stack", ""),
                              seconds=seconds, error=f"{outcome['errorType']}: {outcome['errorMessage']}")
        return Invocation(fn.name, route_key, event, result=outcome["result"], logs=logs, seconds=seconds)


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


# --------------------------------------------------------------------------------------
# The gateway
# --------------------------------------------------------------------------------------

def _request_time(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _new_connection_id() -> str:
    # Shaped like AWS's (16 base64 characters, e.g. "L0SM9cOFvHcCIhw="): the '=' must be
    # encoded in the management API's path, which is worth exercising.
    return base64.b64encode(secrets.token_bytes(11)).decode()


@dataclass
class _Connection:
    connection_id: str
    connected_at: int  # epoch ms
    headers: dict[str, str]
    source_ip: str
    user_agent: str
    query: dict[str, str]
    websocket: Any = None
    open: bool = False


def _status_ok(result: Any) -> bool:
    status = result.get("statusCode", 200) if isinstance(result, dict) else 200
    return isinstance(status, int) and 200 <= status < 300


@dataclass
class _Route:
    """An HTTP API route key compiled to a path pattern, with AWS's priority."""

    route: HttpRoute
    method: str
    pattern: re.Pattern[str] | None  # None for $default
    specificity: tuple[int, int, int]

    @classmethod
    def compile(cls, route: HttpRoute) -> _Route:
        if route.route_key == "$default":
            return cls(route, "ANY", None, (-1, 0, 0))
        method, path = route.route_key.split(" ", 1)
        regex, literal, greedy = "", 0, 0
        for segment in path.strip("/").split("/") if path != "/" else []:
            param = re.fullmatch(r"\{([A-Za-z0-9_]+)(\+?)\}", segment)
            if param and param.group(2):
                regex += f"/(?P<{param.group(1)}>.+)"
                greedy += 1
            elif param:
                regex += f"/(?P<{param.group(1)}>[^/]+)"
            else:
                regex += "/" + re.escape(segment)
                literal += 1
        # Most specific first: more literal segments, no greedy variable, an exact method.
        return cls(route, method, re.compile(regex or "/"), (literal, -greedy, int(method != "ANY")))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        if self.pattern is None:
            return {}
        found = self.pattern.fullmatch(path)
        return {k: unquote(v) for k, v in found.groupdict().items()} if found else None


class LocalGateway:
    """API Gateway (WebSocket + HTTP API + management API) on 127.0.0.1 for a `DeployedState`.

    Use as a context manager (or `start()`/`stop()`): the servers, their threads and
    the scratch dir are gone after it, whatever happened.
    """

    def __init__(self, state: DeployedState, *, moto_endpoint: str, node_modules: Path | None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.state = state
        self.moto_endpoint = moto_endpoint
        self.node_modules = node_modules
        # Optional: the same HTTP and WebSocket service over TLS on two more ports (https_port,
        # wss_port), for a browser that reaches the APIs by their https:// and wss:// URLs.
        # The plain ports stay: the handlers' redirect and the test clients use them.
        self.tls = tls
        self.invocations: list[Invocation] = []
        self.management_calls: list[tuple[str, str, int]] = []  # (method, connection id, status)
        self._changed = threading.Condition()
        self._connections: dict[str, _Connection] = {}
        self._handshakes: dict[Any, _Connection] = {}
        self._http_routes = sorted((_Route.compile(r) for r in state.http.routes) if state.http else (),
                                   key=lambda r: r.specificity, reverse=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._ws_server: Any = None
        self._http_server: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._wss_server: Any = None
        self._https_server: ThreadingHTTPServer | None = None
        self._https_thread: threading.Thread | None = None
        self._scratch: Path | None = None
        self._runtimes: _Runtimes | None = None
        self.ws_port = 0
        self.http_port = 0
        self.wss_port = 0  # with `tls` only
        self.https_port = 0  # with `tls` only

    # --- lifecycle ---

    def __enter__(self) -> LocalGateway:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        try:
            self._start_http()
            self._scratch = Path(tempfile.mkdtemp(prefix="arc2tf-gateway-"))
            self._runtimes = _Runtimes(self.state, self._scratch, self.http_port, self.moto_endpoint,
                                       self.node_modules)
            if self.state.ws is not None:
                self._start_ws()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self._loop is not None and self._loop_thread is not None:
            if self._ws_server is not None:
                # Closing the server closes every connection; each one's $disconnect runs.
                asyncio.run_coroutine_threadsafe(self._close_ws(), self._loop).result(timeout=120)
                self._ws_server = None
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(timeout=30)
            self._loop.close()
            self._loop = self._loop_thread = None
        if self._https_server is not None:
            self._https_server.shutdown()
            self._https_server.server_close()
            if self._https_thread is not None:
                self._https_thread.join(timeout=30)
            self._https_server = self._https_thread = None
        if self._http_server is not None:
            self._http_server.shutdown()
            self._http_server.server_close()
            if self._http_thread is not None:
                self._http_thread.join(timeout=30)
            self._http_server = self._http_thread = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    @property
    def ws_url(self) -> str:
        """Where a client connects: the deployed stage path on the local port."""
        assert self.state.ws is not None
        return f"ws://127.0.0.1:{self.ws_port}/{self.state.ws.stage}"

    def wait_for(self, predicate: Callable[[list[Invocation]], bool],
                 timeout: float = 30.0) -> list[Invocation]:
        """Block until `predicate(invocations)` holds; returns them (raises TimeoutError otherwise)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(list(self.invocations)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"gave up waiting; invocations: {self.summary()}")
                self._changed.wait(remaining)
            return list(self.invocations)

    def summary(self) -> list[tuple[str, str, str | None]]:
        return [(i.route_key, i.function, i.error) for i in self.invocations]

    # --- invoking ---

    def _invoke(self, function_arn: str, route_key: str, source_arn: str,
                event: dict[str, Any]) -> Invocation:
        assert self._runtimes is not None
        fn = self.state.functions[function_arn]
        if not any(arn_like(source_arn, glob) for glob in fn.source_arns):
            # AWS answers 500 without calling the function when no permission matches.
            invocation = Invocation(fn.name, route_key, event,
                                    error=f"AccessDenied: no invoke permission for {source_arn}")
        else:
            invocation = self._runtimes.invoke(fn, route_key, event)
        with self._changed:
            self.invocations.append(invocation)
            self._changed.notify_all()
        return invocation

    # --- WebSocket ---

    def _start_ws(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._loop_thread = threading.Thread(target=loop.run_forever, name="gateway-ws", daemon=True)
        self._loop_thread.start()
        asyncio.run_coroutine_threadsafe(self._open_ws(), loop).result(timeout=30)

    async def _open_ws(self) -> None:
        from websockets.asyncio.server import serve

        self._ws_server = await serve(self._ws_session, "127.0.0.1", 0, process_request=self._ws_handshake)
        self.ws_port = self._ws_server.sockets[0].getsockname()[1]
        if self.tls is not None:
            self._wss_server = await serve(self._ws_session, "127.0.0.1", 0, ssl=self.tls,
                                           process_request=self._ws_handshake)
            self.wss_port = self._wss_server.sockets[0].getsockname()[1]

    async def _close_ws(self) -> None:
        servers = [s for s in (self._ws_server, self._wss_server) if s is not None]
        for server in servers:
            server.close(close_connections=True)
        for server in servers:
            await server.wait_closed()
        self._wss_server = None

    def _ws_event(self, conn: _Connection, route_key: str, event_type: str, **extra: Any) -> dict[str, Any]:
        ws = self.state.ws
        assert ws is not None
        now = time.time()
        context = {
            "routeKey": route_key, "eventType": event_type, "extendedRequestId": secrets.token_hex(8),
            "requestTime": _request_time(now), "messageDirection": "IN", "stage": ws.stage,
            "connectedAt": conn.connected_at, "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
            "requestId": secrets.token_hex(8), "domainName": ws.domain, "connectionId": conn.connection_id,
            "apiId": ws.api_id,
        }
        context.update(extra.pop("context", {}))
        return {"requestContext": context, "isBase64Encoded": False, **extra}

    def _ws_source_arn(self, route_key: str) -> str:
        ws = self.state.ws
        assert ws is not None
        api_arn = f"arn:aws:execute-api:{self.state.region}:{self.state.account_id}:{ws.api_id}"
        return f"{api_arn}/{ws.stage}/{route_key}"

    async def _ws_handshake(self, connection: Any, request: Any) -> Any:
        ws = self.state.ws
        assert ws is not None
        url = urlsplit(request.path)
        if url.path.rstrip("/") != f"/{ws.stage}":
            return connection.respond(HTTPStatus.FORBIDDEN, '{"message":"Forbidden"}')
        headers = {name: value for name, value in request.headers.raw_items()}
        peer = connection.remote_address
        conn = _Connection(
            connection_id=_new_connection_id(), connected_at=int(time.time() * 1000), headers=headers,
            source_ip=peer[0] if peer else "127.0.0.1", user_agent=request.headers.get("User-Agent", ""),
            query=dict(parse_qsl(url.query)),
        )
        function_arn = ws.routes.get("$connect")
        if function_arn is not None:
            event = self._ws_event(
                conn, "$connect", "CONNECT", headers=headers,
                multiValueHeaders={k: [v] for k, v in headers.items()},
                **({"queryStringParameters": conn.query} if conn.query else {}),
            )
            invocation = await asyncio.to_thread(self._invoke, function_arn, "$connect",
                                                 self._ws_source_arn("$connect"), event)
            if invocation.error is not None:
                status = 500 if invocation.error.startswith("AccessDenied") else 502
                return connection.respond(status, '{"message": "Internal server error"}')
            if not _status_ok(invocation.result):
                return connection.respond(invocation.result["statusCode"],
                                          str(invocation.result.get("body") or ""))
        self._handshakes[connection] = conn
        return None

    async def _ws_session(self, websocket: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        conn = self._handshakes.pop(websocket)
        conn.websocket = websocket
        conn.open = True
        self._connections[conn.connection_id] = conn
        try:
            async for message in websocket:
                await self._ws_message(conn, message)
        except ConnectionClosed:
            pass
        finally:
            conn.open = False
            self._connections.pop(conn.connection_id, None)
            function_arn = self.state.ws.routes.get("$disconnect") if self.state.ws else None
            if function_arn is not None:
                event = self._ws_event(
                    conn, "$disconnect", "DISCONNECT", headers=conn.headers,
                    multiValueHeaders={k: [v] for k, v in conn.headers.items()},
                    context={"disconnectStatusCode": websocket.close_code or 1006,
                             "disconnectReason": websocket.close_reason or ""},
                )
                await asyncio.to_thread(self._invoke, function_arn, "$disconnect",
                                        self._ws_source_arn("$disconnect"), event)

    def _select_route(self, body: str | bytes) -> str | None:
        ws = self.state.ws
        assert ws is not None
        expression = ws.route_selection_expression
        if not expression.startswith("$request.body."):
            raise NotImplementedError(f"route selection expression {expression}")
        selected: Any = None
        if isinstance(body, str):
            try:
                selected = json.loads(body)
            except ValueError:
                selected = None
            for key in expression.removeprefix("$request.body.").split("."):
                selected = selected.get(key) if isinstance(selected, dict) else None
        if isinstance(selected, str) and selected in ws.routes and not selected.startswith("$"):
            return selected
        return "$default" if "$default" in ws.routes else None

    async def _ws_message(self, conn: _Connection, message: str | bytes) -> None:
        ws = self.state.ws
        assert ws is not None
        route_key = self._select_route(message)
        request_id = secrets.token_hex(8)
        if route_key is None:
            await conn.websocket.send(json.dumps({"message": "Forbidden", "connectionId": conn.connection_id,
                                                  "requestId": request_id}))
            return
        binary = isinstance(message, bytes)
        event = self._ws_event(
            conn, route_key, "MESSAGE", context={"messageId": secrets.token_hex(8), "requestId": request_id},
            body=base64.b64encode(message).decode() if binary else message, isBase64Encoded=binary,
        )
        invocation = await asyncio.to_thread(self._invoke, ws.routes[route_key], route_key,
                                             self._ws_source_arn(route_key), event)
        if invocation.error is not None:
            error = {"message": "Internal server error", "connectionId": conn.connection_id,
                     "requestId": request_id}
            await conn.websocket.send(json.dumps(error))

    def _post_to_connection(self, connection_id: str, data: bytes) -> bool:
        conn = self._connections.get(connection_id)
        if conn is None or not conn.open or self._loop is None:
            return False
        try:
            payload: str | bytes = data.decode("utf-8")
        except UnicodeDecodeError:
            payload = data
        asyncio.run_coroutine_threadsafe(conn.websocket.send(payload), self._loop).result(timeout=30)
        return True

    def _close_connection(self, connection_id: str) -> bool:
        conn = self._connections.get(connection_id)
        if conn is None or not conn.open or self._loop is None:
            return False
        asyncio.run_coroutine_threadsafe(conn.websocket.close(), self._loop)
        return True

    # --- HTTP: the HTTP API and the management API, by Host ---

    def _start_http(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read invocations
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = gateway._http_request(self.command, self.path, self.headers, body)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        self._http_server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http_server.daemon_threads = True
        self.http_port = self._http_server.server_address[1]
        self._http_thread = threading.Thread(target=self._http_server.serve_forever, name="gateway-http",
                                             daemon=True)
        self._http_thread.start()
        if self.tls is not None:
            self._https_server = _TlsHttpServer(("127.0.0.1", 0), Handler, self.tls)
            self._https_server.daemon_threads = True
            self.https_port = self._https_server.server_address[1]
            self._https_thread = threading.Thread(target=self._https_server.serve_forever,
                                                  name="gateway-https", daemon=True)
            self._https_thread.start()

    def _http_request(self, method: str, target: str, headers: Any,
                      body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        host = (headers.get("Host") or "").split(":")[0].lower()
        if self.state.ws is not None and host == self.state.ws.domain:
            return self._management(method, target, headers, body)
        if self.state.http is not None and host == self.state.http.domain:
            return self._http_api(method, target, headers, body)
        return _json_response(404, {"message": f"no API at host {host!r}"})

    def _management(self, method: str, target: str, headers: Any,
                    body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        ws = self.state.ws
        assert ws is not None
        # The management API is IAM-authorized: a request must at least be SigV4-signed for it.
        credential = re.search(r"Credential=[^/]+/\d{8}/([\w-]+)/([\w-]+)/aws4_request",
                               headers.get("Authorization") or "")
        if credential is None or credential.groups() != (self.state.region, "execute-api"):
            return _json_response(403, {"message": "Missing Authentication Token"})
        path = urlsplit(target).path
        prefix = f"/{ws.stage}/@connections/"
        decoded = unquote(path)
        if not decoded.startswith(prefix):
            return _json_response(404, {"message": "Not Found"})
        connection_id = decoded[len(prefix):]
        if method == "POST":
            ok = self._post_to_connection(connection_id, body)
            status = 200 if ok else 410
        elif method == "DELETE":
            status = 204 if self._close_connection(connection_id) else 410
        elif method == "GET":
            conn = self._connections.get(connection_id)
            status = 200 if conn is not None and conn.open else 410
        else:
            status = 405
        with self._changed:
            self.management_calls.append((method, connection_id, status))
            self._changed.notify_all()
        if status == 410:
            return (410, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "GoneException")],
                    json.dumps({"message": None}).encode())
        if method == "GET" and status == 200:
            conn = self._connections[connection_id]
            info = {"connectedAt": datetime.fromtimestamp(conn.connected_at / 1000, UTC).isoformat(),
                    "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
                    "lastActiveAt": datetime.now(UTC).isoformat()}
            return _json_response(200, info)
        return status, [], b""

    def _http_api(self, method: str, target: str, headers: Any,
                  body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        api = self.state.http
        assert api is not None
        url = urlsplit(target)
        for route in self._http_routes:
            params = route.match(method, url.path)
            if params is not None:
                break
        else:
            return _json_response(404, {"message": "Not Found"})
        if route.route.integration_type == "HTTP_PROXY":
            return self._http_proxy(route.route, params)
        event = (_http_event_v2 if route.route.payload_format_version == "2.0" else _http_event_v1)(
            self.state, route.route.route_key, method, url.path, url.query, headers, body, params)
        arn_path = url.path.lstrip("/")
        source_arn = (f"arn:aws:execute-api:{self.state.region}:{self.state.account_id}:{api.api_id}"
                      f"/$default/{method}/{arn_path}")
        assert route.route.function_arn is not None
        invocation = self._invoke(route.route.function_arn, route.route.route_key, source_arn, event)
        if invocation.error is not None:  # a refused or failed invocation: 500, as the HTTP API answers
            return _json_response(500, {"message": "Internal Server Error"})
        return _http_response(invocation.result, route.route.payload_format_version)

    def _http_proxy(self, route: HttpRoute,
                    params: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        uri = re.sub(r"\{([A-Za-z0-9_]+)\}", lambda m: quote(params.get(m.group(1), ""), safe="/"),
                     route.integration_uri)
        url = urlsplit(uri)
        host = url.hostname or ""
        # Only AWS's S3 REST endpoints exist here: they are moto (DNS-like: Host header kept).
        if not re.fullmatch(r"([a-z0-9.-]+\.)?s3[.-]([a-z0-9-]+\.)?amazonaws\.com", host):
            return _json_response(502, {"message": f"HTTP_PROXY to {host} is not modelled"})
        moto = urlsplit(self.moto_endpoint)
        connection = http.client.HTTPConnection(moto.hostname, moto.port, timeout=30)
        try:
            path = url.path + (f"?{url.query}" if url.query else "")
            connection.request(route.integration_method or "GET", path, headers={"Host": host})
            response = connection.getresponse()
            payload = response.read()
            passed = ("content-type", "etag", "last-modified", "cache-control", "content-encoding")
            kept = [(k, v) for k, v in response.getheaders() if k.lower() in passed]
            return response.status, kept, payload
        finally:
            connection.close()


class _TlsHttpServer(ThreadingHTTPServer):
    """HTTPS: each accepted connection does its TLS handshake in its own request thread,
    so a slow or failing client cannot stall the accept loop."""

    def __init__(self, address: tuple[str, int], handler: Any, context: ssl.SSLContext) -> None:
        self.context = context
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        assert isinstance(request, socket.socket)
        request.settimeout(60)
        try:
            wrapped = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):  # a client that refuses the certificate, or goes away
            return
        try:
            super().finish_request(wrapped, client_address)
        finally:
            # Wrapping detached the plain socket, so shutdown_request() only sees a closed one.
            wrapped.close()


def _json_response(status: int, payload: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "application/json")], json.dumps(payload).encode()


def _body_for_event(headers: Any, body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    content_type = (headers.get("Content-Type") or "").lower()
    textual = not content_type or content_type.startswith("text/") or any(
        t in content_type for t in ("json", "xml", "javascript", "x-www-form-urlencoded"))
    if textual:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode(), True


def _http_event_v2(state: DeployedState, route_key: str, method: str, path: str, query: str, headers: Any,
                   body: bytes, params: dict[str, str]) -> dict[str, Any]:
    api = state.http
    assert api is not None
    now = time.time()
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers.items():
        if name.lower() == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        key = name.lower()
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    query_params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        query_params[key] = f"{query_params[key]},{value}" if key in query_params else value
    text, is_base64 = _body_for_event(headers, body)
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": query,
        "headers": merged,
        "requestContext": {
            "accountId": state.account_id, "apiId": api.api_id, "domainName": api.domain,
            "domainPrefix": api.domain.split(".", 1)[0],
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": merged.get("user-agent", "")},
            "requestId": secrets.token_hex(8), "routeKey": route_key, "stage": "$default",
            "time": _request_time(now), "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query_params:
        event["queryStringParameters"] = query_params
    if params:
        event["pathParameters"] = params
    if text is not None:
        event["body"] = text
    return event


def _http_event_v1(state: DeployedState, route_key: str, method: str, path: str, query: str, headers: Any,
                   body: bytes, params: dict[str, str]) -> dict[str, Any]:
    api = state.http
    assert api is not None
    now = time.time()
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers.items():
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        multi_query.setdefault(key, []).append(value)
    text, is_base64 = _body_for_event(headers, body)
    resource = route_key.split(" ", 1)[1] if " " in route_key else "$default"
    return {
        "version": "1.0", "resource": resource, "path": path, "httpMethod": method,
        "headers": {k: v[-1] for k, v in multi_headers.items()}, "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": {
            "accountId": state.account_id, "apiId": api.api_id, "domainName": api.domain,
            "domainPrefix": api.domain.split(".", 1)[0], "extendedRequestId": secrets.token_hex(8),
            "httpMethod": method, "identity": {"sourceIp": "127.0.0.1",
                                               "userAgent": headers.get("User-Agent", "")},
            "path": path, "protocol": "HTTP/1.1", "requestId": secrets.token_hex(8),
            "requestTime": _request_time(now), "requestTimeEpoch": int(now * 1000),
            "resourcePath": resource, "stage": "$default",
        },
        "pathParameters": params or None, "stageVariables": None,
        "body": text, "isBase64Encoded": is_base64,
    }


def _http_response(result: Any, payload_format_version: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """A Lambda proxy result as the HTTP API turns it into a response."""
    if payload_format_version == "2.0" and not (isinstance(result, dict) and "statusCode" in result):
        # 2.0 infers a response from anything that is not a full one: 200, JSON.
        text = result if isinstance(result, str) else json.dumps(result)
        return 200, [("Content-Type", "application/json")], text.encode()
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return _json_response(500, {"message": "Internal Server Error"})
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values]
    headers += [("Set-Cookie", c) for c in result.get("cookies") or []]
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    return result["statusCode"], headers, payload


@contextmanager
def serve_deployed(client: Callable[[str], Any], moto_endpoint: str, *, api_ids: Iterable[str] | None = None,
                   ws_stage: str | None = None, node_modules: Path | None = None,
                   tls: ssl.SSLContext | None = None) -> Iterator[LocalGateway]:
    """Read what is deployed and serve it; the gateway is stopped on exit."""
    state = read_deployed_state(client, api_ids=api_ids, ws_stage=ws_stage)
    with LocalGateway(state, moto_endpoint=moto_endpoint, node_modules=node_modules, tls=tls) as gateway:
        yield gateway


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes = field(repr=False)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http_get(gateway: LocalGateway, url: str) -> HttpAnswer:
    """GET a deployed https:// URL through the gateway: connect to 127.0.0.1, Host from the URL."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", gateway.http_port, timeout=60)
    try:
        connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                           headers={"Host": parts.netloc})
        response = connection.getresponse()
        return HttpAnswer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def send_to_gateway(boto_client: Any, gateway: LocalGateway) -> Any:
    """Point a boto3 client of a deployed execute-api URL at the gateway (test side).

    The same DNS-like redirect the handlers get: plain HTTP to 127.0.0.1, Host kept.
    """
    def redirect(request: Any, **_: Any) -> None:
        url = urlsplit(request.url)
        request.headers["Host"] = url.netloc
        query = f"?{url.query}" if url.query else ""
        request.url = f"http://127.0.0.1:{gateway.http_port}{url.path}{query}"

    boto_client.meta.events.register("before-send", redirect)
    return boto_client
