"""The unified cloud-resource model: Terraform, CloudFormation, SAM, Serverless Framework and CDK
templates read into one list of resources, with kinds, properties and lines."""

from __future__ import annotations

from pathlib import Path

from readycheck.index import RepoIndex, build_index
from readycheck.parsers.cloud import KINDS, cloud_resources, iac_sources, norm_key, resources_of


def _index(tmp_path: Path, files: dict[str, str]) -> RepoIndex:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return build_index(tmp_path, use_git=False)


TF = """\
resource "aws_budgets_budget" "llm" {
  name         = "llm"
  limit_amount = "100"

  notification {
    threshold                  = 80
    subscriber_email_addresses = ["oncall@example.com"]
  }
}

resource "aws_lambda_function" "agent" {
  function_name                  = "agent"
  reserved_concurrent_executions = 5

  tracing_config {
    mode = "Active"
  }
}

data "aws_caller_identity" "me" {}
"""

CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Budget:
    Type: AWS::Budgets::Budget
    Properties:
      Budget:
        BudgetName: !Sub "${AWS::StackName}-llm"
      NotificationsWithSubscribers:
        - Subscribers:
            - Address: !Ref Topic
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      ReservedConcurrentExecutions: 3
"""

SAM = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Tracing: Active
    ReservedConcurrentExecutions: 4
Resources:
  Chat:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.chat
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.work
      ReservedConcurrentExecutions: 1
"""

SERVERLESS = """\
service: bot
provider:
  name: aws
  logRetentionInDays: 7
  tracing:
    lambda: true
  apiGateway:
    usagePlan:
      throttle:
        burstLimit: 10
        rateLimit: 5
functions:
  chat:
    handler: h.chat
    reservedConcurrency: 2
    events:
      - http: {path: chat, method: post}
resources:
  Resources:
    Errors:
      Type: AWS::CloudWatch::Alarm
      Properties:
        MetricName: Errors
"""

CDK = """{
  "Resources": {
    "AgentFn12AB": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["R", "Arn"]}}},
    "Logs34CD": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}}
  }
}
"""


def test_terraform_resources_with_kinds_properties_and_lines(tmp_path: Path) -> None:
    index = _index(tmp_path, {"infra/main.tf": TF})
    res = cloud_resources(index)
    assert [(r.type, r.name, r.kind, r.line, r.source) for r in res] == [
        ("aws_budgets_budget", "llm", "budget", 1, "terraform"),
        ("aws_lambda_function", "agent", "function", 11, "terraform"),
    ]
    fn = res[1]
    assert fn.address == "aws_lambda_function.agent"
    assert fn.get("ReservedConcurrentExecutions") == 5  # either spelling
    assert fn.dig("tracing_config", "mode") == "Active"
    assert fn.line_of("reserved_concurrent_executions") == 13
    assert fn.line_of("tracing_config", "mode") == 16
    assert fn.line_of("no_such_key") == 11
    assert res[0].line_of("notification", "subscriber_email_addresses") == 7


def test_cloudformation_yaml_with_intrinsic_tags(tmp_path: Path) -> None:
    index = _index(tmp_path, {"stack/template.yaml": CFN})
    budget, fn = cloud_resources(index)
    assert (budget.kind, budget.source, budget.line) == ("budget", "cloudformation", 3)
    assert budget.dig("Budget", "BudgetName") == "${AWS::StackName}-llm"  # !Sub reads as its text
    assert budget.get("NotificationsWithSubscribers")[0]["Subscribers"][0]["Address"] == "Topic"
    assert fn.get("reserved_concurrent_executions") == 3
    assert fn.get("Role") == "Role.Arn"
    assert fn.line_of("ReservedConcurrentExecutions") == 15
    assert iac_sources(index) == {"cloudformation"}


def test_sam_globals_apply_to_functions(tmp_path: Path) -> None:
    index = _index(tmp_path, {"template.yml": SAM})
    chat, worker = resources_of(index, "function")
    assert chat.source == "sam" and chat.get("Tracing") == "Active"
    assert chat.get("ReservedConcurrentExecutions") == 4
    assert worker.get("ReservedConcurrentExecutions") == 1  # its own value wins


def test_serverless_framework_functions_plans_and_resources(tmp_path: Path) -> None:
    index = _index(tmp_path, {"serverless.yml": SERVERLESS})
    kinds = {(r.kind, r.type, r.source) for r in cloud_resources(index)}
    assert kinds == {
        ("function", "Serverless::Function", "serverless"),
        ("usage_plan", "Serverless::UsagePlan", "serverless"),
        ("rest_api", "Serverless::RestApi", "serverless"),
        ("alarm", "AWS::CloudWatch::Alarm", "serverless"),
    }
    (chat,) = resources_of(index, "function")
    assert chat.get("reservedConcurrency") == 2 and chat.get("tracing") == "Active"
    assert chat.get("logRetentionInDays") == 7
    assert chat.line_of("reservedConcurrency") == 15
    (plan,) = resources_of(index, "usage_plan")
    assert plan.dig("throttle", "burstLimit") == 10
    (alarm,) = resources_of(index, "alarm")
    assert alarm.line == 20


def test_cdk_synthesized_templates(tmp_path: Path) -> None:
    index = _index(tmp_path, {"cdk.out/AgentStack.template.json": CDK, "cdk.json": '{"app": "npx ts-node bin/app.ts"}'})
    res = cloud_resources(index)
    assert {(r.kind, r.source) for r in res} == {("function", "cdk"), ("log_group", "cdk")}
    logs = resources_of(index, "log_group")[0]
    assert logs.get("retention_in_days") == 30 and logs.line == 4


def test_malformed_files_are_recorded_and_skipped(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            "infra/broken.tf": 'resource "aws_lambda_function" "x" {\n  name = \n',
            "infra/bad.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [unclosed\n",
            "infra/odd.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: [1, 2]\n",
            "infra/ok.tf": TF,
        },
    )
    res = cloud_resources(index)
    assert {r.path for r in res} == {"infra/ok.tf"}
    problems = {p.path: p.reason for p in index.parse_problems()}
    assert problems["infra/broken.tf"].startswith("invalid HCL")
    assert problems["infra/bad.yaml"].startswith("invalid YAML")
    assert "not a mapping" in problems["infra/odd.yaml"]


def test_not_iac_is_ignored_and_result_is_memoised(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            "config/settings.yaml": "Resources:\n  cache: redis\n",
            "package-lock.json": '{"Resources": {"A": {"Type": "AWS::S3::Bucket"}}}',
            ".github/workflows/ci.yml": "on: push\njobs: {}\n",
            "k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n",
        },
    )
    assert cloud_resources(index) == []
    assert cloud_resources(index) is cloud_resources(index)


def test_kind_table_and_key_normalisation() -> None:
    natives = [t for types in KINDS.values() for t in types]
    assert len(natives) == len(set(natives)), "a native type belongs to one kind"
    assert "aws_budgets_budget_action" in KINDS["budget_action"] and "AWS::Budgets::BudgetsAction" in KINDS["budget_action"]
    assert norm_key("retention_in_days") == norm_key("RetentionInDays")
