"""The intermediate representation: one normalized, validated Architect app.

`normalize.normalize()` builds an `App` from a parsed manifest with every
Architect default and per-function `config.arc` already applied; the emitter
and the bundler read only this. Everything is frozen: downstream stages never
change the IR, and nothing downstream reaches back to the manifest.

Ordering is part of the contract: every tuple here is sorted the way Architect
sorts it (HTTP routes by "method path" in code-point order, WebSocket routes
and functions by name), so output built from it is stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arc2tf.errors import ArcWarning

ENVIRONMENTS = ("testing", "staging", "production")
# The environments arc2tf deploys (Architect's `testing` is its local sandbox).
DEPLOY_ENVIRONMENTS = ("staging", "production")

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "any")


@dataclass(frozen=True)
class FunctionConfig:
    """Effective settings of one Lambda: project `@aws` defaults, then its `config.arc`."""

    runtime: str  # for functions: alias-resolved ("node" -> "nodejs22.x"); for @aws: as written
    memory: int  # MB
    timeout: int  # seconds
    architecture: str  # "arm64" | "x86_64"
    concurrency: int | None  # reserved concurrency; None = unthrottled
    storage: int  # MB of /tmp
    layers: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()  # managed policy ARNs or names from @aws / config.arc
    handler: str = "index.handler"

    def to_json(self) -> dict[str, Any]:
        """The `config` object of the conformance JSON."""
        return {
            "runtime": self.runtime,
            "memory": self.memory,
            "timeout": self.timeout,
            "architecture": self.architecture,
            "concurrency": "unthrottled" if self.concurrency is None else self.concurrency,
            "storage": self.storage,
            "layers": list(self.layers),
            "policies": list(self.policies),
            "handler": self.handler,
        }


@dataclass(frozen=True)
class Function:
    """One Lambda function arc2tf deploys.

    `name` is unique within the app and is what Terraform keys the function by
    (for_each key, Lambda name `<app>-<env>-<name>`, bundle `<name>.zip`).
    HTTP functions take Architect's lambda name (`get-things-000id`); where two
    routes map to the same Architect name, the later one (in route order) gets a
    short stable suffix so both routes stay deployed. WebSocket functions are
    `ws-<route name>` (`ws-connect`, `ws-default`, `ws-join`).
    """

    name: str
    kind: str  # "http" | "ws" | "scheduled" | "events" | "queues" | "tables-streams"
    src: str  # handler dir relative to the project dir, posix separators: "src/http/get-index"
    config: FunctionConfig
    route: str  # the route it serves: "get /things/:id" (HTTP) or "connect" / "join" (WebSocket)
    root_handler: bool = False  # serves `/` (Architect sets ARC_STATIC_SPA on it)
    # Per-function opt-outs from its config.arc `@arc` section (None: not set there).
    shared: bool | None = None  # `shared false`: no shared code copied in
    views: bool | None = None  # `views true|false`: views copied in or not
    env: bool = True  # `env false`: the app's env vars are not set on this function


@dataclass(frozen=True)
class HttpRoute:
    method: str  # lowercase, one of HTTP_METHODS
    path: str  # as written: "/things/:id", "/files/*"
    name: str  # inventory's name: "get /things/:id"
    lambda_name: str  # Architect's getLambdaName: "get-things-000id" (not unique, see Function)
    src: str  # "src/http/get-things-000id"
    function: str  # Function.name serving this route
    route_key: str  # API Gateway v2 route key: "GET /things/{id}", "ANY /{proxy+}"
    # The METHOD/PATH tail of the execute-api ARN API Gateway presents for this route,
    # as a glob: "GET/things/*", "*/*", "GET/" (AWS-FACTS.md: params and greedy params are *).
    arn_path: str


@dataclass(frozen=True)
class WsRoute:
    name: str  # "connect", "disconnect", "default", or a custom action ("join")
    route_key: str  # "$connect", "$disconnect", "$default", "join"
    src: str  # "src/ws/connect" (or a legacy Architect 5 dir such as "src/ws/ws-connect")
    function: str  # Function.name serving this route


@dataclass(frozen=True)
class TableIndex:
    """One `@tables-indexes` entry: a global secondary index of its table."""

    name: str  # IndexName: as written (`name byEmail`), else Architect's `<pk>[-<sk>]-index`
    partition_key: str
    partition_key_type: str  # "String" | "Number"
    sort_key: str | None
    sort_key_type: str | None
    projection: str = "ALL"  # "ALL" | "KEYS_ONLY" | "INCLUDE"
    projection_attributes: tuple[str, ...] = ()  # non-key attributes when projection is INCLUDE


@dataclass(frozen=True)
class Table:
    """One `@tables` entry, with its `@tables-indexes` (in manifest order, as Architect adds them)."""

    name: str  # the logical name as written: the service-discovery key `/<stack>/tables/<name>`
    partition_key: str
    partition_key_type: str  # "String" | "Number"
    sort_key: str | None
    sort_key_type: str | None
    ttl: str | None = None  # the attribute written `<attr> TTL`
    # A stream (NEW_AND_OLD_IMAGES): `stream true`, or a @tables-streams entry for this table.
    stream: bool = False
    encrypt: bool | str = False  # `encrypt true`: AWS managed KMS key; a string: that KMS key
    pitr: bool = False  # `pitr true` / `PITR true` / `PointInTimeRecovery true`
    indexes: tuple[TableIndex, ...] = ()


@dataclass(frozen=True)
class Schedule:
    """One `@scheduled` entry: an EventBridge schedule invoking its function."""

    name: str  # as written: "nightly"
    expression: str  # "rate(1 day)" | "cron(0 12 * * ? *)", as Architect writes ScheduleExpression
    timezone: str | None  # IANA name (`timezone America/New_York`); None: UTC
    src: str  # "src/scheduled/nightly"
    function: str  # Function.name


@dataclass(frozen=True)
class Topic:
    """One `@events` entry: an SNS topic with its function subscribed."""

    name: str  # as written; the service-discovery key `/<stack>/events/<name>`
    src: str  # "src/events/<name>"
    function: str


@dataclass(frozen=True)
class Queue:
    """One `@queues` entry: an SQS queue its function consumes."""

    name: str  # as written; the service-discovery key `/<stack>/queues/<name>`
    src: str  # "src/queues/<name>"
    function: str
    fifo: bool = True  # Architect's default: FIFO with content-based deduplication
    batch_size: int = 1
    batch_window: int = 0  # seconds (MaximumBatchingWindowInSeconds)


@dataclass(frozen=True)
class TableStream:
    """One stream function: a `@tables-streams` entry, or a `stream true` table's function."""

    name: str  # the entry's name (by default the table's)
    table: str  # Table.name whose stream it reads
    src: str  # "src/tables-streams/<name>"
    function: str


