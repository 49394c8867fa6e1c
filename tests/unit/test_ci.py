"""The CI workflow parser: GitHub Actions and GitLab CI as Workflow / Job / Step, with lines."""

from __future__ import annotations

from pathlib import Path

from readycheck.detectors.operations import job_kind, rollback_jobs
from readycheck.index import build_index
from readycheck.parsers.ci import is_workflow_path, parse_github_workflow, parse_gitlab_ci, workflows
from readycheck.parsers.structured import load_yaml_docs

GITHUB = """\
name: deploy
on:
  push:
    tags: ["v*.*.*"]
    branches: [main]
  workflow_dispatch:
    inputs:
      version:
        required: true
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: v
        run: echo "version=1" >> "$GITHUB_OUTPUT"
  deploy:
    needs: [build]
    if: github.ref_type == 'tag'
    timeout-minutes: 10
    environment:
      name: production
      url: https://agent.example.com
    steps:
      - name: Roll out
        run: helm upgrade --install agent ./chart
      - uses: slackapi/slack-github-action@v1.26.0
        with:
          channel-id: C01
        env:
          SLACK_BOT_TOKEN: x
  reuse:
    uses: acme/workflows/.github/workflows/deploy.yml@v1
"""


def test_github_workflow_triggers_jobs_steps_and_lines() -> None:
    wf = parse_github_workflow(load_yaml_docs(GITHUB)[0], ".github/workflows/deploy.yml")
    assert wf.provider == "github" and wf.name == "deploy" and wf.error is None
    push = wf.trigger("push")
    assert push is not None and push.tags == ("v*.*.*",) and push.branches == ("main",) and push.line == 3
    dispatch = wf.trigger("workflow_dispatch")
    assert dispatch is not None and dispatch.inputs == ("version",)
    assert wf.on_tag_push and wf.on_release
    build, deploy, reuse = wf.jobs
    assert build.name == "build" and build.line == 11 and [s.line for s in build.steps] == [14, 15]
    assert build.steps[0].uses == "actions/checkout@v4" and build.steps[1].run is not None
    assert deploy.environment == "production" and deploy.environment_url == "https://agent.example.com"
    assert deploy.needs == ("build",) and deploy.condition == "github.ref_type == 'tag'" and deploy.timeout_minutes == 10
    assert deploy.steps[0].name == "Roll out" and deploy.steps[1].with_ == {"channel-id": "C01"}
    assert deploy.steps[1].env == {"SLACK_BOT_TOKEN": "x"}
    assert reuse.uses == "acme/workflows/.github/workflows/deploy.yml@v1" and reuse.steps == ()
    assert job_kind(deploy) == "deploy" and job_kind(build) is None


def test_github_short_trigger_forms() -> None:
    wf = parse_github_workflow(load_yaml_docs("on: push\njobs: {}\n")[0], "a.yml")
    assert [t.event for t in wf.triggers] == ["push"] and not wf.on_release
    wf = parse_github_workflow(load_yaml_docs("on: [push, release]\njobs:\n  a: 3\n")[0], "a.yml")
    assert [t.event for t in wf.triggers] == ["push", "release"] and wf.on_release and wf.jobs == ()
    wf = parse_github_workflow(load_yaml_docs("- just a list\n")[0], "a.yml")
    assert wf.error == "not a mapping"


GITLAB = """\
stages: [build, deploy]
variables:
  IMAGE: registry.example.com/agent
.setup: &setup
  - echo setup
build:
  stage: build
  script:
    - docker build -t $IMAGE:$CI_COMMIT_TAG .
    - docker push $IMAGE:$CI_COMMIT_TAG
deploy_prod:
  stage: deploy
  environment:
    name: production
    url: https://agent.example.com
  timeout: 1h 30m
  before_script: *setup
  script:
    - kubectl set image deployment/agent agent=$IMAGE:$CI_COMMIT_TAG
  rules:
    - if: $CI_COMMIT_TAG
      when: manual
rollback_prod:
  stage: deploy
  when: manual
  script: kubectl rollout undo deployment/agent
"""


