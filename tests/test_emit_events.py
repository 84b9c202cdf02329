"""@tables / @tables-indexes (and the other event pragmas as they are compiled): IR and Terraform.

The project is tests/projects/events-app (also a golden case, `project-events-app`).
The Terraform is read back with python-hcl2, so these tests check what the emitted
resources say, not how the text looks; `terraform validate` with the real provider
checks that the provider accepts it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from arc2tf.emit import render_terraform
from arc2tf.errors import ArcErrors
from arc2tf.ir import App
from arc2tf.normalize import load_app
from tests.test_emit import parse
from tests.tfharness import Terraform, terraform_or_skip

PROJECT = Path(__file__).resolve().parent / "projects" / "events-app"


@pytest.fixture(scope="module")
def app() -> App:
    return load_app(PROJECT)


def _module(files: dict[str, str], name: str) -> dict:
    (path,) = [p for p in files if p.startswith("modules/") and p.endswith(f"/{name}")]
    return parse(files[path])


def _project(tmp_path: Path, arc: str) -> Path:
    (tmp_path / "app.arc").write_text(arc)
    return tmp_path


def test_tables_in_the_ir_have_architects_settings(app: App) -> None:
    tables = {t.name: t for t in app.tables}
    assert sorted(tables) == ["accounts", "notes"]
    notes = tables["notes"]
    assert (notes.partition_key, notes.partition_key_type, notes.sort_key, notes.sort_key_type) == (
        "owner", "String", "created", "Number")
    assert (notes.ttl, notes.stream, notes.encrypt, notes.pitr) == ("expires", True, True, True)
    (by_status,) = notes.indexes
    assert (by_status.name, by_status.partition_key, by_status.sort_key) == ("byStatus", "status", "created")
    assert (by_status.projection, by_status.projection_attributes) == ("INCLUDE", ("title", "owner"))
    accounts = tables["accounts"]
    # (Its stream is on because a @tables-streams entry reads it.)
    assert (accounts.sort_key, accounts.ttl, accounts.stream, accounts.encrypt, accounts.pitr) == (
        None, None, True, False, False)
    (email,) = accounts.indexes
    # Unnamed: package's getGsiName, `<partition key>[-<sort key>]-index`.
    assert (email.name, email.projection, email.projection_attributes) == ("email-index", "KEYS_ONLY", ())
    assert "tables" not in app.uncompiled and "tables-indexes" not in app.uncompiled


def test_table_settings_spelled_every_way_inventory_reads_them(tmp_path: Path) -> None:
    arc = """@app
spell

@tables
aaa
  pk *Number
  sk **
  ttl ttl
  PointInTimeRecovery true
  encrypt arn:aws:kms:us-west-2:123456789012:key/abc
bbb
  pk *
  PITR true
  stream false

@tables-indexes
aaa
  sk *String
  pk **Number
