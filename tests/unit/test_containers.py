from __future__ import annotations

from pathlib import Path

import pytest

from readycheck.index import build_index
from readycheck.parsers.containers import (
    dockerfiles,
    is_helm_template,
    is_root_user,
    manifest_documents,
    neutralise_helm_template,
    parse_dockerfile,
    workloads,
)
from readycheck.parsers.structured import load_yaml_docs


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


# --- Dockerfile ------------------------------------------------------------------------------------
def test_dockerfile_instructions_lines_continuations_and_comments() -> None:
    df = parse_dockerfile(
        "# syntax=docker/dockerfile:1\n"
        "FROM python:3.12-slim AS base\n"
        "ENV A=1 \\\n"
        "    B=2\n"
        "RUN apt-get update \\\n"
        "    # a comment inside a continuation\n"
        "    && apt-get install -y curl\n"
        "user app\n"
        "CMD [\"python\"]\n"
    )
    assert [(i.keyword, i.line) for i in df.instructions] == [("FROM", 2), ("ENV", 3), ("RUN", 5), ("USER", 8), ("CMD", 9)]
    assert df.instructions[2].args == "apt-get update && apt-get install -y curl"
    assert df.final is not None and df.final.name == "base" and df.final.user == "app" and df.final.user_line == 8


def test_dockerfile_final_stage_user_and_inheritance_from_an_earlier_stage() -> None:
    df = parse_dockerfile(
        "FROM python:3.12 AS base\n"
        "USER 10001\n"
        "FROM base AS build\n"
        "USER root\n"
        "RUN make\n"
        "FROM base\n"
        "COPY --from=build /out /out\n"
    )
    assert [s.base for s in df.stages] == ["python:3.12", "base", "base"]
    assert df.stages[1].user == "root"
    assert df.final is not None and df.final.user == "10001" and df.final.user_line == 2


def test_dockerfile_root_in_final_stage_and_no_user() -> None:
    assert parse_dockerfile("FROM a AS b\nUSER app\nFROM scratch\nCOPY --from=b /x /x\n").final.user is None  # type: ignore[union-attr]
    df = parse_dockerfile("FROM node:20\nUSER node\nRUN npm ci\nUSER root:root\n")
    assert df.final is not None and is_root_user(df.final.user) and df.final.user_line == 4


def test_dockerfile_escape_directive_heredoc_args_and_odd_lines() -> None:
    df = parse_dockerfile(
        "# escape=`\n"
        "ARG PY=3.12\n"
        "FROM python:${PY}-slim\n"
        "ENV APP_USER=agent\n"
        "RUN useradd $APP_USER `\n"
        "    && mkdir /app\n"
        "RUN <<EOF\n"
        "USER root\n"
        "EOF\n"
        "USER ${APP_USER}\n"
        "&&& not an instruction\n"
        "ONBUILD\n"
    )
    assert df.final is not None and df.final.base == "python:3.12-slim"
    assert df.final.user == "agent" and df.final.user_line == 10
    run = df.final.all("RUN")
    assert run[0].args == "useradd $APP_USER && mkdir /app" and "USER root" in run[1].args


@pytest.mark.parametrize("text", ["", "\n\n", "FROM", "\\\n\\\n", "RUN <<EOF\nunterminated", "\x00\x01 garbage", "USER root\n"])
def test_dockerfile_never_raises(text: str) -> None:
    df = parse_dockerfile(text)
    assert df.error is None


@pytest.mark.parametrize(("user", "root"), [("root", True), ("0", True), ("0:0", True), ("root:root", True), ("10001", False), ("app", False), ("${U}", False), (None, False)])
def test_is_root_user(user: str | None, root: bool) -> None:
    assert is_root_user(user) is root


