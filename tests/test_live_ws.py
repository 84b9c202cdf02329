"""Live round trip through what arc2tf deployed: a real WebSocket client, the real handlers.

The app is built with `arc2tf build` and applied with Terraform against the
extended moto server (the harness of tests/test_deploy.py). moto cannot run
Lambda functions here and the real API Gateway is not available, so the
traffic goes through tests/lambda_gateway.py: a local stand-in for API Gateway
configured only from what moto holds after the apply (the WebSocket stage's
deployment, the HTTP API's routes, each integration's function, its deployed
configuration, environment, invoke permissions and code). The handlers run
from the deployed zips, unchanged, under local `node` / `python`.

What these tests prove: the example's handlers, as bundled and deployed, with
the environment and routes Terraform deployed, answer a real WebSocket client
(connect, echo through the management API, a custom action, disconnect) and a
real HTTP client (the page carries the deployed wss:// URL; the static route
serves the deployed bucket object), and every route's invoke permission
matches what API Gateway would present. And the page itself works in a real
browser: headless Chromium (tests/browser.py) loads it from the deployed
https:// URL, runs its module script from /_static/, opens the WebSocket at the
deployed wss:// URL, and a message typed into the form comes back in the log.
What they don't prove: how the real API Gateway and Lambda behave beyond the
rules the stand-in implements (see its docstring).

One deployment serves both tests (a module-scoped fixture): one `terraform apply`.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser import (
    BrowserUnavailable,
    CdpError,
    Chromium,
    SelfSignedCertificate,
    find_chromium,
    make_certificate,
)
from tests.lambda_gateway import (
    Invocation,
    LocalGateway,
    RuntimeUnavailable,
    http_get,
    node_sdk_modules,
    send_to_gateway,
    serve_deployed,
)
from tests.moto_server import MotoDeploy, start_moto_server
from tests.test_deploy import EXAMPLES, REGION, ROOT, ROOT_VARIABLES, arc2tf_build
from tests.tfharness import terraform_or_skip

REPLY_TIMEOUT = 60  # seconds: a cold node start with the SDK on a busy 2-core machine

# The custom action: Python, as `arc2tf init --runtime python3.12` scaffolds a WebSocket
# echo handler (that handler file is copied in unchanged), so one deploy runs both runtimes.
JOIN_CONFIG = "@aws\nruntime python3.12\n"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The AWS SDK client the Lambda Node runtime provides, installed once per machine."""
    try:
        return node_sdk_modules()
    except RuntimeUnavailable as exc:
        pytest.skip(str(exc))


def deployed_apis(outputs: dict) -> list[str]:
    """The ids of this root's APIs, from its deployed URLs (https://<id>.execute-api...)."""
    return sorted(url.split("://", 1)[1].split(".", 1)[0]
                  for url in (outputs.get("ws_url"), outputs.get("http_url")) if url)


def check_code_is_the_built_bundles(gateway: LocalGateway, outputs: dict, bundles: Path) -> None:
    served = {fn.name: fn for fn in gateway.state.functions.values()}
    assert sorted(served) == sorted(f["name"] for f in outputs["functions"].values())
    for key, info in outputs["functions"].items():
        assert served[info["name"]].code == (bundles / f"{key}.zip").read_bytes(), key


async def talk(url: str, messages: list[dict]) -> list[dict]:
    """Connect, send each message and read one reply to it, then close."""
    from websockets.asyncio.client import connect

    replies = []
    async with connect(url, open_timeout=REPLY_TIMEOUT) as ws:
        for message in messages:
            await ws.send(json.dumps(message))
            replies.append(json.loads(await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT)))
    return replies


@dataclass(frozen=True)
class Mark:
    """How far the gateway's records went when a test started (both tests share one gateway)."""

    invocations: int
    management_calls: int

    @classmethod
    def now(cls, gateway: LocalGateway) -> Mark:
        return cls(len(gateway.invocations), len(gateway.management_calls))


