"""Items 12 and 13: a way back (rollback in 5 minutes) and someone who knows a deploy is happening."""

from __future__ import annotations

import re
from typing import Any, Iterator

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.ci import Job, Step, Workflow, is_workflow_path, workflows

__all__ = [
    "rollback_readiness", "deploy_awareness", "container_images", "deploy_jobs", "rollback_jobs", "job_kind",
    "DEPLOY_CMD", "PUBLISH_CMD",
]

_VERSION_TAG = re.compile(r"^(v|release[-/]|rel-)?\d+(\.\d+){1,3}([-+.][0-9A-Za-z.-]+)?$")
_IMAGE = re.compile(r"^(?P<repo>[a-z0-9][a-z0-9._/:-]*?)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.${}\- ]*))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$")
_MUTABLE = frozenset({"latest", "main", "master", "dev", "develop", "stable", "edge", "nightly", "prod", "production", "staging"})


def _image_refs(value: Any, path: tuple[Any, ...]) -> bool:
    return bool(path) and str(path[-1]) == "image" and isinstance(value, str)


def container_images(index: RepoIndex) -> Iterator[tuple[SourceFile, int | None, str, str]]:
    """(file, line, image, verdict) for every image reference in k8s, compose, Helm values and
    Dockerfile FROM lines; verdict is pinned, mutable or untagged."""
    for f in index.by_kind("yaml"):
        if is_workflow_path(f.path):  # CI service and job images are not what gets deployed
            continue
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


_ORDERED = re.compile(r"^\s*(\d+[.)]|[-*]\s+\[?\s?\]?)\s+\S")


def _documented_rollback(index: RepoIndex) -> list[Evidence]:
    """The rollback section with the most steps (numbered items, commands), across documents."""
    from readycheck.detectors.rollback import rollback_spans

    best: tuple[int, SourceFile, int] | None = None
    for f, h, end in rollback_spans(index):
        steps = 0
        for text in f.lines[h.line : end - 1]:
            if _ORDERED.match(text) or text.strip().startswith(("```", "$ ", "kubectl", "helm", "git ", "aws ", "gcloud", "./")):
                steps += 1
        if best is None or steps > best[0]:
            best = (steps, f, h.line)
    if best is None:
        return []
    steps, f, at = best
    return [evidence_at(f, at, "documented rollback procedure" + (" with steps" if steps else " (no steps listed)"))]