# --- Helm ------------------------------------------------------------------------------------------
HELM_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "x.fullname" . }}
  labels:
    {{- include "x.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      {{- with .Values.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def test_neutralised_helm_template_is_yaml_with_the_same_lines() -> None:
    text = neutralise_helm_template(HELM_DEPLOYMENT)
    assert len(text.splitlines()) == len(HELM_DEPLOYMENT.splitlines())
    (doc,) = load_yaml_docs(text)
    spec = doc.data["spec"]["template"]["spec"]
    assert spec["securityContext"] == {"__helm_values__": "podSecurityContext"}
    assert spec["containers"][0]["securityContext"] == {"__helm_values__": "securityContext"}
    assert doc.data["spec"]["replicas"] == "__helm_values__:replicaCount"
    assert doc.line_of(("spec", "template", "spec", "containers", 0, "securityContext")) == 19


def test_is_helm_template() -> None:
    assert is_helm_template("charts/a/templates/dep.yaml", {"charts/a"})
    assert is_helm_template("templates/dep.yaml", {""})
    assert not is_helm_template("deploy/templates/dep.yaml", {"charts/a"})


# --- workloads through the index -------------------------------------------------------------------
def test_kubernetes_workloads_from_multi_document_files(tmp_path: Path) -> None:
    _tree(tmp_path, {"k8s/all.yaml": (
        "kind: Service\nmetadata: {name: s}\n---\n"
        "kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
        "      hostNetwork: true\n"
        "      securityContext: {runAsNonRoot: true, runAsUser: 1000}\n"
        "      initContainers:\n        - name: init\n          securityContext: {runAsUser: 0}\n"
        "      containers:\n        - name: app\n          image: a:1\n"
        "          securityContext:\n            privileged: true\n            capabilities: {add: [CAP_SYS_ADMIN]}\n"
        "      volumes:\n        - name: sock\n          hostPath: {path: /var/run/docker.sock}\n"
        "---\n"
        "kind: CronJob\nmetadata: {name: nightly}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
        "          containers: [{name: job, image: b:2}]\n"
    )})
    index = build_index(tmp_path, use_git=False)
    loads = {w.name: w for w in workloads(index)}
    web = loads["web"]
    assert web.kind == "Deployment" and web.host_network and web.lines["host_network"] == 9
    init, app = web.containers
    assert init.init and init.run_as_user == "0" and init.run_as_non_root is True
    assert app.privileged is True and app.capabilities_add == ("SYS_ADMIN",) and app.run_as_user == "1000"
    assert app.lines["privileged"] == 18
    assert [m.host_path for m in web.host_mounts] == ["/var/run/docker.sock"]
    assert loads["nightly"].kind == "CronJob" and loads["nightly"].containers[0].run_as_user is None
    assert workloads(index) is workloads(index)  # memoised


def test_compose_services(tmp_path: Path) -> None:
    _tree(tmp_path, {"docker-compose.yml": (
        "services:\n"
        "  agent:\n    build: .\n    user: '10001'\n    volumes: ['./data:/data', '/var/run/docker.sock:/var/run/docker.sock:ro']\n"
        "  box:\n    image: x:1\n    privileged: true\n    cap_add: [ALL]\n    network_mode: host\n"
        "    volumes:\n      - {type: bind, source: /etc, target: /host-etc, read_only: true}\n      - named:/v\n"
    )})
    loads = {w.name: w for w in workloads(build_index(tmp_path, use_git=False))}
    agent, box = loads["agent"], loads["box"]
    assert agent.source == "compose" and agent.containers[0].builds_locally and agent.containers[0].run_as_user == "10001"
    assert [(m.host_path, m.read_only) for m in agent.host_mounts] == [("./data", False), ("/var/run/docker.sock", True)]
    assert box.containers[0].privileged and box.containers[0].capabilities_add == ("ALL",) and box.host_network
    assert [(m.host_path, m.read_only) for m in box.host_mounts] == [("/etc", True)]


def test_helm_chart_values_resolved_into_templates_and_rbac_readable(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "chart/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
        "chart/values.yaml": "podSecurityContext: {runAsNonRoot: true}\nsecurityContext: {privileged: true}\n",
        "chart/templates/deployment.yaml": HELM_DEPLOYMENT,
        "chart/templates/rbac.yaml": "kind: ClusterRoleBinding\nmetadata:\n  name: {{ .Release.Name }}\nroleRef: {name: cluster-admin}\n",
        "chart/templates/bad.yaml": "kind: Role\nrules: {{ toYaml .rules }\n",
        "chart/templates/ranged.yaml": "{{- range .Values.missing }}\nkind: Role\nrules: {{ toYaml .rules }\n{{- end }}\n",
    })
    index = build_index(tmp_path, use_git=False)
    (w,) = [w for w in workloads(index) if w.source == "helm"]
    (c,) = w.containers
    assert c.privileged is True and c.run_as_non_root is True and c.lines["privileged"] == 19
    docs = {f.path: d for f, d, chart in manifest_documents(index) if chart == "chart"}
    assert docs["chart/templates/rbac.yaml"][0].data["roleRef"]["name"] == "cluster-admin"
    assert docs["chart/templates/bad.yaml"] == [] and docs["chart/templates/ranged.yaml"] == []  # nothing to range over
    assert any("Helm template" in e for e in index.get("chart/templates/bad.yaml").parse_errors)  # type: ignore[union-attr]


def test_values_yaml_alone_and_malformed_manifests_never_raise(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "chart/Chart.yaml": "name: x\n",
        "chart/values.yaml": "worker:\n  containerSecurityContext: {runAsUser: 0}\n",
        "k8s/broken.yaml": "kind: Deployment\nspec: [unclosed\n",
        "k8s/odd.yaml": "kind: Deployment\nspec: {template: {spec: {containers: [1, null, {name: ok}]}}}\n",
        "k8s/list.yaml": "kind: Pod\nspec: 7\n",
        "Dockerfile": "FROM x\n",
    })
    index = build_index(tmp_path, use_git=False)
    loads = workloads(index)
    values = [w for w in loads if w.source == "helm-values"]
    assert values and values[0].containers[0].run_as_user == "0"
    odd = [w for w in loads if w.path == "k8s/odd.yaml"]
    assert [c.name for c in odd[0].containers] == ["ok"]
    assert [df.final.base for _, df in dockerfiles(index) if df.final] == ["x"]