def check_one_connection_lifecycle(gateway: LocalGateway, routes: list[str],
                                   since: Mark = Mark(0, 0)) -> list[Invocation]:
    """The WebSocket invocations after `since` were exactly `routes`, one connection, all fine."""
    def disconnected(found: list[Invocation]) -> bool:
        return "$disconnect" in [i.route_key for i in found[since.invocations:]]

    invocations = gateway.wait_for(disconnected, timeout=REPLY_TIMEOUT)
    ws_calls = [i for i in invocations[since.invocations:] if "connectionId" in i.event["requestContext"]]
    assert [i.route_key for i in ws_calls] == routes, gateway.summary()
    assert [i.error for i in ws_calls] == [None] * len(routes), [i.logs for i in ws_calls]
    (connection_id,) = {i.event["requestContext"]["connectionId"] for i in ws_calls}
    assert [i.event["requestContext"]["eventType"] for i in ws_calls] == \
        ["CONNECT"] + ["MESSAGE"] * (len(routes) - 2) + ["DISCONNECT"]
    posted = [c for c in gateway.management_calls[since.management_calls:] if c[0] == "POST"]
    assert posted == [("POST", connection_id, 200)] * (len(routes) - 2)
    return ws_calls


def check_gone(gateway: LocalGateway, callback_url: str, connection_id: str) -> None:
    """After the close, the management API answers 410 and the SDK raises GoneException."""
    import boto3

    management = send_to_gateway(boto3.client(
        "apigatewaymanagementapi", endpoint_url=callback_url, region_name=REGION,
        aws_access_key_id="test", aws_secret_access_key="test"), gateway)
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"too late")


