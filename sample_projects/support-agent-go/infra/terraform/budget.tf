# Hard spend ceiling. Alerts at 50% / 80% / 100% (forecast and actual); at 100%
# of actual spend the budget action attaches a deny policy to the agent role so
# it can no longer read its provider keys, which stops all LLM traffic.
# The application enforces the same limit itself (config/settings.yaml budget.hard_stop).

resource "aws_budgets_budget" "llm_spend" {
  name         = "support-agent-${var.environment}-llm-spend"
  budget_type  = "COST"
  limit_amount = tostring(var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  cost_filter {
    name   = "TagKeyValue"
    values = ["user:app$support-agent"]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 50
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_email_addresses = [var.oncall_email]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 80
    threshold_type            = "PERCENTAGE"
    notification_type         = "FORECASTED"
    subscriber_sns_topic_arns = [var.alerts_sns_topic_arn]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 100
    threshold_type            = "PERCENTAGE"
    notification_type         = "ACTUAL"
    subscriber_sns_topic_arns = [var.alerts_sns_topic_arn]
  }
}

resource "aws_iam_policy" "spend_stop" {
  name        = "support-agent-${var.environment}-spend-stop"
  description = "Attached by the budget action: blocks the agent from reading its provider keys"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "DenyProviderKeys"
        Effect   = "Deny"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [aws_secretsmanager_secret.llm.arn]
      },
    ]
  })
}

data "aws_iam_policy_document" "budgets_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["budgets.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "budget_action" {
  name               = "support-agent-${var.environment}-budget-action"
  assume_role_policy = data.aws_iam_policy_document.budgets_assume.json
}

resource "aws_iam_role_policy" "budget_action" {
  name = "attach-spend-stop"
  role = aws_iam_role.budget_action.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
        Resource = [aws_iam_role.support_agent.arn]
      },
    ]
  })
}

resource "aws_budgets_budget_action" "stop_llm_spend" {
  budget_name        = aws_budgets_budget.llm_spend.name
  action_type        = "APPLY_IAM_POLICY"
  approval_model     = "AUTOMATIC"
  notification_type  = "ACTUAL"
  execution_role_arn = aws_iam_role.budget_action.arn

  action_threshold {
    action_threshold_type  = "PERCENTAGE"
    action_threshold_value = 100
  }

  definition {
    iam_action_definition {
      policy_arn = aws_iam_policy.spend_stop.arn
      roles      = [aws_iam_role.support_agent.name]
    }
  }

  subscriber {
    address           = var.oncall_email
    subscription_type = "EMAIL"
  }
}
