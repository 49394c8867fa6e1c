# Provider keys live in Secrets Manager, one secret per environment, and are
# rotated automatically. The rotation Lambda creates a new key with the provider,
# stores it as AWSPENDING, tests it, promotes it, then revokes the old key.

resource "aws_kms_key" "secrets" {
  description         = "support-agent ${var.environment} secrets"
  enable_key_rotation = true
}

resource "aws_secretsmanager_secret" "llm" {
  name        = "support-agent/${var.environment}/llm"
  description = "OPENAI_API_KEY, ANTHROPIC_API_KEY and STRIPE_API_KEY (restricted key)"
  kms_key_id  = aws_kms_key.secrets.arn

  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_rotation" "llm" {
  secret_id           = aws_secretsmanager_secret.llm.id
  rotation_lambda_arn = var.rotation_lambda_arn

  rotation_rules {
    automatically_after_days = 30
  }
}

resource "aws_secretsmanager_secret" "db" {
  name       = "support-agent/${var.environment}/db"
  kms_key_id = aws_kms_key.secrets.arn
}

resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = var.rotation_lambda_arn

  rotation_rules {
    automatically_after_days = 30
  }
}
