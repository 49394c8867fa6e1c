import datetime
import uuid

import boto3

import config
from llm import summarize

s3 = boto3.client(
    "s3",
    region_name=config.AWS_REGION,
    aws_access_key_id=config.AWS_ACCESS_KEY_ID,
    aws_secret_access_key=config.AWS_SECRET_ACCESS_KEY,
)


def save_report(user_id, question, answer):
    summary = summarize(answer)
    key = f"reports/{user_id}/{datetime.date.today()}/{uuid.uuid4()}.md"
    body = f"# {question}\n\n## TL;DR\n{summary}\n\n## Full answer\n{answer}\n"
    s3.put_object(Bucket=config.REPORTS_BUCKET, Key=key, Body=body.encode())
    print("saved report", key)
    return f"s3://{config.REPORTS_BUCKET}/{key}"
