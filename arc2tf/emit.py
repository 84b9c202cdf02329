"""Emit: turn an `ir.App` into Terraform files (module + one root per environment).

`render_terraform(app, options)` is pure: it returns `{relative posix path: text}`
and writes nothing. The templates under `templates/` read like the Terraform
they produce; every decision (names, maps, which files exist) is made here, in
the view-model built by `_view()`, so the templates only loop over sorted data.

Names AWS would reject are errors here, at build time (`ArcErrors`), not at
`terraform apply`. Things that work but deserve a look (more routes than the
HTTP API's default quota) are returned by `terraform_warnings(app)`.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from arc2tf import hcl
from arc2tf.errors import KIND_BUILD, ArcError, ArcErrors, ArcWarning
from arc2tf.ir import DEPLOY_ENVIRONMENTS, App, Function, Table
from arc2tf.resources import templates_dir

# Files users own: arc2tf writes them when they are missing and never overwrites
# them (output.py reads this). They hold the variables the roots pass to the module.
CREATE_ONCE_FILES = tuple(f"{env}/terraform.tfvars" for env in DEPLOY_ENVIRONMENTS)

# The values of the user's environment variables (prefs.arc / .env, usually gitignored
# because they hold secrets) go into this file in each root, never into a .tf file:
# Terraform loads `*.auto.tfvars.json` by itself. The root's generated .gitignore lists
# it, and `build --check` does not compare it (output.py: `local` files), so committed
# Terraform neither holds the values nor depends on whether prefs.arc exists.
ENV_VALUES_FILE = "arc2tf-env.auto.tfvars.json"
ENV_VALUES_VARIABLE = "arc_environment_variables"
LOCAL_FILES = tuple(f"{env}/{ENV_VALUES_FILE}" for env in DEPLOY_ENVIRONMENTS)

# AWS limits arc2tf checks before Terraform ever runs (AWS-FACTS.md).
MAX_LAMBDA_NAME = 64
MAX_BUCKET_PREFIX = 37  # aws_s3_bucket.bucket_prefix
MAX_LAMBDA_DESCRIPTION = 256
MAX_TABLE_NAME = 255  # DynamoDB: 3 to 255 of [a-zA-Z0-9_.-]
MAX_SCHEDULE_NAME = 64  # EventBridge rule and Scheduler schedule names: [.-_A-Za-z0-9]
MAX_TOPIC_NAME = 256  # SNS: [A-Za-z0-9_-]
MAX_QUEUE_NAME = 80  # SQS: [A-Za-z0-9_-], ".fifo" included
MAX_ENV_BYTES = 4096  # all of a function's environment variables, keys and values
HTTP_ROUTE_QUOTA = 300  # default routes per HTTP API (a raisable quota)
IAM_ROLE_QUOTA = 1000  # default IAM roles per account (arc2tf creates one per function and environment)
WS_ROUTE_LIMIT = 300
# What every function may do on the app's tables (iam.tf): the data-plane actions handlers and
# @architect/functions use, where Architect grants dynamodb:*.
TABLE_ACTIONS = tuple(f"dynamodb:{a}" for a in (
    "BatchGetItem", "BatchWriteItem", "ConditionCheckItem", "DeleteItem", "DescribeTable",
    "GetItem", "PutItem", "Query", "Scan", "UpdateItem"))
ROLE_INLINE_POLICY_LIMIT = 10_240  # IAM: characters of all of a role's inline policies (no whitespace)
# The inline policies every role gets besides the tables / messaging ones (logs, SSM, WebSocket,
# static bucket, a queue or stream of its own), generously counted.
_OTHER_POLICY_CHARS = 2_500

_LONGEST_ENV = max(DEPLOY_ENVIRONMENTS, key=len)
_LAMBDA_NAME_CHARS = re.compile(r"^[A-Za-z0-9_-]+$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PYTHONPATH = "/var/task/vendor:/var/runtime:/opt/python"
_DEFAULT_SESSION_TABLE = "jwe"
# What Architect sets on a function whose config.arc says `@arc env false` (package's
# getEnv): none of the app's variables, so ARC_SESSION_TABLE_NAME keeps its default.
_ENV_DISABLED = {"ARC_DISABLE_ENV_VARS": "true", "ARC_SESSION_TABLE_NAME": _DEFAULT_SESSION_TABLE}

# Upper bounds of the environment values only known at apply time, for the 4 KB check.
_DYNAMIC_ENV_BOUND = {
    "ARC_ROLE": 64,
    "ARC_STATIC_BUCKET": 63,
    "ARC_WSS_URL": len("wss://0123456789.execute-api.ap-southeast-3.amazonaws.com/") + len(_LONGEST_ENV),
}

# Content types by extension for the static files Terraform uploads. A fixed
# table (not the `mimetypes` module, which reads the host's /etc/mime.types) so
# the output is the same on every machine. Unknown extensions get octet-stream.
CONTENT_TYPES = {
    "avif": "image/avif",
    "css": "text/css; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "gif": "image/gif",
    "htm": "text/html; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "ico": "image/x-icon",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "js": "text/javascript; charset=utf-8",
    "json": "application/json",
    "map": "application/json",
    "md": "text/markdown; charset=utf-8",
    "mjs": "text/javascript; charset=utf-8",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
    "otf": "font/otf",
    "pdf": "application/pdf",
    "png": "image/png",
    "svg": "image/svg+xml",
    "ttf": "font/ttf",
    "txt": "text/plain; charset=utf-8",
    "wasm": "application/wasm",
    "webmanifest": "application/manifest+json",
    "webm": "video/webm",
    "webp": "image/webp",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "xml": "application/xml",
    "zip": "application/zip",
}
# Files Architect never publishes from the static folder (deploy's filter-files).
STATIC_ALWAYS_IGNORED = (".DS_Store", "node_modules", "readme.md", "static.json")


@dataclass(frozen=True)
class EmitOptions:
    # Where the output dir sits, relative to the project dir (posix; may start
    # with ".."). Roots find the static folder from it relative to `path.root`.
    out_dir_from_project: str = "terraform"
    # "s3" adds a partial `backend "s3" {}` to each root (filled by -backend-config).
    backend: str | None = None
    # The manifest as the header comment names it; default: `App.manifest`.
    manifest_display: str | None = None


# --- names -------------------------------------------------------------------


def _digest(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def shorten(text: str, limit: int) -> str:
    """`text` if it fits, else a prefix of it plus a hash of all of it (deterministic)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 9].rstrip("-_.")
    return f"{head}-{_digest(text)}"


