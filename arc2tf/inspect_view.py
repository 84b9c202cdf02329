"""What `arc2tf inspect` prints: the resolved app as a table, or as JSON.

The JSON has the shape of Architect's conformance corpus (tests/conformance/README.md),
so `inspect --json` can be compared with what Architect's own packages answer.
arc2tf adds keys of its own, only at the top level, where Architect's comparison
allows them (documented in README's CLI section): `functions` (one per deployed
Lambda, with its route key and execute-api ARN glob), `uncompiled` and `warnings`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from arc2tf.errors import ArcError
from arc2tf.ir import DEPLOY_ENVIRONMENTS, ENVIRONMENTS, App, FunctionConfig
from arc2tf.normalize import architect_lambda_name, architect_logical_id

# The conformance shape's keys, in its order; on failure all but `errors` are null.
_JSON_KEYS = ("app", "http", "asap", "rootHandler", "ws", "static", "aws", "env")
_EXTRA_KEYS = ("functions", "uncompiled", "warnings")


def render_json(app: App | None, errors: Iterable[ArcError]) -> dict[str, Any]:
    """The conformance JSON of `app`, or of the errors that stopped it (then every other key is null)."""
    errors = list(errors)
    if app is None or errors:
        out: dict[str, Any] = {key: None for key in _JSON_KEYS + _EXTRA_KEYS}
        out["errors"] = [e.to_json() for e in errors]
        return out
    fn_config = {f.name: f.config for f in app.functions}
    http = None
    if app.http is not None:
        http = [
            {
                "method": r.method,
                "path": r.path,
                "name": r.name,
                "lambda": r.lambda_name,
                "src": r.src,
                "logicalId": _http_logical_id(r.method, r.path),
                "config": fn_config[r.function].to_json(),
            }
            for r in app.http
        ]
    ws = None
    if app.ws is not None:
        ws = [
            {
                "name": r.name,
                "route": r.name,
                "routeKey": r.route_key,
                "src": r.src,
                "logicalId": architect_logical_id(r.name) + "WSLambda",
                "config": fn_config[r.function].to_json(),
            }
            for r in app.ws
        ]
    static: Any = None
    if app.static_disabled:
        static = False
    elif app.static is not None:
        s = app.static
        static = {
            "compression": s.compression,
            "fingerprint": s.fingerprint,
            "folder": s.folder,
            "ignore": list(s.ignore) if s.ignore is not None else None,
            "prefix": s.prefix,
            "prune": s.prune,
            "spa": s.spa,
            "staging": s.staging,
            "production": s.production,
        }
    aws = {
        "region": app.aws.region,
        "profile": app.aws.profile,
        "apigateway": app.aws.apigateway,
        "bucket": app.aws.bucket,
        **app.aws.defaults.to_json(),
    }
    routes: dict[str, tuple[str, str | None]] = {}
    for r in app.http or ():
        routes[r.function] = (r.route_key, r.arn_path)
    for w in app.ws or ():
        routes[w.function] = (w.route_key, None)
    env = None
    if app.env is not None:
        env = {e: (dict(app.env[e]) if app.env.get(e) is not None else None) for e in ENVIRONMENTS}
    return {
        "app": app.name,
        "http": http,
        "asap": app.asap,
        "rootHandler": app.root_handler,
        "ws": ws,
        "static": static,
        "aws": aws,
        "env": env,
        "functions": [
            {
                "name": f.name,
                "kind": f.kind,
                "route": f.route,
                "routeKey": routes.get(f.name, (None, None))[0],
                "arnPath": routes.get(f.name, (None, None))[1],
                "src": f.src,
                "rootHandler": f.root_handler,
                "config": f.config.to_json(),
            }
            for f in app.functions
        ],
        **_event_json(app),
        "uncompiled": list(app.uncompiled),
        "warnings": [
            {"message": w.message, "file": w.file, "line": w.line, "column": w.column, "hint": w.hint}
            for w in app.warnings
        ],
        "errors": [],
    }


def render_table(app: App, environment: str | None = None) -> str:
    """A readable summary: routes, functions and their settings, static site, env vars per environment."""
    out: list[str] = []
    region = app.aws.region + (f" (profile {app.aws.profile})" if app.aws.profile else "")
    out.append(f"app       {app.name}")
    out.append(f"manifest  {app.manifest or '(none: Architect default app)'}")
    out.append(f"region    {region}")
    out.append("")

    if app.http is not None:
        out.append("HTTP routes")
        rows = [("route", "route key", "function", "src")]
        rows += [(r.name, r.route_key, r.function, r.src) for r in app.http]
        if app.asap:
            rows.append(("get /*", "GET /{proxy+}", "(Architect static asset proxy)", "-"))
        out += _table(rows)
        out.append(f"root handler: {app.root_handler}")
        out.append("")

    if app.ws is not None:
        out.append("WebSocket routes")
        rows = [("route", "route key", "function", "src")]
        rows += [(r.name, r.route_key, r.function, r.src) for r in app.ws]
        out += _table(rows)
        out.append("")

    out += _event_sections(app)

    if app.functions:
        out.append("Functions")
        rows = [("function", "runtime", "handler", "memory", "timeout", "arch", "concurrency", "storage")]
        for f in app.functions:
            c = f.config
            rows.append(
                (
                    f.name,
                    c.runtime,
                    c.handler,
                    f"{c.memory} MB",
                    f"{c.timeout} s",
                    c.architecture,
                    _concurrency(c),
                    f"{c.storage} MB",
                )
            )
        out += _table(rows)
        extras = [(f.name, f.config) for f in app.functions if f.config.layers or f.config.policies]
        for name, c in extras:
            if c.layers:
                out.append(f"  {name} layers: {', '.join(c.layers)}")
            if c.policies:
                out.append(f"  {name} policies: {', '.join(c.policies)}")
        out.append("")

    if app.static_disabled:
        out.append("Static site: off (@static false)")
        out.append("")
    elif app.static is not None:
        s = app.static
        out.append("Static site")
        rows = [("setting", "value")]
        rows += [
            ("folder", s.folder),
            ("fingerprint", _value(s.fingerprint)),
            ("prefix", _value(s.prefix)),
            ("spa", _value(s.spa)),
            ("compression", _value(s.compression)),
        ]
        if s.ignore:
            rows.append(("ignore", ", ".join(s.ignore)))
        for env_name in DEPLOY_ENVIRONMENTS:
            bucket = getattr(s, env_name)
            if bucket:
                rows.append((f"{env_name} bucket", bucket))
        out += _table(rows)
        out.append("")

    environments = (environment,) if environment else ENVIRONMENTS
    out.append("Environment variables" + (f" ({environment})" if environment else ""))
    for env_name in environments:
        variables = app.env_for(env_name)
        if not variables:
            out.append(f"  {env_name}: (none)")
            continue
        out.append(f"  {env_name}:")
        width = max(len(k) for k in variables)
        for key in sorted(variables):
            out.append(f"    {key.ljust(width)}  {variables[key]}")
    out.append("")

    if app.uncompiled:
        out.append("Not compiled yet: " + ", ".join("@" + p for p in app.uncompiled))
        out.append("")
    return "\n".join(out)


def _event_json(app: App) -> dict[str, Any]:
    """The compiled event pragmas, keyed as Architect names them; only those the app has."""
    found: dict[str, Any] = {}
    if app.tables:
        found["tables"] = [dataclasses.asdict(t) for t in app.tables]
    if app.scheduled:
        found["scheduled"] = [dataclasses.asdict(s) for s in app.scheduled]
    if app.events:
        found["events"] = [dataclasses.asdict(t) for t in app.events]
    if app.queues:
        found["queues"] = [dataclasses.asdict(q) for q in app.queues]
    if app.table_streams:
        found["tables-streams"] = [dataclasses.asdict(s) for s in app.table_streams]
    return found


def _key(name: str | None, kind: str | None, mark: str) -> str:
    return f"{name} {mark}{kind}" if name else "-"


def _event_sections(app: App) -> list[str]:
    out: list[str] = []
    if app.tables:
        out.append("Tables (DynamoDB)")
        rows = [("table", "partition key", "sort key", "ttl", "stream", "pitr", "encrypt", "indexes")]
        for t in app.tables:
            indexes = ", ".join(
                f"{i.name} ({i.partition_key}{'/' + i.sort_key if i.sort_key else ''}, {i.projection})"
                for i in t.indexes
            )
            rows.append((t.name, _key(t.partition_key, t.partition_key_type, "*"),
                         _key(t.sort_key, t.sort_key_type, "**"), _value(t.ttl), _value(t.stream),
                         _value(t.pitr), _value(t.encrypt), indexes or "-"))
        out += _table(rows)
        out.append("")
    if app.scheduled:
        out.append("Schedules")
        rows = [("schedule", "expression", "timezone", "function", "src")]
        rows += [(s.name, s.expression, s.timezone or "UTC", s.function, s.src) for s in app.scheduled]
        out += _table(rows)
        out.append("")
    if app.events:
        out.append("Events (SNS topics)")
        rows = [("event", "function", "src")]
        rows += [(t.name, t.function, t.src) for t in app.events]
        out += _table(rows)
        out.append("")
    if app.queues:
        out.append("Queues (SQS)")
        rows = [("queue", "fifo", "batch size", "batch window", "function", "src")]
        rows += [(q.name, _value(q.fifo), str(q.batch_size), f"{q.batch_window} s", q.function, q.src)
                 for q in app.queues]
        out += _table(rows)
        out.append("")
    if app.table_streams:
        out.append("Table streams")
        rows = [("stream", "table", "function", "src")]
        rows += [(s.name, s.table, s.function, s.src) for s in app.table_streams]
        out += _table(rows)
        out.append("")
    return out


def _http_logical_id(method: str, path: str) -> str:
    """@architect/package's CloudFormation ID of a route's Lambda (`GetThingsIdHTTPLambda`)."""
    return architect_logical_id(method + architect_lambda_name(path).replace("000", "")) + "HTTPLambda"


def _concurrency(c: FunctionConfig) -> str:
    return "unthrottled" if c.concurrency is None else str(c.concurrency)


def _value(v: Any) -> str:
    if v is None:
        return "-"
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines
