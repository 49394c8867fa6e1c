terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.50"
    }
  }

  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "support-agent/terraform.tfstate"
    region         = "us-east-1"
    dynamodb_table = "acme-terraform-locks"
    encrypt        = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      app         = "support-agent"
      environment = var.environment
      owner       = "support-eng"
    }
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "environment" {
  type        = string
  description = "dev, staging or production. Each environment has its own secrets and keys."

  validation {
    condition     = contains(["dev", "staging", "production"], var.environment)
    error_message = "environment must be dev, staging or production"
  }
}

variable "eks_oidc_provider_arn" {
  type        = string
  description = "OIDC provider of the EKS cluster, for IRSA."
}

variable "eks_oidc_provider_url" {
  type        = string
  description = "Issuer URL of the EKS cluster without https://"
}

variable "rotation_lambda_arn" {
  type        = string
  description = "Lambda that mints new provider keys and revokes the previous version."
}

variable "ses_identity_arn" {
  type        = string
  description = "SES identity for support@acme.example."
}

variable "monthly_budget_usd" {
  type    = number
  default = 500
}

variable "oncall_email" {
  type    = string
  default = "support-agent-oncall@acme.example"
}

variable "alerts_sns_topic_arn" {
  type        = string
  description = "SNS topic that pages the on-call rotation through PagerDuty."
}