def to_logical_id(text: str) -> str:
    """Architect's toLogicalID ("an-app-staging" -> "AnAppStaging"), for the stack name."""
    text = re.sub(r"([A-Z])", r" \1", text)
    if len(text) == 1:
        return text.upper()
    text = re.sub(r"^[\W_]+|[\W_]+$", "", text).lower()
    text = text[:1].upper() + text[1:]
    text = re.sub(r"[\W_]+(\w|$)", lambda m: m.group(1).upper(), text)
    return "GetIndex" if text == "Get" else text


@dataclass(frozen=True)
class _Names:
    app_part: str  # app name as it appears in resource names
    function_parts: Mapping[str, str]  # Function.name -> name segment after "<app>-<env>-"
    bucket_prefix: str  # lowercase app segment of bucket name prefixes
    module: str  # module block label


def _names(app: App) -> tuple[_Names, list[ArcError]]:
    errors: list[ArcError] = []
    app_part = shorten(app.name, 24)
    budget = MAX_LAMBDA_NAME - len(app_part) - len(_LONGEST_ENV) - 2
    parts: dict[str, str] = {}
    seen: dict[str, str] = {}
    name_hint = "Lambda function and IAM role names allow letters, digits, '-' and '_' only"
    if app.functions and not _LAMBDA_NAME_CHARS.match(app_part):
        errors.append(ArcError(KIND_BUILD, f"@app name {app.name!r} cannot start a Lambda function name",
                               file=app.manifest, hint=name_hint))
    for fn in app.functions:
        part = shorten(fn.name, budget)
        if not _LAMBDA_NAME_CHARS.match(part):
            errors.append(ArcError(KIND_BUILD, f"function {fn.name!r} cannot be part of a Lambda name",
                                   file=app.manifest, hint=name_hint))
        if part in seen:
            errors.append(ArcError(
                KIND_BUILD, f"functions {seen[part]} and {fn.name} shorten to the same Lambda name",
                file=app.manifest, hint="rename one of the routes",
            ))
        seen[part] = fn.name
        parts[fn.name] = part
    slug = re.sub(r"[^a-z0-9-]+", "-", app.name.lower()).strip("-") or "app"
    bucket_room = MAX_BUCKET_PREFIX - len(f"-{_LONGEST_ENV}-static-")
    module = app.name if re.match(r"^[A-Za-z][A-Za-z0-9_-]*$", app.name) else f"app_{_digest(app.name)}"
    return _Names(app_part, parts, shorten(slug, bucket_room).strip("-"), module), errors


