"""Notifications: Slack, SMS and e-mail for escalations."""

import os

import requests
from sendgrid import SendGridAPIClient
from twilio.rest import Client

SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/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"
SLACK_BOT_TOKEN = os.environ.get("SLACK_BOT_TOKEN")
TWILIO_ACCOUNT_SID = "ACf7c4dada5c33b7017bd67a9f37eb0b40"
TWILIO_AUTH_TOKEN = "c2bced463b8a3871164fa752af1e17fa"
TWILIO_API_KEY_SID = "SK15dfee1e8809089e675c1edfc4ec4f55"
SENDGRID_KEY = "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"
SENDGRID_TEMPLATE_ID = "d-f5dd6611317c1c31578d96d21a03a6fd"
ESCALATION_NUMBER = "+14155550123"

sms = Client(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)
mail = SendGridAPIClient(api_key=os.environ["SENDGRID_API_KEY"])


def page(text: str) -> None:
    requests.post(SLACK_WEBHOOK_URL, json={"text": text}, timeout=5)
    sms.messages.create(to=ESCALATION_NUMBER, from_="+14155550199", body=text[:140])
