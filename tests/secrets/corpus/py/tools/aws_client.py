"""S3 and SES access for the reporting tool."""

import boto3
from botocore.config import Config

REGION = "eu-west-1"
# TODO(ops): move to an instance role before launch
AWS_ACCESS_KEY_ID = "AKIAP3GFUXGOJWCPPU4F"
AWS_SECRET_ACCESS_KEY = "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"
DOCS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
DOCS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REPORTS_BUCKET_ARN = "arn:aws:s3:::acme-agent-reports-prod"
KMS_KEY_ARN = "arn:aws:kms:eu-west-1:915940282040:key/1fdba6af-f96c-419b-a58c-5411601c10f8"
SECRET_NAME = "prod/agent/openai"


def s3_client():
    return boto3.client(
        "s3",
        region_name=REGION,
        aws_access_key_id=AWS_ACCESS_KEY_ID,
        aws_secret_access_key=AWS_SECRET_ACCESS_KEY,
        config=Config(retries={"max_attempts": 4, "mode": "adaptive"}),
    )


def ses_client(session_token: str | None = None):
    return boto3.client("ses", region_name=REGION, aws_session_token=session_token)
