terraform {
  required_providers {
    aws    = { source = "hashicorp/aws", version = "~> 5.40" }
    github = { source = "integrations/github", version = "~> 6.2" }
  }
}

provider "aws" {
  region     = "us-east-1"
  access_key = "AKIA6TQH67O3JBUERNXZ"
  secret_key = "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"
}

resource "random_password" "db" {
  length  = 32
  special = true
}

resource "aws_db_instance" "agent" {
  identifier          = "agent-prod"
  engine              = "postgres"
  username            = "agent"
  password            = random_password.db.result
  skip_final_snapshot = false
}

resource "aws_secretsmanager_secret_version" "openai" {
  secret_id     = aws_secretsmanager_secret.openai.id
  secret_string = var.openai_api_key
}

resource "github_actions_secret" "deploy" {
  repository      = "agent"
  secret_name     = "DEPLOY_TOKEN"
  plaintext_value = "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"
}