def add_python_scaffold_action(project: Path, scratch: Path) -> Path:
    """`join` on the echo app, served by the Python echo handler `arc2tf init` writes; its path."""
    init = subprocess.run([sys.executable, "-m", "arc2tf", "init", str(scratch), "--runtime", "python3.12"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert init.returncode == 0, init.stderr
    scaffolded = scratch / "src" / "ws" / "default" / "lambda.py"
    assert "boto3" in scaffolded.read_text()
    manifest = project / "app.arc"
    manifest.write_text(manifest.read_text().replace("@ws\n", "@ws\njoin\n", 1))
    join = project / "src" / "ws" / "join"
    join.mkdir(parents=True)
    (join / "config.arc").write_text(JOIN_CONFIG)
    shutil.copyfile(scaffolded, join / "lambda.py")
    return join / "lambda.py"


@dataclass(frozen=True)
class LiveEcho:
    """The echo example (plus the Python `join` action) deployed to moto and served by the stand-in."""

    gateway: LocalGateway
    outputs: dict[str, Any]
    project: Path
    certificate: SelfSignedCertificate  # what the stand-in's TLS ports present (for the browser)


def tls_context(certificate: SelfSignedCertificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert_file, certificate.key_file)
    return context


@pytest.fixture(scope="module")
def live_echo(tmp_path_factory: pytest.TempPathFactory, node_modules: Path) -> Iterator[LiveEcho]:
    """One apply for the module's tests; destroyed (and checked empty) after the last of them."""
    harness = terraform_or_skip(tmp_path_factory.getbasetemp() / "tf-deploy")
    base = tmp_path_factory.mktemp("live-echo")
    server = start_moto_server(base)
    try:
        scratch = base / "deploy"
        scratch.mkdir()
        deploy = MotoDeploy(harness.binary, harness.env, server, scratch)
        project = base / "echo"
        shutil.copytree(EXAMPLES / "echo", project)
        add_python_scaffold_action(project, base / "scaffold")
        arc2tf_build(project)
        deploy.sync(project, ROOT, ROOT_VARIABLES)
        deploy.apply()
        outputs = deploy.outputs()
        # A certificate for the APIs' own hostnames, made now: the stand-in's TLS ports show it.
        hostnames = [urlsplit(outputs[name]).hostname or "" for name in ("http_url", "ws_url")]
        certificate = make_certificate(hostnames, base / "tls")
        with serve_deployed(server.client, server.endpoint, api_ids=deployed_apis(outputs),
                            node_modules=node_modules, tls=tls_context(certificate)) as gateway:
            yield LiveEcho(gateway, outputs, project, certificate)
        deploy.destroy("-refresh=false")
        assert deploy.state_addresses() == []
        print("terraform timings:", [(c, round(t, 1)) for c, t in deploy.tf.timings])
    finally:
        server.stop()


@pytest.mark.terraform
@pytest.mark.deploy
def test_echo_example_answers_real_clients_through_what_was_deployed(live_echo: LiveEcho):
    gateway, outputs, project = live_echo.gateway, live_echo.outputs, live_echo.project
    since = Mark.now(gateway)
    check_code_is_the_built_bundles(gateway, outputs, project / "terraform" / "bundles")
    assert gateway.state.ws is not None
    functions = gateway.state.functions
    runtimes = {route: functions[arn].runtime for route, arn in gateway.state.ws.routes.items()}
    assert runtimes["join"] == "python3.12" and runtimes["$default"].startswith("nodejs"), runtimes

    # $default (node, the example's handler), join (python, the scaffold's), and an
    # unknown action, which route selection sends to $default.
    replies = asyncio.run(talk(gateway.ws_url, [
        {"text": "hello"},
        {"action": "join", "room": "lobby"},
        {"action": "no-such-route", "text": "falls back"},
    ]))
    assert replies[0]["echo"] == {"text": "hello"}
    assert replies[1]["echo"] == {"action": "join", "room": "lobby"}
    assert replies[2]["echo"] == {"action": "no-such-route", "text": "falls back"}
    routes = ["$connect", "$default", "join", "$default", "$disconnect"]
    calls = check_one_connection_lifecycle(gateway, routes, since)
    connection_id = calls[0].event["requestContext"]["connectionId"]
    logs = {i.route_key: i.logs for i in calls}
    assert f"connect {connection_id}" in logs["$connect"]
    assert f"disconnect {connection_id}" in logs["$disconnect"]
    check_gone(gateway, outputs["ws_callback_url"], connection_id)

    page = http_get(gateway, outputs["http_url"])
    assert page.status == 200, page
    assert page.headers["content-type"].startswith("text/html")
    assert f"window.WS_URL = {json.dumps(outputs['ws_url'])}" in page.text
    assert gateway.invocations[-1].route_key == "GET /"

    # /_static/{proxy+} proxies to the deployed static bucket (its S3 REST endpoint in moto).
    (static_route,) = [r for r in gateway.state.http.routes if r.route_key == "GET /_static/{proxy+}"]
    assert static_route.integration_type == "HTTP_PROXY"
    assert static_route.integration_uri.startswith(f"https://{outputs['static_bucket']}.s3.")
    script = http_get(gateway, outputs["http_url"].rstrip("/") + "/_static/index.mjs")
    assert script.status == 200, script
    assert script.body == (project / "public" / "index.mjs").read_bytes()
    assert script.headers["content-type"].startswith("text/javascript")
    print("invocations (s):", [(i.route_key, round(i.seconds, 2)) for i in gateway.invocations])


# --- the page in a real browser ---------------------------------------------------------

# Typed into the page: quotes, a backslash and non-ASCII survive the JSON round trip.
TYPED = 'héllo "browser" \\ ✓'
LOG_TEXT = "document.getElementById('log').textContent"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium on PATH; decided before the deployment, so a skip costs no apply."""
    try:
        return find_chromium()
    except BrowserUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.terraform
@pytest.mark.deploy
def test_echo_page_in_headless_chromium_echoes_what_is_typed_over_the_deployed_websocket(
        chromium: str, live_echo: LiveEcho, tmp_path: Path):
    gateway, outputs = live_echo.gateway, live_echo.outputs
    since = Mark.now(gateway)
    http_url, ws_url = outputs["http_url"], outputs["ws_url"]
    http_host, ws_host = urlsplit(http_url).hostname, urlsplit(ws_url).hostname
    assert http_url.startswith("https://") and ws_url.startswith("wss://") and http_host and ws_host
    started = time.monotonic()
    # The APIs' hostnames lead to the stand-in's TLS ports, as DNS would lead to API Gateway;
    # the browser trusts the test's certificate by its key pin only (no blanket cert bypass).
    with Chromium(tmp_path / "profile", host_rules={http_host: f"127.0.0.1:{gateway.https_port}",
                                                    ws_host: f"127.0.0.1:{gateway.wss_port}"},
                  spki_pins=[live_echo.certificate.spki_sha256]) as browser:
        page = browser.page()
        page.navigate(http_url)
        page.wait_for(f"location.href === {json.dumps(http_url)} && document.readyState === 'complete'",
                      REPLY_TIMEOUT)
        assert page.evaluate("window.WS_URL") == ws_url, page.problems()
        # The module script came from the static route (the deployed bucket object).
        loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        assert http_url.rstrip("/") + "/_static/index.mjs" in loaded, (loaded, page.problems())

        # The script's WebSocket opens (its $connect ran), then a person types and presses Enter.
        page.wait_for(f"{LOG_TEXT}.split('\\n').includes('connected')", REPLY_TIMEOUT)
        page.evaluate("document.getElementById('message').focus()")
        page.insert_text(TYPED)
        assert page.evaluate("document.getElementById('message').value") == TYPED, page.problems()
        page.press_enter()
        line = page.wait_for(f"{LOG_TEXT}.split('\\n').find(l => l.startsWith('{{'))", REPLY_TIMEOUT)
        log = page.evaluate(LOG_TEXT)
        assert json.loads(line)["echo"] == {"text": TYPED}, (log, page.problems())
        assert log.split("\n")[:2] == ["connected", line], (log, page.problems())
        assert page.evaluate("document.getElementById('message').value") == "", page.problems()
        page.close()  # the tab goes, its WebSocket closes: $disconnect
        calls = check_one_connection_lifecycle(gateway, ["$connect", "$default", "$disconnect"], since)
        problems = [line for line in page.console() if line.startswith("exception")
                    or (line.startswith(("log.error", "console.error")) and "favicon.ico" not in line)]
        assert problems == [], page.problems()
    seconds = time.monotonic() - started

    # It was the browser: its page request, and a cross-origin WebSocket from the page's origin.
    (page_call,) = [i for i in gateway.invocations[since.invocations:] if i.route_key == "GET /"]
    assert "HeadlessChrome" in page_call.event["headers"]["user-agent"]
    connect_headers = {k.lower(): v for k, v in calls[0].event["headers"].items()}
    assert connect_headers["origin"] == f"https://{http_host}"
    assert json.loads(calls[1].event["body"]) == {"text": TYPED}
    print(f"browser part: {seconds:.1f} s")

# --------------------------------------------------------------------------------------
# The stand-in itself, on a hand-built state (quick insurance, no Terraform): it refuses
# what API Gateway refuses, so the round trip above is not passing by default.
# --------------------------------------------------------------------------------------

STAND_IN_HANDLERS = '''import json


def connect(event, context):
    denied = (event.get("queryStringParameters") or {}).get("deny")
    return {"statusCode": 401 if denied else 200, "body": "denied" if denied else ""}


def default(event, context):
    raise AssertionError("the gateway must not call a function its permission does not allow")


def thing(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"route": event["routeKey"], "params": event["pathParameters"]})}


def v1(event, context):
    return {"statusCode": 201, "multiValueHeaders": {"x-seen": [event["httpMethod"]]}, "body": event["path"]}


def root(event, context):
    return {"ok": True}
'''


def _stand_in_state(region: str = REGION, account: str = "123456789012"):
    import base64
    import hashlib
    import io
    import zipfile

    from tests.lambda_gateway import DeployedFunction, DeployedState, HttpApi, HttpRoute, WsApi

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("app.py", STAND_IN_HANDLERS)
    code = buffer.getvalue()
    ws_arn = f"arn:aws:execute-api:{region}:{account}:wsapi"
    http_arn = f"arn:aws:execute-api:{region}:{account}:httpapi"

    def function(handler: str, *source_arns: str) -> DeployedFunction:
        return DeployedFunction(
            arn=f"arn:aws:lambda:{region}:{account}:function:{handler}", name=handler, runtime="python3.12",
            handler=f"app.{handler}", timeout=10, memory=128, environment={}, code=code,
            code_sha256=base64.b64encode(hashlib.sha256(code).digest()).decode(), code_location="s3://x/y",
            source_arns=source_arns)

    functions = [
        function("connect", f"{ws_arn}/staging/$connect"),
        function("default", f"{ws_arn}/production/$default"),  # another stage's permission only
        function("thing", f"{http_arn}/*/GET/things/*"),
        function("v1", f"{http_arn}/*/*/*"),
        function("root", f"{http_arn}/*/GET/"),
    ]
    arn = {fn.name: fn.arn for fn in functions}
    ws = WsApi(api_id="wsapi", endpoint=f"wss://wsapi.execute-api.{region}.amazonaws.com", stage="staging",
               deployment_id="d1", route_selection_expression="$request.body.action",
               routes={"$connect": arn["connect"], "$default": arn["default"]})

    def route(key: str, name: str, payload: str = "2.0") -> HttpRoute:
        return HttpRoute(key, "AWS_PROXY", f"invoke:{name}", "POST", payload, arn[name])

    http = HttpApi(api_id="httpapi", endpoint=f"https://httpapi.execute-api.{region}.amazonaws.com",
                   routes=(route("GET /things/{id}", "thing"), route("ANY /{proxy+}", "v1", "1.0"),
                           route("GET /", "root")))
    return DeployedState(region=region, account_id=account, ws=ws, http=http,
                         functions={fn.arn: fn for fn in functions})


def test_stand_in_refuses_a_connection_connect_denies_and_an_invoke_without_permission():
    from websockets.exceptions import InvalidStatus

    with LocalGateway(_stand_in_state(), moto_endpoint="http://127.0.0.1:9", node_modules=None) as gateway:
        with pytest.raises(InvalidStatus) as refused:
            asyncio.run(talk(gateway.ws_url + "?deny=1", []))
        assert refused.value.response.status_code == 401

        (reply,) = asyncio.run(talk(gateway.ws_url, [{"text": "hello"}]))
        assert reply["message"] == "Internal server error"
        routes = [(i.route_key, (i.error or "").split(":")[0]) for i in gateway.invocations]
        assert routes == [("$connect", ""), ("$connect", ""), ("$default", "AccessDenied")]
        assert gateway.invocations[1].event["requestContext"]["eventType"] == "CONNECT"


def test_stand_in_picks_http_routes_as_api_gateway_does_and_maps_both_payload_formats():
    with LocalGateway(_stand_in_state(), moto_endpoint="http://127.0.0.1:9", node_modules=None) as gateway:
        base = "https://httpapi.execute-api.us-west-2.amazonaws.com"
        thing = http_get(gateway, f"{base}/things/42")
        assert (thing.status, json.loads(thing.body)) == (200, {"route": "GET /things/{id}",
                                                                  "params": {"id": "42"}})
        other = http_get(gateway, f"{base}/things/42/more")  # greedy route, payload 1.0
        assert (other.status, other.text, other.headers["x-seen"]) == (201, "/things/42/more", "GET")
        root = http_get(gateway, f"{base}/")  # 2.0 infers 200 + JSON from a bare object
        assert (root.status, root.headers["content-type"], json.loads(root.body)) == \
            (200, "application/json", {"ok": True})
        assert http_get(gateway, "https://elsewhere.example.com/").status == 404
    assert [i.route_key for i in gateway.invocations] == ["GET /things/{id}", "ANY /{proxy+}", "GET /"]


def test_browser_reaches_the_stand_in_by_api_hostname_and_trusts_only_the_pinned_certificate(
        chromium: str, tmp_path: Path):
    """The browser test's plumbing: host mapping to the TLS ports, and a pin that is load-bearing."""
    state = _stand_in_state()
    assert state.http is not None and state.ws is not None
    certificate = make_certificate([state.http.domain, state.ws.domain], tmp_path / "tls")
    other = make_certificate([state.http.domain, state.ws.domain], tmp_path / "other")
    with LocalGateway(state, moto_endpoint="http://127.0.0.1:9", node_modules=None,
                      tls=tls_context(certificate)) as gateway:
        rules = {state.http.domain: f"127.0.0.1:{gateway.https_port}",
                 state.ws.domain: f"127.0.0.1:{gateway.wss_port}"}
        url = f"{state.http.endpoint}/things/42"
        with Chromium(tmp_path / "pinned", host_rules=rules, spki_pins=[certificate.spki_sha256]) as browser:
            page = browser.page()
            page.navigate(url)
            body = page.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'"
                                 " && document.body.innerText", REPLY_TIMEOUT)
            assert json.loads(body) == {"route": "GET /things/{id}", "params": {"id": "42"}}, page.problems()
            opened = page.evaluate(f"""new Promise((resolve) => {{
                const ws = new WebSocket('{state.ws.endpoint}/staging')
                ws.onopen = () => {{ resolve('open'); ws.close() }}
                ws.onerror = () => resolve('error')
            }})""")
            assert opened == "open", page.problems()
            # Nothing else in the browser's world resolves (no stray traffic from a page).
            with pytest.raises(CdpError, match="ERR_NAME_NOT_RESOLVED"):
                page.navigate("https://example.com/")
        with Chromium(tmp_path / "unpinned", host_rules=rules, spki_pins=[other.spki_sha256]) as browser:
            page = browser.page()
            with pytest.raises(CdpError, match="ERR_CERT_AUTHORITY_INVALID"):
                page.navigate(url)
    # One page request, one $connect (the other two browsers got nowhere near a handler).
    assert [i.route_key for i in gateway.invocations if i.route_key != "ANY /{proxy+}"] == \
        ["GET /things/{id}", "$connect"]