def test_gitlab_ci_jobs_scripts_environment_and_manual() -> None:
    wf = parse_gitlab_ci(load_yaml_docs(GITLAB)[0], ".gitlab-ci.yml")
    assert wf.provider == "gitlab" and wf.stages == ("build", "deploy")
    names = [j.name for j in wf.jobs]
    assert names == ["build", "deploy_prod", "rollback_prod"]
    build, deploy, rollback = wf.jobs
    assert build.line == 6 and [s.line for s in build.steps] == [9, 10] and job_kind(build) == "publish"
    assert deploy.environment == "production" and deploy.when == "manual" and deploy.timeout_minutes == 90
    assert deploy.steps[0].run == "echo setup" and "kubectl set image" in (deploy.steps[1].run or "")
    assert job_kind(deploy) == "deploy" and wf.on_tag_push
    assert rollback.when == "manual" and rollback.steps[0].run == "kubectl rollout undo deployment/agent"
    assert wf.trigger("manual") is not None


def test_workflow_paths() -> None:
    assert is_workflow_path(".github/workflows/ci.yml") == "github"
    assert is_workflow_path(".github/workflows/README.md") is None
    assert is_workflow_path(".gitlab-ci.yml") == "gitlab" and is_workflow_path("svc/.gitlab-ci.yaml") == "gitlab"
    assert is_workflow_path(".gitlab/ci/deploy.yml") == "gitlab"
    assert is_workflow_path("k8s/deploy.yml") is None


def test_workflows_from_the_index_are_memoised_and_malformed_files_are_reported(tmp_path: Path) -> None:
    wfdir = tmp_path / ".github" / "workflows"
    wfdir.mkdir(parents=True)
    (wfdir / "deploy.yml").write_text(GITHUB)
    (wfdir / "broken.yml").write_text("on: [push\njobs:\n  a: {\n")
    (wfdir / "empty.yml").write_text("")
    (wfdir / "rollback.yml").write_text(
        "name: rollback\non:\n  workflow_dispatch:\n    inputs:\n      tag: {required: true}\n"
        "jobs:\n  back:\n    runs-on: ubuntu-latest\n    steps:\n      - run: helm rollback agent 0\n"
    )
    (tmp_path / ".gitlab-ci.yml").write_text(GITLAB)
    index = build_index(tmp_path, use_git=False)
    found = workflows(index)
    assert workflows(index) is found
    by_path = {w.path: w for w in found}
    assert by_path[".github/workflows/broken.yml"].error and by_path[".github/workflows/broken.yml"].jobs == ()
    assert by_path[".github/workflows/empty.yml"].error == "empty"
    assert len(by_path[".gitlab-ci.yml"].jobs) == 3
    back = {(w.path, j.name): why for w, j, why in rollback_jobs(index)}
    assert back[(".github/workflows/rollback.yml", "back")].startswith("runs `helm rollback")
    assert back[(".gitlab-ci.yml", "rollback_prod")] == "runs `rollout undo`"


def test_gitlab_extends_templates_and_hidden_jobs() -> None:
    text = (
        ".deploy:\n  stage: deploy\n  script:\n    - helm upgrade --install agent ./chart\n"
        ".prod:\n  extends: .deploy\n  environment: production\n"
        "deploy_prod:\n  extends: [.prod]\n  when: manual\n"
    )
    wf = parse_gitlab_ci(load_yaml_docs(text)[0], ".gitlab-ci.yml")
    assert [j.name for j in wf.jobs] == ["deploy_prod"]
    job = wf.jobs[0]
    assert job.environment == "production" and job.when == "manual" and job.stage == "deploy"
    assert job.steps[0].run == "helm upgrade --install agent ./chart" and job.steps[0].line == 4
    assert job_kind(job) == "deploy"
