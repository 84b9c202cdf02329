"""moto's server on 127.0.0.1, extended with what Terraform needs to deploy arc2tf's stack.

Stock moto 5 implements API Gateway v2 APIs, routes, integrations and stages,
but not what a WebSocket API needs to go live, and it drops a few fields the
AWS provider reads back (so a plan right after an apply would show changes
that real AWS would not). `install_extensions()` adds, in the server process
only:

* API Gateway v2 deployments: CreateDeployment, GetDeployment(s),
  UpdateDeployment, DeleteDeployment. A deployment is a snapshot of the API's
  routes and their integrations at the moment it is made (as in AWS); the
  snapshot is returned in an extra `arc2tfRoutes` field of GetDeployment that
  `deployment_routes()` reads, so a test can see which routes a stage serves.
  AWS's rules are kept: no deployment of an API without routes, no deleting a
  deployment a stage still points at (this is what makes `create_before_destroy`
  on `aws_apigatewayv2_deployment` necessary).
* Stages: `deploymentId` on create and in responses (validated), UpdateStage,
  and an automatic deployment for auto-deploy (HTTP) stages. As in AWS, a
  WebSocket stage that logs (access logs, or a logging level) is refused until
  the region's API Gateway account has a CloudWatch role (`UpdateAccount`).
* `wss://` `apiEndpoint` for WEBSOCKET APIs (moto says `https://`).
* Lambda: `LoggingConfig` (moto drops it; AWS answers the default
  `{LogFormat: Text, LogGroup: /aws/lambda/<name>}`), `EphemeralStorage` and
  `LoggingConfig` in UpdateFunctionConfiguration, `Architectures` in
  UpdateFunctionCode.

The server runs in a child process (`start_moto_server()`): the patches never
leak into the test process, and Terraform and the server do not share a GIL.
Works with moto 5.2.1 through 5.2.5 (it patches only models and response
classes whose shape both share, and routes the new paths through moto's own
URL tables).

The module also holds the Terraform side of a deploy test: the provider
override that points every endpoint at the server (`provider_override_tf`),
and `MotoDeploy`, which applies a copy of a root against the server with its
state in a scratch dir (terraform and the mirror come from tests/tfharness.py).

To see what stock moto lacks, run the tests with ARC2TF_TEST_PLAIN_MOTO=1: the
server then starts without the extensions (and the deploy tests fail).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

MOTO_ACCOUNT_ID = "123456789012"  # moto's default account: what STS answers the provider

# Services the generated Terraform may call, all sent to the one moto endpoint.
# (Names are the provider's `endpoints` block arguments.)
PROVIDER_ENDPOINT_SERVICES = (
    "acm", "apigateway", "apigatewayv2", "cloudfront", "cloudwatch", "cloudwatchlogs",
    "dynamodb", "events", "iam", "kms", "lambda", "route53", "s3", "secretsmanager",
    "scheduler", "sns", "sqs", "ssm", "sts",
)


# --------------------------------------------------------------------------------------
# Extensions (run in the server process)
# --------------------------------------------------------------------------------------

def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_id(length: int) -> str:
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(length))


def install_extensions() -> None:
    """Patch moto's API Gateway v2 and Lambda models in this process. Idempotent."""
    from moto.apigatewayv2 import models as v2_models

    if getattr(v2_models, "_arc2tf_extended", False):
        return
    _extend_apigatewayv2()
    _extend_lambda()
    v2_models._arc2tf_extended = True  # type: ignore[attr-defined]