# --- checks ------------------------------------------------------------------


def _bucket_name_problem(name: str) -> str | None:
    if not _BUCKET_NAME.match(name):
        return "3 to 63 characters: lowercase letters, digits, '.' and '-', starting and ending alphanumeric"
    if ".." in name or re.match(r"^\d+\.\d+\.\d+\.\d+$", name):
        return "no '..' and not an IP address"
    if name.startswith("xn--") or name.endswith("-s3alias"):
        return "reserved prefix or suffix"
    return None


def _env_size(env: Mapping[str, str]) -> int:
    return sum(len(k.encode()) + len(v.encode()) for k, v in env.items())


def terraform_warnings(app: App) -> tuple[ArcWarning, ...]:
    """Things that build but that the user should know before applying."""
    warnings: list[ArcWarning] = []
    routes = len(_http_routes(app)) + len(_static_routes(app))
    if routes > HTTP_ROUTE_QUOTA:
        warnings.append(ArcWarning(
            f"the HTTP API has {routes} routes, more than its default quota of {HTTP_ROUTE_QUOTA}",
            file=app.manifest,
            hint="ask AWS (Service Quotas, API Gateway 'Routes per API') to raise it before applying",
        ))
    roles = len(app.functions) * len(DEPLOY_ENVIRONMENTS)
    if roles > IAM_ROLE_QUOTA // 2:
        warnings.append(ArcWarning(
            f"{len(app.functions)} functions get one IAM role each per environment ({roles} roles when"
            f" staging and production share an account); IAM allows {IAM_ROLE_QUOTA} roles per account"
            " by default",
            file=app.manifest,
            hint="deploy the environments to separate accounts or ask AWS to raise the IAM roles quota",
        ))
    grants = _longest_grant_chars(app)
    if grants + _OTHER_POLICY_CHARS > ROLE_INLINE_POLICY_LIMIT:
        warnings.append(ArcWarning(
            f"each function's role lists every table, index, topic and queue of the app (about"
            f" {grants + _OTHER_POLICY_CHARS} characters of inline policy); IAM allows"
            f" {ROLE_INLINE_POLICY_LIMIT} per role, so the apply may fail",
            file=app.manifest,
            hint="split the app, or attach a managed policy with wildcard resources instead",
        ))
    if app.aws.apigateway == "rest":
        warnings.append(ArcWarning(
            "@aws apigateway rest is deployed as an HTTP API (payload 1.0); arc2tf emits no REST APIs",
            file=app.manifest,
        ))
    return tuple(warnings)


def _longest_grant_chars(app: App) -> int:
    """Characters of the tables and messaging policies (as `jsonencode` writes them) with every
    ARN at its longest: they list each of the app's tables, indexes, topics and queues."""
    if not (app.tables or app.events or app.queues):
        return 0
    prefix = f"arn:aws-us-gov:{{}}:{app.aws.region}:123456789012:"
    longest = f"{shorten(app.name, 24)}-{_LONGEST_ENV}-"
    tables = [prefix.format("dynamodb") + f"table/{longest}{t.name}" for t in app.tables]
    statements = [
        {"Sid": "ReadWriteOwnTables", "Effect": "Allow", "Action": list(TABLE_ACTIONS),
         "Resource": [r for arn in tables for r in (arn, f"{arn}/index/*")]},
        {"Sid": "PublishToOwnTopics", "Effect": "Allow", "Action": ["sns:Publish"],
         "Resource": [prefix.format("sns") + longest + t.name for t in app.events]},
        {"Sid": "SendToOwnQueues", "Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:SendMessageBatch"],
         "Resource": [prefix.format("sqs") + longest + q.name + ".fifo" for q in app.queues]},
    ]
    document = {"Version": "2012-10-17", "Statement": statements}
    return len(json.dumps(document, separators=(",", ":")))


# --- view-model --------------------------------------------------------------


