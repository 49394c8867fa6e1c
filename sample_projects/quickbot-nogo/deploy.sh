#!/bin/bash
set -e

docker build -t quickbot:latest . && docker push quickbot:latest
kubectl apply -f k8s/
kubectl rollout restart deployment/quickbot
echo "deployed!"
