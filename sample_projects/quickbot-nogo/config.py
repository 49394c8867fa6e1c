import os

from dotenv import load_dotenv

load_dotenv()

MODEL = os.getenv("MODEL", "gpt-4o")
SLACK_BOT_TOKEN = os.getenv("SLACK_BOT_TOKEN")
SLACK_CHANNEL = os.getenv("SLACK_CHANNEL", "#growth-research")
STRIPE_SECRET_KEY = os.getenv("STRIPE_SECRET_KEY", "")

# S3 bucket for saved reports + SES for emails
AWS_REGION = "us-east-1"
AWS_ACCESS_KEY_ID = "AKIAHZ2AV7SA7RDEW6WS"
AWS_SECRET_ACCESS_KEY = "ofBOnjTL1EoimTh8qlA1OLDf1QTDPhkqP1ju+RIW"
REPORTS_BUCKET = "quickbot-reports"
FROM_EMAIL = "quickbot@growth.acme.example"

DB_PATH = os.getenv("DB_PATH", "quickbot.db")
DEBUG = True
