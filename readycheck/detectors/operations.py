"""Items 12 and 13: a way back (rollback in 5 minutes) and someone who knows a deploy is happening."""

from __future__ import annotations

import re
from typing import Any, Iterator

from readycheck.detectors.base import Context, evidence_at, outcome
from readycheck.detectors.generic import match_sections
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status

__all__ = ["rollback_readiness", "deploy_awareness", "container_images", "deploy_jobs"]

_VERSION_TAG = re.compile(r"^(v|release[-/]|rel-)?\d+(\.\d+){1,3}([-+.][0-9A-Za-z.-]+)?$")
_IMAGE = re.compile(r"^(?P<repo>[a-z0-9][a-z0-9._/:-]*?)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.${}\- ]*))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$")
_MUTABLE = frozenset({"latest", "main", "master", "dev", "develop", "stable", "edge", "nightly", "prod", "production", "staging"})


def _image_refs(value: Any, path: tuple[Any, ...]) -> bool:
    return bool(path) and str(path[-1]) == "image" and isinstance(value, str)


def container_images(index: RepoIndex) -> Iterator[tuple[SourceFile, int | None, str, str]]:
    """(file, line, image, verdict) for every image reference in k8s, compose, Helm values and
    Dockerfile FROM lines; verdict is pinned, mutable or untagged."""
    for f in index.by_kind("yaml"):
        for doc in f.documents:
            for path, value in doc.walk():
                if _image_refs(value, path):
                    yield f, doc.line_of(path), value, _image_verdict(value)
                elif path and str(path[-1]) == "image" and isinstance(value, dict) and "repository" in value:
                    tag = str(value.get("tag", "") or "")  # Helm values: image: {repository, tag}
                    ref = f"{value['repository']}:{tag}" if tag else str(value["repository"])
                    yield f, doc.line_of(path), ref, _image_verdict(ref)


def _image_verdict(ref: str) -> str:
    ref = ref.strip().strip("'\"")
    if "@sha256:" in ref:
        return "pinned"
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return "untagged"
    tag = last.rsplit(":", 1)[1]
    if "${" in tag or "{{" in tag:
        return "templated"
    return "mutable" if tag.lower() in _MUTABLE else "pinned"


_ROLLBACK_SECTIONS = {"rollback": ["roll back", "rolling back", "revert", "downgrade", "restore previous", "previous version"]}
_ORDERED = re.compile(r"^\s*(\d+[.)]|[-*]\s+\[?\s?\]?)\s+\S")


def _documented_rollback(index: RepoIndex) -> list[Evidence]:
    out: list[Evidence] = []
    docs = index.by_kind("markdown", "text")
    found, _ = match_sections(docs, _ROLLBACK_SECTIONS)
    if not found:
        return out
    ev = found["rollback"]
    f = index.get(ev.path)
    steps = 0
    if f is not None and ev.line:
        for line in f.lines[ev.line: ev.line + 40]:
            if line.startswith("#"):
                break
            if _ORDERED.match(line) or line.strip().startswith(("```", "$ ", "kubectl", "helm", "git ", "aws ", "gcloud", "./")):
                steps += 1
    note = "documented rollback procedure" + (" with steps" if steps else " (no steps listed)")
    out.append(Evidence(ev.path, ev.line, ev.snippet, note))
    return out


def _previous_versions(index: RepoIndex) -> tuple[list[Evidence], list[Evidence]]:
    good: list[Evidence] = []
    bad: list[Evidence] = []
    git = index.git
    if git is not None:
        versions = [t for t in git.tags if _VERSION_TAG.match(t)]
        if versions:
            good.append(Evidence(".git", None, None, f"{len(versions)} release tag(s) in git, latest {sorted(versions)[-1]}"))
    for f, line, ref, verdict in container_images(index):
        if verdict in ("pinned", "templated"):
            good.append(evidence_at(f, line, f"versioned image {ref}"))
        elif verdict in ("mutable", "untagged"):
            bad.append(evidence_at(f, line, f"image {ref} is {'a mutable tag' if verdict == 'mutable' else 'untagged (means latest)'}: nothing to roll back to"))
    for f in index.by_kind("terraform"):
        tf = f.terraform
        if tf is None:
            continue
        for b in tf.resources("aws_lambda_alias", "aws_ecr_repository", "aws_s3_bucket_versioning"):
            if b.type == "aws_ecr_repository" and str(b.body.get("image_tag_mutability", "")).upper() != "IMMUTABLE":
                continue
            good.append(evidence_at(f, b.line, f"{b.type}.{b.name}: previous versions kept"))
        for b in tf.resources("aws_lambda_function"):
            if b.body.get("publish") is True or str(b.body.get("publish")).lower() == "true":
                good.append(evidence_at(f, b.line, f"aws_lambda_function.{b.name} publishes versions"))
    for f, job, line, text in deploy_jobs(index):
        if re.search(r"\$\{\{\s*(github\.(ref_name|sha)|steps\.[\w.-]+\.outputs\.(version|tag)|env\.(VERSION|TAG))", text) and re.search(r"docker|image|push|tag", text, re.I):
            good.append(evidence_at(f, line, f"deploy job '{job}' publishes versioned artifacts"))
    return good, bad


