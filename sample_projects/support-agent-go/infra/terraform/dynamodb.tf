resource "aws_dynamodb_table" "idempotency" {
  name         = "support-agent-idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "idempotency_key"

  attribute {
    name = "idempotency_key"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_dynamodb_table" "spend" {
  name         = "support-agent-spend"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "period"

  attribute {
    name = "period"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}