def _http_routes(app: App) -> dict[str, dict[str, str]]:
    routes: dict[str, dict[str, str]] = {}
    for route in app.http or ():
        slug = re.sub(r"[^A-Za-z0-9]+", "-", route.route_key).strip("-").lower()
        routes[route.route_key] = {
            "function": route.function,
            "arn_path": route.arn_path,
            "statement_id": f"http-{slug[:60]}-{_digest(route.route_key)}",
        }
    return dict(sorted(routes.items()))


def _static_routes(app: App) -> dict[str, dict[str, str]]:
    """Routes API Gateway proxies straight to the static bucket."""
    if app.http is None or app.static is None:
        return {}
    prefix = f"{app.static.prefix.strip('/')}/" if app.static.prefix else ""
    routes = {"GET /_static/{proxy+}": {"origin": "rest", "path": "{proxy}"}}
    if app.asap:
        # Architect's static asset proxy (ASAP) as a direct proxy to the bucket's
        # website endpoint, which, like ASAP, answers folders with their index.html
        # and, for @static spa, unknown paths with the root index.html.
        routes["GET /"] = {"origin": "website", "path": prefix}
        routes["GET /{proxy+}"] = {"origin": "website", "path": f"{prefix}{{proxy}}"}
    return dict(sorted(routes.items()))


def _ws_routes(app: App) -> dict[str, dict[str, str]]:
    return {r.route_key: {"function": r.function} for r in sorted(app.ws or (), key=lambda r: r.route_key)}


_DYNAMO_TYPES = {"String": "S", "Number": "N"}
_TABLE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")
_TOPIC_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")  # SNS topics and SQS queues: no dots


def _tables(app: App, app_part: str) -> tuple[dict[str, dict[str, Any]], list[ArcError]]:
    """The view of @tables, keyed by table name: physical name segment, keys, indexes, settings.

    Physical names are `<app>-<env>-<table>` (Architect lets CloudFormation make them up; a
    deterministic name is stable across rebuilds and readable in the console). Characters
    DynamoDB rejects (a `/` in the name) become `-`; a name too long is shortened with a hash.
    """
    parts, errors = _name_parts(app, [t.name for t in app.tables], app_part, MAX_TABLE_NAME, "@tables",
                                what="DynamoDB table name", hint="rename one of the tables")
    tables = {t.name: _table_view(app, t, parts[t.name], errors) for t in app.tables}
    return dict(sorted(tables.items())), errors


def _table_view(app: App, table: Table, part: str, errors: list[ArcError]) -> dict[str, Any]:
    # Attribute definitions: the table's keys, then each index's new ones (package's dedupe: the
    # first definition of an attribute wins).
    attributes: dict[str, str] = {}

    def define(name: str | None, kind: str | None) -> None:
        if name is not None and kind is not None:
            attributes.setdefault(name, _DYNAMO_TYPES.get(kind, "S"))

    define(table.partition_key, table.partition_key_type)
    define(table.sort_key, table.sort_key_type)
    indexes: dict[str, dict[str, Any]] = {}
    for index in table.indexes:
        define(index.partition_key, index.partition_key_type)
        define(index.sort_key, index.sort_key_type)
        if index.name in indexes:
            errors.append(ArcError(KIND_BUILD, f"@tables-indexes {table.name} has two indexes named"
                                   f" {index.name!r}", file=app.manifest,
                                   hint="give one of them another `name`"))
        indexes[index.name] = {
            "hash_key": index.partition_key,
            "range_key": index.sort_key,
            "projection_type": index.projection,
            "non_key_attributes": (
                list(index.projection_attributes) if index.projection == "INCLUDE" else None
            ),
        }
    return {
        "name_part": part,
        "hash_key": table.partition_key,
        "range_key": table.sort_key,
        "attributes": dict(sorted(attributes.items())),
        "ttl_attribute": table.ttl,
        "stream": table.stream,
        "encrypt": table.encrypt is not False,
        "kms_key_arn": table.encrypt if isinstance(table.encrypt, str) else None,
        "pitr": table.pitr,
        "indexes": dict(sorted(indexes.items())),
    }


