"""Deploy tests: `terraform apply` against the extended moto server, then ask moto what is there.

`test_harness_*` prove the harness itself on a small hand-written WebSocket
stack (quick insurance: when they fail, the harness or moto broke, not arc2tf).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.moto_server import MOTO_ACCOUNT_ID, MotoDeploy, deployment_routes

pytestmark = [pytest.mark.terraform, pytest.mark.deploy]

REGION = "us-west-2"

# A WebSocket API with one Lambda (code from an S3 object) behind every route,
# an explicit deployment that hashes the routes and integrations, and a stage;
# `actions` adds custom routes the way an arc2tf rebuild would.
HARNESS_TF = r"""
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  region = "us-west-2"
}

variable "actions" {
  type    = list(string)
  default = []
}

locals {
  zip       = "${path.module}/fn.zip"
  route_keys = toset(concat(["$connect", "$disconnect", "$default"], var.actions))
}

resource "aws_s3_bucket" "artifacts" {
  bucket = "harness-artifacts"
}

resource "aws_s3_object" "code" {
  bucket = aws_s3_bucket.artifacts.id
  key    = "fn/${filemd5(local.zip)}.zip"
  source = local.zip
  etag   = filemd5(local.zip)
}

resource "aws_iam_role" "fn" {
  name = "harness-fn"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect    = "Allow", Action = "sts:AssumeRole",
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_cloudwatch_log_group" "fn" {
  name              = "/aws/lambda/harness-fn"
  retention_in_days = 7
}

resource "aws_apigatewayv2_api" "ws" {
  name                       = "harness-ws"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
}

resource "aws_lambda_function" "fn" {
  function_name    = "harness-fn"
  role             = aws_iam_role.fn.arn
  s3_bucket        = aws_s3_object.code.bucket
  s3_key           = aws_s3_object.code.key
  source_code_hash = filebase64sha256(local.zip)
  handler          = "index.handler"
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  memory_size      = 256
  timeout          = 5
  ephemeral_storage {
    size = 512
  }
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.fn.name
  }
  environment {
    variables = {
      ARC_WSS_URL = "${aws_apigatewayv2_api.ws.api_endpoint}/staging"
    }
  }
}

resource "aws_apigatewayv2_integration" "fn" {
  api_id             = aws_apigatewayv2_api.ws.id
  integration_type   = "AWS_PROXY"
  integration_method = "POST"
  integration_uri    = aws_lambda_function.fn.invoke_arn
}

resource "aws_apigatewayv2_route" "ws" {
  for_each  = local.route_keys
  api_id    = aws_apigatewayv2_api.ws.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.fn.id}"
}

