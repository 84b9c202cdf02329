"""Finding and reading a project's manifest, preferences and .env as Architect's inventory does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arc2tf.errors import KIND_MANIFEST, KIND_PLUGIN, KIND_VALIDATION, ArcErrors
from arc2tf.manifest import load_function_config, load_project, parse_dotenv

CONFORMANCE = Path(__file__).parent / "conformance" / "cases"

ARC = "@app\nfrom-arc\n@http\nget /\n"
MANIFESTS = {
    "app.arc": "@app\nfrom-app-arc\n",
    ".arc": "@app\nfrom-dot-arc\n",
    "arc.json": json.dumps({"app": "from-arc-json"}),
    "arc.yaml": "app: from-arc-yaml\n",
    "arc.yml": "app: from-arc-yml\n",
    "package.json": json.dumps({"name": "pkg", "arc": {"app": "from-package-json"}}),
}
APP_NAMES = {
    "app.arc": "from-app-arc",
    ".arc": "from-dot-arc",
    "arc.json": "from-arc-json",
    "arc.yaml": "from-arc-yaml",
    "arc.yml": "from-arc-yml",
    "package.json": "from-package-json",
}


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def load(folder: Path, **kwargs: Any):
    kwargs.setdefault("home", folder / "no-home")
    return load_project(folder, **kwargs)


def errors_of(folder: Path, **kwargs: Any):
    with pytest.raises(ArcErrors) as caught:
        load(folder, **kwargs)
    return caught.value.errors


def app_name(folder: Path, **kwargs: Any) -> str:
    project = load(folder, **kwargs)
    assert project.manifest is not None
    return project.manifest.pragma("app").items[0].value


# --- which manifest --------------------------------------------------------


@pytest.mark.parametrize("present", range(len(MANIFESTS)))
def test_manifest_precedence_follows_inventory(tmp_path: Path, present: int) -> None:
    names = list(MANIFESTS)
    write(tmp_path, {name: MANIFESTS[name] for name in names[present:]})
    project = load(tmp_path)
    assert project.manifest is not None
    assert project.manifest.path == tmp_path / names[present]
    assert app_name(tmp_path) == APP_NAMES[names[present]]


@pytest.mark.parametrize(("key", "expected"), [("arc", "from-arc-key"), ("architect", "from-architect-key")])
def test_package_json_reads_arc_then_architect(tmp_path: Path, key: str, expected: str) -> None:
    package: dict[str, Any] = {"name": "x", "architect": {"app": "from-architect-key"}}
    if key == "arc":
        package["arc"] = {"app": "from-arc-key"}
    write(tmp_path, {"package.json": json.dumps(package)})
    assert app_name(tmp_path) == expected
    assert load(tmp_path).manifest.format == "package.json"


def test_package_json_falsy_arc_key_falls_through_to_architect(tmp_path: Path) -> None:
    write(tmp_path, {"package.json": json.dumps({"arc": "", "architect": {"app": "second"}})})
    assert app_name(tmp_path) == "second"


def test_package_json_without_either_key_means_no_manifest(tmp_path: Path) -> None:
    write(tmp_path, {"package.json": json.dumps({"name": "plain-node-project"})})
    assert load(tmp_path).manifest is None


def test_arc_toml_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"arc.toml": '[app]\nname = "nope"\n'})
    project = load(tmp_path)
    assert project.manifest is None
    assert project.dir == tmp_path


def test_no_manifest_at_all(tmp_path: Path) -> None:
    project = load(tmp_path)
    assert (project.manifest, project.local_prefs, project.global_prefs, project.dotenv) == (
        None,
        None,
        None,
        None,
    )


def test_explicit_manifest_path_picks_that_file_and_its_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "app.arc": ARC,
            "other/custom.json": json.dumps({"app": "explicit"}),
            "other/custom.yml": "app: explicit-yaml\n",
            "other/custom.txt": "@app\nexplicit-arc\n",
        },
    )
    monkeypatch.chdir(tmp_path / "other")
    assert app_name(tmp_path, manifest="custom.json") == "explicit"
    assert app_name(tmp_path, manifest="custom.yml") == "explicit-yaml"
    assert app_name(tmp_path, manifest=tmp_path / "other" / "custom.txt") == "explicit-arc"
    project = load(tmp_path, manifest="custom.json")
    assert (project.manifest.format, project.manifest.display) == ("json", "custom.json")


def test_explicit_manifest_that_does_not_exist(tmp_path: Path) -> None:
    (err,) = errors_of(tmp_path, manifest=tmp_path / "missing.arc")
    assert err.kind == KIND_MANIFEST
    assert "manifest not found" in err.message and err.hint


def test_missing_project_dir(tmp_path: Path) -> None:
    (err,) = errors_of(tmp_path / "nowhere")
    assert err.kind == KIND_MANIFEST and "project directory not found" in err.message


# --- each format -----------------------------------------------------------


def test_arc_manifest_items_keep_lines(tmp_path: Path) -> None:
    write(tmp_path, {"app.arc": ARC})
    manifest = load(tmp_path).manifest
    assert manifest.format == "arc"
    assert manifest.to_json() == {"app": ["from-arc"], "http": [["get", "/"]]}
    http = manifest.pragma("http")
    assert (http.line, http.items[0].line, http.items[0].column) == (3, 4, 1)


def test_json_manifest_converts_to_arc_items_like_architect(tmp_path: Path) -> None:
    # The conversions of @architect/parser's compat/json.js (parser-example-json in the corpus).
    write(
        tmp_path,
        {
            "arc.json": json.dumps(
                {
                    "app": "myapp",
                    "aws": {"profile": "p", "region": "ca-central-1", "layers": ["a", "b"]},
                    "static": {"folder": "dist", "fingerprint": True},
                    "http": {"get /": {}, "post /things": "src/things", "put /x": {"src": "custom"}},
                    "ws": ["join"],
                    "tables": [{"data": {"id": "*String"}}],
                    "scheduled": {"daily": "rate(1 day)"},
                    "custom": {"k": "v", "list": [1, 2]},
                    "dropped-scalar": "ignored",
                }
            )
        },
    )
    manifest = load(tmp_path).manifest
    assert manifest.format == "json"
    assert manifest.to_json() == {
        "app": ["myapp"],
        "aws": [["profile", "p"], ["region", "ca-central-1"], {"layers": ["a", "b"]}],
        "static": [["folder", "dist"], ["fingerprint", True]],
        "http": ["get /", ["post /things", "src/things"], {"put /x": {"src": "custom"}}],
        "ws": ["join"],
        "tables": [{"data": {"id": "*String"}}],
        "scheduled": [["daily", "rate(1 day)"]],
        "custom": [["k", "v"], {"list": [1, 2]}],
    }
    # Every item knows where it starts (tests/test_manifest_positions.py checks where).
    assert all(item.line == 1 and item.column for p in manifest.pragmas for item in p.items)


def test_yaml_manifest_reads_scalars_as_js_yaml_does(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "arc.yaml": "app: y\nstatic:\n  spa: yes\n  prune: true\n  folder: 0777\n"
            "  prefix: 1_000\n  staging: 2021-01-01\n  ignore: ~\n"
        },
    )
    manifest = load(tmp_path).manifest
    assert manifest.format == "yaml"
    assert manifest.to_json()["static"] == [
        ["spa", "yes"],
        ["prune", True],
        ["folder", 777],
        ["prefix", 1000],
        ["staging", "2021-01-01T00:00:00.000Z"],
        ["ignore", None],
    ]


@pytest.mark.parametrize(
    ("name", "content", "line", "parser_error"),
    [
        ("arc.json", '{\n  "app": "x",\n  "http": [\n}\n', 4, "SyntaxError"),
        ("arc.yaml", "app: x\nhttp:\n  - get /\n - bad\n", 4, "YAMLException"),
        ("package.json", '{"name": "x",\n "arc": }', 2, "SyntaxError"),
    ],
)
def test_invalid_json_or_yaml_is_a_manifest_error_with_its_line(
    tmp_path: Path, name: str, content: str, line: int, parser_error: str
) -> None:
    write(tmp_path, {name: content})
    (err,) = errors_of(tmp_path)
    assert (err.kind, err.line, err.parser_error) == (KIND_MANIFEST, line, parser_error)
    assert err.file.endswith(name) and err.hint


def test_json_items_architect_rejects(tmp_path: Path) -> None:
    write(tmp_path, {"arc.json": json.dumps({"app": "x", "http": [True]})})
    (err,) = errors_of(tmp_path)
    assert (err.kind, err.message, err.parser_error) == (KIND_MANIFEST, "Invalid Lambda: true", "Error")


@pytest.mark.parametrize("pragma", ["http", "aws", "custom"])
def test_json_null_pragma_is_rejected(tmp_path: Path, pragma: str) -> None:
    write(tmp_path, {"arc.json": json.dumps({"app": "x", pragma: None})})
    (err,) = errors_of(tmp_path)
    assert err.kind == KIND_MANIFEST and "Invalid pragma" in err.message


def test_json_pragma_order_is_javascripts_object_order(tmp_path: Path) -> None:
    write(tmp_path, {"arc.json": '{"app": "x", "b": [1], "10": [2], "2": [3]}'})
    assert [p.name for p in load(tmp_path).manifest.pragmas] == ["2", "10", "app", "b"]


@pytest.mark.parametrize("name", ["app.arc", "arc.json", "arc.yaml"])
def test_empty_manifest_is_an_error_not_a_fallback(tmp_path: Path, name: str) -> None:
    write(tmp_path, {name: "  \n\t\n", "arc.yml": "app: not-reached\n"})
    (err,) = errors_of(tmp_path)
    assert (err.kind, err.message, err.line) == (KIND_MANIFEST, f"Empty file: {name}", None)


def test_arc_syntax_error_carries_file_line_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"app.arc": '@app\nx\n@http\nget /\n  "open\n'})
    monkeypatch.chdir(tmp_path)
    (err,) = errors_of(tmp_path)
    assert (err.file, err.line, err.column, err.parser_error) == ("app.arc", 5, 3, "CloseQuoteNotFoundError")


def test_invalid_utf8_reads_as_replacement_characters(tmp_path: Path) -> None:
    write(tmp_path, {"app.arc": b"@app\nna\xffme\n"})
    (err,) = errors_of(tmp_path)
    assert (err.parser_error, err.line, err.column) == ("UnknownCharacterError", 2, 3)
    assert "U+FFFD" in err.message


def test_a_manifest_that_is_a_directory_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "app.arc").mkdir()
    (err,) = errors_of(tmp_path)
    assert err.kind == KIND_MANIFEST
    assert "cannot read app.arc" in err.message and err.hint


def test_display_path_is_relative_below_the_cwd_else_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"proj/app.arc": ARC, "elsewhere/.keep": ""})
    monkeypatch.chdir(tmp_path)
    assert load(tmp_path / "proj").manifest.display == "proj/app.arc"
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert load(tmp_path / "proj").manifest.display == str(tmp_path / "proj" / "app.arc")


# --- preferences and .env --------------------------------------------------


def test_local_and_global_preferences(tmp_path: Path) -> None:
    home = write(tmp_path / "home", {"prefs.arc": "@env\ntesting\n  FROM global\n"})
    project_dir = write(
        tmp_path / "proj",
        {
            "app.arc": ARC,
            "preferences.arc": "@env\ntesting\n  FROM local\n",
            "prefs.arc": "@env\ntesting\n  FROM shadowed\n",
        },
    )
    project = load_project(project_dir, home=home)
    assert project.local_prefs.path == project_dir / "preferences.arc"
    assert project.local_prefs.to_json() == {"env": [{"testing": {"FROM": "local"}}]}
    assert project.global_prefs.path == home / "prefs.arc"
    assert project.global_prefs.to_json() == {"env": [{"testing": {"FROM": "global"}}]}


@pytest.mark.parametrize("name", ["preferences.arc", "prefs.arc", ".preferences.arc", ".prefs.arc"])
def test_every_preferences_file_name_is_read(tmp_path: Path, name: str) -> None:
    write(tmp_path, {"app.arc": ARC, name: "@sandbox\nenvironment staging\n"})
    assert load(tmp_path).local_prefs.to_json() == {"sandbox": [["environment", "staging"]]}


def test_global_preferences_default_to_the_users_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = write(tmp_path / "home", {"prefs.arc": "@create\nautocreate true\n"})
    monkeypatch.setenv("HOME", str(home))
    project = load_project(write(tmp_path / "proj", {"app.arc": ARC}))
    assert project.global_prefs.to_json() == {"create": [["autocreate", True]]}


@pytest.mark.parametrize(
    ("content", "parser_error"), [("", None), ("@env\ntesting\n  {bad}\n", "UnknownCharacterError")]
)
def test_broken_preferences_are_plugin_errors(tmp_path: Path, content: str, parser_error: str | None) -> None:
    write(tmp_path, {"app.arc": ARC, "prefs.arc": content})
    (err,) = errors_of(tmp_path)
    assert (err.kind, err.parser_error) == (KIND_PLUGIN, parser_error)
    assert err.file.endswith("prefs.arc")


def test_a_broken_manifest_stops_before_preferences(tmp_path: Path) -> None:
    write(tmp_path, {"app.arc": "no pragma\n", "prefs.arc": ""})
    (err,) = errors_of(tmp_path)
    assert (err.kind, err.parser_error) == (KIND_MANIFEST, "PragmaNotFound")


def test_dotenv_is_the_testing_environment_only(tmp_path: Path) -> None:
    write(tmp_path, {"app.arc": ARC, ".env": '# vars\nFOO=bar\nexport QUOTED="a b"\n'})
    project = load(tmp_path)
    assert project.dotenv == {"testing": {"FOO": "bar", "QUOTED": "a b"}, "staging": None, "production": None}
    assert project.dotenv_path == tmp_path / ".env"


def test_empty_dotenv_still_replaces_env_with_nulls(tmp_path: Path) -> None:
    write(tmp_path, {"app.arc": ARC, ".env": "# nothing\n"})
    assert load(tmp_path).dotenv == {"testing": None, "staging": None, "production": None}


def test_dotenv_in_the_home_dir_is_not_read(tmp_path: Path) -> None:
    home = write(tmp_path / "home", {".env": "FOO=bar\n"})
    project = load_project(write(tmp_path / "proj", {"app.arc": ARC}), home=home)
    assert (project.dotenv, project.dotenv_path) == (None, None)


def test_unreadable_dotenv(tmp_path: Path) -> None:
    write(tmp_path, {"app.arc": ARC})
    (tmp_path / ".env").mkdir()
    (err,) = errors_of(tmp_path)
    assert err.kind == KIND_PLUGIN and ".env" in err.message


# Answers of the dotenv parser bundled in @architect/inventory 6.1.0, run with Node.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FOO=bar\n", {"FOO": "bar"}),
        ("FOO = bar # comment\n", {"FOO": "bar"}),
        ("export A=1\nB: two\n", {"A": "1", "B": "two"}),
        ("Q='a b'\nR=\"x\\ny\"\nS=`t`\n", {"Q": "a b", "R": "x\ny", "S": "t"}),
        ("E=\n", {"E": ""}),
        ("# comment\nX=1#2\n", {"X": "1"}),
        ('M="multi\nline"\nN=1\n', {"M": "multi\nline", "N": "1"}),
        ("K.dot-x=v\r\nW=z\r\n", {"K.dot-x": "v", "W": "z"}),
        ("  SP=  padded  \n", {"SP": "padded"}),
        ("BAD LINE\n=nokey\nOK=1", {"OK": "1"}),
        ("A=1\nA=2\n", {"A": "2"}),
        ("H=a#b\n", {"H": "a"}),
        ('X="q" trailing\n', {"X": '"q" trailing'}),
    ],
)
def test_dotenv_parses_as_architect_does(text: str, expected: dict[str, str]) -> None:
    assert parse_dotenv(text) == expected


# --- per-function config ---------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"config.arc": "@aws\ntimeout 30\n", ".arc-config": "@aws\ntimeout 1\n"}, [["timeout", 30]]),
        ({".arc-config": "@aws\ntimeout 1\n", "arc.json": '{"aws": {"timeout": 2}}'}, [["timeout", 1]]),
        ({"arc.json": '{"aws": {"timeout": 2}}', "config.yaml": "aws:\n  timeout: 3\n"}, [["timeout", 2]]),
        ({"arc-config.json": '{"aws": {"timeout": 4}}'}, [["timeout", 4]]),
        ({"config.yml": "aws:\n  timeout: 5\n"}, [["timeout", 5]]),
        ({"arc-config.yml": "aws:\n  layers: [a, b]\n"}, [{"layers": ["a", "b"]}]),
    ],
)
def test_function_config_names_and_formats(
    tmp_path: Path, files: dict[str, str], expected: list[Any]
) -> None:
    write(tmp_path / "src" / "http" / "get-index", files)
    config = load_function_config(tmp_path, "src/http/get-index")
    assert config is not None
    assert config.to_json()["aws"] == expected


def test_function_without_config(tmp_path: Path) -> None:
    (tmp_path / "src" / "ws" / "connect").mkdir(parents=True)
    assert load_function_config(tmp_path, "src/ws/connect") is None
    assert load_function_config(tmp_path, "src/does/not/exist") is None


def test_broken_function_config_is_a_validation_error(tmp_path: Path) -> None:
    write(tmp_path / "src" / "f", {"config.arc": "@aws\nmemory {1}\n"})
    with pytest.raises(ArcErrors) as caught:
        load_function_config(tmp_path, "src/f")
    (err,) = caught.value.errors
    assert (err.kind, err.line, err.column, err.parser_error) == (
        KIND_VALIDATION,
        2,
        8,
        "UnknownCharacterError",
    )


# --- the conformance corpus -------------------------------------------------


def _cases() -> list[Path]:
    return sorted(p for p in CONFORMANCE.iterdir() if p.is_dir()) if CONFORMANCE.is_dir() else []


@pytest.mark.skipif(not _cases(), reason="tests/conformance is not there")
def test_conformance_manifest_errors_match_architect(tmp_path: Path) -> None:
    """Every case whose oracle answer is a manifest error fails here, with its line; others load."""
    mismatches = []
    for case in _cases():
        expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        manifest_errors = [e for e in expected["errors"] if e["kind"] == "manifest"]
        try:
            load_project(case, home=tmp_path)
        except ArcErrors as exc:
            got = [(e.kind, e.line, e.parser_error) for e in exc.errors]
            want = [(e["kind"], e["line"], e.get("parserError")) for e in manifest_errors]
            if len(got) == len(want):  # a line where Architect gives none is fine (compare.py's rule)
                got = [(kind, line if w[1] is not None else None, error)
                       for (kind, line, error), w in zip(got, want, strict=True)]
            if got != want:
                mismatches.append((case.name, got, want))
        else:
            if manifest_errors:
                mismatches.append((case.name, "loaded", manifest_errors))
    assert mismatches == []


def test_a_manifest_that_cannot_be_read_is_a_manifest_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root a chmod 000 file stays readable, so make reading fail the way it does for other users.
    write(tmp_path, {"app.arc": ARC})
    real_read_bytes = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "app.arc":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    (err,) = errors_of(tmp_path)
    assert (err.kind, err.message) == (KIND_MANIFEST, "cannot read app.arc: Permission denied")