def _name_parts(app: App, names: list[str], app_part: str, limit: int, label: str,
                tail: int = 0, chars: re.Pattern[str] = _TABLE_NAME_CHARS,
                what: str = "AWS name", hint: str = "rename one of them",
                ) -> tuple[dict[str, str], list[ArcError]]:
    """Name segments after `<app>-<env>-` for the resources of `label` entries, within `limit`
    characters (`tail` more are appended after the segment): characters AWS rejects become
    `-`, long ones are shortened with a hash; two entries that end up alike are an error."""
    errors: list[ArcError] = []
    budget = limit - len(app_part) - len(_LONGEST_ENV) - 2 - tail
    parts: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name in names:
        part = shorten(chars.sub("-", name), budget)
        if part in seen:
            errors.append(ArcError(KIND_BUILD, f"{label} {seen[part]} and {name} map to the same {what}",
                                   file=app.manifest, hint=hint))
        seen[part] = name
        parts[name] = part
    return parts, errors


def _schedules(app: App, app_part: str) -> tuple[dict[str, dict[str, Any]], list[ArcError]]:
    parts, errors = _name_parts(app, [s.name for s in app.scheduled], app_part, MAX_SCHEDULE_NAME,
                                "@scheduled")
    view = {
        s.name: {"name_part": parts[s.name], "function": s.function, "expression": s.expression,
                 "timezone": s.timezone}
        for s in app.scheduled
    }
    return dict(sorted(view.items())), errors


def _topics(app: App, app_part: str) -> tuple[dict[str, dict[str, Any]], list[ArcError]]:
    parts, errors = _name_parts(app, [t.name for t in app.events], app_part, MAX_TOPIC_NAME, "@events",
                                chars=_TOPIC_NAME_CHARS)
    view = {t.name: {"name_part": parts[t.name], "function": t.function} for t in app.events}
    return dict(sorted(view.items())), errors


def _queues(app: App, app_part: str) -> tuple[dict[str, dict[str, Any]], list[ArcError]]:
    parts, errors = _name_parts(app, [q.name for q in app.queues], app_part, MAX_QUEUE_NAME, "@queues",
                                tail=len(".fifo"), chars=_TOPIC_NAME_CHARS)
    view = {}
    for q in app.queues:
        # Lambda's limits for an SQS event source (Lambda docs, SQS parameters: 1-10 for FIFO queues, 10,000
        # otherwise, more than 10 only with a batching window; windows of 0-300 s, none for FIFO).
        limit = 10 if q.fifo else 10_000
        problem = (
            f"batchSize must be 1 to {limit} for a {'FIFO' if q.fifo else 'standard'} queue"
            if not 1 <= q.batch_size <= limit
            else "batchWindow must be 0 to 300 seconds" if not 0 <= q.batch_window <= 300
            else "a batchSize over 10 needs a batchWindow of at least 1 second"
            if q.batch_size > 10 and q.batch_window < 1
            else "FIFO queues take no batchWindow" if q.fifo and q.batch_window
            else None
        )
        if problem:
            errors.append(ArcError(KIND_BUILD, f"@queues {q.name}: {problem}", file=app.manifest,
                                   hint="change the queue's batchSize / batchWindow (or fifo)"))
        view[q.name] = {
            "name_part": parts[q.name] + (".fifo" if q.fifo else ""),
            "function": q.function,
            "fifo": q.fifo,
            "batch_size": q.batch_size,
            # AWS takes no batching window for FIFO queues; Architect writes 0 there.
            "batch_window": None if q.fifo and not q.batch_window else q.batch_window,
            # AWS: a queue's visibility timeout must be at least its function's timeout
            # (Architect sets it to the function's timeout).
            "visibility_timeout": app.function(q.function).config.timeout,
        }
    return dict(sorted(view.items())), errors


def _policy_arn(policy: str) -> str:
    return policy if policy.startswith("arn:") else f"arn:aws:iam::aws:policy/{policy}"


