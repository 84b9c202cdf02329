"""Deploy tests: `terraform apply` against the extended moto server, then ask moto what is there.

`test_harness_*` prove the harness itself on a small hand-written WebSocket
stack (quick insurance: when they fail, the harness or moto broke, not arc2tf).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.moto_server import MotoDeploy, deployment_routes

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
