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
matches what API Gateway would present. What they don't prove: how the real
API Gateway and Lambda behave beyond the rules the stand-in implements (see
its docstring).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from tests.lambda_gateway import (
    LocalGateway,
    RuntimeUnavailable,
    http_get,
    node_sdk_modules,
    send_to_gateway,
    serve_deployed,
)
from tests.moto_server import MotoDeploy
from tests.test_deploy import EXAMPLES, REGION, ROOT, ROOT_VARIABLES, arc2tf_build

pytestmark = [pytest.mark.terraform, pytest.mark.deploy]

REPLY_TIMEOUT = 60  # seconds: a cold node start with the SDK on a busy 2-core machine

# A custom action for the echo app (as test_deploy adds one): answers through the same
# management API, with the deployed variables it ran with.
JOIN_HANDLER = """import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'

const endpoint = process.env.ARC_WSS_URL.replace(/^wss:\\/\\//, 'https://')
const client = new ApiGatewayManagementApiClient({ endpoint })

export async function handler (event) {
  const { room } = JSON.parse(event.body)
  await client.send(new PostToConnectionCommand({
    ConnectionId: event.requestContext.connectionId,
    Data: JSON.stringify({ joined: room, env: process.env.ARC_ENV, wss: process.env.ARC_WSS_URL }),
  }))
  return { statusCode: 200 }
}
"""


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


def check_one_connection_lifecycle(gateway: LocalGateway, routes: list[str]) -> str:
    """The invocations were exactly `routes`, all for one connection, all fine; its id."""
    invocations = gateway.wait_for(lambda found: "$disconnect" in [i.route_key for i in found],
                                   timeout=REPLY_TIMEOUT)
    ws_calls = [i for i in invocations if "connectionId" in i.event["requestContext"]]
    assert [i.route_key for i in ws_calls] == routes, gateway.summary()
    assert [i.error for i in ws_calls] == [None] * len(routes), [i.logs for i in ws_calls]
    (connection_id,) = {i.event["requestContext"]["connectionId"] for i in ws_calls}
    assert [i.event["requestContext"]["eventType"] for i in ws_calls] == \
        ["CONNECT"] + ["MESSAGE"] * (len(routes) - 2) + ["DISCONNECT"]
    posted = [c for c in gateway.management_calls if c[0] == "POST"]
    assert posted == [("POST", connection_id, 200)] * (len(routes) - 2)
    return connection_id


def check_gone(gateway: LocalGateway, callback_url: str, connection_id: str) -> None:
    """After the close, the management API answers 410 and the SDK raises GoneException."""
    import boto3

    management = send_to_gateway(boto3.client(
        "apigatewaymanagementapi", endpoint_url=callback_url, region_name=REGION,
        aws_access_key_id="test", aws_secret_access_key="test"), gateway)
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"too late")


def test_echo_example_answers_a_websocket_client_through_what_was_deployed(
        moto_deploy: MotoDeploy, tmp_path: Path, node_modules: Path):
    project = tmp_path / "echo"
    shutil.copytree(EXAMPLES / "echo", project)
    (project / "app.arc").write_text((project / "app.arc").read_text().replace("@ws\n", "@ws\njoin\n", 1))
    (project / "src" / "ws" / "join").mkdir(parents=True)
    (project / "src" / "ws" / "join" / "index.mjs").write_text(JOIN_HANDLER)
    arc2tf_build(project)
    moto_deploy.sync(project, ROOT, ROOT_VARIABLES)
    moto_deploy.apply()
    outputs = moto_deploy.outputs()

    server = moto_deploy.server
    with serve_deployed(server.client, server.endpoint, api_ids=deployed_apis(outputs),
                        node_modules=node_modules) as gateway:
        check_code_is_the_built_bundles(gateway, outputs, project / "terraform" / "bundles")
        assert sorted(gateway.state.ws.routes) == ["$connect", "$default", "$disconnect", "join"]

        replies = asyncio.run(talk(gateway.ws_url, [
            {"text": "hello"},
            {"action": "join", "room": "lobby"},
            {"action": "no-such-route", "text": "falls back"},
        ]))
        assert replies[0]["echo"] == {"text": "hello"}
        assert replies[1] == {"joined": "lobby", "env": "staging", "wss": outputs["ws_url"]}
        assert replies[2]["echo"] == {"action": "no-such-route", "text": "falls back"}
        connection_id = check_one_connection_lifecycle(
            gateway, ["$connect", "$default", "join", "$default", "$disconnect"])
        logs = {i.route_key: i.logs for i in gateway.invocations}
        assert f"connect {connection_id}" in logs["$connect"]
        assert f"disconnect {connection_id}" in logs["$disconnect"]
        check_gone(gateway, outputs["ws_callback_url"], connection_id)

        page = http_get(gateway, outputs["http_url"])
        assert page.status == 200, page
        assert page.headers["content-type"].startswith("text/html")
        assert f"window.WS_URL = {json.dumps(outputs['ws_url'])}" in page.text
        assert gateway.invocations[-1].route_key == "GET /"

        script = http_get(gateway, outputs["http_url"].rstrip("/") + "/_static/index.mjs")
        assert script.status == 200, script
        assert script.body == (project / "public" / "index.mjs").read_bytes()
        assert script.headers["content-type"].startswith("text/javascript")

    moto_deploy.destroy("-refresh=false")
    assert moto_deploy.state_addresses() == []
    print("terraform timings:", [(c, round(t, 1)) for c, t in moto_deploy.tf.timings])
    print("invocations:", [(i.route_key, round(i.seconds, 2)) for i in gateway.invocations])