def _function_view(app: App, fn: Function, part: str) -> dict[str, Any]:
    cfg = fn.config
    arc_env: dict[str, str] = {}
    if fn.kind == "http" and app.static is not None and (
        fn.root_handler or app.root_handler == "arcStaticAssetProxy"
    ):
        if app.static.prefix:
            arc_env["ARC_STATIC_PREFIX"] = app.static.prefix
        arc_env["ARC_STATIC_SPA"] = "true" if app.static.spa else "false"
    if not fn.env:
        arc_env.update(_ENV_DISABLED)
    default_env = {"PYTHONPATH": _PYTHONPATH} if cfg.runtime.startswith("python") else {}
    return {
        "key": fn.name,
        "name_part": part,
        "kind": fn.kind,
        "route": fn.route,
        "src": fn.src,
        "description": f"{fn.route} ({fn.src})"[:MAX_LAMBDA_DESCRIPTION],
        "runtime": cfg.runtime,
        "handler": cfg.handler,
        "architecture": cfg.architecture,
        "memory": cfg.memory,
        "timeout": cfg.timeout,
        "storage": cfg.storage,
        "reserved_concurrency": -1 if cfg.concurrency is None else cfg.concurrency,
        "layers": list(cfg.layers),
        "arc_env": dict(sorted(arc_env.items())),
        "default_env": default_env,
        "user_env": fn.env,
        "policies": sorted({_policy_arn(p) for p in cfg.policies if p != "architect-default-policies"}),
    }


def _root_static_dir(app: App, options: EmitOptions) -> str | None:
    if app.static is None:
        return None
    root = posixpath.join(options.out_dir_from_project, "staging")
    rel = posixpath.relpath(posixpath.normpath(app.static.folder), posixpath.normpath(root))
    return rel


def _view(app: App, options: EmitOptions) -> tuple[dict[str, Any], list[ArcError]]:
    names, errors = _names(app)
    tables, table_errors = _tables(app, names.app_part)
    errors += table_errors
    schedules, schedule_errors = _schedules(app, names.app_part)
    errors += schedule_errors
    topics, topic_errors = _topics(app, names.app_part)
    errors += topic_errors
    queues, queue_errors = _queues(app, names.app_part)
    errors += queue_errors
    functions = [_function_view(app, fn, names.function_parts[fn.name]) for fn in app.functions]
    static = app.static
    pinned = {env: getattr(static, env) for env in DEPLOY_ENVIRONMENTS} if static else {}
    for env, bucket in pinned.items():
        problem = bucket and _bucket_name_problem(bucket)
        if problem:
            errors.append(ArcError(KIND_BUILD, f"@static {env} bucket name {bucket!r} is not valid for S3",
                                   file=app.manifest, hint=problem))
    stack_names = {env: to_logical_id(f"{app.name}-{env}") for env in DEPLOY_ENVIRONMENTS}
    for env in DEPLOY_ENVIRONMENTS:
        user_env = dict(app.env_for(env))
        arc_env = {"ARC_APP_NAME": app.name, "ARC_ENV": env, "ARC_STACK_NAME": stack_names[env],
                   "ARC_SESSION_TABLE_NAME": user_env.get("SESSION_TABLE_NAME", _DEFAULT_SESSION_TABLE)}
        # Values known only at apply time count at their longest.
        arc_env.update({k: "x" * n for k, n in _DYNAMIC_ENV_BOUND.items()
                        if k == "ARC_ROLE" or (k == "ARC_STATIC_BUCKET" and static)
                        or (k == "ARC_WSS_URL" and app.ws is not None)})
        # The user's variables are known here (from the IR) though the Terraform only gets them
        # at plan time (ENV_VALUES_FILE); those of terraform.tfvars are not.
        sizes = {fn["key"]: _env_size({**fn["default_env"], **(user_env if fn["user_env"] else {}),
                                       **arc_env, **fn["arc_env"]})
                 for fn in functions}
        too_big = sorted(k for k, size in sizes.items() if size > MAX_ENV_BYTES)
        if too_big:
            errors.append(ArcError(
                KIND_BUILD,
                f"{len(too_big)} function(s) ({', '.join(too_big[:3])}{', ...' if len(too_big) > 3 else ''})"
                f" would get up to {max(sizes.values())} bytes of environment variables in {env};"
                f" Lambda allows {MAX_ENV_BYTES}",
                file=app.manifest, hint="move large values to SSM parameters or files",
            ))
    if app.ws is not None and len(app.ws) > WS_ROUTE_LIMIT:
        errors.append(ArcError(KIND_BUILD, f"@ws has {len(app.ws)} routes; a WebSocket API allows"
                               f" {WS_ROUTE_LIMIT}", file=app.manifest))

    managed_policies = {
        f"{fn['key']} {arn}": {"function": fn["key"], "arn": arn}
        for fn in functions
        for arn in fn["policies"]
    }
    spa = bool(static and static.spa)
    prefix = f"{static.prefix.strip('/')}/" if static and static.prefix else ""
    view = {
        "app_name": app.name,
        "module": names.module,
        "app_part": names.app_part,
        "bucket_prefix": names.bucket_prefix,
        "stack_base": to_logical_id(app.name),
        "region": app.aws.region,
        "functions": functions,
        "managed_policies": dict(sorted(managed_policies.items())),
        "http": app.http is not None,
        "http_routes": _http_routes(app),
        "payload_format_version": "1.0" if app.aws.apigateway in ("httpv1", "rest") else "2.0",
        "static_routes": _static_routes(app),
        "asap": app.asap and app.http is not None,
        "ws": app.ws is not None,
        "ws_routes": _ws_routes(app),
        "static": static is not None,
        "static_prefix": prefix,
        "static_fingerprint": bool(static and static.fingerprint is True),
        "static_fingerprint_param": (
            "external" if static and static.fingerprint == "external"
            else "true" if static and static.fingerprint else "false"
        ),
        "static_ignore": sorted(set(STATIC_ALWAYS_IGNORED) | set(static.ignore or ()) if static else ()),
        "static_index_document": "index.html",
        "static_error_document": f"{prefix}index.html" if spa else f"{prefix}404.html",
        "static_pinned": pinned,
        "root_static_dir": _root_static_dir(app, options),
        "content_types": CONTENT_TYPES,
        "backend": options.backend,
        "tables": tables,
        "table_actions": TABLE_ACTIONS,
        "table_streams": {s.name: {"table": s.table, "function": s.function}
                          for s in sorted(app.table_streams, key=lambda s: s.name)},
        "schedules": schedules,
        "zoned_schedules": any(s["timezone"] for s in schedules.values()),
        "topics": topics,
        "queues": queues,
    }
    return view, errors