def _extend_apigatewayv2() -> None:
    import moto.apigatewayv2.urls as v2_urls
    from moto.apigatewayv2 import models as v2_models
    from moto.apigatewayv2.exceptions import BadRequestException
    from moto.apigatewayv2.responses import ApiGatewayV2Response
    from moto.core.exceptions import JsonRESTError

    class DeploymentNotFound(JsonRESTError):
        code = 404

        def __init__(self, deployment_id: str) -> None:
            super().__init__("NotFoundException", f"Invalid Deployment identifier specified {deployment_id}")

    def deployments_of(api: Any) -> dict[str, dict[str, Any]]:
        # Kept on the Api object, so deleting the API deletes its deployments.
        if not hasattr(api, "arc2tf_deployments"):
            api.arc2tf_deployments = {}
        return api.arc2tf_deployments

    def route_snapshot(api: Any) -> list[dict[str, Any]]:
        routes = []
        for route in api.routes.values():
            target = route.target or ""
            integration_uri = None
            if target.startswith("integrations/"):
                integration = api.integrations.get(target.split("/", 1)[1])
                integration_uri = getattr(integration, "integration_uri", None) if integration else None
            routes.append({"routeKey": route.route_key, "target": target, "integrationUri": integration_uri})
        return sorted(routes, key=lambda r: r["routeKey"])

    def create_deployment(api: Any, description: str | None, auto: bool) -> dict[str, Any]:
        if not auto and not api.routes:
            raise BadRequestException("Unable to deploy API because no routes exist in this API")
        deployment = {
            "deploymentId": _new_id(6),
            "deploymentStatus": "DEPLOYED",
            "createdDate": _now_iso(),
            "autoDeployed": auto,
        }
        if description:
            deployment["description"] = description
        deployments_of(api)[deployment["deploymentId"]] = {**deployment, "arc2tfRoutes": route_snapshot(api)}
        return deployment

    def require_logging_role(api: Any, config: dict[str, Any]) -> None:
        # AWS: a WebSocket (or REST) stage that logs needs the account's API Gateway
        # CloudWatch role (apigateway UpdateAccount cloudwatchRoleArn) in that region.
        if api.protocol_type != "WEBSOCKET":
            return
        route_settings = [config.get("defaultRouteSettings") or {},
                          *(config.get("routeSettings") or {}).values()]
        logs = bool((config.get("accessLogSettings") or {}).get("destinationArn")) or any(
            s.get("loggingLevel") in ("ERROR", "INFO") or s.get("dataTraceEnabled") for s in route_settings
        )
        if not logs:
            return
        from moto.apigateway.models import apigateway_backends

        account = apigateway_backends[api.backend.account_id][api.backend.region_name].account
        if not account.cloudwatch_role_arn:
            raise BadRequestException(
                "CloudWatch Logs role ARN must be set in account settings to enable logging")

    def public(deployment: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in deployment.items() if k != "arc2tfRoutes"}

    # --- models ---
    original_api_init = v2_models.Api.__init__

    def api_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_api_init(self, *args, **kwargs)
        if self.protocol_type == "WEBSOCKET":
            # AWS gives WebSocket APIs a wss:// endpoint; the provider passes it through.
            self.api_endpoint = "wss://" + self.api_endpoint.split("://", 1)[1]

    original_stage_init = v2_models.Stage.__init__
    original_stage_to_json = v2_models.Stage.to_json

    def stage_init(self: Any, api: Any, config: dict[str, Any]) -> None:
        require_logging_role(api, config)
        original_stage_init(self, api, config)
        deployment_id = config.get("deploymentId")
        if deployment_id and deployment_id not in deployments_of(api):
            raise DeploymentNotFound(deployment_id)
        self.deployment_id = deployment_id
        if api.protocol_type == "HTTP" and config.get("autoDeploy"):
            # An auto-deploy stage gets a deployment at once, and the stage points at it.
            self.deployment_id = create_deployment(api, "Automatic deployment", auto=True)["deploymentId"]

    def stage_to_json(self: Any) -> dict[str, Any]:
        data = original_stage_to_json(self)
        if getattr(self, "deployment_id", None):
            data["deploymentId"] = self.deployment_id
        return data

    v2_models.Api.__init__ = api_init
    v2_models.Stage.__init__ = stage_init
    v2_models.Stage.to_json = stage_to_json

    # --- responses: moto dispatches on the botocore operation name in snake_case ---
    def api_from_path(response: Any) -> Any:
        parts = response.path.split("/")
        return response.apigatewayv2_backend.get_api(parts[parts.index("apis") + 1])

    def last_path_part(response: Any) -> str:
        return unquote(response.path.rstrip("/").split("/")[-1])

    def body_of(response: Any) -> dict[str, Any]:
        raw = response.body
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        return json.loads(raw or "{}")

    def r_create_deployment(self: Any) -> tuple[int, dict[str, str], str]:
        api = api_from_path(self)
        body = body_of(self)
        stage_name = body.get("stageName")
        stage = api.get_stage(stage_name) if stage_name else None
        deployment = create_deployment(api, body.get("description"), auto=False)
        if stage is not None:
            stage.deployment_id = deployment["deploymentId"]
        return 201, {}, json.dumps(deployment)

    def r_get_deployment(self: Any) -> tuple[int, dict[str, str], str]:
        api = api_from_path(self)
        deployment_id = last_path_part(self)
        deployment = deployments_of(api).get(deployment_id)
        if deployment is None:
            raise DeploymentNotFound(deployment_id)
        # The snapshot rides along as a field botocore ignores; see deployment_routes().
        return 200, {}, json.dumps(deployment)

    def r_get_deployments(self: Any) -> tuple[int, dict[str, str], str]:
        api = api_from_path(self)
        items = sorted(deployments_of(api).values(), key=lambda d: (d["createdDate"], d["deploymentId"]))
        return 200, {}, json.dumps({"items": [public(d) for d in items]})

    def r_update_deployment(self: Any) -> tuple[int, dict[str, str], str]:
        api = api_from_path(self)
        deployment_id = last_path_part(self)
        deployment = deployments_of(api).get(deployment_id)
        if deployment is None:
            raise DeploymentNotFound(deployment_id)
        body = body_of(self)
        if "description" in body:
            deployment["description"] = body["description"]
        return 200, {}, json.dumps(public(deployment))

    def r_delete_deployment(self: Any) -> tuple[int, dict[str, str], str]:
        api = api_from_path(self)
        deployment_id = last_path_part(self)
        if deployment_id not in deployments_of(api):
            raise DeploymentNotFound(deployment_id)
        for stage in api.stages.values():
            if getattr(stage, "deployment_id", None) == deployment_id:
                raise BadRequestException(
                    f"Active stages pointing to this deployment must be moved or deleted: {stage.name}"
                )
        del deployments_of(api)[deployment_id]
        return 204, {}, ""

    stage_fields = {
        "accessLogSettings": "access_log_settings",
        "autoDeploy": "auto_deploy",
        "clientCertificateId": "client_certificate_id",
        "defaultRouteSettings": "default_route_settings",
        "description": "description",
    }

    def r_update_stage(self: Any) -> tuple[int, dict[str, str], str]:
        api = api_from_path(self)
        stage = api.get_stage(last_path_part(self))
        body = body_of(self)
        require_logging_role(api, body)
        deployment_id = body.get("deploymentId")
        if deployment_id:
            if deployment_id not in deployments_of(api):
                raise DeploymentNotFound(deployment_id)
            stage.deployment_id = deployment_id
        for key, attr in stage_fields.items():
            if key in body:
                setattr(stage, attr, body[key])
        if "routeSettings" in body:
            # AWS merges route settings by route key.
            stage.route_settings = {**(stage.route_settings or {}), **body["routeSettings"]}
        if "stageVariables" in body:
            # An empty value removes a variable (the provider relies on that).
            stage.stage_variables = {k: v for k, v in body["stageVariables"].items() if v != ""}
        stage.updated = datetime.now()
        return 200, {}, json.dumps(stage.to_json())

    for name, handler in (
        ("create_deployment", r_create_deployment),
        ("get_deployment", r_get_deployment),
        ("get_deployments", r_get_deployments),
        ("update_deployment", r_update_deployment),
        ("delete_deployment", r_delete_deployment),
        ("update_stage", r_update_stage),
    ):
        setattr(ApiGatewayV2Response, name, handler)

    # Stock moto has no URL rule for deployments, so its server answers 404 before
    # dispatching; the stage rule exists already (PATCH reaches update_stage).
    v2_urls.url_paths["{0}/v2/apis/(?P<api_id>[^/]+)/deployments$"] = ApiGatewayV2Response.dispatch
    v2_urls.url_paths["{0}/v2/apis/(?P<api_id>[^/]+)/deployments/(?P<deployment_id>[^/]+)$"] = (
        ApiGatewayV2Response.dispatch
    )


