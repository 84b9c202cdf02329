"""The emitter: golden files, the structure of the Terraform it writes, determinism, build-time checks.

Golden files live in tests/golden/terraform/<case>/; regenerate them with
`python -m tests.regen_golden` and review the diff. Terraform itself checks
the same output in test_terraform_validate.py.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace

import hcl2
import pytest

from arc2tf import hcl
from arc2tf.emit import (
    CREATE_ONCE_FILES,
    ENV_VALUES_FILE,
    LOCAL_FILES,
    MAX_LAMBDA_NAME,
    EmitOptions,
    render_terraform,
    shorten,
    terraform_warnings,
    to_logical_id,
)
from arc2tf.errors import ArcErrors
from arc2tf.ir import DEPLOY_ENVIRONMENTS, StaticSite
from tests.ir_fixtures import REPO, build_app, echo_app, large_app, synthetic_apps
from tests.regen_golden import GOLDEN_DIR, golden_cases, render_case

_PLAIN = hcl2.SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)


def _unquote_keys(value):
    if isinstance(value, dict):
        return {(k[1:-1] if k.startswith('"') and k.endswith('"') else k): _unquote_keys(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_unquote_keys(v) for v in value]
    return value


def parse(text: str) -> dict:
    """python-hcl2's plain-data view of a file: string values and keys without their quotes."""
    return _unquote_keys(hcl2.load(io.StringIO(text), serialization_options=_PLAIN))


def module_file(files: dict[str, str], app_name: str, name: str) -> dict:
    return parse(files[f"modules/{app_name}/{name}"])


def resource(parsed: dict, kind: str, name: str) -> dict:
    for block in parsed.get("resource", []):
        if kind in block and name in block[kind]:
            return block[kind][name]
    raise KeyError(f"{kind}.{name}")


def locals_of(parsed: dict) -> dict:
    merged: dict = {}
    for block in parsed.get("locals", []):
        merged.update(block)
    return merged


# --- golden files -------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(golden_cases()))
def test_output_matches_golden_files(case: str) -> None:
    files = render_case(case)
    golden = GOLDEN_DIR / case
    on_disk = {p.relative_to(golden).as_posix(): p.read_text(encoding="utf-8")
               for p in sorted(golden.rglob("*")) if p.is_file()}
    assert sorted(files) == sorted(on_disk), "file set changed: run python -m tests.regen_golden"
    for path, text in files.items():
        assert text == on_disk[path], f"{case}/{path} changed: run python -m tests.regen_golden and review"


def test_golden_echo_comes_from_the_real_pipeline() -> None:
    """The hand-built echo IR the other tests use is what normalize produces for examples/echo."""
    from arc2tf.normalize import load_app

    loaded = load_app(REPO / "examples" / "echo")
    assert render_terraform(loaded) == render_terraform(echo_app())


def test_every_file_starts_with_a_header_naming_the_manifest() -> None:
    files = render_terraform(echo_app(), EmitOptions(manifest_display="examples/echo/app.arc"))
    for path, text in files.items():
        if path in LOCAL_FILES:
            continue  # JSON has no comments; test_env_values_go_to_a_gitignored_json_file_per_root
        first = text.splitlines()[0]
        assert first.startswith("# ") and "arc2tf" in first and "examples/echo/app.arc" in first, path
        assert "/work/" not in text and str(REPO) not in text, f"{path} names an absolute path"


# --- layout -------------------------------------------------------------------


def test_module_has_only_the_files_the_app_needs() -> None:
    ws_only = render_terraform(synthetic_apps()["ws-actions"])
    assert sorted(p for p in ws_only if p.startswith("modules/")) == [
        f"modules/chat/{f}" for f in
        ("functions.tf", "iam.tf", "main.tf", "outputs.tf", "variables.tf", "versions.tf", "ws.tf")
    ]
    echo = render_terraform(echo_app())
    assert {"modules/wsproj/http.tf", "modules/wsproj/ws.tf", "modules/wsproj/static.tf"} <= set(echo)
    for env in DEPLOY_ENVIRONMENTS:
        root_files = {f"{env}/{name}" for name in ("main.tf", "variables.tf", "outputs.tf",
                                                   "terraform.tfvars", ".gitignore", ENV_VALUES_FILE)}
        assert root_files == {p for p in echo if p.startswith(f"{env}/")}


def test_create_once_files_are_generated_and_marked_as_the_users() -> None:
    files = render_terraform(echo_app())
    for path in CREATE_ONCE_FILES:
        assert path in files
        assert "never overwrites" in files[path].splitlines()[0]