# --- rendering ---------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hcl"] = hcl.literal
    env.filters["hcl_key"] = hcl.key
    return env


_MODULE_FILES = (
    ("versions.tf", None),
    ("variables.tf", None),
    ("main.tf", None),
    ("functions.tf", "functions"),
    ("iam.tf", "functions"),
    ("http.tf", "http"),
    ("ws.tf", "ws"),
    ("static.tf", "static"),
    ("tables.tf", "tables"),
    ("scheduled.tf", "schedules"),
    ("events.tf", "topics"),
    ("queues.tf", "queues"),
    ("outputs.tf", None),
)
_ROOT_FILES = ("main.tf", "variables.tf", "outputs.tf", "terraform.tfvars")


def render_terraform(app: App, options: EmitOptions | None = None) -> dict[str, str]:
    """Every generated file, `{relative posix path: text}`; raises `ArcErrors` for names AWS rejects."""
    options = options or EmitOptions()
    if options.backend not in (None, "s3"):
        raise ArcErrors([ArcError(KIND_BUILD, f"unknown backend {options.backend!r}",
                                  hint="the one backend arc2tf writes is s3")])
    view, errors = _view(app, options)
    if errors:
        raise ArcErrors(errors)
    manifest = options.manifest_display or app.manifest
    jenv = _environment()
    files: dict[str, str] = {}

    def render(template: str, path: str, **extra: Any) -> None:
        header = (
            f"# Created once by arc2tf from {manifest}; this file is yours: arc2tf never overwrites it.\n\n"
            if path in CREATE_ONCE_FILES
            else f"# Generated by arc2tf from {manifest}. Do not edit: change the manifest and rebuild.\n\n"
        )
        body = jenv.get_template(template).render(**view, **extra)
        files[path] = hcl.canonical(header + body)

    for name, needs in _MODULE_FILES:
        if needs is None or view[needs]:
            render(f"module/{name}.j2", f"modules/{view['module']}/{name}")
    for env in DEPLOY_ENVIRONMENTS:
        for name in _ROOT_FILES:
            render(f"root/{name}.j2", f"{env}/{name}", environment=env)
        files[f"{env}/.gitignore"] = jenv.get_template("root/gitignore.j2").render(
            manifest=manifest, env_values_file=ENV_VALUES_FILE)
        files[f"{env}/{ENV_VALUES_FILE}"] = env_values_json(app.env_for(env))
    return dict(sorted(files.items()))


def env_values_json(values: Mapping[str, str]) -> str:
    """The text of ENV_VALUES_FILE: `{"arc_environment_variables": {...}}`, keys sorted."""
    doc = {ENV_VALUES_VARIABLE: dict(sorted(values.items()))}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