# --- CI jobs: deploy, publish, rollback ----------------------------------------------------------
DEPLOY_CMD = re.compile(
    r"kubectl\s+(?:-n\s+\S+\s+|--namespace[= ]\S+\s+|--context[= ]\S+\s+)*(apply|set\s+image|rollout\s+(restart|undo)|replace)|"
    r"helm\s+(?:-n\s+\S+\s+)*(upgrade|install|rollback)|helmfile\s+(apply|sync)|terraform\s+apply|terragrunt\s+(run-all\s+)?apply|"
    r"pulumi\s+up|serverless\s+deploy|\bsls\s+deploy|sam\s+deploy|cdk\s+deploy|fly(ctl)?\s+deploy|vercel\b.*--prod|"
    r"netlify\s+deploy\s+.*--prod|gcloud\s+(run|app|functions)\s+deploy|aws\s+ecs\s+update-service|aws\s+ecs\s+deploy|"
    r"aws\s+lambda\s+(update-function-code|update-alias)|aws\s+cloudformation\s+deploy|\beb\s+deploy|heroku\s+\S*\s*(release|deploy|container:release)|"
    r"git\s+push\s+heroku|railway\s+up|az\s+(webapp|containerapp|functionapp)\s+(deploy|update|up)|argocd\s+app\s+(sync|set|rollback)|"
    r"skaffold\s+(run|deploy)|ansible-playbook\s+\S*(deploy|site|prod)|\bcap\s+\w+\s+deploy|kamal\s+(deploy|rollback)|"
    r"(^|&&|;|\|)[ \t]*(\./|bash\s+|sh\s+)?(scripts?/|bin/|deploy/|ops/)?deploy(\.sh|\.py)?(\s|$)|\bmake\s+deploy\b(?![-_]?docs)|(npm|pnpm|yarn)\s+(run\s+)?deploy\b(?![-_:]?docs)",
    re.I | re.M,
)
_DEPLOY_ACTION = re.compile(
    r"azure/(webapps|functions|k8s|aks-set-context|container-apps)-deploy|azure/k8s-deploy|google-github-actions/deploy-|"
    r"aws-actions/amazon-ecs-deploy|aws-actions/aws-cloudformation-github-deploy|superfly/flyctl-actions|amondnet/vercel-action|"
    r"cloudflare/wrangler-action|deliverybot/helm|appleboy/ssh-action|aws-actions/aws-lambda-deploy|akhileshns/heroku-deploy|"
    r"railwayapp/|render-oss/|digitalocean/app_action|Azure/helm|bitovi/github-actions-deploy",
    re.I,
)
PUBLISH_CMD = re.compile(
    r"docker\s+(buildx\s+build\s+.*--push|push|image\s+push)|podman\s+push|npm\s+publish|pnpm\s+publish|yarn\s+(npm\s+)?publish|"
    r"twine\s+upload|poetry\s+publish|uv\s+publish|hatch\s+publish|flit\s+publish|cargo\s+publish|gh\s+release\s+(create|upload)|"
    r"goreleaser|semantic-release|changeset\s+publish|crane\s+(push|copy)|skopeo\s+copy|aws\s+s3\s+(cp|sync)\s+.*(release|artifact|dist)",
    re.I,
)
_PUBLISH_ACTION = re.compile(
    r"docker/build-push-action|pypa/gh-action-pypi-publish|softprops/action-gh-release|ncipollo/release-action|goreleaser/goreleaser-action|"
    r"actions/create-release|changesets/action|JS-DevTools/npm-publish|release-drafter/release-drafter|google-github-actions/release-please-action|"
    r"googleapis/release-please-action|cycjimmy/semantic-release-action|redhat-actions/push-to-registry",
    re.I,
)
_DEPLOY_ENV = re.compile(r"prod|stag|live|preview|^dev|develop|^qa|uat|canary|sandbox|demo|^(eu|us|ap|ca)[-_]|\$\{\{", re.I)
_DEPLOY_NAME = re.compile(r"(^|[-_ ])(deploy|deployment|rollout|roll-out|promote|ship|go-live|cd)([-_ ]|$)", re.I)
_DOCS_DEPLOY = re.compile(
    r"gh-pages|github-pages|actions/deploy-pages|peaceiris/actions-gh-pages|mkdocs\s+gh-deploy|storybook|docs?[-_ ]?(site|deploy)|deploy[-_ ]?docs|"
    r"docusaurus|sphinx-build|readthedocs",
    re.I,
)
_ROLLBACK_WORDS = re.compile(r"roll[-_ ]?back|revert|undo|restore|previous[-_ ]version|downgrade", re.I)
_ROLLBACK_CMD = re.compile(
    r"kubectl\s+(?:-n\s+\S+\s+|--namespace[= ]\S+\s+)*rollout\s+undo|helm\s+(?:-n\s+\S+\s+)*rollback|argocd\s+app\s+rollback|"
    r"aws\s+lambda\s+update-alias|kamal\s+rollback|fly(ctl)?\s+(deploy\s+--image|releases\s+rollback)|heroku\s+rollback|"
    r"vercel\s+(rollback|promote)|gcloud\s+run\s+services\s+update-traffic|aws\s+deploy\s+stop-deployment|eb\s+deploy\s+--version|"
    r"sam\s+deploy|kubectl\s+(?:-n\s+\S+\s+)*set\s+image",
    re.I,
)
_VERSION_INPUT = re.compile(r"version|tag|ref|revision|release|image|sha|commit", re.I)


def _workflow_file(index: RepoIndex, wf: Workflow) -> SourceFile | None:
    return index.get(wf.path)