def test_roots_call_the_module_for_their_environment() -> None:
    files = render_terraform(echo_app())
    for env in DEPLOY_ENVIRONMENTS:
        root = parse(files[f"{env}/main.tf"])
        call = root["module"][0]["wsproj"]
        assert call["source"] == "../modules/wsproj"
        assert call["environment"] == env
        assert call["bundle_dir"] == "${path.root}/../bundles"
        assert call["static_dir"] == "${path.root}/../../public"
        assert root["provider"][0]["aws"]["region"] == "us-west-2"
        assert "backend" not in json.dumps(root["terraform"])
        outputs = {name for block in parse(files[f"{env}/outputs.tf"])["output"] for name in block}
        expected = {"http_url", "ws_url", "ws_callback_url", "static_bucket", "static_url", "functions"}
        assert expected <= outputs


def test_static_dir_follows_the_output_dir() -> None:
    files = render_terraform(echo_app(), EmitOptions(out_dir_from_project="infra/tf"))
    call = parse(files["staging/main.tf"])["module"][0]["wsproj"]
    assert call["static_dir"] == "${path.root}/../../../public"


def test_backend_s3_writes_a_partial_backend_block() -> None:
    files = render_terraform(echo_app(), EmitOptions(backend="s3"))
    for env in DEPLOY_ENVIRONMENTS:
        assert parse(files[f"{env}/main.tf"])["terraform"][0]["backend"] == [{"s3": {}}]
    with pytest.raises(ArcErrors):
        render_terraform(echo_app(), EmitOptions(backend="gcs"))


def test_module_variables_are_typed_and_described() -> None:
    for case in ("example-echo", "ws-actions"):
        files = render_case(case)
        for path in [p for p in files if p.endswith(("variables.tf", "outputs.tf"))]:
            parsed = parse(files[path])
            for block in parsed.get("variable", []):
                for name, body in block.items():
                    assert body.get("description") and body.get("type"), f"{path}: variable {name}"
            for block in parsed.get("output", []):
                for name, body in block.items():
                    assert body.get("description"), f"{path}: output {name}"
    variables = parse(render_case("example-echo")["modules/wsproj/variables.tf"])["variable"]
    names = {name for block in variables for name in block}
    assert {"environment", "bundle_dir", "static_dir", "tags", "log_retention_days", "permissions_boundary",
            "extra_policy_arns", "function_overrides"} <= names


# --- what the Terraform says --------------------------------------------------


def test_http_routes_and_permissions_are_keyed_by_route_key_with_scoped_source_arns() -> None:
    app = synthetic_apps()["params"]
    files = render_terraform(app)
    http = module_file(files, "params", "http.tf")
    routes = locals_of(http)["http_routes"]
    assert sorted(routes) == sorted(r.route_key for r in app.http)
    for r in app.http:
        assert routes[r.route_key]["function"] == r.function
        assert routes[r.route_key]["arn_path"] == r.arn_path
    assert routes["GET /things/{id}"]["arn_path"] == "GET/things/*"
    assert routes["ANY /files/{proxy+}"]["arn_path"] == "*/files/*"
    assert routes["GET /"]["arn_path"] == "GET/"
    statement_ids = [v["statement_id"] for v in routes.values()]
    assert len(set(statement_ids)) == len(statement_ids)
    permission = resource(http, "aws_lambda_permission", "http")
    assert permission["for_each"] == "${local.http_routes}"
    assert permission["source_arn"] == "${aws_apigatewayv2_api.http.execution_arn}/*/${each.value.arn_path}"
    integration = resource(http, "aws_apigatewayv2_integration", "http")
    assert integration["payload_format_version"] == "2.0"
    assert integration["integration_type"] == "AWS_PROXY"
    stage = resource(http, "aws_apigatewayv2_stage", "http")
    assert stage["name"] == "$default" and stage["auto_deploy"] is True
    assert stage["access_log_settings"]


def test_httpv1_uses_payload_format_1_0() -> None:
    files = render_terraform(synthetic_apps()["httpv1"])
    integration = resource(module_file(files, "legacy", "http.tf"), "aws_apigatewayv2_integration", "http")
    assert integration["payload_format_version"] == "1.0"
    assert parse(files["staging/main.tf"])["provider"][0]["aws"]["region"] == "eu-west-1"