# --- detector options ------------------------------------------------------------------------------
def _run(check_id: str, root: Path, params: dict[str, object]) -> tuple[str, str]:
    from readycheck.config import Policy
    from readycheck.detectors.base import Context
    from readycheck.registry import load_registry

    registry = load_registry(plugins=False)
    spec = registry.get(check_id)
    assert spec is not None
    detector = registry.detector(spec.detector)
    result = detector(Context(build_index(root, use_git=False), {**spec.params, **params}, Policy(root=root), spec))
    return result.status.value, result.message


def test_implicit_root_option(tmp_path: Path) -> None:
    _tree(tmp_path, {"Dockerfile": "FROM python:3.12\nCMD [\"python\"]\n"})
    assert _run("RC0903", tmp_path, {})[0] == "warn"
    assert _run("RC0903", tmp_path, {"implicit_root": "fail"})[0] == "fail"


def test_session_thresholds_and_boundary_options(tmp_path: Path) -> None:
    _tree(tmp_path, {"iam.tf": 'resource "aws_iam_role" "a" {\n  name = "a"\n  max_session_duration = 7200\n}\n'})
    assert _run("RC0905", tmp_path, {})[0] == "warn"
    assert _run("RC0905", tmp_path, {"session_fail_seconds": 3600})[0] == "fail"
    assert _run("RC0905", tmp_path, {"session_warn_seconds": 7200, "require_boundary": False})[0] == "pass"


def test_helm_branches_follow_plain_value_conditions() -> None:
    template = (
        "spec:\n"
        "  {{- if .Values.hostNetwork }}\n"
        "  hostNetwork: true\n"
        "  {{- else }}\n"
        "  dnsPolicy: ClusterFirst\n"
        "  {{- end }}\n"
        "  {{- with .Values.podSecurityContext }}\n"
        "  securityContext:\n"
        "    {{- toYaml . | nindent 4 }}\n"
        "  {{- end }}\n"
        "  {{- if and .Values.a .Values.b }}\n"
        "  priority: 1\n"
        "  {{- end }}\n"
    )
    (off,) = load_yaml_docs(neutralise_helm_template(template, {"hostNetwork": False, "podSecurityContext": {}}))
    assert off.data == {"spec": {"dnsPolicy": "ClusterFirst", "priority": 1}}
    (on,) = load_yaml_docs(neutralise_helm_template(template, {"hostNetwork": True, "podSecurityContext": {"runAsUser": 1}}))
    assert on.data["spec"]["hostNetwork"] is True and "dnsPolicy" not in on.data["spec"]
    assert on.data["spec"]["securityContext"] == {"__helm_values__": "podSecurityContext"}
    (unknown,) = load_yaml_docs(neutralise_helm_template(template))  # no values: every branch is read
    assert {"hostNetwork", "dnsPolicy", "securityContext", "priority"} <= set(unknown.data["spec"])


def test_chart_at_the_root_is_judged_once_through_its_templates(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
        "values.yaml": "podSecurityContext: {runAsNonRoot: true}\nsecurityContext: {privileged: true}\n",
        "templates/deployment.yaml": HELM_DEPLOYMENT,
    })
    status, message = _run("RC0903", tmp_path, {})
    assert status == "fail" and message.startswith("1 setting "), message