def job_kind(job: Job) -> str | None:
    """'deploy' for a job that changes a running environment, 'publish' for one that only publishes
    artifacts (images, packages, releases), None otherwise."""
    text = job.script
    uses = " ".join(s.uses or "" for s in job.steps) + " " + (job.uses or "")
    env_is_deploy = job.environment is not None and bool(_DEPLOY_ENV.search(job.environment.strip()))
    deploys = bool(DEPLOY_CMD.search(text) or _DEPLOY_ACTION.search(uses))
    display = re.sub(r"\$\{\{.*?\}\}", "", job.display_name or "")
    named = bool(_DEPLOY_NAME.search(job.name) or re.match(r"\s*(deploy|roll ?out|promote|ship)\b", display, re.I))
    docs_only = bool(_DOCS_DEPLOY.search(job.text) or _DOCS_DEPLOY.search(job.name))
    if docs_only and not deploys:
        return None
    if deploys or env_is_deploy or (named and not _PUBLISH_ACTION.search(uses) and not PUBLISH_CMD.search(text) and (job.steps or job.uses)):
        return "deploy"
    if PUBLISH_CMD.search(text) or _PUBLISH_ACTION.search(uses) or named:
        return "publish"
    return None


def deploy_jobs(index: RepoIndex) -> Iterator[tuple[SourceFile, str, int | None, str]]:
    """(file, job name, line, job text) for CI jobs that deploy: GitHub Actions and GitLab CI."""
    for wf in workflows(index):
        f = _workflow_file(index, wf)
        if f is None:
            continue
        for job in wf.jobs:
            if job_kind(job) == "deploy":
                yield f, job.name, job.line, job.text


def rollback_jobs(index: RepoIndex) -> list[tuple[Workflow, Job, str]]:
    """CI jobs that roll back: named so or running a rollback command, in a workflow a person can
    start (workflow_dispatch / GitLab manual); `why` says what made it one."""
    out: list[tuple[Workflow, Job, str]] = []
    for wf in workflows(index):
        dispatch = wf.trigger("workflow_dispatch") or wf.trigger("manual")
        wf_named = bool(_ROLLBACK_WORDS.search(wf.name or "") or _ROLLBACK_WORDS.search(wf.path.rsplit("/", 1)[-1]))
        for job in wf.jobs:
            text = job.text
            named = wf_named or bool(_ROLLBACK_WORDS.search(job.name) or _ROLLBACK_WORDS.search(job.display_name or ""))
            undo = re.search(r"rollout\s+undo|helm\s+(?:-n\s+\S+\s+)*rollback|argocd\s+app\s+rollback|kamal\s+rollback|heroku\s+rollback|vercel\s+rollback|releases\s+rollback", text, re.I)
            manual = dispatch is not None or job.when == "manual"
            if undo:
                out.append((wf, job, f"runs `{undo.group(0)}`"))
            elif named and manual and _ROLLBACK_CMD.search(text):
                inputs = [i for i in (dispatch.inputs if dispatch else ()) if _VERSION_INPUT.search(i)]
                what = f" with input '{inputs[0]}'" if inputs else ""
                out.append((wf, job, f"redeploys a chosen version on demand{what}"))
    return out


# --- item 12: rollback readiness ----------------------------------------------------------------
def _cfn_resources(index: RepoIndex) -> Iterator[tuple[SourceFile, Any, str, str, dict[str, Any]]]:
    """(file, doc, logical id, type, properties) for CloudFormation / SAM resources."""
    for f in index.by_kind("yaml", "json"):
        for doc in f.documents:
            data = doc.data
            if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
                continue
            for lid, res in data["Resources"].items():
                if isinstance(res, dict) and isinstance(res.get("Type"), str):
                    props = res.get("Properties")
                    yield f, doc, str(lid), res["Type"], props if isinstance(props, dict) else {}


_DEV_FILE = re.compile(r"(^|[/._-])(dev|devel|local|test|tests|e2e|example|examples|sample|ci|build)([/._-]|$)", re.I)


