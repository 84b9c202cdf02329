"""Parity with Architect: what arc2tf emits for each valid conformance case vs Architect's own template.

Every valid case of tests/conformance has `cfn.staging.json`, the CloudFormation
`@architect/package` writes for it. For the pragmas arc2tf compiles (@http, @ws,
@static) the Terraform must give each function the same settings and the same
environment variable names, serve the same HTTP route keys and WebSocket routes,
and write the same SSM service-discovery parameters.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arc2tf.emit import render_terraform
from arc2tf.errors import ArcErrors
from tests.test_emit import locals_of, parse

CASES = Path(__file__).resolve().parent / "conformance" / "cases"


def _cases() -> list[str]:
    return sorted(p.parent.name for p in CASES.glob("*/cfn.staging.json"))


def _route_key(method: str, path: str) -> str:
    return f"{'ANY' if method == 'any' else method.upper()} {path}"


@pytest.mark.parametrize("case", _cases())
def test_functions_routes_and_parameters_match_architects_template(case: str) -> None:
    from arc2tf.normalize import load_app

    try:
        app = load_app(CASES / case)
    except ArcErrors as exc:  # pragma: no cover - every case with a template is valid
        pytest.fail(f"{case}: {exc}")
    cfn = json.loads((CASES / case / "cfn.staging.json").read_text())["Resources"]
    files = render_terraform(app)
    module = next((p.split("/")[1] for p in files if p.startswith("modules/")), None)

    def module_locals(name: str) -> dict:
        path = f"modules/{module}/{name}"
        return locals_of(parse(files[path])) if path in files else {}

    functions = module_locals("functions.tf").get("functions", {})
    global_env = set(module_locals("functions.tf").get("arc_env", {})) | {"ARC_ROLE"}
    user_env = set(app.env_for("staging"))
    by_src = {fn["src"]: fn for fn in functions.values()}

    expected_routes, expected_ws = set(), set()
    for logical_id, res in sorted(cfn.items()):
        if res["Type"] != "AWS::Serverless::Function":
            continue
        meta = res.get("ArcMetadata", {})
        if meta.get("pragma") == "http":
            expected_routes.add(_route_key(meta["method"], _api_path(meta["path"])))
        if meta.get("pragma") not in ("http", "ws") or meta.get("arcStaticAssetProxy"):
            continue  # other pragmas are not compiled yet; ASAP is a direct bucket proxy
        props = res["Properties"]
        ours = by_src.get(props["CodeUri"])
        assert ours is not None, f"{case}: no function for {logical_id} ({props['CodeUri']})"
        assert ours["runtime"] == props["Runtime"]
        assert ours["handler"] == props["Handler"]
        assert ours["memory"] == props["MemorySize"]
        assert ours["timeout"] == props["Timeout"]
        assert [ours["architecture"]] == props["Architectures"]
        assert ours["storage"] == props["EphemeralStorage"]["Size"]
        assert ours["layers"] == props.get("Layers", [])
        their_env = props["Environment"]["Variables"]
        # `@arc env false` (ARC_DISABLE_ENV_VARS in their template): none of the user's variables.
        our_env = global_env | set(ours["arc_env"]) | set(ours["default_env"]) | \
            (user_env if ours["user_env"] else set())
        assert our_env == set(their_env), f"{case}: {logical_id}"
        for name, value in ours["arc_env"].items():  # the values known at build time
            assert str(their_env[name]).lower() == value.lower(), f"{case}: {logical_id} {name}"
        if meta["pragma"] == "ws":
            expected_ws.add(_ws_key(meta["name"]))

    http = module_locals("http.tf")
    ours_routes = set(http.get("http_routes", {})) | set(http.get("static_routes", {}))
    if "HTTP" in cfn:
        paths = cfn["HTTP"]["Properties"]["DefinitionBody"]["paths"]
        if "proxy" in app.uncompiled:  # @proxy's `$default` route is not compiled yet (normalize warns)
            paths = {p: m for p, m in paths.items() if p != "/$default"}
        expected_routes |= {_route_key(m, p) for p, methods in paths.items() for m in methods}
        extra = ours_routes - expected_routes
        # Where Architect's ASAP catch-all serves the site, arc2tf also routes "/" itself.
        assert extra <= ({"GET /"} if app.asap else set()), f"{case}: extra routes {extra}"
        assert expected_routes <= ours_routes, f"{case}: missing {expected_routes - ours_routes}"
    else:
        assert not ours_routes
    assert set(module_locals("ws.tf").get("ws_routes", {})) == expected_ws

    their_params = {_param(res) for res in cfn.values() if res["Type"] == "AWS::SSM::Parameter"}
    static_tf = files.get(f"modules/{module}/static.tf", "")
    ours_params = {"/static/bucket", "/static/fingerprint"} if static_tf else set()
    # Parameters of pragmas arc2tf does not compile yet (tables, events, queues) are not expected.
    assert {p for p in their_params if p.startswith("/static/")} == ours_params
    for param in ours_params:
        assert f'"/${{local.stack_name}}{param}"' in static_tf


def _api_path(path: str) -> str:
    parts = []
    for part in path.strip("/").split("/") if path != "/" else []:
        parts.append("{proxy+}" if part == "*" else "{" + part[1:] + "}" if part.startswith(":") else part)
    return "/" + "/".join(parts)


def _ws_key(name: str) -> str:
    return f"${name}" if name in ("connect", "disconnect", "default") else name


def _param(res: dict) -> str:
    template, values = res["Properties"]["Name"]["Fn::Sub"]
    name = template.replace("/${AWS::StackName}", "")
    for key, value in values.items():
        name = name.replace("${" + key + "}", value)
    return name