def test_static_proxy_routes_and_asap() -> None:
    echo = locals_of(module_file(render_terraform(echo_app()), "wsproj", "http.tf"))
    assert sorted(echo["static_routes"]) == ["GET /_static/{proxy+}"]
    asap = locals_of(module_file(render_terraform(synthetic_apps()["asap"]), "site", "http.tf"))
    assert asap["static_routes"]["GET /"] == {"origin": "website", "path": "assets/"}
    assert asap["static_routes"]["GET /{proxy+}"] == {"origin": "website", "path": "assets/{proxy}"}


def test_websocket_deployment_is_triggered_by_every_route_including_custom_actions() -> None:
    app = synthetic_apps()["ws-actions"]
    ws = module_file(render_terraform(app), "chat", "ws.tf")
    routes = locals_of(ws)["ws_routes"]
    assert sorted(routes) == sorted(["$connect", "$default", "$disconnect", "join", "leave", "say"])
    for r in app.ws:
        assert routes[r.route_key]["function"] == r.function
    for kind in ("aws_apigatewayv2_route", "aws_apigatewayv2_integration", "aws_lambda_permission"):
        assert resource(ws, kind, "ws")["for_each"] == "${local.ws_routes}"
    deployment = resource(ws, "aws_apigatewayv2_deployment", "ws")
    trigger = deployment["triggers"]["redeployment"]
    # The hash covers the whole for_each maps, so a new action redeploys the stage.
    assert "aws_apigatewayv2_route.ws" in trigger and "aws_apigatewayv2_integration.ws" in trigger
    assert deployment["lifecycle"][0]["create_before_destroy"] is True
    stage = resource(ws, "aws_apigatewayv2_stage", "ws")
    assert stage["name"] == "${var.environment}"
    assert stage["deployment_id"] == "${aws_apigatewayv2_deployment.ws.id}"
    assert stage["access_log_settings"]
    permission = resource(ws, "aws_lambda_permission", "ws")
    expected_arn = "${aws_apigatewayv2_api.ws.execution_arn}/${var.environment}/${each.key}"
    assert permission["source_arn"] == expected_arn
    api = resource(ws, "aws_apigatewayv2_api", "ws")
    assert api["route_selection_expression"] == "$request.body.action"


def test_functions_carry_ir_settings_and_architect_env() -> None:
    apps = synthetic_apps()
    files = render_terraform(apps["python-env"])
    functions = locals_of(module_file(files, "pyapp", "functions.tf"))["functions"]
    hook = functions["post-hook"]
    assert (hook["runtime"], hook["handler"], hook["memory"], hook["reserved_concurrency"]) == \
        ("python3.12", "lambda.handler", 256, 5)
    assert hook["default_env"] == {"PYTHONPATH": "/var/task/vendor:/var/runtime:/opt/python"}
    assert hook["layers"] == ["arn:aws:lambda:us-west-2:123456789012:layer:deps:3"]
    assert functions["get-index"]["reserved_concurrency"] == -1
    assert functions["get-index"]["arc_env"] == {"ARC_STATIC_SPA": "false"}  # the root handler
    assert functions["post-hook"]["arc_env"] == {}
    iam = module_file(files, "pyapp", "iam.tf")
    assert locals_of(iam)["declared_policies"] == {
        "post-hook arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess": {
            "function": "post-hook", "arn": "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"},
    }
    echo = render_terraform(echo_app())
    arc_env = locals_of(module_file(echo, "wsproj", "functions.tf"))["arc_env"]
    assert set(arc_env) == {"ARC_APP_NAME", "ARC_ENV", "ARC_SESSION_TABLE_NAME", "ARC_STACK_NAME",
                            "ARC_STATIC_BUCKET", "ARC_WSS_URL"}
    assert arc_env["ARC_WSS_URL"] == "${aws_apigatewayv2_api.ws.api_endpoint}/${var.environment}"
    lambda_fn = resource(module_file(echo, "wsproj", "functions.tf"), "aws_lambda_function", "function")
    assert lambda_fn["s3_bucket"] and lambda_fn["s3_key"]
    assert lambda_fn["source_code_hash"] == "${filebase64sha256(local.bundles[each.key])}"
    main = locals_of(module_file(echo, "wsproj", "main.tf"))
    assert main["stack_name"] == "Wsproj${title(var.environment)}"