def _previous_versions(index: RepoIndex) -> tuple[list[Evidence], list[Evidence]]:
    good: list[Evidence] = []
    bad: list[Evidence] = []
    git = index.git
    if git is not None:
        versions = [t for t in git.tags if _VERSION_TAG.match(t)]
        if versions:
            latest = max(versions, key=lambda t: tuple(int(n) for n in re.findall(r"\d+", t)[:4]))
            good.append(Evidence(".git", None, None, f"{len(versions)} release tag(s) in git, latest {latest}"))
    for f, line, ref, verdict in container_images(index):
        if _DEV_FILE.search(f.path) or f.path.startswith("."):  # dev, test and tool images are not what ships
            continue
        if verdict in ("pinned", "templated"):
            good.append(evidence_at(f, line, f"versioned image {ref}"))
        elif verdict in ("mutable", "untagged"):
            bad.append(evidence_at(f, line, f"image {ref} is {'a mutable tag' if verdict == 'mutable' else 'untagged (means latest)'}: nothing to roll back to"))
    for f in index.by_kind("yaml"):
        for doc in f.documents:
            d = doc.data
            if isinstance(d, dict) and d.get("kind") in ("Deployment", "StatefulSet", "DaemonSet"):
                spec = d.get("spec")
                if isinstance(spec, dict) and spec.get("revisionHistoryLimit") == 0:
                    bad.append(evidence_at(f, doc.line_of(("spec", "revisionHistoryLimit")), "revisionHistoryLimit: 0 keeps no previous ReplicaSet to undo to"))
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
    for f, doc, lid, rtype, props in _cfn_resources(index):
        if rtype in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
            good.append(evidence_at(f, doc.line_of(("Resources", lid)), f"{rtype} {lid}: published Lambda versions"))
        elif rtype == "AWS::Serverless::Function" and props.get("AutoPublishAlias"):
            good.append(evidence_at(f, doc.line_of(("Resources", lid, "Properties", "AutoPublishAlias")), f"SAM function {lid} publishes versions behind alias {props['AutoPublishAlias']}"))
    for f in index.by_kind("yaml"):  # SAM Globals
        for doc in f.documents:
            d = doc.data
            g = d.get("Globals") if isinstance(d, dict) else None
            fn = g.get("Function") if isinstance(g, dict) else None
            if isinstance(fn, dict) and fn.get("AutoPublishAlias"):
                good.append(evidence_at(f, doc.line_of(("Globals", "Function", "AutoPublishAlias")), f"SAM functions publish versions behind alias {fn['AutoPublishAlias']}"))
    for wf in workflows(index):
        wf_file = _workflow_file(index, wf)
        if wf_file is None:
            continue
        for job in wf.jobs:
            kind = job_kind(job)
            text = job.text
            if kind in ("deploy", "publish") and wf.on_release:
                good.append(evidence_at(wf_file, job.line, f"release workflow: job '{job.name}' runs on release tags"))
            elif kind in ("deploy", "publish") and re.search(
                r"\$\{\{\s*(github\.(ref_name|sha)|steps\.[\w.-]+\.outputs\.(version|tag)|needs\.[\w.-]+\.outputs\.(version|tag)|env\.(VERSION|TAG)|inputs\.[\w-]+)", text
            ) and re.search(r"docker|image|push|tag", text, re.I):
                good.append(evidence_at(wf_file, job.line, f"job '{job.name}' deploys or publishes versioned artifacts"))
            m = re.search(r"--history-max[= ](\d+)", text)
            if m and int(m.group(1)) > 0:
                good.append(evidence_at(wf_file, job.line, f"Helm keeps {m.group(1)} releases (--history-max)"))
    return good, bad


