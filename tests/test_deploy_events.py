"""Deploy tests/projects/events-app (@tables, @tables-indexes, ...) to the extended moto server.

One apply of one app using the event pragmas arc2tf compiles; then boto3 reads back
what moto holds and compares it with the IR: tables (keys, attribute types, GSIs,
TTL, streams, point-in-time recovery, encryption), the service-discovery SSM
parameters, and each function role's grants (this app's resources only). The plan
right after the apply is empty, and destroy removes everything.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from arc2tf.ir import App, Table
from tests.moto_server import MOTO_ACCOUNT_ID, MotoDeploy
from tests.test_deploy import ENV, REGION, ROOT, Deployed, arc2tf_build, check_least_privilege

pytestmark = [pytest.mark.terraform, pytest.mark.deploy]

PROJECT = Path(__file__).resolve().parent / "projects" / "events-app"
DYNAMO_TYPES = {"String": "S", "Number": "N"}
TABLE_ACTIONS = sorted(
    f"dynamodb:{a}" for a in ("BatchGetItem", "BatchWriteItem", "ConditionCheckItem", "DeleteItem",
                              "DescribeTable", "GetItem", "PutItem", "Query", "Scan", "UpdateItem"))
STREAM_ACTIONS = sorted(f"dynamodb:{a}" for a in ("DescribeStream", "GetRecords", "GetShardIterator",
                                                  "ListStreams"))


def physical(app: App, name: str) -> str:
    return f"{app.name}-{ENV}-{name}"


def key_schema(partition: str, sort: str | None) -> list[dict]:
    schema = [{"AttributeName": partition, "KeyType": "HASH"}]
    return schema + ([{"AttributeName": sort, "KeyType": "RANGE"}] if sort else [])


def check_table(dynamodb, app: App, table: Table) -> dict:
    described = dynamodb.describe_table(TableName=physical(app, table.name))["Table"]
    assert described["KeySchema"] == key_schema(table.partition_key, table.sort_key)
    expected_attributes = {table.partition_key: DYNAMO_TYPES[table.partition_key_type]}
    if table.sort_key:
        expected_attributes[table.sort_key] = DYNAMO_TYPES[table.sort_key_type]
    for index in table.indexes:
        expected_attributes.setdefault(index.partition_key, DYNAMO_TYPES[index.partition_key_type])
        if index.sort_key:
            expected_attributes.setdefault(index.sort_key, DYNAMO_TYPES[index.sort_key_type])
    assert {a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]} \
        == expected_attributes
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    indexes = {i["IndexName"]: i for i in described.get("GlobalSecondaryIndexes", [])}
    assert sorted(indexes) == sorted(i.name for i in table.indexes)
    for index in table.indexes:
        got = indexes[index.name]
        assert got["KeySchema"] == key_schema(index.partition_key, index.sort_key)
        projection = {"ProjectionType": index.projection}
        if index.projection_attributes:
            projection["NonKeyAttributes"] = list(index.projection_attributes)
        assert got["Projection"] == projection, index

    stream = described.get("StreamSpecification", {})
    if table.stream:
        assert stream == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert described["LatestStreamArn"].startswith(described["TableArn"] + "/stream/")
    else:
        assert not stream.get("StreamEnabled")

    ttl = dynamodb.describe_time_to_live(TableName=described["TableName"])["TimeToLiveDescription"]
    if table.ttl:
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": table.ttl}
    else:
        assert ttl["TimeToLiveStatus"] == "DISABLED"
    backups = dynamodb.describe_continuous_backups(TableName=described["TableName"])
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == ("ENABLED" if table.pitr else "DISABLED")
    sse = described.get("SSEDescription")
    if table.encrypt:
        assert sse and sse["Status"] == "ENABLED" and sse["SSEType"] == "KMS", sse
    else:
        assert not sse or sse.get("Status") != "ENABLED", sse
    return described


def invoke_permissions(deployed: Deployed, function_name: str) -> list[tuple[str, str]]:
    """(principal service, source ARN) of every statement of a function's resource policy."""
    policy = json.loads(deployed.lam.get_policy(FunctionName=function_name)["Policy"])
    found = []
    for statement in policy["Statement"]:
        assert (statement["Effect"], statement["Action"]) == ("Allow", "lambda:InvokeFunction"), statement
        found.append((statement["Principal"]["Service"], statement["Condition"]["ArnLike"]["AWS:SourceArn"]))
    return sorted(found)


