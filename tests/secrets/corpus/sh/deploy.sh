#!/usr/bin/env bash
# Deploys the agent to the staging cluster.
set -euo pipefail

export AWS_REGION=eu-west-1
export GITHUB_TOKEN=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
export GH_TOKEN_OLD=ghp_9ij7RxNw4opemGc3y49JCR3423s2QIhAqDz1
export HF_TOKEN="$(vault kv get -field=token secret/agent/hf)"
export OPENAI_API_KEY="${OPENAI_API_KEY:?missing}"
export DOCKER_PASSWORD=$(aws ecr get-login-password --region "$AWS_REGION")

curl -fsS -H "Authorization: token ghu_gtyPZnW8ldCGSKXPNG8lYzdtFqWaiQ34lEsD" https://api.github.com/repos/acme/agent/releases/latest
git clone "https://x-access-token:ghs_Eqo8TYskBmHML2mMfEIQGMLn3avh4A1TChlA@github.com/acme/agent-config.git" /tmp/agent-config
git clone https://github.com/acme/agent-charts.git /tmp/agent-charts
echo "2e9dce773bff2fb38b341a24ee5ceae071f82354b46f963e6be448fdd809659c dist/agent.tar.gz" | sha256sum -c -
kubectl create secret generic agent-env --from-literal=LOG_LEVEL=info --dry-run=client -o yaml | kubectl apply -f -
helm upgrade --install agent ./charts/agent --set image.tag="$(git rev-parse --short HEAD)"