def _config_snapshots(index: RepoIndex) -> list[Evidence]:
    out: list[Evidence] = []
    for f in index.by_kind("terraform"):
        tf = f.terraform
        if tf is not None:
            for b in tf.resources():
                if b.type.startswith("aws_appconfig_"):
                    out.append(evidence_at(f, b.line, f"{b.type}.{b.name}: AWS AppConfig keeps configuration versions"))
                    break
    for f, doc, lid, rtype, _props in _cfn_resources(index):
        if rtype.startswith("AWS::AppConfig::"):
            out.append(evidence_at(f, doc.line_of(("Resources", lid)), f"{rtype} {lid}: AWS AppConfig keeps configuration versions"))
    if index.is_git:
        tracked = [f for f in index.files if re.match(r"(config|conf|settings|deploy/config)/[^/]+\.(ya?ml|json|toml|ini|env\.example)$", f.path)]
        if tracked:
            out.append(Evidence(tracked[0].path, 1, None, f"configuration in version control ({plural(len(tracked), 'file')} under {tracked[0].path.split('/')[0]}/)"))
    return out[:5]


def rollback_readiness(ctx: Context) -> Outcome:
    versions, mutable = _previous_versions(ctx.index)
    documented = _documented_rollback(ctx.index)
    for wf, job, why in rollback_jobs(ctx.index):
        f = _workflow_file(ctx.index, wf)
        if f is not None:
            documented.append(evidence_at(f, job.line, f"rollback job '{job.name}' {why}"))
    snapshots = _config_snapshots(ctx.index)
    if versions and documented:
        status = Status.WARN if mutable else Status.PASS
        msg = "previous versions to return to and a rollback procedure"
        if mutable:
            msg += f", but {len(mutable)} deploy reference(s) use mutable tags or keep no history"
        return outcome(status, msg, documented + versions + mutable + snapshots)
    if versions:
        return outcome(Status.WARN, "previous versions exist, but no rollback procedure is documented or automated", versions + mutable + snapshots)
    if documented:
        return outcome(
            Status.WARN,
            "a rollback procedure exists, but no versioned artifact to return to was found (release tags, pinned images, Lambda versions)",
            documented + mutable + snapshots,
        )
    msg = "no way back: no release tags, release workflow or pinned images, and no rollback procedure"
    return outcome(Status.FAIL, msg, mutable)


# --- item 13: deploy awareness ------------------------------------------------------------------
_NOTIFY_USES = re.compile(
    r"slack|teams|discord|pagerduty|opsgenie|datadog.*event|getsentry/action-release|honeycomb.*marker|newrelic.*deployment|"
    r"mattermost|rocketchat|rocket\.chat|google-chat|webex|telegram|send-mail|sendgrid|ses-email|notify|announce|zulip|"
    r"chrnorm/deployment-status|bobheadxi/deployments|deployment-status",
    re.I,
)
_NOTIFY_RUN = re.compile(
    r"hooks\.slack\.com|slack\.com/api|events\.pagerduty\.com|webhook\.office\.com|discord(app)?\.com/api/webhooks|sentry-cli\s+releases|"
    r"api\.opsgenie\.com|/api/v\d/events|chat\.googleapis\.com|api\.telegram\.org|\b(send)?mail\s+-s|aws\s+ses\s+send-email|"
    r"curl\b[^\n]*(WEBHOOK|SLACK|TEAMS|DISCORD|NOTIFY)|(WEBHOOK|SLACK|TEAMS|DISCORD)[A-Z_]*\s*\}\}[^\n]*curl|gh\s+api\s+[^\n]*deployments|"
    r"newrelic\s+[^\n]*deployment|dd-ci|datadog-ci\s+deployment|honeymarker",
    re.I,
)
_RELEASE_NOTES = re.compile(
    r"softprops/action-gh-release|ncipollo/release-action|release-drafter|release-please|semantic-release|changesets/action|"
    r"gh\s+release\s+create|--generate-notes|git-cliff|conventional-changelog|towncrier",
    re.I,
)
_DEPLOY_SCRIPT_NAME = re.compile(r"deploy|release|rollout|ship|promote", re.I)
_DEPLOY_PATHS = (".github/workflows/", "deploy/", "infra/", "k8s/", "helm/", "charts/", "terraform/", ".gitlab-ci.yml")


def _step_notifies(step: Step) -> bool:
    if step.uses and _NOTIFY_USES.search(step.uses):
        return True
    if step.run and _NOTIFY_RUN.search(step.run):
        return True
    if step.name and _NOTIFY_USES.search(step.name) and (step.uses or (step.run and re.search(r"curl|http|webhook|mail|slack|teams", step.run, re.I))):
        return True
    return False


