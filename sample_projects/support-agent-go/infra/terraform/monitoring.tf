# Alarms that page through the same SNS topic as the budget (var.alerts_sns_topic_arn,
# wired to PagerDuty). Request-level alerts (error rate, latency, spend burn) are
# Prometheus rules in deploy/prometheus/alerts.yaml; these cover what Prometheus
# cannot see from inside the cluster: the AWS bill and the application log stream.

resource "aws_cloudwatch_log_group" "app" {
  name              = "/support-agent/${var.environment}/app"
  retention_in_days = 30
  kms_key_id        = aws_kms_key.secrets.arn
}

resource "aws_cloudwatch_log_metric_filter" "app_errors" {
  name           = "support-agent-${var.environment}-errors"
  log_group_name = aws_cloudwatch_log_group.app.name
  pattern        = "{ $.level = \"error\" }"

  metric_transformation {
    name      = "AppErrors"
    namespace = "SupportAgent"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "app_errors" {
  alarm_name          = "support-agent-${var.environment}-app-errors"
  alarm_description   = "More than 25 error log lines in 5 minutes"
  namespace           = "SupportAgent"
  metric_name         = "AppErrors"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 25
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alerts_sns_topic_arn]
  ok_actions          = [var.alerts_sns_topic_arn]
}

# Billing metrics are published in us-east-1 only; the provider region defaults to it.
resource "aws_cloudwatch_metric_alarm" "estimated_charges" {
  alarm_name          = "support-agent-${var.environment}-estimated-charges"
  alarm_description   = "Account charges above the monthly LLM budget: the budget action should already have fired"
  namespace           = "AWS/Billing"
  metric_name         = "EstimatedCharges"
  dimensions          = { Currency = "USD" }
  statistic           = "Maximum"
  period              = 21600
  evaluation_periods  = 1
  threshold           = var.monthly_budget_usd
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [var.alerts_sns_topic_arn]
}
