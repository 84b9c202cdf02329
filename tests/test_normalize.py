"""The IR normalizer: Architect's inventory rules, and where arc2tf goes further."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from arc2tf.errors import ArcErrors
from arc2tf.inspect_view import render_json
from arc2tf.ir import App
from arc2tf.manifest import Item, Manifest, Pragma, Project
from arc2tf.normalize import architect_lambda_name, architect_logical_id, load_app, normalize

LAYER_A = "arn:aws:lambda:us-west-2:123456789012:layer:a:1"
LAYER_B = "arn:aws:lambda:us-west-2:123456789012:layer:b:2"


def project(root: Path, manifest: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.arc").write_text(textwrap.dedent(manifest).lstrip("\n"), encoding="utf-8")
    for rel, text in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def app_of(tmp_path: Path, home: Path, manifest: str, files: dict[str, str] | None = None) -> App:
    return load_app(project(tmp_path / "proj", manifest, files), home=home)


def errors_of(tmp_path: Path, home: Path, manifest: str, files: dict[str, str] | None = None) -> ArcErrors:
    with pytest.raises(ArcErrors) as info:
        app_of(tmp_path, home, manifest, files)
    return info.value


# --- @http: names, dirs, route keys, ARN globs --------------------------------------------


@pytest.mark.parametrize(
    ("route", "name", "lambda_name", "route_key", "arn_path"),
    [
        ("get /", "get /", "get-index", "GET /", "GET/"),
        ("any /", "any /", "any-index", "ANY /", "*/"),
        ("get /things/:id", "get /things/:id", "get-things-000id", "GET /things/{id}", "GET/things/*"),
        ("any /*", "any /*", "any-catchall", "ANY /{proxy+}", "*/*"),
        ("post /files/*", "post /files/*", "post-files-catchall", "POST /files/{proxy+}", "POST/files/*"),
        ("delete /a/:b/c", "delete /a/:b/c", "delete-a-000b-c", "DELETE /a/{b}/c", "DELETE/a/*/c"),
        ("get /a-b.c_d", "get /a-b.c_d", "get-a_b_c_d", "GET /a-b.c_d", "GET/a-b.c_d"),
        (
            "PATCH /Mixed/:Case",
            "patch /Mixed/:Case",
            "patch-Mixed-000Case",
            "PATCH /Mixed/{Case}",
            "PATCH/Mixed/*",
        ),
        (
            "options /rooms/:room/*",
            "options /rooms/:room/*",
            "options-rooms-000room-catchall",
            "OPTIONS /rooms/{room}/{proxy+}",
            "OPTIONS/rooms/*/*",
        ),
    ],
)
def test_http_route_names_dirs_keys_and_arn_globs(
    tmp_path: Path, home: Path, route: str, name: str, lambda_name: str, route_key: str, arn_path: str
) -> None:
    app = app_of(tmp_path, home, f"@app\nmyapp\n@http\n{route}\n")
    (r,) = app.http or ()
    assert (r.name, r.lambda_name, r.src, r.route_key, r.arn_path) == (
        name,
        lambda_name,
        f"src/http/{lambda_name}",
        route_key,
        arn_path,
    )
    fn = app.function(r.function)
    assert (fn.kind, fn.src, fn.route, r.function) == ("http", r.src, name, lambda_name)


def test_lambda_name_mapping_is_architects_lossy_one() -> None:
    assert architect_lambda_name("/") == "-index"
    assert architect_lambda_name("/foo-bar") == architect_lambda_name("/foo_bar") == "-foo_bar"
    assert architect_lambda_name("/foo.bar") == "-foo_bar"
    assert architect_lambda_name("/a/:b/*") == "-a-000b-catchall"
    assert architect_logical_id("get-things-id") == "GetThingsId"
    assert architect_logical_id("get") == "GetIndex"


def test_routes_and_functions_are_sorted_by_code_point(tmp_path: Path, home: Path) -> None:
    app = app_of(tmp_path, home, "@app\nmyapp\n@http\nput /b\nget /b\nget /a\nget /*\nget /:x\nany /z\n")
    assert [r.name for r in app.http or ()] == ["any /z", "get /*", "get /:x", "get /a", "get /b", "put /b"]
    assert [f.name for f in app.functions] == sorted(f.name for f in app.functions)


# --- routes Architect maps to one handler dir or one CloudFormation ID -------------------


def test_routes_sharing_a_handler_dir_both_stay_with_a_stable_suffix_and_a_warning(
    tmp_path: Path, home: Path
) -> None:
    app = app_of(tmp_path, home, "@app\nmyapp\n@http\nget /foo_bar\nget /foo-bar\n")
    by_route = {r.name: r for r in app.http or ()}
    first, second = by_route["get /foo-bar"], by_route["get /foo_bar"]
    assert first.src == second.src == "src/http/get-foo_bar"
    suffix = hashlib.sha256(b"get /foo_bar").hexdigest()[:6]
    assert (first.function, second.function) == ("get-foo_bar", f"get-foo_bar-{suffix}")
    assert len(app.functions) == 2
    (warning,) = [w for w in app.warnings if "share the handler dir" in w.message]
    assert "`get /foo-bar`" in warning.message and "`get /foo_bar`" in warning.message
    assert warning.line == 4 and warning.file and warning.file.endswith("app.arc")
    assert "method get" in (warning.hint or "") and "src" in (warning.hint or "")

    # The suffix depends on the route alone: other routes coming and going leave it be.
    other = load_app(
        project(tmp_path / "other", "@app\nmyapp\n@http\nget /aaa\nget /foo-bar\nget /foo_bar\n"), home=home
    )
    assert {r.name: r.function for r in other.http or ()}["get /foo_bar"] == second.function


def test_routes_sharing_a_cloudformation_id_stay_two_functions(tmp_path: Path, home: Path) -> None:
    app = app_of(tmp_path, home, "@app\nmyapp\n@http\nget /a/:b\nget /a/b\n")
    assert sorted(f.name for f in app.functions) == ["get-a-000b", "get-a-b"]
    assert not [w for w in app.warnings if "share the handler dir" in w.message]
    (warning,) = [w for w in app.warnings if "CloudFormation" in w.message]
    assert "GetABHTTPLambda" in warning.message


def test_map_form_routes_with_their_own_src(tmp_path: Path, home: Path) -> None:
    app = app_of(
        tmp_path,
        home,
        """
        @app
        myapp
        @http
        /foo-bar
          method GET
          src handlers/foo
        /foo_bar
          method get
          src handlers/foo
        """,
    )
    assert [(r.name, r.src) for r in app.http or ()] == [
        ("get /foo-bar", "handlers/foo"),
        ("get /foo_bar", "handlers/foo"),
    ]
    assert len({r.function for r in app.http or ()}) == 2
    assert not [w for w in app.warnings if "share the handler dir" in w.message]  # chosen, not accidental


def test_map_form_route_without_method_is_a_clear_error(tmp_path: Path, home: Path) -> None:
    err = errors_of(tmp_path, home, "@app\nmyapp\n@http\n/things\n  src somewhere\n")
    (e,) = err.errors
    assert (
        e.kind == "validation" and e.line == 4 and "no method" in e.message and "method get" in (e.hint or "")
    )


def test_every_bad_route_is_reported_at_once_with_position_and_hint(tmp_path: Path, home: Path) -> None:
    err = errors_of(tmp_path, home, "@app\nmyapp\n@http\nfetch /x\nget /y/\nget /a b\nget /ok\nget /ok\n")
    got = {(e.line, e.column, e.message) for e in err.errors}
    assert got == {
        (4, 1, "Invalid @http method: fetch /x"),
        (5, 1, "Invalid @http path (cannot end with '/'): get /y/"),
        (6, 1, "Invalid @http route: get,/a,b"),
        (8, 1, "Duplicate @http routes item: get /ok"),
    }
    assert {e.kind for e in err.errors} == {"validation"}
    method_error = next(e for e in err.errors if e.line == 4)
    assert "expected one of get, post, put, patch, delete, head, options, any" in (method_error.hint or "")
    assert all(e.hint and e.file and e.file.endswith("app.arc") for e in err.errors)


@pytest.mark.parametrize("path", ["/hi/:/there", "/hi/th*re", "//hi", "/hi-", "/a/b:c", '"/caf\u00e9"'])
def test_architects_path_rules(tmp_path: Path, home: Path, path: str) -> None:
    err = errors_of(tmp_path, home, f"@app\nmyapp\n@http\nget {path}\n")
    assert err.errors and all(e.kind == "validation" and e.line == 4 for e in err.errors)


# --- root handler and Architect's static asset proxy -------------------------------------


@pytest.mark.parametrize(
    ("routes", "root", "asap"),
    [
        (["get /foo"], "arcStaticAssetProxy", True),
        (["any /*"], "any /*", False),
        (["get /:id"], "get /:id", False),
        (["get /*", "get /"], "get /", False),
        (["any /", "get /*"], "any /", False),
        (["any /", "get /"], "get /", False),
        (["post /"], "arcStaticAssetProxy", True),
    ],
)
def test_root_handler_and_asap(tmp_path: Path, home: Path, routes: list[str], root: str, asap: bool) -> None:
    app = app_of(tmp_path, home, "@app\nmyapp\n@http\n" + "\n".join(routes) + "\n")
    assert (app.root_handler, app.asap) == (root, asap)
    assert [f.route for f in app.functions if f.root_handler] == ([] if asap else [root])
    assert "get /*" not in [r.name for r in app.http or ()] or "get /*" in routes  # ASAP is not a route


def test_proxy_takes_the_root_and_bare_static_gets_asap(tmp_path: Path, home: Path) -> None:
    proxied = app_of(
        tmp_path / "a",
        home,
        "@app\nmyapp\n@http\n@proxy\ntesting http://a.test\n"
        "staging http://b.test\nproduction http://c.test\n",
    )
    assert (proxied.root_handler, proxied.asap, proxied.uncompiled) == ("proxy", False, ("proxy",))
    bare = app_of(tmp_path / "b", home, "@app\nmyapp\n@static\nfolder dist\nspa true\n")
    assert (bare.http, bare.root_handler, bare.asap) == (None, "arcStaticAssetProxy", False)
    assert bare.static is not None and (bare.static.folder, bare.static.spa) == ("dist", True)


def test_static_is_implied_by_http_and_off_with_static_false(tmp_path: Path, home: Path) -> None:
    implied = app_of(tmp_path / "a", home, "@app\nmyapp\n@http\nget /\n")
    assert implied.static is not None and implied.static.folder == "public" and not implied.static_disabled
    off = app_of(
        tmp_path / "b", home, "@app\nmyapp\n@http\nget /x\n@static false\n".replace(" false", "\nfalse")
    )
    assert (off.static, off.static_disabled, off.asap) == (None, True, True)
    assert render_json(off, ())["static"] is False


# --- @ws -----------------------------------------------------------------------------------


def test_ws_always_has_the_three_default_routes_plus_custom_actions(tmp_path: Path, home: Path) -> None:
    app = app_of(tmp_path, home, "@app\nmyapp\n@ws\njoin\nrooms/leave\n")
    assert [(r.name, r.route_key, r.src, r.function) for r in app.ws or ()] == [
        ("connect", "$connect", "src/ws/connect", "ws-connect"),
        ("default", "$default", "src/ws/default", "ws-default"),
        ("disconnect", "$disconnect", "src/ws/disconnect", "ws-disconnect"),
        ("join", "join", "src/ws/join", "ws-join"),
        ("rooms/leave", "rooms/leave", "src/ws/rooms/leave", "ws-rooms_leave"),
    ]


def test_ws_dollar_names_duplicate_the_default_routes_as_in_architect(tmp_path: Path, home: Path) -> None:
    err = errors_of(tmp_path, home, "@app\nmyapp\n@ws\n$default\n")
    assert [(e.kind, e.message) for e in err.errors] == [("validation", "Duplicate @ws item: default")]


def test_legacy_architect_5_ws_dirs_are_used_with_a_rename_hint(tmp_path: Path, home: Path) -> None:
    files = {
        "src/ws/ws-connect/index.js": "",
        "src/ws/ws-default/index.js": "",
        "src/ws/default/index.js": "",
    }
    app = app_of(tmp_path, home, "@app\nmyapp\n@ws\n", files)
    assert {r.name: r.src for r in app.ws or ()} == {
        "connect": "src/ws/ws-connect",  # current dir missing: the legacy one is used
        "default": "src/ws/default",  # both exist: the current one wins
        "disconnect": "src/ws/disconnect",  # neither exists: Architect's name
    }
    assert app.function("ws-connect").src == "src/ws/ws-connect"
    (warning,) = [w for w in app.warnings if "Architect 5" in w.message]
    assert warning.hint == "rename it: git mv src/ws/ws-connect src/ws/connect"
    assert warning.line == 3  # the @ws line: Architect adds the default routes itself


# --- @aws, config.arc, runtimes and handlers -----------------------------------------------


def test_aws_settings_become_every_functions_defaults(tmp_path: Path, home: Path) -> None:
    app = app_of(
        tmp_path,
        home,
        f"""
        @app
        myapp
        @aws
        region eu-west-1
        profile work
        memory 256
        timeout 30
        architecture x86_64
        concurrency 5
        layers {LAYER_A.replace("us-west-2", "eu-west-1")}
        policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
        @http
        get /
        """,
    )
    assert (app.aws.region, app.aws.profile) == ("eu-west-1", "work")
    c = app.function("get-index").config
    assert (c.memory, c.timeout, c.architecture, c.concurrency, c.runtime) == (
        256,
        30,
        "x86_64",
        5,
        "nodejs22.x",
    )
    assert c.policies == ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",)
    assert app.aws.defaults == c


def test_no_aws_gives_architects_defaults(tmp_path: Path, home: Path) -> None:
    c = app_of(tmp_path, home, "@app\nmyapp\n@http\nget /\n").function("get-index").config
    assert c.to_json() == {
        "runtime": "nodejs22.x",
        "memory": 1152,
        "timeout": 5,
        "architecture": "arm64",
        "concurrency": "unthrottled",
        "storage": 512,
        "layers": [],
        "policies": [],
        "handler": "index.handler",
    }


def test_config_arc_overrides_aws_and_replaces_layers(tmp_path: Path, home: Path) -> None:
    app = app_of(
        tmp_path,
        home,
        f"""
        @app
        myapp
        @aws
        memory 256
        layers {LAYER_A}
        @http
        get /tuned
        get /plain
        """,
        {
            "src/http/get-tuned/config.arc": f"""
        @aws
        memory 512
        runtime node
        layers
          {LAYER_B}
        @arc
        shared false
        env false
        """
        },
    )
    tuned, plain = app.function("get-tuned"), app.function("get-plain")
    assert (tuned.config.memory, tuned.config.runtime, tuned.config.layers) == (512, "nodejs20.x", (LAYER_B,))
    assert (plain.config.memory, plain.config.runtime, plain.config.layers) == (256, "nodejs22.x", (LAYER_A,))
    assert (tuned.shared, tuned.env, plain.shared, plain.env) == (False, False, None, True)


def test_python_runtime_alias_and_handler_file(tmp_path: Path, home: Path) -> None:
    app = app_of(
        tmp_path,
        home,
        "@app\nmyapp\n@aws\nruntime py\n@http\nget /a\nget /b\n",
        {"src/http/get-b/index.py": "def handler(event, context): ...\n"},
    )
    assert render_json(app, ())["aws"]["runtime"] == "py"  # project level: as written, like Architect
    a, b = app.function("get-a").config, app.function("get-b").config
    assert (a.runtime, a.handler) == ("python3.12", "lambda.handler")  # Architect's default Python file
    assert (b.runtime, b.handler) == ("python3.12", "index.handler")  # the file that exists wins


def test_bad_function_config_is_a_configuration_error_at_its_line(tmp_path: Path, home: Path) -> None:
    err = errors_of(
        tmp_path,
        home,
        "@app\nmyapp\n@aws\ntimeout 1000\n@http\nget /a\n",
        {"src/http/get-a/config.arc": "@aws\nruntime cobol\nmemory 64\nstorage 100\n"},
    )
    by_message = {e.message.split(":")[0]: e for e in err.errors}
    assert {e.kind for e in err.errors} == {"configuration"}
    assert set(by_message) == {
        "Invalid Lambda timeout setting",
        "Invalid runtime",
        "Invalid Lambda memory setting",
        "Invalid Lambda storage setting",
    }
    timeout = by_message["Invalid Lambda timeout setting"]
    assert timeout.file and timeout.file.endswith("app.arc") and timeout.line == 4
    memory = by_message["Invalid Lambda memory setting"]
    assert memory.file and memory.file.endswith("src/http/get-a/config.arc") and memory.line == 3
    assert "128 to 10240" in (memory.hint or "")


def test_arc2tf_rejects_architectures_aws_does_not_know(tmp_path: Path, home: Path) -> None:
    err = errors_of(tmp_path, home, "@app\nmyapp\n@aws\narchitecture arm\n@http\nget /\n")
    assert [(e.kind, e.line) for e in err.errors] == [("configuration", 4)]


def test_layers_must_be_arns_in_the_apps_region(tmp_path: Path, home: Path) -> None:
    err = errors_of(tmp_path, home, f"@app\nmyapp\n@aws\nregion us-east-1\nlayers {LAYER_A}\n@http\nget /\n")
    assert (
        err.errors[0].kind == "configuration" and "not in app's region of us-east-1" in err.errors[0].message
    )


# --- environments ----------------------------------------------------------------------------


def test_prefs_env_per_environment(tmp_path: Path, home: Path) -> None:
    app = app_of(
        tmp_path,
        home,
        "@app\nmyapp\n@http\nget /\n",
        {
            "prefs.arc": """
        @env
        testing
          DEBUG 1
          GREETING hello there
        staging
          API_URL https://staging.example.com
        """
        },
    )
    assert app.env_for("testing") == {"DEBUG": "1", "GREETING": "hello there"}
    assert app.env_for("staging") == {"API_URL": "https://staging.example.com"}
    assert app.env_for("production") == {}
    assert render_json(app, ())["env"] == {
        "testing": {"DEBUG": "1", "GREETING": "hello there"},
        "staging": {"API_URL": "https://staging.example.com"},
        "production": None,
    }


def test_dotenv_replaces_every_prefs_env(tmp_path: Path, home: Path) -> None:
    app = app_of(
        tmp_path,
        home,
        "@app\nmyapp\n@http\nget /\n",
        {"prefs.arc": "@env\nstaging\n  A 1\n", ".env": "# local\nTOKEN=abc\nexport NAME='x y'\n"},
    )
    assert dict(app.env or {}) == {
        "testing": {"NAME": "x y", "TOKEN": "abc"},
        "staging": None,
        "production": None,
    }


def test_global_prefs_apply_unless_local_prefs_set_env(tmp_path: Path, home: Path) -> None:
    (home / "prefs.arc").write_text("@env\nproduction\n  FROM_HOME yes\n", encoding="utf-8")
    only_global = app_of(tmp_path / "a", home, "@app\nmyapp\n@http\nget /\n")
    assert only_global.env_for("production") == {"FROM_HOME": "yes"}
    local = app_of(
        tmp_path / "b", home, "@app\nmyapp\n@http\nget /\n", {"preferences.arc": "@env\ntesting\n  L 1\n"}
    )
    assert (local.env_for("production"), local.env_for("testing")) == ({}, {"L": "1"})


def test_bad_env_var_names_are_plugin_errors_as_in_architect(tmp_path: Path, home: Path) -> None:
    err = errors_of(tmp_path, home, "@app\nmyapp\n", {"prefs.arc": "@env\ntesting\n  BAD-NAME 1\n"})
    (e,) = err.errors
    assert e.kind == "plugin" and "BAD-NAME" in e.message and e.file and e.file.endswith("prefs.arc")


# --- @app, @plugins, other pragmas ------------------------------------------------------------


@pytest.mark.parametrize("name", ["MyApp", "a", "1app", "x" * 101, "my app"])
def test_app_name_rules(tmp_path: Path, home: Path, name: str) -> None:
    err = errors_of(tmp_path, home, f"@app\n{name}\n")
    assert {e.kind for e in err.errors} == {"validation"} and all(e.line == 2 for e in err.errors)


def test_plugins_and_macros_are_plugin_errors(tmp_path: Path, home: Path) -> None:
    err = errors_of(
        tmp_path,
        home,
        "@app\nmyapp\n@plugins\nmine\n@macros\nmissing\n@http\nfetch /x\n",
        {"src/plugins/mine.js": "module.exports = {}\n"},
    )
    assert [(e.kind, e.line) for e in err.errors] == [("plugin", 4), ("plugin", 6)]
    assert "arc2tf does not run JavaScript" in err.errors[0].message
    assert err.errors[1].message.startswith("Cannot find plugin 'missing'")


def test_other_pragmas_are_kept_validated_and_listed_as_uncompiled(tmp_path: Path, home: Path) -> None:
    app = app_of(
        tmp_path,
        home,
        """
        @app
        myapp
        @cdn
        @http
        get /
        @tables-streams
        things
        @events
        hit
        @tables
        things
          id *String
        @scheduled
        nightly rate(1 day)
        """,
    )
    assert app.uncompiled == ("cdn",)  # @events, @scheduled, @tables, @tables-streams are compiled
    assert app.pragmas["events"] == ["hit"] and app.pragmas["tables"] == [{"things": {"id": "*String"}}]
    (warning,) = app.warnings
    assert "@cdn " in warning.message and warning.line == 3
    assert [f.name for f in app.functions] == [
        "events-hit", "get-index", "scheduled-nightly", "tables-streams-things"]

    err = errors_of(
        tmp_path / "bad", home, "@app\nmyapp\n@scheduled\nnightly rate(2 day)\n@tables-streams\nnope\n"
    )
    assert {e.kind for e in err.errors} == {"validation"}
    assert any("Specifying @tables-streams requires" in e.message for e in err.errors)
    assert any("plural intervals" in e.message and e.line == 4 for e in err.errors)


# --- contract and determinism -----------------------------------------------------------------


def test_normalize_takes_a_hand_built_project(tmp_path: Path) -> None:
    manifest = Manifest(
        path=tmp_path / "arc.json",
        display="arc.json",
        format="json",
        pragmas=(
            Pragma("app", (Item("handmade"),)),
            Pragma("http", (Item(["GET", "/things/:id"]),)),
            Pragma("ws", (Item("join"),)),
        ),
    )
    app = normalize(
        Project(dir=tmp_path, manifest=manifest, local_prefs=None, global_prefs=None, dotenv=None)
    )
    assert app.name == "handmade" and app.manifest == "arc.json"
    assert [f.name for f in app.functions] == [
        "get-things-000id",
        "ws-connect",
        "ws-default",
        "ws-disconnect",
        "ws-join",
    ]


def test_no_manifest_means_architects_default_app(tmp_path: Path) -> None:
    app = normalize(Project(dir=tmp_path, manifest=None, local_prefs=None, global_prefs=None, dotenv=None))
    assert (app.name, app.http, app.asap, app.static is not None) == ("app-default", (), True, True)


def test_normalizing_twice_gives_equal_apps(tmp_path: Path, home: Path) -> None:
    root = project(
        tmp_path / "p", "@app\nmyapp\n@http\nget /foo-bar\nget /foo_bar\nget /\n@ws\njoin\n@events\ne\n"
    )
    assert load_app(root, home=home) == load_app(root, home=home)


def test_handler_setting_is_regenerated_from_the_file_found_as_architect_does(
    tmp_path: Path, home: Path
) -> None:
    app = app_of(
        tmp_path,
        home,
        "@app\nmyapp\n@aws\nhandler main.run\n@http\nget /a\nget /b\n",
        {"src/http/get-b/index.mjs": "export const handler = async () => ({})\n"},
    )
    # Architect keeps the file and always names the method `handler` (its getHandler + populate)
    assert app.function("get-a").config.handler == "main.handler"
    assert app.function("get-b").config.handler == "index.handler"


# --- no traceback, whatever the manifest holds ----------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from arc2tf.inspect_view import render_table  # noqa: E402

_words = st.sampled_from(
    [
        "get",
        "post",
        "ANY",
        "/",
        "/a",
        "/a/:b",
        "/*",
        "/x-y",
        "src",
        "method",
        "join",
        "connect",
        "$default",
        "memory",
        "timeout",
        "runtime",
        "layers",
        "policy",
        "py",
        "x86_64",
        "false",
        "disable",
        "testing",
        "staging",
        "rate(1",
        "day)",
        "*String",
        "stream",
        "fetch",
        "..",
        "/a//b",
        "folder",
        "spa",
        "ignore",
        "arn:a:b:c:d:e:f:g",
    ]
)
_scalars = st.one_of(
    _words,
    st.text(max_size=8),
    st.integers(-5, 20000),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
_values = st.one_of(
    _scalars,
    st.lists(_scalars, min_size=2, max_size=4),
    st.dictionaries(_words, st.lists(_scalars, max_size=3), min_size=1, max_size=1),
    st.dictionaries(
        _words,
        st.dictionaries(_words, st.one_of(_scalars, st.lists(_scalars, min_size=2, max_size=3)), max_size=3),
        min_size=1,
        max_size=1,
    ),
)
_pragma_names = st.sampled_from(
    [
        "app",
        "aws",
        "http",
        "ws",
        "static",
        "events",
        "queues",
        "scheduled",
        "tables",
        "tables-indexes",
        "tables-streams",
        "proxy",
        "cdn",
        "shared",
        "views",
        "plugins",
        "macros",
        "whatever",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pragmas=st.dictionaries(_pragma_names, st.lists(_values, max_size=5), max_size=8),
    name=st.one_of(st.just("myapp"), _scalars),
)
def test_any_manifest_gives_an_app_or_arc2tfs_own_errors(tmp_path: Path, pragmas: dict, name: object) -> None:
    pragmas = {"app": [name], **pragmas}
    manifest = Manifest(
        path=tmp_path / "arc.json",
        display="arc.json",
        format="json",
        pragmas=tuple(
            Pragma(p, tuple(Item(v, i + 1, 1) for i, v in enumerate(values))) for p, values in pragmas.items()
        ),
    )
    try:
        app = normalize(
            Project(dir=tmp_path, manifest=manifest, local_prefs=None, global_prefs=None, dotenv=None)
        )
    except ArcErrors as exc:
        assert exc.errors and all(e.message and e.kind for e in exc.errors)
        assert render_json(None, exc.errors)["errors"]
    else:
        assert render_json(app, ())["app"] == app.name
        assert render_table(app, None).startswith("app ")
        assert len({f.name for f in app.functions}) == len(app.functions)


def test_arc2tf_rejects_regions_aws_does_not_have(tmp_path: Path, home: Path) -> None:
    err = errors_of(tmp_path, home, "@app\nmyapp\n@aws\nregion mars-1\n@http\nget /\n")
    assert [(e.kind, e.line, e.message) for e in err.errors] == [
        ("configuration", 4, "Invalid AWS region: mars-1 (@aws)")
    ]


def test_parser_warnings_reach_the_app(tmp_path: Path) -> None:
    from arc2tf.errors import ArcWarning

    dropped = ArcWarning("values after `@ws` on line 3 are ignored (as Architect does)", "app.arc", 3, 7)
    manifest = Manifest(
        path=tmp_path / "app.arc",
        display="app.arc",
        format="arc",
        warnings=(dropped,),
        pragmas=(Pragma("app", (Item("myapp", 2, 1),)), Pragma("ws", ())),
    )
    app = normalize(
        Project(dir=tmp_path, manifest=manifest, local_prefs=None, global_prefs=None, dotenv=None)
    )
    assert app.warnings[0] == dropped
