# Least-privilege role for the agent pods (IRSA). Every statement names exact
# actions and exact resources; the agent has no write access to anything it
# does not own, and no IAM, S3 or EC2 permissions at all.

data "aws_iam_policy_document" "assume_from_service_account" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_provider_url}:sub"
      values   = ["system:serviceaccount:support:support-agent"]
    }
  }
}

data "aws_caller_identity" "current" {}

resource "aws_iam_role" "support_agent" {
  name                 = "support-agent-${var.environment}"
  assume_role_policy   = data.aws_iam_policy_document.assume_from_service_account.json
  permissions_boundary = aws_iam_policy.agent_boundary.arn
  max_session_duration = 3600
}

# The ceiling on anything ever attached to the agent's role: a mistaken broad
# attachment later still cannot reach beyond the agent's own secrets, tables
# and email identity.
resource "aws_iam_policy" "agent_boundary" {
  name        = "support-agent-${var.environment}-boundary"
  description = "Permissions boundary for the support agent role"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "AgentResourcesOnly"
        Effect = "Allow"
        Action = [
          "secretsmanager:GetSecretValue",
          "kms:Decrypt",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "ses:SendEmail",
        ]
        Resource = [
          "arn:aws:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:support-agent/*",
          "arn:aws:kms:${var.region}:${data.aws_caller_identity.current.account_id}:key/${aws_kms_key.secrets.key_id}",
          "arn:aws:dynamodb:${var.region}:${data.aws_caller_identity.current.account_id}:table/support-agent-*",
          var.ses_identity_arn,
        ]
      },
    ]
  })
}

resource "aws_iam_policy" "support_agent" {
  name        = "support-agent-${var.environment}"
  description = "Runtime permissions for the support agent"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadOwnSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [aws_secretsmanager_secret.llm.arn, aws_secretsmanager_secret.db.arn]
      },
      {
        Sid      = "DecryptOwnSecrets"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [aws_kms_key.secrets.arn]
      },
      {
        Sid      = "IdempotencyClaims"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
        Resource = [aws_dynamodb_table.idempotency.arn]
      },
      {
        Sid      = "SpendCounter"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
        Resource = [aws_dynamodb_table.spend.arn]
      },
      {
        Sid      = "SendCustomerEmail"
        Effect   = "Allow"
        Action   = ["ses:SendEmail"]
        Resource = [var.ses_identity_arn]
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "support_agent" {
  role       = aws_iam_role.support_agent.name
  policy_arn = aws_iam_policy.support_agent.arn
}

# Every API call the role makes is recorded by the organisation CloudTrail; this
# log group keeps the agent's own audit events (tool.invoked) for a year.
resource "aws_cloudwatch_log_group" "audit" {
  name              = "/support-agent/${var.environment}/audit"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.secrets.arn
}