def test_env_values_go_to_a_gitignored_json_file_per_root() -> None:
    app = synthetic_apps()["python-env"]
    files = render_terraform(app)
    for env in DEPLOY_ENVIRONMENTS:
        text = files[f"{env}/{ENV_VALUES_FILE}"]
        assert json.loads(text) == {"arc_environment_variables": dict(app.env_for(env))}
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"  # stable layout
        gitignore = files[f"{env}/.gitignore"].splitlines()
        assert gitignore[0].startswith("# Generated by arc2tf") and ENV_VALUES_FILE in gitignore
        assert any("secret" in line for line in gitignore if line.startswith("#"))
    assert f"{ENV_VALUES_FILE} " not in files["staging/main.tf"]
    for path, text in files.items():  # the values appear in no other file
        if path not in LOCAL_FILES:
            assert "st-${not-a-template}" not in text and "st-$${not-a-template}" not in text, path
            assert '"prod"' not in text, path
    assert files["staging/arc2tf-env.auto.tfvars.json"] == (
        '{\n  "arc_environment_variables": {\n    "API_KEY": "st-${not-a-template}",\n'
        '    "QUOTE": "say \\"hi\\"\\n"\n  }\n}\n'
    )
    assert render_terraform(echo_app())["staging/arc2tf-env.auto.tfvars.json"] == \
        '{\n  "arc_environment_variables": {}\n}\n'


def test_roots_are_the_same_with_or_without_prefs() -> None:
    """A clean clone without prefs.arc generates the same committed Terraform."""
    app = synthetic_apps()["python-env"]
    with_prefs, without = render_terraform(app), render_terraform(replace(app, env=None))
    assert {p: t for p, t in with_prefs.items() if p not in LOCAL_FILES} == \
        {p: t for p, t in without.items() if p not in LOCAL_FILES}
    for env in DEPLOY_ENVIRONMENTS:
        call = parse(with_prefs[f"{env}/main.tf"])["module"][0]["pyapp"]
        assert call["environment_variables"] == \
            "${merge(var.arc_environment_variables, var.environment_variables)}"
        variables = {name: body for block in parse(with_prefs[f"{env}/variables.tf"])["variable"]
                     for name, body in block.items()}
        declared = variables["arc_environment_variables"]
        assert declared["type"] == "${map(string)}"
        assert "default" not in declared  # an apply without the values fails instead of dropping them
        assert "TF_VAR_arc_environment_variables" in declared["description"]
        assert "arc2tf build" in declared["description"]


def test_functions_with_env_false_get_no_user_variables() -> None:
    """`@arc env false`: Architect sets ARC_DISABLE_ENV_VARS, keeps ARC_SESSION_TABLE_NAME at its
    default and adds none of the app's variables; its own ARC_* variables stay."""
    files = render_terraform(synthetic_apps()["env-disabled"])
    functions_tf = module_file(files, "private", "functions.tf")
    functions = locals_of(functions_tf)["functions"]
    assert functions["get-index"]["user_env"] is True
    assert functions["get-index"]["arc_env"] == {"ARC_STATIC_SPA": "false"}
    for name in ("post-webhook", "ws-default"):
        assert functions[name]["user_env"] is False
        assert functions[name]["arc_env"] == {"ARC_DISABLE_ENV_VARS": "true", "ARC_SESSION_TABLE_NAME": "jwe"}
    assert set(functions["ws-default"]["default_env"]) == {"PYTHONPATH"}
    variables = resource(functions_tf, "aws_lambda_function", "function")["environment"][0]["variables"]
    assert variables.replace(" ", "").replace("\n", "") == (
        "${merge(each.value.default_env,each.value.user_env?var.environment_variables:{},local.arc_env,"
        "each.value.arc_env,{ARC_ROLE=aws_iam_role.function[each.key].name})}"
    )


def test_hcl_strings_are_escaped() -> None:
    assert hcl.quote("%{ if x }${y}\\") == '"%%{ if x }$${y}\\\\"'
    assert hcl.quote("tab\tnul\x00") == '"tab\\tnul\\u0000"'


def test_lambda_names_fit_64_characters_and_stay_unique() -> None:
    app = synthetic_apps()["long-names"]
    files = render_terraform(app)
    module = next(p.split("/")[1] for p in files if p.startswith("modules/"))
    functions = locals_of(module_file(files, module, "functions.tf"))
    prefix = locals_of(module_file(files, module, "main.tf"))["name_prefix"]
    names = set()
    for env in DEPLOY_ENVIRONMENTS:
        for fn in functions["functions"].values():
            name = prefix.replace("${var.environment}", env) + "-" + fn["name_part"]
            assert len(name) <= MAX_LAMBDA_NAME, name
            names.add(name)
    assert len(names) == 2 * len(app.functions)
    assert shorten("x" * 100, 30) == shorten("x" * 100, 30) and len(shorten("x" * 100, 30)) == 30