def _failure_only(job: Job, step: Step) -> bool:
    cond = f"{job.condition or ''} {step.condition or ''}"
    return "failure()" in cond and "always()" not in cond and "success()" not in cond


def _codeowners(index: RepoIndex) -> list[Evidence]:
    out: list[Evidence] = []
    for path in ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"):
        f = index.get(path)
        if f is None:
            continue
        for i, raw in enumerate(f.lines, 1):
            line = raw.split("#", 1)[0].strip()
            parts = line.split()
            if len(parts) < 2:
                continue
            pat = parts[0].lstrip("/")
            if pat in ("*", "**") or any(pat.startswith(p.rstrip("/")) or p.startswith(pat.rstrip("*").rstrip("/") + "/") for p in _DEPLOY_PATHS if pat.rstrip("*")):
                out.append(evidence_at(f, i, f"CODEOWNERS: {parts[0]} changes need a review by {' '.join(parts[1:3])}"))
                if len(out) >= 3:
                    return out
    return out


def _changelog(index: RepoIndex) -> list[Evidence]:
    for f in index.files:
        if "/" in f.path or not re.match(r"(CHANGELOG|CHANGES|HISTORY|RELEASES?|RELEASE[-_]NOTES)(\.(md|rst|txt))?$", f.name, re.I):
            continue
        versioned = [h for h in f.headings if re.search(r"\d+\.\d+", h.text)]
        if versioned:
            return [evidence_at(f, versioned[0].line, f"release notes: latest entry '{versioned[0].text}'")]
    return []


def _deploy_scripts(index: RepoIndex, referenced: str) -> list[tuple[SourceFile, int, bool]]:
    """(file, line, notifies) for deploy scripts not run by a CI workflow (those count with it)."""
    out: list[tuple[SourceFile, int, bool]] = []
    for f in index.by_kind("shell", "makefile"):
        if f.kind == "shell" and not _DEPLOY_SCRIPT_NAME.search(f.name):
            continue
        if f.name in referenced or f.path in referenced:
            continue
        first = None
        for i, line in enumerate(f.lines, 1):
            code = line.split("#", 1)[0] if f.kind == "shell" else line
            if f.kind == "makefile" and not line.startswith("\t"):
                continue
            if DEPLOY_CMD.search(code) and not re.search(r"(^|\s)deploy(\.sh)?\s", code):
                first = i
                break
        if first is None:
            continue
        if f.kind == "makefile":
            target = next((f.lines[j] for j in range(first - 2, -1, -1) if not f.lines[j].startswith("\t") and ":" in f.lines[j]), "")
            if not _DEPLOY_SCRIPT_NAME.search(target.split(":", 1)[0]):
                continue
        out.append((f, first, bool(_NOTIFY_RUN.search(f.text))))
    return out


