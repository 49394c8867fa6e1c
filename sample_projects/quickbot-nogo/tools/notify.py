import boto3
from slack_sdk import WebClient

import config
import db

slack = WebClient(token=config.SLACK_BOT_TOKEN)
ses = boto3.client(
    "ses",
    region_name=config.AWS_REGION,
    aws_access_key_id=config.AWS_ACCESS_KEY_ID,
    aws_secret_access_key=config.AWS_SECRET_ACCESS_KEY,
)


def post_to_slack(text):
    print("posting to slack")
    resp = slack.chat_postMessage(channel=config.SLACK_CHANNEL, text=text)
    return resp["ts"]


def send_email(to, subject, body, user_id=None):
    print("sending email to", to)
    ses.send_email(
        Source=config.FROM_EMAIL,
        Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject}, "Body": {"Text": {"Data": body}}},
    )
    db.record_email(user_id, to, subject)
    return "sent"