def test_to_logical_id_matches_architect() -> None:
    assert to_logical_id("an-app-staging") == "AnAppStaging"
    assert to_logical_id("wsproj-production") == "WsprojProduction"
    assert to_logical_id("my_app-staging") == "MyAppStaging"


# --- build-time checks -------------------------------------------------------


def test_more_than_300_http_routes_warns_but_builds() -> None:
    app = large_app(routes=1000, actions=20)
    warnings = terraform_warnings(app)
    assert any("300" in w.message for w in warnings)
    assert any("IAM role" in w.message for w in warnings)
    files = render_terraform(app)
    routes = locals_of(module_file(files, "big", "http.tf"))["http_routes"]
    assert len(routes) == 1000
    assert len(locals_of(module_file(files, "big", "ws.tf"))["ws_routes"]) == 23
    assert not terraform_warnings(echo_app())


def test_names_aws_would_reject_are_errors() -> None:
    bad_bucket = replace(echo_app(), static=StaticSite(staging="Not_A_Bucket"))
    with pytest.raises(ArcErrors) as caught:
        render_terraform(bad_bucket)
    assert "bucket name" in caught.value.errors[0].message
    huge = {"BIG": "x" * 5000}
    big_env = replace(echo_app(), env={"testing": None, "staging": huge, "production": None})
    with pytest.raises(ArcErrors) as caught:
        render_terraform(big_env)
    assert "4096" in caught.value.errors[0].message
    # The user's values count where they are set, and only there (not with `@arc env false`).
    disabled = synthetic_apps()["env-disabled"]
    with pytest.raises(ArcErrors) as caught:
        render_terraform(replace(disabled, env={"testing": None, "staging": {"BIG": "x" * 4000},
                                                "production": None}))
    assert "1 function(s) (get-index)" in caught.value.errors[0].message


def test_an_app_name_lambda_rejects_is_one_error() -> None:
    with pytest.raises(ArcErrors) as caught:
        render_terraform(build_app("my.app", [("get", "/"), ("get", "/a"), ("get", "/b")], None))
    messages = [e.message for e in caught.value.errors]
    assert messages == ["@app name 'my.app' cannot start a Lambda function name"]


def test_no_static_site_means_no_static_resources_or_env() -> None:
    app = build_app("plain", [("get", "/")], None, static=None)
    files = render_terraform(app)
    assert "modules/plain/static.tf" not in files
    assert "ARC_STATIC_BUCKET" not in files["modules/plain/functions.tf"]
    assert "static_routes" not in files["modules/plain/http.tf"]


# --- determinism ---------------------------------------------------------------


_DIGEST_SCRIPT = """
import hashlib
from tests.ir_fixtures import echo_app, synthetic_apps, large_app
from arc2tf.emit import render_terraform
h = hashlib.sha256()
for app in [echo_app(), *synthetic_apps().values(), large_app(200, 5)]:
    for path, text in render_terraform(app).items():
        h.update(path.encode() + b"\\0" + text.encode() + b"\\0")
print(h.hexdigest())
"""


def test_output_is_identical_across_hash_seeds() -> None:
    digests = set()
    for seed in ("0", "1", "4242"):
        done = subprocess.run([sys.executable, "-c", _DIGEST_SCRIPT], cwd=REPO, capture_output=True,
                              text=True, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}, check=True)
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_canonical_layout_matches_terraform_fmt() -> None:
    """Indentation from bracket depth, `=` aligned per run of one-line attributes (checked once with fmt)."""
    flat = "\n".join([
        "locals {", "a = 1", 'long_name = "x # not a comment {"', "# comment breaks the chain", "b = 2",
        "m = {", '"k ${v}" = { x = 1 }', "y = [1, 2]", "}", "f = merge({", "a = 1", "}, var.x)", "}", "", "",
    ])
    assert hcl.canonical(flat) == (
        "locals {\n"
        "  a         = 1\n"
        '  long_name = "x # not a comment {"\n'
        "  # comment breaks the chain\n"
        "  b = 2\n"
        "  m = {\n"
        '    "k ${v}" = { x = 1 }\n'
        "    y        = [1, 2]\n"
        "  }\n"
        "  f = merge({\n"
        "    a = 1\n"
        "  }, var.x)\n"
        "}\n"
    )
