"""Item 9, permission boundaries beyond IAM policies: what the agent's containers may do to their
host, whether every permission use leaves an audit trail, and how long and how far an IAM role
reaches (permissions boundaries and session durations).

- `container-privileges` (RC0903): Dockerfiles, docker-compose services, Kubernetes workloads and
  Helm charts, read by `readycheck.parsers.containers`.
- `audit-trail` (RC0904): CloudTrail (Terraform, CloudFormation), GCP audit configs, Kubernetes
  audit policies, or an application audit log of tool calls (an audit table, an `audit` logger).
- `iam-role-limits` (RC0905): `aws_iam_role` / `AWS::IAM::Role` without a permissions boundary, or
  with a maximum session duration above the policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.project import is_test_path
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.cloud import CloudResource, cloud_resources
from readycheck.parsers.containers import Container, Workload, dockerfiles, is_root_user, manifest_documents, workloads

__all__ = ["container_privileges", "audit_trail", "iam_role_limits"]


# --- RC0903: containers ----------------------------------------------------------------------------
_ESCAPE_CAPS = frozenset({"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH"})
_HARMLESS_CAPS = frozenset({"NET_BIND_SERVICE"})
_SENSITIVE_HOST = re.compile(r"^(/|/etc(/.*)?|/root(/.*)?|/proc(/.*)?|/sys(/.*)?|/dev(/.*)?|/boot(/.*)?|/var/run(/.*)?|/run(/.*)?|/var/lib/(kubelet|docker|containerd)(/.*)?|/home)/?$")
_DOCKER_SOCK = re.compile(r"(docker|containerd|crio|podman)\.sock$")
# Base images that run as a non-root user unless told otherwise (Lambda runs its images as a
# non-root sandbox user whatever USER says).
_NONROOT_BASES = re.compile(r"(:|-)nonroot\b|^cgr\.dev/chainguard/|^gcr\.io/distroless/.*:(latest-)?nonroot|^registry\.access\.redhat\.com/ubi\d*/[\w-]+-\d+|^bitnami/|"
    r"^(public\.ecr\.aws/lambda/|amazon/aws-lambda-)", re.I)
_SKIP_DOCKERFILE = re.compile(r"(^|/)(\.devcontainer|\.github|\.cursor|tests?|fixtures?|testdata)/", re.I)
# Files for local development and CI, not for production: docker-compose.dev.yml, Dockerfile.test...
_DEV_FILE = re.compile(r"[._-](dev|develop|development|test|tests|testing|local|ci|e2e|debug|override)([._-][^/]*)?$", re.I)


@dataclass(slots=True)
class _Findings:
    fails: list[Evidence] = field(default_factory=list)
    warns: list[Evidence] = field(default_factory=list)
    good: list[Evidence] = field(default_factory=list)
    seen: set[tuple[str, int | None, str]] = field(default_factory=set)

    def add(self, status: Status, f: SourceFile | None, path: str, line: int | None, note: str) -> None:
        key = (path, line, note)
        if key in self.seen:
            return
        self.seen.add(key)
        ev = evidence_at(f, line, note) if f is not None else Evidence(path, line, None, note)
        {Status.FAIL: self.fails, Status.WARN: self.warns}.get(status, self.good).append(ev)


def _non_root(c: Container) -> bool:
    if c.run_as_user is not None and not is_root_user(c.run_as_user):
        return True
    return bool(c.run_as_non_root) and not is_root_user(c.run_as_user)


def _judge_caps(out: _Findings, f: SourceFile | None, w: Workload, c: Container, who: str) -> None:
    escape = sorted(set(c.capabilities_add) & _ESCAPE_CAPS)
    other = sorted(set(c.capabilities_add) - _ESCAPE_CAPS - _HARMLESS_CAPS)
    line = c.lines.get("capabilities_add") or c.line
    if escape:
        out.add(Status.FAIL, f, w.path, line, f"{who} adds capabilities {', '.join(escape)}, enough to escape to the host: drop them (`capabilities: {{drop: [ALL]}}`) and add back only what the process needs")
    if other:
        out.add(Status.WARN, f, w.path, line, f"{who} adds capabilities {', '.join(other)}: drop them unless the agent needs them")


def _judge_workload(out: _Findings, f: SourceFile | None, w: Workload, implicit: Status) -> None:
    for c in w.containers:
        who = f"{w.label} container {c.name}" if w.source != "compose" else w.label
        if w.source == "helm-values":
            who = f"Helm values `{c.name}`"
        if c.privileged:
            out.add(Status.FAIL, f, w.path, c.lines.get("privileged") or c.line, f"{who} runs privileged (root on the host): remove `privileged: true`; grant a single capability if one is really needed")
        _judge_caps(out, f, w, c, who)
        if is_root_user(c.run_as_user):
            key = "user" if w.source == "compose" else "runAsUser"
            out.add(Status.FAIL, f, w.path, c.lines.get("run_as_user") or c.line, f"{who} runs as root (`{key}: {c.run_as_user}`): run as a non-root UID (e.g. 10001){' and set runAsNonRoot: true' if w.source != 'compose' else ''}")
        elif _non_root(c):
            setting = f"runAsUser {c.run_as_user}" if c.run_as_user is not None and w.source != "compose" else (f"user {c.run_as_user}" if c.run_as_user else "runAsNonRoot")
            out.add(Status.PASS, f, w.path, c.lines.get("run_as_non_root") or c.lines.get("run_as_user") or c.line, f"{who} runs as non-root ({setting})")
        elif w.source in ("kubernetes", "helm"):
            out.add(implicit, f, w.path, c.line, f"{who} sets neither runAsNonRoot nor runAsUser, so it runs as the image's user (root unless the image sets USER): set `securityContext.runAsNonRoot: true` and a runAsUser")
        if c.allow_privilege_escalation:
            out.add(Status.WARN, f, w.path, c.lines.get("allow_privilege_escalation") or c.line, f"{who} sets `allowPrivilegeEscalation: true`: set it to false")
    if w.host_pid:
        out.add(Status.FAIL, f, w.path, w.lines.get("host_pid") or w.line, f"{w.label} shares the host's process namespace (hostPID / pid: host): remove it")
    if w.host_ipc:
        out.add(Status.WARN, f, w.path, w.lines.get("host_ipc") or w.line, f"{w.label} shares the host's IPC namespace: remove it")
    if w.host_network:
        key = "network_mode: host" if w.source == "compose" else "hostNetwork: true"
        out.add(Status.WARN, f, w.path, w.lines.get("host_network") or w.line, f"{w.label} uses host networking (`{key}`): it can reach every service bound on the node; use the pod or bridge network")
    for m in w.host_mounts:
        if _DOCKER_SOCK.search(m.host_path):
            out.add(Status.FAIL, f, w.path, m.line, f"{w.label} mounts the container runtime socket `{m.host_path}` (root on the host): remove the mount; use a build service or a rootless runtime")
        elif _SENSITIVE_HOST.match(m.host_path.rstrip("/") or "/"):
            out.add(Status.FAIL, f, w.path, m.line, f"{w.label} mounts host path `{m.host_path}`{' read-only' if m.read_only else ''}: mount a volume with only the files the agent needs")
        elif w.source != "compose":
            out.add(Status.WARN, f, w.path, m.line, f"{w.label} mounts host path `{m.host_path}` (hostPath): use a persistentVolumeClaim, configMap or emptyDir")


def _dirname(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def container_privileges(ctx: Context) -> Outcome:
    index = ctx.index
    implicit = Status.FAIL if str(ctx.param("implicit_root", "warn")).lower() == "fail" else Status.WARN
    out = _Findings()
    loads = [w for w in workloads(index) if not is_test_path(w.path) and not (w.source == "compose" and _DEV_FILE.search(w.path.rsplit("/", 1)[-1]))]
    # values.yaml only speaks for a chart whose templates could not be read as workloads
    template_charts = {_dirname(("/" + w.path).rsplit("/templates/", 1)[0].lstrip("/") + "/x") for w in loads if w.source == "helm"}
    loads = [w for w in loads if not (w.source == "helm-values" and _dirname(w.path) in template_charts)]
    k8s = [c for w in loads if w.source in ("kubernetes", "helm") for c in w.containers]
    k8s_non_root = bool(k8s) and all(_non_root(c) for c in k8s)
    count = 0
    for w in loads:
        count += len(w.containers) or 1
        _judge_workload(out, index.get(w.path), w, implicit)
    for f, df in dockerfiles(index):
        if _SKIP_DOCKERFILE.search(f.path) or is_test_path(f.path) or _DEV_FILE.search(f.name):
            continue
        stage = df.final
        if stage is None:
            continue
        count += 1
        if is_root_user(stage.user):
            out.add(Status.FAIL, f, f.path, stage.user_line, f"the final stage runs as root (`USER {stage.user}`): create a user and end with `USER <uid>` (e.g. 10001)")
        elif stage.user is not None:
            out.add(Status.PASS, f, f.path, stage.user_line, f"the final stage runs as `USER {stage.user}`")
        elif _NONROOT_BASES.search(stage.base):
            out.add(Status.PASS, f, f.path, stage.line, f"the final stage starts from `{stage.base}`, which runs as a non-root user")
        elif k8s_non_root:
            out.add(Status.PASS, f, f.path, stage.line, "no USER in the final stage, but every Kubernetes workload sets runAsNonRoot / a non-root runAsUser")
        else:
            out.add(implicit, f, f.path, stage.line, f"the final stage (`FROM {stage.base}`) never sets USER, so the container runs as root: add `RUN useradd --uid 10001 agent` and `USER 10001`")
    if not count:
        return outcome(Status.SKIP, "no Dockerfile, compose service or Kubernetes workload in the repository")
    what = plural(count, "container definition")
    if out.fails:
        more = f", and {plural(len(out.warns), 'weaker finding')}" if out.warns else ""
        return outcome(Status.FAIL, f"{plural(len(out.fails), 'setting')} hand the host or root to a container: privileged, root user, host namespaces or mounts{more} ({what} read)", out.fails + out.warns)
    if out.warns:
        return outcome(Status.WARN, f"{plural(len(out.warns), 'setting')} may run a container as root or give it host access ({what} read)", out.warns)
    return outcome(Status.PASS, f"{what} read: none privileged, none running as root", out.good or [])


# --- RC0904: audit trail ---------------------------------------------------------------------------
_AUDIT_LOGGER = re.compile(
    r"""(getLogger|get_logger|getChild|logger\.bind|child)\(\s*(name\s*=\s*)?["'][\w.:-]*audit[\w.:-]*["']|"""
    r"""\b(pino|winston\.createLogger|createLogger|bunyan\.createLogger)\(\s*\{[^)]{0,200}?\b(name|label|service)\s*:\s*["'][\w.:-]*audit""",
    re.I,
)
_AUDIT_TABLE = re.compile(
    r"""create\s+table\s+(if\s+not\s+exists\s+)?[`"\[]?(\w+\.)?\w*audit\w*|"""
    r"""create_table\(\s*["']\w*audit\w*["']|__tablename__\s*=\s*["']\w*audit\w*["']|"""
    r"""class\s+\w*Audit\w*\s*\(\s*(models\.Model|Base|db\.Model|SQLModel)|^[ \t]*model\s+\w*Audit\w*\s*\{|"""
    r"""createTable\(\s*["']\w*audit\w*["']|insert\s+into\s+[`"\[]?\w*audit\w*""",
    re.I | re.M,
)
_AUDIT_EXT = (".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".sql", ".prisma", ".go", ".rb", ".java", ".kt")


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _code_text(f: SourceFile) -> str:
    """The file's text with comment lines blanked (line numbers kept)."""
    keep = []
    for line in f.lines:
        s = line.lstrip()
        comment = s.startswith(("#", "//", "--", "/*", "* ")) and not f.path.endswith(".prisma")
        keep.append("" if comment else line)
    return "\n".join(keep)


def _app_audit(index: RepoIndex) -> list[Evidence]:
    found: list[Evidence] = []
    for f in index.files:
        if not f.path.endswith(_AUDIT_EXT) or is_test_path(f.path) or "audit" not in f.text.lower():
            continue
        text = _code_text(f)
        for rx, what in ((_AUDIT_TABLE, "audit table"), (_AUDIT_LOGGER, "audit logger")):
            m = rx.search(text)
            if m is not None:
                found.append(evidence_at(f, text.count("\n", 0, m.start()) + 1, what))
    return found


def _trails(index: RepoIndex) -> tuple[list[Evidence], list[Evidence]]:
    """(validated or complete trails, trails without log file validation)."""
    good: list[Evidence] = []
    weak: list[Evidence] = []
    for r in cloud_resources(index):
        f = index.get(r.path)
        if f is None:
            continue
        if r.type in ("aws_cloudtrail", "AWS::CloudTrail::Trail"):
            if _truthy(r.get("enable_log_file_validation", "EnableLogFileValidation")):
                good.append(evidence_at(f, r.line, f"CloudTrail {r.address} with log file validation"))
            else:
                weak.append(evidence_at(f, r.line, f"CloudTrail {r.address} without log file validation: set enable_log_file_validation / EnableLogFileValidation to true"))
        elif r.type in ("google_project_iam_audit_config", "google_organization_iam_audit_config", "google_folder_iam_audit_config"):
            good.append(evidence_at(f, r.line, f"GCP audit logs {r.address}"))
        elif r.kind == "log_group" and "audit" in (str(r.get("name", "LogGroupName", default="")) + r.name).lower():
            good.append(evidence_at(f, r.line, f"audit log group {r.address}"))
    for f, docs, _chart in manifest_documents(index):
        for doc in docs:
            d = doc.data
            if isinstance(d, dict) and str(d.get("apiVersion", "")).startswith("audit.k8s.io") and d.get("kind") == "Policy":
                good.append(evidence_at(f, doc.line_of(("kind",)), "Kubernetes audit policy"))
    return good, weak


def _tool_evidence(index: RepoIndex) -> list[Evidence]:
    """Where the project runs tools (the first few places)."""
    from readycheck.detectors.code_permissions import code_findings
    from readycheck.detectors.tools import tool_sites

    try:
        found = [evidence_at(s.file, s.line, f"{s.kind}: runs tools, no audit record of the calls") for s in tool_sites(index)]
        found = found or [Evidence(e.path, e.line, e.snippet, "tool: no audit record of its calls") for e in code_findings(index).tools]
    except Exception:  # another detector's trouble must not decide this one
        return []
    return found[:3]


def audit_trail(ctx: Context) -> Outcome:
    index = ctx.index
    app = _app_audit(index)
    good, weak = _trails(index)
    if app or good:
        extra = f"; {plural(len(weak), 'trail')} without log file validation" if weak else ""
        return outcome(Status.PASS, f"audit trail found: {plural(len(app) + len(good), 'source')}{extra}", app + good + weak)
    if weak:
        return outcome(Status.WARN, "CloudTrail is declared but its log files are not validated, and no application audit log of tool calls was found", weak)
    iac = [r for r in cloud_resources(index) if r.source in ("terraform", "cloudformation", "sam", "serverless", "cdk")]
    tools = _tool_evidence(index)
    if not iac and not tools:
        return outcome(Status.SKIP, "no infrastructure as code and no tool-executing code: nothing to audit")
    why = " and ".join(w for w, on in (("declares cloud infrastructure", bool(iac)), ("runs tools", bool(tools))) if on)
    evidence = [evidence_at(f, r.line, f"{r.address}: cloud resources declared, no CloudTrail") for r in iac[:1] if (f := index.get(r.path)) is not None]
    evidence += tools
    return outcome(Status.FAIL, f"the project {why} but keeps no audit trail: no CloudTrail, no audit table, no audit logger", evidence)


# --- RC0905: IAM role limits -----------------------------------------------------------------------
def _seconds(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:g} hour{'s' if seconds != 3600 else ''}"


# Services that run code with a role: a role they assume is a workload's role and needs a boundary.
# Roles only AWS management services assume (budgets, config, backup, log delivery...) are plumbing.
_WORKLOAD_SERVICES = re.compile(
    r"^(lambda|edgelambda|ecs-tasks|ecs|ec2|eks|eks-fargate-pods|pods\.eks|bedrock|sagemaker|tasks\.apprunner|build\.apprunner|"
    r"states|codebuild|glue|batch|elasticmapreduce|emr-serverless|airflow|airflow-env|apigateway|appsync|amplify)\.amazonaws\.com(\.cn)?$",
    re.I,
)
_TF_DOC_REF = re.compile(r"^\$\{\s*data\.aws_iam_policy_document\.([\w-]+)\.json\s*\}$")


def _tf_policy_documents(index: RepoIndex) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for f in index.by_kind("terraform"):
        tf = f.terraform
        for b in tf.blocks if tf is not None else []:
            if b.kind == "data" and b.type == "aws_iam_policy_document":
                out[b.name] = b.body
    return out


def _principals(r: CloudResource, docs: dict[str, dict[str, Any]]) -> list[tuple[str, str]] | None:
    """(type, identifier) of who may assume the role, or None when the trust policy cannot be read."""
    from readycheck.detectors.permissions import tf_policy_value

    raw = r.get("assume_role_policy", "AssumeRolePolicyDocument")
    found: list[tuple[str, str]] = []
    if isinstance(raw, str) and (m := _TF_DOC_REF.match(raw.strip())):
        body = docs.get(m.group(1))
        if body is None:
            return None
        for st in body.get("statement") or []:
            for p in (st.get("principals") or []) if isinstance(st, dict) else []:
                if isinstance(p, dict):
                    ids = p.get("identifiers")
                    found.extend((str(p.get("type", "")), str(i)) for i in (ids if isinstance(ids, list) else [ids]))
        return found or None
    try:
        data = raw if isinstance(raw, dict) else tf_policy_value(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    statements = data.get("Statement")
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict):
            continue
        principal = st.get("Principal")
        if isinstance(principal, dict):
            for kind, ids in principal.items():
                found.extend((str(kind), str(i)) for i in (ids if isinstance(ids, list) else [ids]))
        elif principal is not None:
            found.append(("AWS", str(principal)))
    return found or None


def _service_plumbing(principals: list[tuple[str, str]] | None) -> list[str]:
    """The services, when only AWS management services (no workload) may assume the role."""
    if not principals or any(kind.lower() != "service" or _WORKLOAD_SERVICES.match(ident) for kind, ident in principals):
        return []
    return [ident for _, ident in principals]


def iam_role_limits(ctx: Context) -> Outcome:
    index = ctx.index
    warn_after = int(ctx.param("session_warn_seconds", 3600))
    fail_after = int(ctx.param("session_fail_seconds", 14400))
    require_boundary = bool(ctx.param("require_boundary", True))
    roles: list[CloudResource] = [r for r in cloud_resources(index) if r.type in ("aws_iam_role", "AWS::IAM::Role") and not is_test_path(r.path)]
    if not roles:
        return outcome(Status.SKIP, "no IAM roles declared in Terraform or CloudFormation")
    fails: list[Evidence] = []
    warns: list[Evidence] = []
    good: list[Evidence] = []
    tf_docs = _tf_policy_documents(index) if any(r.source == "terraform" for r in roles) else {}
    for r in roles:
        f = index.get(r.path)
        if f is None:
            continue
        boundary = r.get("permissions_boundary", "PermissionsBoundary")
        session = _seconds(r.get("max_session_duration", "MaxSessionDuration"))
        notes: list[str] = []
        if session is not None and session > fail_after:
            fails.append(evidence_at(f, r.line_of("max_session_duration"),
                                     f"{r.address}: sessions last up to {_hours(session)} (limit {_hours(fail_after)}): lower max_session_duration / MaxSessionDuration to {warn_after} or less"))
        elif session is not None and session > warn_after:
            warns.append(evidence_at(f, r.line_of("max_session_duration"),
                                     f"{r.address}: sessions last up to {_hours(session)}: lower max_session_duration / MaxSessionDuration to {warn_after}"))
        else:
            notes.append(f"sessions {_hours(session) if session else '1 hour (default)'}")
        plumbing = _service_plumbing(_principals(r, tf_docs)) if boundary in (None, "", []) else []
        if plumbing:
            notes.append(f"assumed only by {', '.join(sorted(set(plumbing)))} (an AWS service, not a workload): no boundary needed")
        elif boundary in (None, "", []):
            if require_boundary:
                warns.append(evidence_at(f, r.line, f"{r.address} has no permissions boundary: set permissions_boundary / PermissionsBoundary to a managed policy that caps what the role can ever be granted"))
        else:
            notes.append("permissions boundary set")
        if len(notes) == 2 or (notes and not require_boundary):
            good.append(evidence_at(f, r.line, f"{r.address}: " + ", ".join(notes)))
    if fails:
        return outcome(Status.FAIL, f"{plural(len(fails), 'role')} with sessions longer than {_hours(fail_after)}" + (f" and {plural(len(warns), 'other finding')}" if warns else ""), fails + warns)
    if warns:
        return outcome(Status.WARN, f"{plural(len(warns), 'role finding')}: missing permissions boundaries or long sessions ({plural(len(roles), 'role')} read)", warns)
    return outcome(Status.PASS, f"{plural(len(roles), 'IAM role')}: bounded, sessions within {_hours(warn_after)}", good)
