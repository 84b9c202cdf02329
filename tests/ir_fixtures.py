"""Hand-built `ir.App`s for the emitter tests (no dependency on the normalizer).

`echo_app()` is what `load_app("examples/echo")` must produce; `synthetic_app()`
builds apps with the features the examples lack (custom WebSocket actions, path
parameters and catch-alls, httpv1, ASAP, Python, env vars, `@arc env false`, long names) and the
generated large app of issue 3 (1,000 routes, 20 WebSocket actions).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from arc2tf.ir import App, AwsSettings, Function, FunctionConfig, HttpRoute, StaticSite, WsRoute

REPO = Path(__file__).resolve().parent.parent
DEFAULT_AWS = AwsSettings()
DEFAULT_CONFIG = DEFAULT_AWS.defaults
DEFAULT_STATIC = StaticSite()


def lambda_name(method: str, path: str) -> str:
    """Architect's getLambdaName for the paths these fixtures use."""
    if path == "/":
        return f"{method}-index"
    name = path.replace("/", "-").replace(":", "000").replace("*", "catchall").replace(".", "_")
    return f"{method}{name}"


def route_key_of(method: str, path: str) -> tuple[str, str]:
    """(API Gateway route key, execute-api ARN tail) as AWS-FACTS.md describes them."""
    verb = "ANY" if method == "any" else method.upper()
    parts = []
    arn_parts = []
    for part in path.strip("/").split("/") if path != "/" else []:
        if part.startswith(":"):
            parts.append("{" + part[1:] + "}")
            arn_parts.append("*")
        elif part == "*":
            parts.append("{proxy+}")
            arn_parts.append("*")
        else:
            parts.append(part)
            arn_parts.append(part)
    arn_verb = "*" if verb == "ANY" else verb
    return f"{verb} /{'/'.join(parts)}", f"{arn_verb}/{'/'.join(arn_parts)}"


def http_route(method: str, path: str, function: str | None = None) -> HttpRoute:
    name = lambda_name(method, path)
    key, arn = route_key_of(method, path)
    return HttpRoute(method=method, path=path, name=f"{method} {path}", lambda_name=name,
                     src=f"src/http/{name}", function=function or name, route_key=key, arn_path=arn)


def ws_route(name: str) -> WsRoute:
    key = f"${name}" if name in ("connect", "disconnect", "default") else name
    return WsRoute(name=name, route_key=key, src=f"src/ws/{name}", function=f"ws-{name}")


def build_app(
    name: str,
    http: list[tuple[str, str]] | None,
    ws: list[str] | None,
    *,
    static: StaticSite | None = DEFAULT_STATIC,
    asap: bool = False,
    aws: AwsSettings = DEFAULT_AWS,
    env: dict | None = None,
    configs: dict[str, FunctionConfig] | None = None,
    project_dir: Path | None = None,
    env_disabled: tuple[str, ...] = (),  # functions whose config.arc says `@arc env false`
) -> App:
    configs = configs or {}
    routes = tuple(sorted((http_route(m, p) for m, p in http), key=lambda r: f"{r.method} {r.path}")) \
        if http is not None else None
    ws_routes = tuple(sorted((ws_route(n) for n in ws), key=lambda r: r.name)) if ws is not None else None
    root = next((r.name for r in routes or () if r.path == "/" and r.method in ("get", "any")), None)
    functions = []
    for r in routes or ():
        cfg = configs.get(r.function, aws.defaults)
        functions.append(Function(name=r.function, kind="http", src=r.src, config=cfg, route=r.name,
                                  root_handler=r.name == root, env=r.function not in env_disabled))
    for r in ws_routes or ():
        cfg = configs.get(r.function, aws.defaults)
        functions.append(Function(name=r.function, kind="ws", src=r.src, config=cfg, route=r.name,
                                  env=r.function not in env_disabled))
    if asap:
        root = "arcStaticAssetProxy"
    return App(
        name=name, project_dir=project_dir or REPO / "examples" / name, manifest="app.arc",
        http=routes, ws=ws_routes, static=static, static_disabled=False, asap=asap,
        root_handler=root, aws=aws, env=env, functions=tuple(sorted(functions, key=lambda f: f.name)),
        pragmas={}, uncompiled=(),
    )


def echo_app() -> App:
    return build_app("wsproj", [("get", "/")], ["connect", "default", "disconnect"],
                     project_dir=REPO / "examples" / "echo")


def synthetic_apps() -> dict[str, App]:
    """Small apps, each showing one feature the echo example lacks."""
    python = replace(DEFAULT_CONFIG, runtime="python3.12", handler="lambda.handler", memory=256,
                     concurrency=5, policies=("AmazonDynamoDBReadOnlyAccess",),
                     layers=("arn:aws:lambda:us-west-2:123456789012:layer:deps:3",))
    return {
        "ws-actions": build_app("chat", None, ["connect", "default", "disconnect", "join", "leave", "say"],
                                static=None),
        "params": build_app("params", [("get", "/"), ("get", "/things/:id"), ("post", "/things"),
                                       ("any", "/files/*"), ("delete", "/things/:id/parts/:part")], None),
        "httpv1": build_app("legacy", [("get", "/"), ("get", "/about")], None,
                            aws=AwsSettings(apigateway="httpv1", region="eu-west-1")),
        "asap": build_app("site", [("get", "/api")], None, asap=True,
                          static=StaticSite(prefix="assets", spa=True, fingerprint=True, ignore=("drafts",),
                                            staging="site-staging-assets-bucket")),
        "python-env": build_app(
            "pyapp", [("get", "/"), ("post", "/hook")], None,
            env={"testing": None, "staging": {"API_KEY": "st-${not-a-template}", "QUOTE": 'say "hi"\n'},
                 "production": {"API_KEY": "prod", "SESSION_TABLE_NAME": "sessions"}},
            configs={"post-hook": python}),
        "env-disabled": build_app(
            "private", [("get", "/"), ("post", "/webhook")], ["default"],
            env={"testing": None, "staging": {"API_KEY": "st", "SESSION_TABLE_NAME": "sessions"},
                 "production": {"API_KEY": "prod"}},
            configs={"ws-default": python}, env_disabled=("post-webhook", "ws-default")),
        "static-only": build_app("brochure", None, None),
        "http-only": build_app("plain", [("get", "/"), ("post", "/form")], None, static=None),
        "long-names": build_app(
            "a-rather-long-application-name-for-testing",
            [("get", "/"), ("get", "/" + "/".join(["segment"] * 8) + "/:identifier"),
             ("get", "/" + "/".join(["segment"] * 8) + "/:identifier/more")],
            None),
    }


def large_app(routes: int = 1000, actions: int = 20) -> App:
    methods = ("get", "post", "put", "delete")
    http = [("get", "/")] + [(methods[i % 4], f"/r{i // 4:04d}/:id") for i in range(routes - 1)]
    ws = ["connect", "default", "disconnect"] + [f"action{i:02d}" for i in range(actions)]
    return build_app("big", http, ws)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