def rollback_readiness(ctx: Context) -> Outcome:
    versions, mutable = _previous_versions(ctx.index)
    documented = _documented_rollback(ctx.index)
    if versions and documented:
        status = Status.WARN if mutable else Status.PASS
        msg = "previous versions to return to and a documented rollback procedure"
        if mutable:
            msg += f", but {len(mutable)} deploy reference(s) use mutable tags"
        return outcome(status, msg, documented + versions + mutable)
    if versions:
        return outcome(Status.WARN, "previous versions exist, but no rollback procedure is documented", versions + mutable)
    if documented:
        return outcome(Status.WARN, "a rollback procedure is documented, but no versioned artifact to return to was found (release tags, pinned images)", documented + mutable)
    msg = "no way back: no release tags or pinned images, and no documented rollback procedure"
    return outcome(Status.FAIL, msg, mutable)


# --- deploy awareness ---------------------------------------------------------------------------
_DEPLOY_NAME = re.compile(r"deploy|release|publish|rollout|promote|ship|cd\b", re.I)
_DEPLOY_CMD = re.compile(
    r"kubectl\s+(apply|set\s+image|rollout)|helm\s+(upgrade|install)|terraform\s+apply|serverless\s+deploy|sls\s+deploy|"
    r"sam\s+deploy|cdk\s+deploy|fly(ctl)?\s+deploy|vercel\b.*--prod|gcloud\s+run\s+deploy|aws\s+ecs\s+update-service|"
    r"docker\s+push|eb\s+deploy|heroku\s+.*(release|deploy)|railway\s+up|az\s+webapp\s+deploy|npm\s+publish|twine\s+upload",
    re.I,
)
_NOTIFY_USES = re.compile(
    r"slack|teams|discord|pagerduty|opsgenie|datadog.*event|getsentry/action-release|honeycomb.*marker|newrelic.*deployment|"
    r"mattermost|rocketchat|google-chat|webex|telegram|notify|announce",
    re.I,
)
_NOTIFY_RUN = re.compile(r"hooks\.slack\.com|api\.slack\.com|events\.pagerduty\.com|webhook\.office\.com|discord(app)?\.com/api/webhooks|sentry-cli\s+releases|/api/v\d/events", re.I)


def deploy_jobs(index: RepoIndex) -> Iterator[tuple[SourceFile, str, int | None, str]]:
    """(file, job name, line, job text) for CI jobs that deploy: GitHub Actions and GitLab CI."""
    import yaml

    for f in index.by_kind("yaml"):
        gh = f.path.startswith(".github/workflows/")
        gl = f.name in (".gitlab-ci.yml", ".gitlab-ci.yaml") or f.path.startswith(".gitlab/ci/")
        if not (gh or gl):
            continue
        for doc in f.documents:
            data = doc.data
            if not isinstance(data, dict):
                continue
            jobs = data.get("jobs", {}) if gh else {k: v for k, v in data.items() if isinstance(v, dict) and ("script" in v or "trigger" in v)}
            if not isinstance(jobs, dict):
                continue
            for name, job in jobs.items():
                if not isinstance(job, dict):
                    continue
                text = yaml.safe_dump(job, sort_keys=False, width=1000)
                is_deploy = bool(_DEPLOY_NAME.search(str(name)) or _DEPLOY_NAME.search(str(job.get("name", ""))) or "environment" in job or _DEPLOY_CMD.search(text))
                if is_deploy:
                    path = ("jobs", name) if gh else (name,)
                    yield f, str(name), doc.line_of(path), text


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    steps = job.get("steps")
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def deploy_awareness(ctx: Context) -> Outcome:
    notified: list[Evidence] = []
    gated: list[Evidence] = []
    silent: list[Evidence] = []
    for f, name, line, text in deploy_jobs(ctx.index):
        signals = []
        if _NOTIFY_RUN.search(text) or any(_NOTIFY_USES.search(str(s.get("uses", ""))) or _NOTIFY_USES.search(str(s.get("name", ""))) for s in _yaml_job_steps(f, name)):
            signals.append("notifies a channel")
            notified.append(evidence_at(f, line, f"deploy job '{name}' notifies people"))
        if re.search(r"^environment:", text, re.M):
            signals.append("environment gate")
            gated.append(evidence_at(f, line, f"deploy job '{name}' runs in a protected environment"))
        if not signals:
            silent.append(evidence_at(f, line, f"deploy job '{name}' deploys without telling anyone"))
    for f in ctx.index.by_kind("yaml"):  # Argo CD / Flux notifications
        for doc in f.documents:
            d = doc.data
            if isinstance(d, dict) and (
                (d.get("kind") == "ConfigMap" and str(d.get("metadata", {}).get("name", "")).startswith("argocd-notifications"))
                or (d.get("kind") in ("Alert", "Provider") and "notification.toolkit.fluxcd.io" in str(d.get("apiVersion", "")))
            ):
                notified.append(evidence_at(f, doc.line_of(()), f"{d.get('kind')} sends deploy notifications"))
    owners = [f for f in ctx.index.files if f.path in ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")]
    owner_ev = [Evidence(f.path, 1, None, "code owners review changes") for f in owners]
    if notified:
        return outcome(Status.PASS, "deploys announce themselves to people", notified + gated + owner_ev)
    if gated:
        return outcome(Status.WARN, "deploys run in a protected environment, but nobody is notified when they happen", gated + silent + owner_ev)
    if silent:
        return outcome(Status.FAIL, "deploy pipeline found, but it neither notifies anyone nor waits for approval", silent)
    return outcome(Status.FAIL, "no deploy pipeline and no deploy notification found: nobody would know a deploy is happening", owner_ev)


def _yaml_job_steps(f: SourceFile, name: str) -> list[dict[str, Any]]:
    for doc in f.documents:
        data = doc.data
        if isinstance(data, dict) and isinstance(data.get("jobs"), dict):
            job = data["jobs"].get(name)
            if isinstance(job, dict):
                return _steps(job)
    return []