@dataclass(frozen=True)
class StaticSite:
    folder: str = "public"
    fingerprint: bool | str | None = None  # True, "external", or None
    prefix: str | None = None
    ignore: tuple[str, ...] | None = None
    spa: bool = False
    compression: bool | str = False
    prune: bool | None = None
    staging: str | None = None  # bucket name pinned for staging
    production: str | None = None  # bucket name pinned for production


@dataclass(frozen=True)
class AwsSettings:
    region: str = "us-west-2"
    profile: str | None = None
    apigateway: str | None = None  # "http" | "httpv1" | "rest" | None
    bucket: str | None = None  # deployment bucket, if the user pinned one
    defaults: FunctionConfig = field(
        default_factory=lambda: FunctionConfig(
            runtime="nodejs22.x", memory=1152, timeout=5, architecture="arm64",
            concurrency=None, storage=512,
        )
    )


@dataclass(frozen=True)
class App:
    name: str  # @app name
    project_dir: Path  # absolute
    manifest: str  # manifest file relative to project_dir: "app.arc", "arc.json", "package.json", ...
    http: tuple[HttpRoute, ...] | None  # None when there is no @http; Architect's ASAP excluded
    ws: tuple[WsRoute, ...] | None  # None when there is no @ws
    static: StaticSite | None  # None when there is no static site (no @static, or @static false)
    static_disabled: bool  # `@static false` was written (conformance JSON says false, not null)
    asap: bool  # Architect would inject its static asset proxy as `get /*`
    root_handler: str | None  # route name | "arcStaticAssetProxy" | "proxy" | None
    aws: AwsSettings
    # Variables per environment (testing / staging / production); None where prefs/.env give none.
    env: Mapping[str, Mapping[str, str] | None] | None
    functions: tuple[Function, ...]  # sorted by name
    pragmas: Mapping[str, Any]  # every pragma as parsed, in Architect's JSON shape
    uncompiled: tuple[str, ...]  # pragmas present that arc2tf does not compile to Terraform yet
    warnings: tuple[ArcWarning, ...] = ()
    tables: tuple[Table, ...] = ()  # @tables, sorted by name
    scheduled: tuple[Schedule, ...] = ()  # sorted by name
    events: tuple[Topic, ...] = ()  # sorted by name
    queues: tuple[Queue, ...] = ()  # sorted by name
    table_streams: tuple[TableStream, ...] = ()  # sorted by name

    def function(self, name: str) -> Function:
        for fn in self.functions:
            if fn.name == name:
                return fn
        raise KeyError(name)

    def env_for(self, environment: str) -> Mapping[str, str]:
        if not self.env:
            return {}
        return self.env.get(environment) or {}