def deploy_awareness(ctx: Context) -> Outcome:
    index = ctx.index
    notified: list[Evidence] = []
    gated: list[Evidence] = []
    silent: list[Evidence] = []
    publish_only: list[Evidence] = []
    broken: list[str] = []
    referenced = ""
    # reusable workflows: a caller is announced by the workflow it calls, and a workflow that only
    # runs when called is announced by its callers
    announcing = {w.path for w in workflows(index) if any(_step_notifies(s) and not _failure_only(j, s) for j in w.jobs for s in j.steps)}
    calls = {w.path: {(j.uses or "")[2:].split("@")[0] for j in w.jobs if (j.uses or "").startswith("./")} for w in workflows(index)}
    called_by_announcing = {c for caller, called in calls.items() if caller in announcing for c in called}
    for wf in workflows(index):
        if wf.error:
            broken.append(f"{wf.path} ({wf.error})")
            continue
        f = _workflow_file(index, wf)
        if f is None:
            continue
        referenced += "\n".join(j.text for j in wf.jobs)
        deploys = [j for j in wf.jobs if job_kind(j) == "deploy"]
        if not deploys:
            publish_only += [evidence_at(f, j.line, f"job '{j.name}' publishes artifacts") for j in wf.jobs if job_kind(j) == "publish"][:2]
            continue
        every = [(j, s) for j in wf.jobs for s in j.steps if _step_notifies(s)]
        notifiers = [(j, s) for j, s in every if not _failure_only(j, s)]
        envs = [j for j in deploys if j.environment]
        notes = [(j, s) for j in wf.jobs for s in j.steps if _RELEASE_NOTES.search(s.text)]
        names = ", ".join(f"'{j.name}'" for j in deploys[:3])
        inherited = sorted(calls.get(wf.path, set()) & announcing)
        only_called = all(t.event == "workflow_call" for t in wf.triggers) and bool(wf.triggers)
        if not notifiers and (inherited or (only_called and wf.path in called_by_announcing)):
            via = inherited[0] if inherited else "its caller"
            notified.append(evidence_at(f, deploys[0].line, f"deploy job {names} announced through the reusable workflow {via}" if inherited else f"deploy job {names} announced by {via}"))
            continue
        if notifiers:
            j, s = notifiers[0]
            how = s.uses or (s.name or "a notification step")
            notified.append(evidence_at(f, s.line, f"deploy job {names} announced by job '{j.name}' ({how})"))
            notified += [evidence_at(f, j.line, f"deploy job '{j.name}' runs in environment '{j.environment}' (a GitHub deployment record)" if wf.provider == "github" else f"deploy job '{j.name}' runs in environment '{j.environment}'") for j in envs[:2]]
            continue
        if envs or notes or every:
            for j, s in every[:1]:
                gated.append(evidence_at(f, s.line, f"job '{j.name}' notifies only when the deploy fails: a successful deploy of {names} goes unannounced"))
            for j in envs[:3]:
                gated.append(evidence_at(f, j.line, f"deploy job '{j.name}' runs in environment '{j.environment}': recorded as a deployment, may need approval, but nobody is notified"))
            for j, s in notes[:1]:
                gated.append(evidence_at(f, s.line, f"job '{j.name}' publishes release notes, but nobody is notified of the deploy"))
            continue
        for j in deploys[:3]:
            silent.append(evidence_at(f, j.line, f"deploy job '{j.name}' in {wf.path} deploys without telling anyone"))
    for f in index.by_kind("yaml"):  # Argo CD / Flux notifications
        for doc in f.documents:
            d = doc.data
            meta = d.get("metadata") if isinstance(d, dict) else None
            if isinstance(d, dict) and (
                (d.get("kind") == "ConfigMap" and isinstance(meta, dict) and str(meta.get("name", "")).startswith("argocd-notifications"))
                or (d.get("kind") in ("Alert", "Provider") and "notification.toolkit.fluxcd.io" in str(d.get("apiVersion", "")))
            ):
                notified.append(evidence_at(f, doc.line_of(()), f"{d.get('kind')} sends deploy notifications"))
    for f, line, notifies in _deploy_scripts(index, referenced):
        if notifies:
            notified.append(evidence_at(f, line, f"deploy script {f.path} posts a notification"))
        else:
            silent.append(evidence_at(f, line, f"deploy script {f.path} deploys without telling anyone"))
    extra = _changelog(index) + _codeowners(index)
    note = f" ({plural(len(broken), 'workflow')} could not be read: {'; '.join(broken[:2])})" if broken else ""
    if silent:
        who = "; ".join((e.note or "").split(" deploys")[0] for e in silent[:3])
        return outcome(Status.FAIL, f"nobody is told about these deploys: {who}{note}", silent + notified + gated)
    if gated:
        return outcome(Status.WARN, f"deploys are recorded (environments, release notes, failure alerts) but nobody is notified when they happen{note}", gated + notified + extra)
    if notified:
        return outcome(Status.PASS, f"every deploy workflow announces itself to people{note}", notified + extra)
    why = "no deploy workflow, deploy job or deploy script found in the repository"
    if publish_only:
        why += " (workflows publish artifacts but do not deploy them)"
    return outcome(Status.SKIP, why + note, publish_only)