resource "aws_apigatewayv2_deployment" "ws" {
  api_id = aws_apigatewayv2_api.ws.id
  triggers = {
    redeployment = sha1(jsonencode([
      [for k, r in aws_apigatewayv2_route.ws : [k, r.id, r.target]],
      aws_apigatewayv2_integration.fn.integration_uri,
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_apigatewayv2_stage" "ws" {
  api_id        = aws_apigatewayv2_api.ws.id
  name          = "staging"
  deployment_id = aws_apigatewayv2_deployment.ws.id
}

resource "aws_lambda_permission" "ws" {
  for_each      = local.route_keys
  statement_id  = "ws-${replace(each.value, "$", "")}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_stage.ws.execution_arn}/${each.value}"
}

output "ws_url" {
  value = "${aws_apigatewayv2_api.ws.api_endpoint}/staging"
}
"""


def _write_handler_zip(path: Path) -> None:
    info = zipfile.ZipInfo("index.mjs", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(info, "export async function handler () { return { statusCode: 200 } }\n")


def test_harness_applies_redeploys_and_destroys_a_websocket_stack(moto_deploy: MotoDeploy, tmp_path: Path):
    config = tmp_path / "harness"
    config.mkdir()
    (config / "main.tf").write_text(HARNESS_TF)
    _write_handler_zip(config / "fn.zip")
    moto_deploy.sync(config, ".")
    moto_deploy.apply()

    # Nothing drifts right after an apply: every field the provider reads back matches.
    code, out = moto_deploy.plan_exit_code()
    assert code == 0, out

    apigw = moto_deploy.server.client("apigatewayv2", REGION)
    lam = moto_deploy.server.client("lambda", REGION)
    (api,) = apigw.get_apis()["Items"]
    assert api["ApiEndpoint"].startswith("wss://")
    stage = apigw.get_stage(ApiId=api["ApiId"], StageName="staging")
    first_deployment = stage["DeploymentId"]
    served = [r["routeKey"] for r in deployment_routes(apigw, api["ApiId"], first_deployment)]
    assert served == ["$connect", "$default", "$disconnect"]
    env = lam.get_function(FunctionName="harness-fn")["Configuration"]["Environment"]["Variables"]
    assert env["ARC_WSS_URL"] == f"{api['ApiEndpoint']}/staging"
    policy = json.loads(lam.get_policy(FunctionName="harness-fn")["Policy"])
    assert sorted(s["Condition"]["ArnLike"]["AWS:SourceArn"].rsplit("/", 1)[1] for s in policy["Statement"]) \
        == ["$connect", "$default", "$disconnect"]

    # A new action: a new deployment (old one deleted after the stage moved) that serves it.
    moto_deploy.apply("-var", 'actions=["join"]')
    stage = apigw.get_stage(ApiId=api["ApiId"], StageName="staging")
    assert stage["DeploymentId"] != first_deployment
    served = [r["routeKey"] for r in deployment_routes(apigw, api["ApiId"], stage["DeploymentId"])]
    assert served == ["$connect", "$default", "$disconnect", "join"]
    assert [d["DeploymentId"] for d in apigw.get_deployments(ApiId=api["ApiId"])["Items"]] \
        == [stage["DeploymentId"]]

    # The state is already fresh: the apply just read everything back.
    moto_deploy.destroy("-var", 'actions=["join"]', "-refresh=false")
    assert moto_deploy.state_addresses() == []
    assert apigw.get_apis()["Items"] == []
    assert lam.list_functions()["Functions"] == []
    print("terraform timings:", [(c, round(t, 1)) for c, t in moto_deploy.tf.timings])


# --------------------------------------------------------------------------------------
# examples/echo, built by the real CLI and applied against moto
# --------------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ENV = "staging"
ROOT = f"terraform/{ENV}"
LAMBDA_TRUST = "lambda.amazonaws.com"
# Exercise the optional API Gateway account logging role too (one root per account sets it).
ROOT_VARIABLES = {"create_api_gateway_account_role": True}


def arc2tf_build(project: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "arc2tf", "build", str(project), "-q"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"arc2tf build failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"


def invoke_uri(function_arn: str) -> str:
    region = function_arn.split(":")[3]
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


class Deployed:
    """What moto holds after an apply, read with boto3, next to the root's outputs."""

    def __init__(self, deploy: MotoDeploy) -> None:
        self.outputs = deploy.outputs()
        self.apigw = deploy.server.client("apigatewayv2", REGION)
        self.apigw_v1 = deploy.server.client("apigateway", REGION)
        self.lam = deploy.server.client("lambda", REGION)
        self.iam = deploy.server.client("iam", REGION)
        self.logs = deploy.server.client("logs", REGION)
        self.s3 = deploy.server.client("s3", REGION)
        self.ssm = deploy.server.client("ssm", REGION)
        self.apis = {api["ProtocolType"]: api for api in self.apigw.get_apis()["Items"]}

    def routes(self, api_id: str) -> dict[str, dict]:
        return {r["RouteKey"]: r for r in self.apigw.get_routes(ApiId=api_id)["Items"]}

    def integration_uri(self, api_id: str, target: str) -> str:
        assert target.startswith("integrations/"), target
        integration_id = target.split("/", 1)[1]
        return self.apigw.get_integration(ApiId=api_id, IntegrationId=integration_id)["IntegrationUri"]

    def function(self, name: str) -> dict:
        return self.lam.get_function(FunctionName=self.outputs["functions"][name]["name"])

    def source_arns(self, name: str) -> list[str]:
        function_name = self.outputs["functions"][name]["name"]
        policy = json.loads(self.lam.get_policy(FunctionName=function_name)["Policy"])
        arns = []
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}, statement
            assert statement["Action"] == "lambda:InvokeFunction", statement
            arns.append(statement["Condition"]["ArnLike"]["AWS:SourceArn"])
        return sorted(arns)

    def role_policy_documents(self, role_name: str) -> list[dict]:
        documents = []
        for policy_name in self.iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            document = self.iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
            documents.append(json.loads(document) if isinstance(document, str) else document)
        return documents


def check_deployed(app, deployed: Deployed, bundles: Path) -> None:
    """Everything the IR says is deployed, and wired the way it says."""
    out = deployed.outputs
    account = MOTO_ACCOUNT_ID
    functions = {fn.name: fn for fn in app.functions}
    assert sorted(out["functions"]) == sorted(functions)
    deployed_names = sorted(f["FunctionName"] for f in deployed.lam.list_functions()["Functions"])
    assert deployed_names == sorted(out["functions"][name]["name"] for name in functions)
    assert sorted(deployed.apis) == sorted(
        (["HTTP"] if app.http is not None else []) + (["WEBSOCKET"] if app.ws is not None else []))
    assert len(deployed.apigw.get_apis()["Items"]) == len(deployed.apis)

    # --- WebSocket API: routes, integrations, stage, the deployment the stage serves ---
    ws_api = deployed.apis.get("WEBSOCKET")
    if app.ws is None:
        assert ws_api is None
    else:
        assert ws_api is not None, "no WEBSOCKET API deployed"
        assert ws_api["RouteSelectionExpression"] == "$request.body.action"
        assert ws_api["ApiEndpoint"].startswith("wss://")
        assert out["ws_url"] == f"{ws_api['ApiEndpoint']}/{ENV}"
        assert out["ws_callback_url"] == f"https://{ws_api['ApiEndpoint'].removeprefix('wss://')}/{ENV}"
        routes = deployed.routes(ws_api["ApiId"])
        assert sorted(routes) == sorted(r.route_key for r in app.ws)
        for ws_route in app.ws:
            fn_arn = out["functions"][ws_route.function]["arn"]
            target = routes[ws_route.route_key]["Target"]
            assert deployed.integration_uri(ws_api["ApiId"], target) == invoke_uri(fn_arn), ws_route
        stage = deployed.apigw.get_stage(ApiId=ws_api["ApiId"], StageName=ENV)
        assert stage["DeploymentId"], "the WebSocket stage points at no deployment"
        served = deployment_routes(deployed.apigw, ws_api["ApiId"], stage["DeploymentId"])
        assert [(r["routeKey"], r["integrationUri"]) for r in served] == sorted(
            (r.route_key, invoke_uri(out["functions"][r.function]["arn"])) for r in app.ws
        ), "the stage's deployment does not serve the current routes"
        ws_exec = f"arn:aws:execute-api:{REGION}:{account}:{ws_api['ApiId']}"
        for name in sorted({r.function for r in app.ws}):
            expected = sorted(f"{ws_exec}/{ENV}/{r.route_key}" for r in app.ws if r.function == name)
            assert deployed.source_arns(name) == expected

        if ROOT_VARIABLES.get("create_api_gateway_account_role"):
            role_arn = deployed.apigw_v1.get_account()["cloudwatchRoleArn"]
            role_name = role_arn.rsplit("/", 1)[1]
            attached = deployed.iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
            assert [p["PolicyName"] for p in attached] == ["AmazonAPIGatewayPushToCloudWatchLogs"]

    # --- HTTP API: every IR route, proxied to its function, invoke scoped to the route ---
    http_api = deployed.apis.get("HTTP")
    if app.http is None:
        assert http_api is None
    else:
        assert http_api is not None, "no HTTP API deployed"
        routes = deployed.routes(http_api["ApiId"])
        stage = deployed.apigw.get_stage(ApiId=http_api["ApiId"], StageName="$default")
        assert stage["AutoDeploy"] is True
        assert out["http_url"].rstrip("/") == http_api["ApiEndpoint"].rstrip("/")
        payload = "1.0" if app.aws.apigateway == "httpv1" else "2.0"
        http_exec = f"arn:aws:execute-api:{REGION}:{account}:{http_api['ApiId']}"
        for route in app.http:
            assert route.route_key in routes, f"route {route.route_key} missing; have {sorted(routes)}"
            integration_id = routes[route.route_key]["Target"].split("/", 1)[1]
            integration = deployed.apigw.get_integration(ApiId=http_api["ApiId"],
                                                         IntegrationId=integration_id)
            assert integration["IntegrationType"] == "AWS_PROXY"
            assert integration["PayloadFormatVersion"] == payload
            assert integration["IntegrationUri"] in (
                invoke_uri(out["functions"][route.function]["arn"]), out["functions"][route.function]["arn"]
            )
        for name in sorted({r.function for r in app.http}):
            expected = sorted(f"{http_exec}/*/{r.arn_path}" for r in app.http if r.function == name)
            assert deployed.source_arns(name) == expected
        ir_keys = {r.route_key for r in app.http}
        extra = sorted(set(routes) - ir_keys)
        # Only the static proxy may add routes (Architect's /_static, and / where no route serves it).
        assert all(key.split(" ", 1)[1].startswith("/_static/") or key.endswith(" /") for key in extra), extra

    # --- functions: settings, environment, role, logs ---
    static_bucket = out.get("static_bucket")
    for name, fn in functions.items():
        got = deployed.function(name)["Configuration"]
        cfg = fn.config
        assert got["FunctionName"] == out["functions"][name]["name"]
        full_name = f"{app.name}-{ENV}-{name}"  # shortened deterministically only past 64 characters
        assert got["FunctionName"] == full_name if len(full_name) <= 64 else len(got["FunctionName"]) == 64
        assert (got["Runtime"], got["Handler"], got["Architectures"], got["MemorySize"], got["Timeout"],
                got["EphemeralStorage"]["Size"]) == (
            cfg.runtime, cfg.handler, [cfg.architecture], cfg.memory, cfg.timeout, cfg.storage), name
        assert [layer["Arn"] for layer in got.get("Layers", [])] == list(cfg.layers)
        concurrency = deployed.lam.get_function_concurrency(FunctionName=got["FunctionName"])
        assert concurrency.get("ReservedConcurrentExecutions") == cfg.concurrency, name

        env = got["Environment"]["Variables"]
        role_name = got["Role"].rsplit("/", 1)[1]
        assert env["ARC_APP_NAME"] == app.name
        assert env["ARC_ENV"] == ENV
        assert env["ARC_STACK_NAME"] == out["stack_name"]
        assert env["ARC_SESSION_TABLE_NAME"] == "jwe"
        assert env["ARC_ROLE"] == role_name
        if fn.kind == "ws" or "ARC_WSS_URL" in env:
            assert env["ARC_WSS_URL"] == out["ws_url"], name
        if app.static is not None and (fn.kind == "http" or "ARC_STATIC_BUCKET" in env):
            assert env["ARC_STATIC_BUCKET"] == static_bucket, name
        if fn.root_handler and app.static is not None:
            assert env["ARC_STATIC_SPA"] == ("true" if app.static.spa else "false")
        for key, value in app.env_for(ENV).items():
            assert env[key] == value, key

        role = deployed.iam.get_role(RoleName=role_name)["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert [s["Principal"] for s in trust["Statement"]] == [{"Service": LAMBDA_TRUST}]
        arn = f"{REGION}:{account}"
        allowed = {"logs": (f"arn:aws:logs:{arn}:log-group:/aws/lambda/{got['FunctionName']}",),
                   "ssm": (f"arn:aws:ssm:{arn}:parameter/{out['stack_name']}",)}
        if ws_api is not None:
            allowed["execute-api"] = (f"arn:aws:execute-api:{arn}:{ws_api['ApiId']}/{ENV}",)
        if static_bucket:
            allowed["s3"] = (f"arn:aws:s3:::{static_bucket}",)
        check_least_privilege(deployed.role_policy_documents(role_name), name, allowed)
        zip_path = bundles / f"{name}.zip"
        built_sha = base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode()
        assert got["CodeSha256"] == built_sha, f"{name}: deployed code is not {zip_path.name}"

        log_group = f"/aws/lambda/{got['FunctionName']}"
        log_groups = deployed.logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
        matching = [g for g in log_groups if g["logGroupName"] == log_group]
        assert matching and matching[0].get("retentionInDays"), f"no log group with retention for {name}"
        assert got["LoggingConfig"]["LogGroup"] == log_group

    # --- every object went up after its bucket's versioning was on: each has a version id, so
    # destroying an object removes all its versions and destroy can delete the bucket. ---
    for bucket in deployed.s3.list_buckets()["Buckets"]:
        versions = deployed.s3.list_object_versions(Bucket=bucket["Name"]).get("Versions", [])
        unversioned = [v["Key"] for v in versions if v.get("VersionId") in (None, "null")]
        assert not unversioned, f"{bucket['Name']}: uploaded before versioning was on: {unversioned}"

    # --- static bucket: every file of the static folder, with its content type ---
    if app.static is not None:
        assert static_bucket
        keys = {}
        for page in deployed.s3.get_paginator("list_objects_v2").paginate(Bucket=static_bucket):
            keys.update({o["Key"]: o for o in page.get("Contents", [])})
        folder = app.project_dir / app.static.folder
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        prefix = f"{app.static.prefix.strip('/')}/" if app.static.prefix else ""
        # (Plain names: the apps deployed here use neither fingerprint nor ignore.)
        assert not app.static.fingerprint and not app.static.ignore
        assert sorted(keys) == [prefix + f for f in files]
        for rel in files:
            head = deployed.s3.head_object(Bucket=static_bucket, Key=prefix + rel)
            assert head["ContentType"] == CONTENT_TYPES[Path(rel).suffix], rel
            assert head["ContentLength"] == (folder / rel).stat().st_size
        stack = out["stack_name"]
        params = {p["Name"]: p["Value"] for p in
                  deployed.ssm.get_parameters_by_path(Path=f"/{stack}", Recursive=True)["Parameters"]}
        assert params.get(f"/{stack}/static/bucket") == static_bucket, params
        assert params.get(f"/{stack}/static/fingerprint") == ("true" if app.static.fingerprint else "false")


CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}


def within(resource: str, scope: str) -> bool:
    """`resource` is the ARN `scope` or below it (`scope/...`, `scope:...`), not a sibling."""
    base = scope.rstrip("/:")
    return resource == base or resource.startswith((base + "/", base + ":"))


def check_least_privilege(documents: list[dict], name: str, allowed: dict[str, tuple[str, ...]]) -> None:
    """Every Allow names its actions (no `*`, no `service:*`) and only this app's resources.

    `allowed` maps an action's service prefix to the resource ARN prefixes it may
    name: logs only the function's own log group, execute-api only this API's
    stage, SSM only the app's parameter path, S3 only the static bucket.
    """
    assert documents, f"{name}: its role has no inline policy"
    for document in documents:
        statements = document["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement["Effect"] != "Allow":
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) \
                else [statement["Resource"]]
            assert "NotAction" not in statement and "NotResource" not in statement, (name, statement)
            for action in actions:
                service = action.split(":", 1)[0]
                assert action != "*" and not action.endswith(":*"), (name, statement)
                assert service in allowed, f"{name}: unexpected grant {statement}"
                for resource in resources:
                    assert any(within(resource, scope) for scope in allowed[service]), \
                        f"{name}: {action} on {resource}"


def test_echo_deploys_redeploys_and_destroys(moto_deploy: MotoDeploy, tmp_path: Path):
    from arc2tf.normalize import load_app

    project = tmp_path / "echo"
    shutil.copytree(EXAMPLES / "echo", project)
    arc2tf_build(project)
    app = load_app(project)

    moto_deploy.sync(project, ROOT, ROOT_VARIABLES)
    moto_deploy.apply()
    check_deployed(app, Deployed(moto_deploy), project / "terraform" / "bundles")
    code, plan = moto_deploy.plan_exit_code()
    assert code == 0, f"plan right after apply is not empty:\n{plan}"

    # A rebuild with no change: same Terraform, same zips, nothing to do.
    arc2tf_build(project)
    moto_deploy.sync(project, ROOT, ROOT_VARIABLES)
    code, plan = moto_deploy.plan_exit_code()
    assert code == 0, f"plan after a no-change rebuild is not empty:\n{plan}"

    # One handler edited: the plan touches that function (and its content-addressed code object) only.
    edited = app.function("ws-default")
    handler = project / edited.src / "index.mjs"
    handler.write_text(handler.read_text() + "\n// edited\n")
    arc2tf_build(project)
    moto_deploy.sync(project, ROOT, ROOT_VARIABLES)
    changes = moto_deploy.planned_changes()
    assert changes, "editing a handler planned no change"
    assert {c["key"] for c in changes} == {edited.name}, changes
    assert [c["action"] for c in changes if c["type"] == "aws_lambda_function"] == ["update"], changes
    # (Applied together with the next step: one apply less, the same end state.)

    # A new WebSocket action: a new route, live in a new deployment of the stage.
    ws_api_id = Deployed(moto_deploy).apis["WEBSOCKET"]["ApiId"]
    before = moto_deploy.server.client("apigatewayv2", REGION).get_stage(ApiId=ws_api_id, StageName=ENV)
    (project / "app.arc").write_text((project / "app.arc").read_text().replace("@ws\n", "@ws\njoin\n", 1))
    join_dir = project / "src" / "ws" / "join"
    join_dir.mkdir(parents=True)
    (join_dir / "index.mjs").write_text("export async function handler () { return { statusCode: 200 } }\n")
    arc2tf_build(project)
    app = load_app(project)
    assert "join" in [r.route_key for r in app.ws]
    moto_deploy.sync(project, ROOT, ROOT_VARIABLES)
    moto_deploy.apply()
    deployed = Deployed(moto_deploy)
    check_deployed(app, deployed, project / "terraform" / "bundles")
    after = deployed.apigw.get_stage(ApiId=ws_api_id, StageName=ENV)
    assert after["DeploymentId"] != before["DeploymentId"]
    served = deployment_routes(deployed.apigw, ws_api_id, after["DeploymentId"])
    assert "join" in [r["routeKey"] for r in served]

    # The state is fresh: the apply above read everything back and the plan found no drift.
    moto_deploy.destroy("-refresh=false")
    assert moto_deploy.state_addresses() == []
    assert deployed.apigw.get_apis()["Items"] == []
    assert deployed.lam.list_functions()["Functions"] == []
    print("terraform timings:", [(c, round(t, 1)) for c, t in moto_deploy.tf.timings])


# An app that exercises what echo does not: path parameters, a catchall, ANY, a Python
# runtime from @aws, a config.arc override with reserved concurrency, prefs.arc variables,
# an SPA static site, custom WebSocket actions from the start.
RICH_APP = {
    "app.arc": """@app
rich-app

@http
get /
get /things/:id
post /things
get /files/*
any /anything
delete /things/:id

@ws
join
leave

@static
spa true

@aws
runtime python3.12
memory 512
timeout 10
architecture x86_64
""",
    "prefs.arc": """@env
staging
  FOO bar
  GREETING "hello world"
""",
    "src/http/post-things/config.arc": """@aws
runtime nodejs20.x
memory 1024
concurrency 5
architecture arm64
timeout 30
storage 1024
""",
    "src/http/post-things/index.mjs": "export async function handler () { return { statusCode: 201 } }\n",
    "public/index.html": "<!doctype html><h1>rich</h1>\n",
    "public/app.css": "body { margin: 0 }\n",
}
PYTHON_HANDLER = "def handler(event, context):\n    return {'statusCode': 200}\n"


def test_rich_app_deploys_as_the_ir_says(moto_deploy: MotoDeploy, tmp_path: Path):
    from arc2tf.normalize import load_app

    project = tmp_path / "rich"
    for rel, text in RICH_APP.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    for fn in load_app(project).functions:
        if not (project / fn.src).is_dir():
            (project / fn.src).mkdir(parents=True)
            (project / fn.src / "lambda.py").write_text(PYTHON_HANDLER)
    arc2tf_build(project)
    app = load_app(project)
    assert app.function("post-things").config.concurrency == 5 and app.env_for(ENV)

    moto_deploy.sync(project, ROOT, ROOT_VARIABLES)
    moto_deploy.apply()
    check_deployed(app, Deployed(moto_deploy), project / "terraform" / "bundles")
    code, plan = moto_deploy.plan_exit_code()
    assert code == 0, f"plan right after apply is not empty:\n{plan}"
    moto_deploy.destroy("-refresh=false")
    assert moto_deploy.state_addresses() == []