"""
    built = load_app(_project(tmp_path, arc))
    a, b = built.tables
    assert (a.partition_key_type, a.sort_key_type, a.ttl, a.pitr) == ("Number", "String", "ttl", True)
    assert a.encrypt == "arn:aws:kms:us-west-2:123456789012:key/abc"
    assert a.indexes[0].name == "sk-pk-index"
    assert (b.partition_key_type, b.pitr, b.stream, b.encrypt) == ("String", True, False, False)
    assert built.uncompiled == ()


def test_tables_streams_entry_turns_its_tables_stream_on(tmp_path: Path) -> None:
    arc = "@app\nstreamy\n\n@tables\nthings\n  id *String\n\n@tables-streams\nthings\n"
    (things,) = load_app(_project(tmp_path, arc)).tables
    assert things.stream is True


def test_table_resources_say_what_the_ir_says(app: App) -> None:
    files = render_terraform(app)
    tf = _module(files, "tables.tf")
    tables = tf["locals"][0]["tables"]
    assert sorted(tables) == ["accounts", "notes"]
    notes = tables["notes"]
    assert notes["attributes"] == {"created": "N", "owner": "S", "status": "S"}
    assert (notes["hash_key"], notes["range_key"], notes["ttl_attribute"]) == ("owner", "created", "expires")
    assert (notes["stream"], notes["encrypt"], notes["pitr"]) == (True, True, True)
    assert notes["kms_key_arn"] is None
    assert notes["indexes"]["byStatus"]["non_key_attributes"] == ["title", "owner"]
    assert tables["accounts"]["attributes"] == {"email": "S", "id": "S"}
    assert tables["accounts"]["indexes"]["email-index"]["projection_type"] == "KEYS_ONLY"
    resource = tf["resource"][0]["aws_dynamodb_table"]["table"]
    assert resource["billing_mode"] == "PAY_PER_REQUEST"
    assert resource["stream_view_type"] == '${each.value.stream ? "NEW_AND_OLD_IMAGES" : null}'
    ssm = tf["resource"][1]["aws_ssm_parameter"]["table"]
    assert ssm["name"] == "/${local.stack_name}/tables/${each.key}"
    iam = _module(files, "iam.tf")
    policies = {k: v for r in iam["resource"] for t, rs in r.items() if t == "aws_iam_role_policy"
                for k, v in rs.items()}
    assert policies["tables"]["name"] == "arc2tf-tables"
    outputs = {k for o in _module(files, "outputs.tf")["output"] for k in o}
    assert "tables" in outputs


def test_apps_without_tables_get_no_tables_file_or_output(tmp_path: Path) -> None:
    files = render_terraform(load_app(_project(tmp_path, "@app\nplain\n\n@http\nget /\n")))
    assert not [p for p in files if p.endswith("/tables.tf")]
    assert "arc2tf-tables" not in "".join(files.values())
    assert 'output "tables"' not in "".join(files.values())


def test_table_names_dynamodb_rejects_are_mapped_and_collisions_are_build_errors(tmp_path: Path) -> None:
    arc = "@app\nnames\n\n@tables\nteam/members\n  id *String\nteam-members\n  id *String\n"
    with pytest.raises(ArcErrors, match="map to the same DynamoDB table name"):
        render_terraform(load_app(_project(tmp_path, arc)))
    arc = "@app\nnames\n\n@tables\nteam/members\n  id *String\n"
    tf = _module(render_terraform(load_app(_project(tmp_path, arc))), "tables.tf")
    assert tf["locals"][0]["tables"]["team/members"]["name_part"] == "team-members"


def test_two_indexes_of_one_name_are_a_build_error(tmp_path: Path) -> None:
    arc = ("@app\nidx\n\n@tables\nttt\n  id *String\n\n@tables-indexes\nttt\n  a *String\n  name same\n"
           "ttt\n  b *String\n  name same\n")
    with pytest.raises(ArcErrors, match="two indexes named 'same'"):
        render_terraform(load_app(_project(tmp_path, arc)))


def test_schedules_in_the_ir_are_functions_with_architects_expressions(app: App) -> None:
    schedules = {s.name: s for s in app.scheduled}
    assert sorted(schedules) == ["nightly", "report", "weekday-noon"]
    assert schedules["nightly"].expression == "rate(1 day)"
    assert schedules["weekday-noon"].expression == "cron(0 12 ? * MON-FRI *)"
    report = schedules["report"]
    assert (report.expression, report.timezone) == ("rate(2 hours)", "America/New_York")
    for schedule in schedules.values():
        fn = app.function(schedule.function)
        assert (fn.kind, fn.src) == ("scheduled", f"src/scheduled/{schedule.name}")
    assert "scheduled" not in app.uncompiled


def test_schedule_resources_rules_in_utc_and_scheduler_for_timezones(app: App) -> None:
    tf = _module(render_terraform(app), "scheduled.tf")
    local = tf["locals"][0]
    assert local["schedules"]["report"]["timezone"] == "America/New_York"
    assert local["schedules"]["nightly"] == {"name_part": "nightly", "function": "scheduled-nightly",
                                             "expression": "rate(1 day)", "timezone": None}
    resources = {(t, n): body for r in tf["resource"] for t, named in r.items() for n, body in named.items()}
    permission = resources[("aws_lambda_permission", "scheduled")]
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["source_arn"] == "${aws_cloudwatch_event_rule.scheduled[each.key].arn}"
    schedule = resources[("aws_scheduler_schedule", "scheduled")]
    assert schedule["schedule_expression_timezone"] == "${each.value.timezone}"
    assert ("aws_iam_role", "scheduler") in resources


def test_utc_only_schedules_get_no_scheduler_role(tmp_path: Path) -> None:
    project = _project(tmp_path, "@app\nutc-app\n\n@scheduled\ndaily rate(1 day)\n")
    text = render_terraform(load_app(project))["modules/utc-app/scheduled.tf"]
    assert "aws_cloudwatch_event_rule" in text and "aws_scheduler_schedule" not in text
    assert "aws_iam_role" not in text


def test_events_and_queues_in_the_ir(app: App) -> None:
    assert [(t.name, t.function, t.src) for t in app.events] == [
        ("audit", "events-audit", "src/events/audit"),
        ("note-created", "events-note-created", "src/events/note-created")]
    queues = {q.name: q for q in app.queues}
    # Architect's defaults: FIFO, batches of 1, no batching window.
    jobs, emails = queues["jobs"], queues["emails"]
    assert (jobs.fifo, jobs.batch_size, jobs.batch_window) == (True, 1, 0)
    assert (emails.fifo, emails.batch_size, emails.batch_window) == (False, 5, 2)
    assert {app.function(q.function).kind for q in app.queues} == {"queues"}
    assert {app.function(t.function).kind for t in app.events} == {"events"}
    assert "events" not in app.uncompiled and "queues" not in app.uncompiled


def test_topic_and_queue_resources(app: App) -> None:
    files = render_terraform(app)
    events = _module(files, "events.tf")
    assert events["locals"][0]["topics"]["note-created"] == {"name_part": "note-created",
                                                             "function": "events-note-created"}
    queues = _module(files, "queues.tf")["locals"][0]["queues"]
    assert queues["jobs"]["name_part"] == "jobs.fifo" and queues["jobs"]["batch_window"] is None
    assert queues["emails"]["name_part"] == "emails" and queues["emails"]["batch_window"] == 2
    assert queues["jobs"]["visibility_timeout"] == app.function("queues-jobs").config.timeout
    iam = files["modules/events-app/iam.tf"]
    assert '"arc2tf-messaging"' in iam and "sns:Publish" in iam and "sqs:SendMessage" in iam
    outputs = {k for o in _module(files, "outputs.tf")["output"] for k in o}
    assert {"events", "queues", "tables"} <= outputs


def test_queue_timeout_sets_its_visibility_timeout(tmp_path: Path) -> None:
    project = _project(tmp_path, "@app\nslow-app\n\n@queues\nwork\n")
    (tmp_path / "src/queues/work").mkdir(parents=True)
    (tmp_path / "src/queues/work/config.arc").write_text("@aws\ntimeout 120\n")
    queues = _module(render_terraform(load_app(project)), "queues.tf")["locals"][0]["queues"]
    assert queues["work"]["visibility_timeout"] == 120


def test_table_streams_in_the_ir_and_their_mappings(app: App) -> None:
    streams = {s.name: s for s in app.table_streams}
    # `stream true` under @tables and a @tables-streams entry naming another table.
    assert {n: (s.table, s.src) for n, s in streams.items()} == {
        "account-changes": ("accounts", "src/tables-streams/account-changes"),
        "notes": ("notes", "src/tables-streams/notes")}
    assert {app.function(s.function).kind for s in app.table_streams} == {"tables-streams"}
    assert all(t.stream for t in app.tables)
    assert app.uncompiled == ()
    tf = _module(render_terraform(app), "tables.tf")
    assert tf["locals"][1]["table_streams"]["account-changes"] == {
        "table": "accounts", "function": "tables-streams-account-changes"}
    resources = {(t, n): body for r in tf["resource"] for t, named in r.items() for n, body in named.items()}
    mapping = resources[("aws_lambda_event_source_mapping", "table_stream")]
    assert (mapping["batch_size"], mapping["starting_position"]) == (10, "TRIM_HORIZON")
    assert mapping["event_source_arn"] == "${aws_dynamodb_table.table[each.value.table].stream_arn}"


def test_inspect_shows_the_event_resources(app: App) -> None:
    from arc2tf.inspect_view import render_json, render_table

    text = render_table(app)
    for heading in ("Tables (DynamoDB)", "Schedules", "Events (SNS topics)", "Queues (SQS)", "Table streams"):
        assert heading in text
    assert "byStatus (status/created, INCLUDE)" in text and "America/New_York" in text
    data = render_json(app, ())
    assert [t["name"] for t in data["tables"]] == ["accounts", "notes"]
    assert [q["name"] for q in data["queues"]] == ["emails", "jobs"]
    assert data["uncompiled"] == []


@pytest.mark.parametrize(("settings", "message"), [
    ("  batchSize 11\n", "batchSize must be 1 to 10 for a FIFO queue"),
    ("  fifo false\n  batchSize 50\n", "a batchSize over 10 needs a batchWindow"),
    ("  fifo false\n  batchWindow 301\n", "batchWindow must be 0 to 300 seconds"),
    ("  batchWindow 5\n", "FIFO queues take no batchWindow"),
])
def test_queue_batch_settings_lambda_rejects_are_build_errors(tmp_path: Path, settings: str,
                                                              message: str) -> None:
    project = _project(tmp_path, f"@app\nbatchy\n\n@queues\nwork\n{settings}")
    with pytest.raises(ArcErrors, match=message):
        render_terraform(load_app(project))
    ok = _project(tmp_path, "@app\nbatchy\n\n@queues\nwork\n  fifo false\n  batchSize 50\n  batchWindow 1\n")
    assert render_terraform(load_app(ok))


def test_role_policy_size_is_checked_before_apply(tmp_path: Path, app: App) -> None:
    from arc2tf.emit import terraform_warnings

    assert not terraform_warnings(app)
    tables = "".join(f"table-number-{i:03}\n  id *String\n" for i in range(60))
    many = load_app(_project(tmp_path, f"@app\nwide-app\n\n@http\nget /\n\n@tables\n{tables}"))
    (warning,) = terraform_warnings(many)
    assert "IAM allows 10240 per role" in warning.message and warning.hint


@pytest.mark.terraform
def test_events_app_validates_with_the_real_provider(
    app: App, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tf: Terraform = terraform_or_skip(tmp_path_factory.mktemp("terraform"))
    out = tmp_path_factory.mktemp("events-app") / "terraform"
    for rel, text in render_terraform(app).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    tf.fmt_check(out)
    for environment in ("staging", "production"):
        tf.init(out / environment)
        assert tf.validate(out / environment)["error_count"] == 0
    shutil.rmtree(out)