def _extend_lambda() -> None:
    from moto.awslambda import models as lambda_models

    function_class = lambda_models.LambdaFunction
    original_init = function_class.__init__
    original_get_configuration = function_class.get_configuration
    original_update_configuration = function_class.update_configuration
    original_update_code = function_class.update_function_code

    def default_logging_config(fn: Any) -> dict[str, str]:
        return {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{fn.function_name}"}

    def init(self: Any, account_id: str, spec: dict[str, Any], region: str, version: Any = 1) -> None:
        original_init(self, account_id, spec, region, version)
        self.arc2tf_logging_config = {**default_logging_config(self), **(spec.get("LoggingConfig") or {})}

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = original_get_configuration(self, *args, **kwargs)
        config["LoggingConfig"] = dict(getattr(self, "arc2tf_logging_config", None)
                                       or default_logging_config(self))
        return config

    def update_configuration(self: Any, updates: dict[str, Any]) -> dict[str, Any]:
        if updates.get("LoggingConfig"):
            current = getattr(self, "arc2tf_logging_config", None) or default_logging_config(self)
            self.arc2tf_logging_config = {**current, **updates["LoggingConfig"]}
        if updates.get("EphemeralStorage"):
            self.ephemeral_storage = updates["EphemeralStorage"]["Size"]
        if updates.get("TracingConfig"):
            self.tracing_config = updates["TracingConfig"]
        return original_update_configuration(self, updates)

    def update_function_code(self: Any, updated_spec: dict[str, Any]) -> dict[str, Any]:
        if updated_spec.get("Architectures") and not updated_spec.get("DryRun"):
            self.architectures = updated_spec["Architectures"]
        return original_update_code(self, updated_spec)

    function_class.__init__ = init
    function_class.get_configuration = get_configuration
    function_class.update_configuration = update_configuration
    function_class.update_function_code = update_function_code


# --------------------------------------------------------------------------------------
# The server process
# --------------------------------------------------------------------------------------

_READY = "arc2tf-moto-ready port="


def _serve() -> None:
    """Child entry: serve on 127.0.0.1 (free port), print it, stop when stdin closes."""
    if os.environ.get("ARC2TF_TEST_PLAIN_MOTO") != "1":
        install_extensions()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _host, port = server.get_host_and_port()
    print(f"{_READY}{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # The parent holds our stdin: EOF (the parent closed it, or died) means stop.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    server.stop()


@dataclass
class MotoServer:
    """A running moto server in a child process."""

    endpoint: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[str]
    log_path: Path  # moto's request log (stderr of the child)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self, service: str, region: str = "us-west-2") -> Any:
        """A boto3 client for `service` that talks to this server."""
        import boto3

        return boto3.client(
            service, region_name=region, endpoint_url=self.endpoint,
            aws_access_key_id="test", aws_secret_access_key="test",
        )


def start_moto_server(log_dir: Path, startup_timeout: float = 60.0) -> MotoServer:
    """Start the extended moto server in a child process on a free 127.0.0.1 port."""
    log_path = log_dir / "moto.log"
    log = log_path.open("w")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Test credentials, so nothing in the child can reach a real account.
    env.setdefault("AWS_ACCESS_KEY_ID", "test")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    # AWS managed policies (service-role/AmazonAPIGatewayPushToCloudWatchLogs, the ones
    # `@aws policies` names) exist in every account; moto knows them only when asked.
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, env=env,
    )
    log.close()
    port = _read_port(process, startup_timeout)
    if port is None:
        process.kill()
        process.wait()
        raise RuntimeError(f"moto server did not start; its log:\n{log_path.read_text(errors='replace')}")
    return MotoServer(endpoint=f"http://127.0.0.1:{port}", process=process, log_path=log_path)


def _read_port(process: subprocess.Popen[str], timeout: float) -> int | None:
    result: list[int] = []
    found = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if not found.is_set() and line.startswith(_READY):
                result.append(int(line[len(_READY):].strip()))
                found.set()
        # Keep draining until the child exits, so a chatty server never blocks on a full pipe.

    threading.Thread(target=read, daemon=True).start()
    found.wait(timeout)
    return result[0] if result else None


@contextmanager
def running_moto_server(log_dir: Path) -> Iterator[MotoServer]:
    server = start_moto_server(log_dir)
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------------------
# Reading what the extensions add
# --------------------------------------------------------------------------------------

def deployment_routes(apigw: Any, api_id: str, deployment_id: str) -> list[dict[str, Any]]:
    """The routes (routeKey, target, integrationUri) a deployment snapshotted, sorted by key.

    The snapshot is a field botocore does not model, so read it from the raw
    response of GetDeployment.
    """
    captured: dict[str, Any] = {}

    def capture(http_response: Any, **_: Any) -> None:
        captured.update(json.loads(http_response.content or b"{}"))

    event = "after-call.apigatewayv2.GetDeployment"
    apigw.meta.events.register(event, capture)
    try:
        apigw.get_deployment(ApiId=api_id, DeploymentId=deployment_id)
    finally:
        apigw.meta.events.unregister(event, capture)
    return list(captured.get("arc2tfRoutes", []))


# --------------------------------------------------------------------------------------
# Terraform against the server
# --------------------------------------------------------------------------------------

def provider_override_tf(endpoint: str) -> str:
    """An `_override.tf` that points the root's `provider "aws"` at moto.

    Terraform merges it into the root's provider block. STS goes to moto too,
    so the provider learns moto's account id and every ARN it builds is well
    formed (which is why `skip_requesting_account_id` must stay off).
    """
    endpoints = "\n".join(f'    {name} = "{endpoint}"' for name in PROVIDER_ENDPOINT_SERVICES)
    return (
        'provider "aws" {\n'
        '  access_key                  = "test"\n'
        '  secret_key                  = "test"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  s3_use_path_style           = true\n"
        "  endpoints {\n"
        f"{endpoints}\n"
        "  }\n"
        "}\n"
    )


def local_backend_override_tf(state_path: Path) -> str:
    """An override that keeps the state in a scratch file, whatever backend the root has."""
    return (
        "terraform {\n"
        '  backend "local" {\n'
        f"    path = {json.dumps(str(state_path))}\n"
        "  }\n"
        "}\n"
    )


# --------------------------------------------------------------------------------------
# Running Terraform against the server (terraform and the mirror come from tests/tfharness.py)
# --------------------------------------------------------------------------------------

class TerraformError(AssertionError):
    pass


@dataclass
class Terraform:
    """Runs `terraform` offline: providers only from the mirror, no checkpoint calls."""

    binary: str
    env: dict[str, str]
    timings: list[tuple[str, float]] = field(default_factory=list)  # (command, seconds) per run

    def run(self, cwd: Path, *args: str, ok_codes: tuple[int, ...] = (0,),
            timeout: float = 600.0) -> subprocess.CompletedProcess[str]:
        command, *rest = args
        # Flags go before positional arguments (a plan file, a state address).
        color = ["-no-color"] if command in ("init", "validate", "plan", "apply", "destroy") else []
        started = time.monotonic()
        proc = subprocess.run(
            [self.binary, command, *color, *rest],
            cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout, check=False,
        )
        self.timings.append((" ".join(args[:1]), time.monotonic() - started))
        if proc.returncode not in ok_codes:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
            raise TerraformError(f"terraform {' '.join(args)} exited {proc.returncode} in {cwd}:\n{tail}")
        return proc

    def json(self, cwd: Path, command: str, *args: str) -> Any:
        return json.loads(self.run(cwd, command, "-json", *args).stdout)


class MotoDeploy:
    """Apply a root config against a moto server, on a copy, with state in a scratch dir.

    `sync()` copies a tree (the project with its generated `terraform/` dir) to a
    fresh copy and drops the overrides into the root, so the generated output
    is never touched. The state file and `.terraform/` (TF_DATA_DIR) live
    outside the copy and survive re-syncs, which is what a rebuild-then-plan
    cycle needs.
    """

    def __init__(self, binary: str, offline_env: dict[str, str], server: MotoServer, scratch: Path) -> None:
        """`offline_env`: the environment of tfharness's offline Terraform (CLI config, no checkpoint)."""
        self.server = server
        self.scratch = scratch
        self.state_path = scratch / "state" / "terraform.tfstate"
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in offline_env.items() if k not in ("TF_WORKSPACE", "TF_CLI_ARGS")}
        env["TF_DATA_DIR"] = str(scratch / "tfdata")  # .terraform/ outside the copy, kept across syncs
        self.tf = Terraform(binary=binary, env=env)
        self.root: Path | None = None

    def sync(self, tree: Path, root_rel: str, variables: dict[str, Any] | None = None) -> Path:
        copy = self.scratch / "tree"
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(tree, copy, symlinks=True,
                        ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*"))
        root = copy / root_rel
        (root / "zz_moto_provider_override.tf").write_text(provider_override_tf(self.server.endpoint))
        (root / "zz_moto_backend_override.tf").write_text(local_backend_override_tf(self.state_path))
        if variables:
            # What a user would put in terraform.tfvars; a separate file leaves theirs as built.
            (root / "zz_deploy_test.auto.tfvars.json").write_text(json.dumps(variables, sort_keys=True))
        self.root = root
        self.tf.run(root, "init", "-input=false", timeout=300)
        return root

    def _root(self) -> Path:
        if self.root is None:
            raise RuntimeError("sync() a tree first")
        return self.root

    def apply(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.tf.run(self._root(), "apply", "-auto-approve", "-input=false", *args)

    def destroy(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.tf.run(self._root(), "destroy", "-auto-approve", "-input=false", *args)

    def plan_exit_code(self, *args: str) -> tuple[int, str]:
        """`plan -detailed-exitcode`: 0 no changes, 2 changes (1 is an error and raises)."""
        proc = self.tf.run(self._root(), "plan", "-detailed-exitcode", "-input=false", *args, ok_codes=(0, 2))
        return proc.returncode, proc.stdout

    def planned_changes(self, *args: str) -> list[dict[str, Any]]:
        """The resource changes a plan would make: {address, type, key, action}, sorted by address.

        Read from `plan -json` (no `show` of a plan file: that would start the
        provider once more only to load its schema).
        """
        proc = self.tf.run(self._root(), "plan", "-json", "-detailed-exitcode", "-input=false", *args,
                           ok_codes=(0, 2))
        changes = []
        for line in proc.stdout.splitlines():
            message = json.loads(line) if line.startswith("{") else {}
            if message.get("type") != "planned_change":
                continue
            resource = message["change"]["resource"]
            changes.append({"address": resource["addr"], "type": resource["resource_type"],
                            "key": resource.get("resource_key"), "action": message["change"]["action"]})
        return sorted(changes, key=lambda c: c["address"])

    def outputs(self) -> dict[str, Any]:
        return {k: v["value"] for k, v in self.tf.json(self._root(), "output").items()}

    def state(self) -> dict[str, Any]:
        return self.tf.json(self._root(), "show")

    def state_addresses(self) -> list[str]:
        proc = self.tf.run(self._root(), "state", "list", ok_codes=(0, 1))
        return sorted(line for line in proc.stdout.splitlines() if line.strip())


if __name__ == "__main__":
    _serve()