def check_schedules(moto_deploy: MotoDeploy, deployed: Deployed, app: App) -> None:
    """UTC schedules: an EventBridge rule targeting the function, which only that rule may invoke.
    Schedules with a timezone: an EventBridge Scheduler schedule invoking through a role that
    may invoke exactly those functions."""
    events = moto_deploy.server.client("events", REGION)
    scheduler = moto_deploy.server.client("scheduler", REGION)
    rules = {r["Name"]: r for r in events.list_rules(NamePrefix=f"{app.name}-{ENV}-")["Rules"]}
    utc = [s for s in app.scheduled if s.timezone is None]
    zoned = [s for s in app.scheduled if s.timezone is not None]
    assert sorted(rules) == sorted(physical(app, s.name) for s in utc)
    for schedule in utc:
        rule = rules[physical(app, schedule.name)]
        assert (rule["ScheduleExpression"], rule["State"]) == (schedule.expression, "ENABLED")
        fn_arn = deployed.function(schedule.function)["Configuration"]["FunctionArn"]
        targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert [(t["Id"], t["Arn"]) for t in targets] == [("function", fn_arn)]
        assert invoke_permissions(deployed, physical(app, schedule.function)) == [
            ("events.amazonaws.com", rule["Arn"])]
    listed = scheduler.list_schedules(NamePrefix=f"{app.name}-{ENV}-")["Schedules"]
    assert sorted(s["Name"] for s in listed) == sorted(physical(app, s.name) for s in zoned)
    invokable = []
    for schedule in zoned:
        got = scheduler.get_schedule(Name=physical(app, schedule.name))
        fn_arn = deployed.function(schedule.function)["Configuration"]["FunctionArn"]
        assert (got["ScheduleExpression"], got["ScheduleExpressionTimezone"]) == (
            schedule.expression, schedule.timezone)
        assert got["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert got["Target"]["Arn"] == fn_arn
        role_name = got["Target"]["RoleArn"].rsplit("/", 1)[1]
        invokable.append(fn_arn)
    if zoned:
        role = deployed.iam.get_role(RoleName=role_name)["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "scheduler.amazonaws.com"}]
        (document,) = deployed.role_policy_documents(role_name)
        (statement,) = document["Statement"]
        assert statement["Action"] == ["lambda:InvokeFunction"]
        assert sorted(statement["Resource"] if isinstance(statement["Resource"], list)
                      else [statement["Resource"]]) == sorted(invokable)


def check_topics(moto_deploy: MotoDeploy, deployed: Deployed, app: App, stack: str) -> dict[str, str]:
    """One topic per event, its function subscribed and invocable by that topic only; SSM names it."""
    sns = moto_deploy.server.client("sns", REGION)
    arns = {t["TopicArn"].rsplit(":", 1)[1]: t["TopicArn"] for t in sns.list_topics()["Topics"]}
    assert sorted(arns) == sorted(physical(app, t.name) for t in app.events)
    by_event = {t.name: arns[physical(app, t.name)] for t in app.events}
    for topic in app.events:
        fn_arn = deployed.function(topic.function)["Configuration"]["FunctionArn"]
        subscriptions = sns.list_subscriptions_by_topic(TopicArn=by_event[topic.name])["Subscriptions"]
        assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("lambda", fn_arn)]
        assert invoke_permissions(deployed, physical(app, topic.function)) == [
            ("sns.amazonaws.com", by_event[topic.name])]
    params = {p["Name"]: p["Value"] for p in
              deployed.ssm.get_parameters_by_path(Path=f"/{stack}/events", Recursive=True)["Parameters"]}
    assert params == {f"/{stack}/events/{name}": arn for name, arn in by_event.items()}
    return by_event


def check_queues(moto_deploy: MotoDeploy, deployed: Deployed, app: App, stack: str) -> dict[str, str]:
    """One queue per @queues entry (FIFO as Architect's default, visibility timeout = the function's
    timeout), an event source mapping to its function; SSM holds the queue URL."""
    sqs = moto_deploy.server.client("sqs", REGION)
    urls = sorted(sqs.list_queues().get("QueueUrls", []))
    expected_names = {q.name: physical(app, q.name) + (".fifo" if q.fifo else "") for q in app.queues}
    assert sorted(url.rsplit("/", 1)[1] for url in urls) == sorted(expected_names.values())
    by_queue_url = {q.name: sqs.get_queue_url(QueueName=expected_names[q.name])["QueueUrl"]
                    for q in app.queues}
    arns = {}
    for queue in app.queues:
        attributes = sqs.get_queue_attributes(QueueUrl=by_queue_url[queue.name],
                                              AttributeNames=["All"])["Attributes"]
        arns[queue.name] = attributes["QueueArn"]
        fn = deployed.function(queue.function)["Configuration"]
        timeout = app.function(queue.function).config.timeout
        assert int(attributes["VisibilityTimeout"]) == fn["Timeout"] == timeout
        assert attributes.get("FifoQueue", "false") == ("true" if queue.fifo else "false")
        if queue.fifo:
            assert attributes["ContentBasedDeduplication"] == "true"
        mappings = deployed.lam.list_event_source_mappings(
            EventSourceArn=arns[queue.name])["EventSourceMappings"]
        assert [m["FunctionArn"] for m in mappings] == [fn["FunctionArn"]]
        assert mappings[0]["BatchSize"] == queue.batch_size
        assert mappings[0].get("MaximumBatchingWindowInSeconds", 0) == queue.batch_window
    params = {p["Name"]: p["Value"] for p in
              deployed.ssm.get_parameters_by_path(Path=f"/{stack}/queues", Recursive=True)["Parameters"]}
    assert params == {f"/{stack}/queues/{name}": url for name, url in by_queue_url.items()}
    return arns


def check_table_streams(deployed: Deployed, app: App, described: dict[str, dict]) -> dict[str, list[str]]:
    """Each stream function is mapped to its table's stream (Architect: batches of 10 from
    TRIM_HORIZON); returns the stream resources each function's role may read."""
    readers = {}
    for stream in app.table_streams:
        table = described[stream.table]
        fn_arn = deployed.function(stream.function)["Configuration"]["FunctionArn"]
        mappings = deployed.lam.list_event_source_mappings(
            EventSourceArn=table["LatestStreamArn"])["EventSourceMappings"]
        mine = [m for m in mappings if m["FunctionArn"] == fn_arn]
        assert len(mine) == 1, mappings
        assert (mine[0]["BatchSize"], mine[0]["StartingPosition"]) == (10, "TRIM_HORIZON")
        readers[stream.function] = [f"{table['TableArn']}/stream/*"]
    # Every table with a stream function has its stream on, and only those (or `stream true`).
    assert {s.table for s in app.table_streams} <= {t.name for t in app.tables if t.stream}
    return readers


def test_events_app_deploys_as_the_ir_says(moto_deploy: MotoDeploy, tmp_path: Path) -> None:
    from arc2tf.normalize import load_app

    project = tmp_path / "events-app"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("terraform"))
    arc2tf_build(project)
    app = load_app(project)
    assert app.tables

    moto_deploy.sync(project, ROOT)
    moto_deploy.apply()
    deployed = Deployed(moto_deploy)
    stack = deployed.outputs["stack_name"]
    dynamodb = moto_deploy.server.client("dynamodb", REGION)

    # --- tables: exactly the app's, each as its @tables / @tables-indexes entries say ---
    assert sorted(dynamodb.list_tables()["TableNames"]) == sorted(physical(app, t.name) for t in app.tables)
    described = {t.name: check_table(dynamodb, app, t) for t in app.tables}

    # --- service discovery: /<stack>/tables/<name> names the physical table ---
    params = {p["Name"]: p["Value"] for p in
              deployed.ssm.get_parameters_by_path(Path=f"/{stack}/tables", Recursive=True)["Parameters"]}
    assert params == {f"/{stack}/tables/{t.name}": physical(app, t.name) for t in app.tables}

    # --- every function may use this app's tables, their indexes and streams; nothing else ---
    table_arns = sorted(d["TableArn"] for d in described.values())
    expected_tables = sorted(table_arns + [f"{arn}/index/*" for arn in table_arns])
    arn = f"{REGION}:{MOTO_ACCOUNT_ID}"
    for fn in app.functions:
        role_name = deployed.function(fn.name)["Configuration"]["Role"].rsplit("/", 1)[1]
        document = deployed.iam.get_role_policy(
            RoleName=role_name, PolicyName="arc2tf-tables")["PolicyDocument"]
        statements = {s["Sid"]: s for s in document["Statement"]}
        assert sorted(statements["ReadWriteOwnTables"]["Action"]) == TABLE_ACTIONS
        assert sorted(statements["ReadWriteOwnTables"]["Resource"]) == expected_tables
        assert sorted(statements) == ["ReadWriteOwnTables"]  # streams: their functions only

    check_schedules(moto_deploy, deployed, app)
    topic_arns = check_topics(moto_deploy, deployed, app, stack)
    queue_arns = check_queues(moto_deploy, deployed, app, stack)
    stream_readers = check_table_streams(deployed, app, described)

    # --- every function may publish to the app's topics and send to its queues, nothing more ---
    for fn in app.functions:
        role_name = deployed.function(fn.name)["Configuration"]["Role"].rsplit("/", 1)[1]
        document = deployed.iam.get_role_policy(
            RoleName=role_name, PolicyName="arc2tf-messaging")["PolicyDocument"]
        statements = {s["Sid"]: s for s in document["Statement"]}
        assert statements["PublishToOwnTopics"]["Action"] == ["sns:Publish"]
        assert sorted(statements["PublishToOwnTopics"]["Resource"]) == sorted(topic_arns.values())
        assert statements["SendToOwnQueues"]["Action"] == ["sqs:SendMessage", "sqs:SendMessageBatch"]
        assert sorted(statements["SendToOwnQueues"]["Resource"]) == sorted(queue_arns.values())
        consumes = [q for q in app.queues if q.function == fn.name]
        allowed_queues = [queue_arns[q.name] for q in consumes]
        policies = deployed.iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        assert ("arc2tf-queue-consumer" in policies) == bool(consumes)
        if consumes:
            consumer = deployed.iam.get_role_policy(
                RoleName=role_name, PolicyName="arc2tf-queue-consumer")["PolicyDocument"]
            (statement,) = consumer["Statement"]
            assert statement["Resource"] == allowed_queues
        allowed = {"logs": (f"arn:aws:logs:{arn}:log-group:/aws/lambda/{physical(app, fn.name)}",),
                   "ssm": (f"arn:aws:ssm:{arn}:parameter/{stack}",),
                   "dynamodb": tuple(table_arns),
                   "sns": tuple(topic_arns.values()),
                   "sqs": tuple(queue_arns.values())}
        if deployed.outputs.get("static_bucket"):
            allowed["s3"] = (f"arn:aws:s3:::{deployed.outputs['static_bucket']}",)
        check_least_privilege(deployed.role_policy_documents(role_name), fn.name, allowed)
        for document in deployed.role_policy_documents(role_name):
            for statement in document["Statement"]:
                if any(a in ("sqs:ReceiveMessage", "sqs:DeleteMessage") for a in statement["Action"]):
                    assert statement["Resource"] == allowed_queues, (fn.name, statement)
                if any(a in STREAM_ACTIONS for a in statement["Action"]):
                    assert sorted(statement["Action"]) == STREAM_ACTIONS
                    assert statement["Resource"] == stream_readers.get(fn.name), (fn.name, statement)
        policies = deployed.iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        assert ("arc2tf-table-stream" in policies) == (fn.name in stream_readers)

    # --- the root passes the module's resource outputs through (`terraform output` in the root) ---
    out = deployed.outputs
    assert out["tables"] == {t.name: {"name": physical(app, t.name), "arn": described[t.name]["TableArn"]}
                             for t in app.tables}
    assert out["events"] == topic_arns
    assert out["queues"] == {name: url for name, url in sorted(
        (p["Name"].rsplit("/", 1)[1], p["Value"]) for p in deployed.ssm.get_parameters_by_path(
            Path=f"/{stack}/queues", Recursive=True)["Parameters"])}

    code, plan = moto_deploy.plan_exit_code()
    assert code == 0, f"plan right after apply is not empty:\n{plan}"

    moto_deploy.destroy("-refresh=false")
    assert moto_deploy.state_addresses() == []
    assert dynamodb.list_tables()["TableNames"] == []
    print("terraform timings:", [(c, round(t, 1)) for c, t in moto_deploy.tf.timings])
