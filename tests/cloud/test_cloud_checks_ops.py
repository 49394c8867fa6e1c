"""The policy and name helpers behind the live-cloud checks of items 3, 9 and 12."""

from __future__ import annotations

import json

import pytest

from readycheck.detectors.cloud_iam import broad_grants, writes_iam
from readycheck.detectors.cloud_common import literal_name


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["*"], "Resource": ["*"]},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "lambda:*"], "Resource": ["arn:aws:s3:::x", "*"]},
        {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::audit/*"},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": ["s3:DeleteBucket"], "Resource": "arn:aws:s3:::bucket"},
    ],
)
def test_broad_statements(statement: dict) -> None:
    grants = broad_grants(_doc(statement), "inline policy p")
    assert len(grants) == 1 and grants[0].label == "inline policy p statement 1"


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::agent/*"},
        {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"},
    ],
)
def test_scoped_statements(statement: dict) -> None:
    assert broad_grants(_doc(statement), "p") == []


def test_condition_is_named_not_cleared() -> None:
    doc = _doc({"Sid": "Deploy", "Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ml"}}})
    (grant,) = broad_grants(doc, "p")
    assert grant.label == "p statement 'Deploy'" and grant.condition == "aws:PrincipalTag/team"


def test_document_shapes() -> None:
    one = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    assert broad_grants(one, "p") and broad_grants(json.dumps(one), "p")
    assert broad_grants(None, "p") == [] and broad_grants("not json", "p") == [] and broad_grants({}, "p") == []


def test_writes_iam() -> None:
    assert writes_iam(_doc({"Effect": "Allow", "Action": ["iam:CreateRole", "iam:GetRole", "iam:PassRole"], "Resource": "*"})) == ["iam:CreateRole"]
    assert writes_iam(_doc({"Effect": "Allow", "Action": "iam:List*", "Resource": "*"})) == []
    assert writes_iam(_doc({"Effect": "Deny", "Action": "iam:*", "Resource": "*"})) == []
    assert writes_iam(_doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}))


@pytest.mark.parametrize(
    ("value", "want"),
    [("agent-errors", "agent-errors"), ("${var.env}-errors", None), ({"Fn::Sub": "x"}, None), (None, None), ("", None), ("{{resolve:ssm:x}}", None)],
)
def test_literal_name(value: object, want: str | None) -> None:
    assert literal_name(value) == want
