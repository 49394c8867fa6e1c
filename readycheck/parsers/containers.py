"""Containers as the project declares them: Dockerfiles, docker-compose services, Kubernetes
workloads (plain manifests and Helm charts), each with line numbers.

- Dockerfiles: instructions (continuations, comments, parser directives and heredocs handled),
  split into build stages; a stage's effective `USER` follows `FROM <earlier stage>`.
- docker-compose: each service's image, user, privileged, cap_add, read_only, network_mode / pid,
  and volumes (short `a:b` or long `{type: bind, source: ...}` syntax).
- Kubernetes: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob and Pod (also inside a
  `List`), from every document of a multi-document file: containers and initContainers, the pod's
  and each container's `securityContext`, host namespaces and hostPath volumes.
- Helm charts (a folder with `Chart.yaml`): templates are YAML broken by `{{ ... }}` actions. Lines
  that are only an action (`{{- if ... }}`, `{{- include ... | nindent 4 }}`) are blanked, inline
  actions become a placeholder, and `toYaml .Values.x` (directly or under `with .Values.x`) becomes
  a reference that is resolved from the chart's `values.yaml`. Line numbers are kept.

Everything is memoised per audit on the index, and nothing here raises on malformed input: a file
that cannot be read contributes nothing and is recorded in `SourceFile.parse_errors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from readycheck.parsers.structured import ParseError, StructuredDoc, load_yaml_docs

if TYPE_CHECKING:
    from readycheck.index import RepoIndex, SourceFile

__all__ = [
    "DockerInstruction",
    "DockerStage",
    "Dockerfile",
    "HostMount",
    "Container",
    "Workload",
    "parse_dockerfile",
    "dockerfiles",
    "workloads",
    "manifest_documents",
    "neutralise_helm_template",
    "is_helm_template",
    "is_root_user",
    "WORKLOAD_KINDS",
    "TEMPLATE_PLACEHOLDER",
]

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")
VALUES_REF = "__helm_values__"  # a mapping key: {VALUES_REF: "securityContext"} reads values.yaml
_TPL = "__tpl__"  # what an inline template action reads as
TEMPLATE_PLACEHOLDER = _TPL


# --- Dockerfile ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DockerInstruction:
    keyword: str  # upper case: FROM, USER, RUN...
    args: str  # the arguments, continuation lines joined with spaces
    line: int  # 1-based line of the keyword


@dataclass(frozen=True, slots=True)
class DockerStage:
    index: int
    base: str  # the image (or earlier stage) it starts from
    name: str | None  # `AS name`
    line: int
    instructions: tuple[DockerInstruction, ...]
    user: str | None  # the effective USER at the end of the stage (inherited from a parent stage)
    user_line: int | None  # where that USER is written (None when never set)

    def all(self, keyword: str) -> list[DockerInstruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@dataclass(frozen=True, slots=True)
class Dockerfile:
    path: str
    instructions: tuple[DockerInstruction, ...]
    stages: tuple[DockerStage, ...]
    error: str | None = None

    @property
    def final(self) -> DockerStage | None:
        return self.stages[-1] if self.stages else None


_INSTR = re.compile(r"^\s*([A-Za-z]+)(?:\s+(.*))?$")
_DIRECTIVE = re.compile(r"^#\s*(escape|syntax|check)\s*=\s*(\S+)", re.I)
_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")
_FROM = re.compile(r"^(?:--\S+\s+)*(\S+)(?:\s+as\s+(\S+))?", re.I)
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")


def parse_dockerfile(text: str, path: str = "Dockerfile") -> Dockerfile:
    """Instructions and stages of a Dockerfile. Never raises: unknown lines are skipped."""
    try:
        instructions = _instructions(text)
    except Exception as exc:  # pragma: no cover - defensive: odd input never stops an audit
        return Dockerfile(path, (), (), f"Dockerfile unreadable: {type(exc).__name__}")
    return Dockerfile(path, tuple(instructions), tuple(_stages(instructions)))


def _instructions(text: str) -> list[DockerInstruction]:
    lines = text.splitlines()
    escape = "\\"
    # Parser directives: only at the very top, before any instruction, blank line or comment.
    for raw in lines:
        m = _DIRECTIVE.match(raw.strip())
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            escape = m.group(2)
    out: list[DockerInstruction] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i + 1
        parts = [stripped]
        # continuation lines; comment lines inside a continuation are dropped, as Docker does
        while parts[-1].endswith(escape) and i + 1 < len(lines):
            parts[-1] = parts[-1][:-1].rstrip()
            i += 1
            nxt = lines[i].strip()
            while nxt.startswith("#") and i + 1 < len(lines):
                i += 1
                nxt = lines[i].strip()
            parts.append(nxt)
        joined = " ".join(p for p in parts if p)
        m = _INSTR.match(joined)
        i += 1
        if not m:
            continue
        keyword, args = m.group(1).upper(), (m.group(2) or "").strip()
        # heredocs (`RUN <<EOF ... EOF`): the body belongs to the instruction
        for tag in _HEREDOC.findall(args) if keyword in ("RUN", "COPY", "ADD") else []:
            body: list[str] = []
            while i < len(lines) and lines[i].strip() != tag:
                body.append(lines[i].strip())
                i += 1
            i += 1  # the terminator
            args = args + " " + " ".join(body)
        out.append(DockerInstruction(keyword, args, start))
    return out


def _stages(instructions: list[DockerInstruction]) -> list[DockerStage]:
    stages: list[DockerStage] = []
    current: list[DockerInstruction] = []
    head: DockerInstruction | None = None
    global_args: dict[str, str] = {}

    def close() -> None:
        if head is None:
            return
        m = _FROM.match(head.args)
        base = _expand(m.group(1), global_args) if m else head.args
        name = m.group(2) if m and m.group(2) else None
        parent = next((s for s in reversed(stages) if s.name and s.name.lower() == base.lower()), None)
        user, user_line = (parent.user, parent.user_line) if parent else (None, None)
        env: dict[str, str] = dict(global_args)
        for ins in current:
            if ins.keyword in ("ARG", "ENV"):
                env.update(_assignments(ins.args, ins.keyword))
            elif ins.keyword == "USER" and ins.args:
                user, user_line = _expand(ins.args.split()[0], env), ins.line
        stages.append(DockerStage(len(stages), base, name, head.line, tuple(current), user, user_line))

    for ins in instructions:
        if ins.keyword == "FROM":
            close()
            head, current = ins, []
        elif head is None:
            if ins.keyword == "ARG":  # ARGs before the first FROM parameterise FROM lines
                global_args.update(_assignments(ins.args, "ARG"))
        else:
            current.append(ins)
    close()
    return stages


def _assignments(args: str, keyword: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if keyword == "ENV" and "=" not in args.split(" ", 1)[0]:  # legacy `ENV KEY value`
        bits = args.split(None, 1)
        if bits:
            out[bits[0]] = bits[1].strip().strip("\"'") if len(bits) > 1 else ""
        return out
    for token in re.findall(r"""([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|'[^']*'|\S*))?""", args):
        key, value = token
        out[key] = value.strip("\"'")
    return out


def _expand(value: str, env: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return env[name] if env.get(name) else m.group(0)

    return _VAR.sub(sub, value)


def is_root_user(user: str | None) -> bool:
    """`root`, `0`, `root:root`, `0:0` (not `${APP_USER}`, which is unknown)."""
    if user is None:
        return False
    who = user.strip().strip("\"'").split(":", 1)[0]
    return who in ("root", "0")


def dockerfiles(index: RepoIndex) -> list[tuple[SourceFile, Dockerfile]]:
    """Every Dockerfile of the project, parsed (memoised per audit)."""

    def compute() -> list[tuple[SourceFile, Dockerfile]]:
        out = []
        for f in index.by_kind("dockerfile"):
            parsed = parse_dockerfile(f.text, f.path)
            if parsed.error:
                f.parse_errors.append(parsed.error)
            out.append((f, parsed))
        return out

    result: list[tuple[SourceFile, Dockerfile]] = index.memo("containers.dockerfiles", compute)
    return result


# --- Helm ------------------------------------------------------------------------------------------
_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_ONLY_ACTION = re.compile(r"^\s*(\{\{-?.*?-?\}\}\s*)+$")
_TOYAML_VALUES = re.compile(r"toYaml\s+\.Values\.([\w.]+)")
_TOYAML_DOT = re.compile(r"toYaml\s+\.\s*\|")
_WITH_VALUES = re.compile(r"^\s*(with|if)\s+\.Values\.([\w.]+)\s*$")
_VALUE_ONLY = re.compile(r"^\s*\.Values\.([\w.]+)\s*(\|\s*(quote|default\s+\S+))?\s*$")


def is_helm_template(path: str, chart_roots: set[str]) -> bool:
    """A file under `<chart>/templates/` of a folder that holds a Chart.yaml."""
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        if part == "templates" and "/".join(parts[:i]) in chart_roots:
            return True
    return False


def neutralise_helm_template(text: str, values: Any = None) -> str:
    """A Helm template made (usually) valid YAML with the same line numbers: action-only lines are
    blanked or, when they paste values (`toYaml .Values.x`), become `__helm_values__: x`; inline
    actions read as a placeholder, or `__helm_values__:x` when they print one value. With the
    chart's `values`, a branch whose condition is a plain `if` / `with .Values.x` (or `if not`) is
    kept or blanked as Helm would; other branches are all kept."""
    out: list[str] = []
    frames: list[tuple[str | None, bool | None]] = []  # (with target, branch taken: True/False/unknown)

    def skipping() -> bool:
        return any(state is False for _, state in frames)

    # actions written over several lines (comments, long pipelines) become as many blank lines
    text = _ACTION.sub(lambda m: "\n" * m.group(0).count("\n") if "\n" in m.group(0) else m.group(0), text)
    for line in text.splitlines():
        if "{{" not in line:
            out.append("" if skipping() else line)
            continue
        if _ONLY_ACTION.match(line):
            replaced = ""
            for action in _ACTION.findall(line):
                body = action.strip()
                word = body.split(" ", 1)[0] if body else ""
                if word in ("with", "if", "range"):
                    m = _WITH_VALUES.match(body)
                    state = _condition(body, values)
                    frames.append((m.group(2) if m and m.group(1) == "with" else None, None if word == "range" and state else state))
                elif word == "end":
                    if frames:
                        frames.pop()
                elif word == "else":
                    if frames:
                        target, state = frames.pop()
                        rest = body[4:].strip()
                        if state is True:
                            frames.append((None, False))
                        elif state is False:
                            frames.append((None, _condition(rest, values) if rest.startswith("if ") else True))
                        else:
                            frames.append((None, None))
                elif not skipping():
                    with_target = next((t for t, _ in reversed(frames) if t), None)
                    ref = _TOYAML_VALUES.search(body)
                    target = ref.group(1) if ref else (with_target if _TOYAML_DOT.search(body) else None)
                    if target:
                        indent = _indent_of(body) or (len(line) - len(line.lstrip()))
                        replaced = " " * indent + f"{VALUES_REF}: {target}"
            out.append(replaced)
            continue
        if skipping():
            out.append("")
            continue

        def inline(m: re.Match[str]) -> str:
            body = m.group(1).strip()
            v = _VALUE_ONLY.match(body)
            return f"{VALUES_REF}:{v.group(1)}" if v else _TPL

        out.append(_ACTION.sub(inline, line))
    # A pasted block among list items (`- name: ...`) cannot be a mapping key there: drop it.
    for i, line in enumerate(out):
        if not line.lstrip().startswith(VALUES_REF + ":"):
            continue
        indent = len(line) - len(line.lstrip())
        near = [_neighbour(out, i, -1, indent), _neighbour(out, i, 1, indent)]
        if any(n is not None and len(n) - len(n.lstrip()) == indent and n.lstrip().startswith("- ") for n in near):
            out[i] = ""
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def _neighbour(lines: list[str], i: int, step: int, indent: int) -> str | None:
    """The nearest non-blank line before or after `i` indented no deeper than `indent`."""
    j = i + step
    while 0 <= j < len(lines):
        if lines[j].strip() and len(lines[j]) - len(lines[j].lstrip()) <= indent:
            return lines[j]
        j += step
    return None


_CONDITION = re.compile(r"^(?:if|with|range)\s+(?:\$\w+(?:\s*,\s*\$\w+)?\s*:=\s*)?(not\s+)?\.Values\.([\w.]+)\s*$")


def _condition(body: str, values: Any) -> bool | None:
    """Whether `if .Values.x` / `if not .Values.x` / `with .Values.x` holds, by Helm's truthiness
    (for `range .Values.x`: whether it runs at all); None when the condition is anything else or
    no values are known."""
    m = _CONDITION.match(body.strip())
    if m is None or not isinstance(values, dict):
        return None
    found = _dig(values, m.group(2))
    truthy = bool(found) if not isinstance(found, str) else found != ""
    return not truthy if m.group(1) else truthy


def _indent_of(action: str) -> int:
    m = re.search(r"\bn?indent\s+(\d+)", action)
    return int(m.group(1)) if m else 0


def _chart_roots(index: RepoIndex) -> set[str]:
    return {f.path.rsplit("/", 1)[0] if "/" in f.path else "" for f in index.files if f.name == "Chart.yaml"}


def _chart_values(index: RepoIndex, root: str) -> Any:
    f = index.get(f"{root}/values.yaml" if root else "values.yaml")
    if f is None or not f.documents:
        return {}
    return f.documents[0].data


def manifest_documents(index: RepoIndex) -> list[tuple[SourceFile, list[StructuredDoc], str | None]]:
    """Every YAML file's documents, Helm templates read through `neutralise_helm_template`; the
    third item is the chart root for templates, None otherwise. Memoised per audit."""

    def compute() -> list[tuple[SourceFile, list[StructuredDoc], str | None]]:
        roots = _chart_roots(index)
        out: list[tuple[SourceFile, list[StructuredDoc], str | None]] = []
        for f in index.by_kind("yaml"):
            if roots and is_helm_template(f.path, roots):
                root = next(r for r in sorted(roots, key=len, reverse=True) if f.path.startswith(r + "/" if r else ""))
                try:
                    docs = load_yaml_docs(neutralise_helm_template(f.text, _chart_values(index, root)))
                except ParseError as exc:
                    f.parse_errors.append(f"Helm template not readable as YAML: {exc}")
                    docs = []
                out.append((f, docs, root))
            else:
                out.append((f, f.documents, None))
        return out

    result: list[tuple[SourceFile, list[StructuredDoc], str | None]] = index.memo("containers.manifests", compute)
    return result


# --- workloads -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HostMount:
    host_path: str
    line: int | None
    read_only: bool = False


@dataclass(slots=True)
class Container:
    """One container of a workload, with its security settings (None: not set) and their lines."""

    name: str
    image: str | None
    line: int | None
    init: bool = False
    privileged: bool | None = None
    run_as_non_root: bool | None = None
    run_as_user: str | None = None  # as written: "0", "10001", "root", "1000:1000"
    allow_privilege_escalation: bool | None = None
    read_only_root: bool | None = None
    capabilities_add: tuple[str, ...] = ()
    lines: dict[str, int | None] = field(default_factory=dict)  # setting -> line
    builds_locally: bool = False  # compose `build:` (its Dockerfile decides the user)


@dataclass(slots=True)
class Workload:
    """A Kubernetes workload, a compose service or a Helm chart's values."""

    source: str  # kubernetes, helm, compose, helm-values
    kind: str  # Deployment, Pod, service, values...
    name: str
    path: str
    line: int | None
    containers: list[Container] = field(default_factory=list)
    host_network: bool = False
    host_pid: bool = False
    host_ipc: bool = False
    host_mounts: list[HostMount] = field(default_factory=list)
    lines: dict[str, int | None] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}" if self.source != "compose" else f"compose service {self.name}"


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _dig(data: Any, dotted: str) -> Any:
    cur = data
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _resolve(value: Any, values: Any) -> Any:
    """A template value with its `__helm_values__` references replaced from values.yaml."""
    if isinstance(value, str) and value.startswith(VALUES_REF + ":"):
        return _dig(values, value[len(VALUES_REF) + 1:])
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        ref = value.get(VALUES_REF)
        if isinstance(ref, str):
            pasted = _dig(values, ref)
            if isinstance(pasted, dict):
                out.update(pasted)
        for k, v in value.items():
            if k != VALUES_REF:
                out[k] = _resolve(v, values)
        return out
    if isinstance(value, list):
        return [_resolve(v, values) for v in value]
    return value


def _plain(value: Any, default: str) -> str:
    """A name as written, or `default` when a template action made it."""
    text = str(value) if value is not None else ""
    text = re.sub(VALUES_REF + r":[\w.]+", _TPL, text)
    if not text or not text.replace(_TPL, "").strip("-_. "):
        return default
    return text.replace(_TPL, "{{…}}")


def _liner(doc: StructuredDoc, base: tuple[Any, ...]) -> Callable[[str], int | None]:
    return lambda key: doc.line_of(base + (key,))


def _security(ctx: Any, c: Container, line_of: Callable[[str], int | None]) -> None:
    if not isinstance(ctx, dict):
        return
    for key, attr in (("privileged", "privileged"), ("runAsNonRoot", "run_as_non_root"),
                      ("allowPrivilegeEscalation", "allow_privilege_escalation"), ("readOnlyRootFilesystem", "read_only_root")):
        b = _bool(ctx.get(key))
        if b is not None:
            setattr(c, attr, b)
            c.lines[attr] = line_of(key)
    if ctx.get("runAsUser") is not None and not isinstance(ctx.get("runAsUser"), (dict, list)):
        c.run_as_user = str(ctx["runAsUser"])
        c.lines["run_as_user"] = line_of("runAsUser")
    caps = ctx.get("capabilities")
    if isinstance(caps, dict) and isinstance(caps.get("add"), list):
        c.capabilities_add = tuple(str(x).upper().removeprefix("CAP_") for x in caps["add"] if isinstance(x, (str, int)))
        c.lines["capabilities_add"] = line_of("capabilities")


def _pod_spec_path(kind: str) -> tuple[Any, ...]:
    if kind == "Pod":
        return ("spec",)
    if kind == "CronJob":
        return ("spec", "jobTemplate", "spec", "template", "spec")
    return ("spec", "template", "spec")


def _k8s_workloads(f: SourceFile, doc: StructuredDoc, data: Any, base: tuple[Any, ...], source: str, values: Any) -> list[Workload]:
    if not isinstance(data, dict):
        return []
    kind = data.get("kind")
    if kind == "List" and isinstance(data.get("items"), list):
        out: list[Workload] = []
        for i, item in enumerate(data["items"]):
            out.extend(_k8s_workloads(f, doc, item, base + ("items", i), source, values))
        return out
    if kind not in WORKLOAD_KINDS:
        return []
    meta = data.get("metadata")
    name = _plain(meta.get("name") if isinstance(meta, dict) else None, f"({f.name})" if source == "helm" else "?")
    spec_path = _pod_spec_path(str(kind))
    spec: Any = data
    for p in spec_path:
        spec = spec.get(p) if isinstance(spec, dict) else None
    if not isinstance(spec, dict):
        return []
    spec = _resolve(spec, values) if source == "helm" else spec
    at = base + spec_path

    def line(*keys: Any) -> int | None:
        return doc.line_of(at + keys)

    w = Workload(source, str(kind), name, f.path, doc.line_of(base + ("kind",)) or doc.line_of(base))
    for key, attr in (("hostNetwork", "host_network"), ("hostPID", "host_pid"), ("hostIPC", "host_ipc")):
        if _bool(spec.get(key)):
            setattr(w, attr, True)
            w.lines[attr] = line(key)
    volumes = spec.get("volumes")
    host_volumes: dict[str, HostMount] = {}
    if isinstance(volumes, list):
        for i, vol in enumerate(volumes):
            if isinstance(vol, dict) and isinstance(vol.get("hostPath"), dict):
                hp = vol["hostPath"].get("path")
                if isinstance(hp, str):
                    mount = HostMount(_plain(hp, "{{…}}"), line(("volumes"), i, "hostPath", "path"))
                    w.host_mounts.append(mount)
                    host_volumes[str(vol.get("name"))] = mount
    pod_ctx = spec.get("securityContext")
    for group, init in (("initContainers", True), ("containers", False)):
        items = spec.get(group)
        if not isinstance(items, list):
            continue
        for i, raw in enumerate(items):
            if not isinstance(raw, dict):
                continue
            image = raw.get("image")
            c = Container(_plain(raw.get("name"), f"#{i + 1}"), str(image) if image is not None else None, line(group, i), init)
            # the pod's securityContext first, the container's overrides it
            _security(pod_ctx, c, _liner(doc, at + ("securityContext",)))
            _security(raw.get("securityContext"), c, _liner(doc, at + (group, i, "securityContext")))
            w.containers.append(c)
    return [w]


def _compose_services(f: SourceFile, doc: StructuredDoc) -> list[Workload]:
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return []
    out: list[Workload] = []
    for name, svc in data["services"].items():
        if not isinstance(svc, dict):
            continue
        base = ("services", name)

        def line(*keys: Any, base: tuple[Any, ...] = base) -> int | None:
            return doc.line_of(base + keys)

        w = Workload("compose", "service", str(name), f.path, line())
        image = svc.get("image")
        c = Container(str(name), str(image) if image is not None else None, line(), builds_locally="build" in svc)
        if _bool(svc.get("privileged")) is not None:
            c.privileged = _bool(svc.get("privileged"))
            c.lines["privileged"] = line("privileged")
        if svc.get("user") is not None:
            c.run_as_user = str(svc["user"])
            c.lines["run_as_user"] = line("user")
        if _bool(svc.get("read_only")) is not None:
            c.read_only_root = _bool(svc.get("read_only"))
            c.lines["read_only_root"] = line("read_only")
        if isinstance(svc.get("cap_add"), list):
            c.capabilities_add = tuple(str(x).upper().removeprefix("CAP_") for x in svc["cap_add"])
            c.lines["capabilities_add"] = line("cap_add")
        opts = svc.get("security_opt")
        if isinstance(opts, list) and any(str(o).replace("=", ":").replace(" ", "") in ("no-new-privileges:true", "no-new-privileges") for o in opts):
            c.allow_privilege_escalation = False
        if str(svc.get("network_mode", "")).strip() == "host":
            w.host_network = True
            w.lines["host_network"] = line("network_mode")
        if str(svc.get("pid", "")).strip() == "host":
            w.host_pid = True
            w.lines["host_pid"] = line("pid")
        if str(svc.get("ipc", "")).strip() == "host":
            w.host_ipc = True
            w.lines["host_ipc"] = line("ipc")
        volumes = svc.get("volumes")
        if isinstance(volumes, list):
            for i, vol in enumerate(volumes):
                src, ro = _compose_bind(vol)
                if src is not None:
                    w.host_mounts.append(HostMount(src, line("volumes", i), ro))
        w.containers.append(c)
        out.append(w)
    return out


def _compose_bind(vol: Any) -> tuple[str | None, bool]:
    """The host path of a bind mount (None for named volumes)."""
    if isinstance(vol, str):
        parts = vol.split(":")
        if len(parts) >= 2 and (parts[0].startswith(("/", ".", "~", "$"))):
            return parts[0], len(parts) > 2 and "ro" in parts[2].split(",")
        return None, False
    if isinstance(vol, dict) and str(vol.get("type", "bind")) == "bind" and isinstance(vol.get("source"), str):
        src = vol["source"]
        if src.startswith(("/", ".", "~", "$")):
            return src, bool(_bool(vol.get("read_only")))
    return None, False


_COMPOSE_FILE = re.compile(r"(^|/)(docker-)?compose[\w.-]*\.ya?ml$")


def _values_workload(f: SourceFile, doc: StructuredDoc) -> Workload | None:
    """A chart's values.yaml: the pod and container security contexts it sets (at any depth,
    e.g. `podSecurityContext`, `securityContext`, `worker.containerSecurityContext`)."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    w = Workload("helm-values", "values", f.path.rsplit("/", 2)[-2] if "/" in f.path else "chart", f.path, 1)
    for path, value in doc.walk():
        if not path or not isinstance(value, dict):
            continue
        key = str(path[-1])
        if key.lower().endswith("securitycontext"):
            label = ".".join(str(p) for p in path)
            c = Container(label, None, doc.line_of(path))
            _security(value, c, _liner(doc, path))
            if any(getattr(c, a) is not None for a in ("privileged", "run_as_non_root", "run_as_user", "allow_privilege_escalation")) or c.capabilities_add:
                w.containers.append(c)
    for path, value in doc.walk():
        if path and str(path[-1]) in ("hostNetwork", "hostPID") and _bool(value):
            attr = "host_network" if str(path[-1]) == "hostNetwork" else "host_pid"
            setattr(w, attr, True)
            w.lines[attr] = doc.line_of(path)
    return w if (w.containers or w.host_network or w.host_pid) else None


def workloads(index: RepoIndex) -> list[Workload]:
    """Every container workload the project declares (memoised per audit), in path order."""

    def compute() -> list[Workload]:
        out: list[Workload] = []
        roots = _chart_roots(index)
        values_cache: dict[str, Any] = {}
        for f, docs, chart in manifest_documents(index):
            try:
                if chart is not None:
                    if chart not in values_cache:
                        values_cache[chart] = _chart_values(index, chart)
                    for doc in docs:
                        out.extend(_k8s_workloads(f, doc, doc.data, (), "helm", values_cache[chart]))
                    continue
                is_values = f.name in ("values.yaml", "values.yml") and (f.path.rsplit("/", 1)[0] if "/" in f.path else "") in roots
                for doc in docs:
                    if is_values:
                        vw = _values_workload(f, doc)
                        if vw is not None:
                            out.append(vw)
                    elif _COMPOSE_FILE.search(f.path):
                        out.extend(_compose_services(f, doc))
                    else:
                        out.extend(_k8s_workloads(f, doc, doc.data, (), "kubernetes", {}))
            except Exception as exc:  # an odd manifest costs its workloads, never the audit
                f.parse_errors.append(f"workloads unreadable: {type(exc).__name__}: {str(exc)[:160]}")
        return out

    result: list[Workload] = index.memo("containers.workloads", compute)
    return result
