"""CI pipelines: GitHub Actions workflows and GitLab CI files, as a small model with line numbers.

    Workflow(path, provider, triggers, jobs)   one file (GitLab: the whole `.gitlab-ci.yml`)
    Trigger(event, line, tags, inputs)         `on: push: tags: [v*]`, `workflow_dispatch: inputs`
    Job(name, line, environment, steps, ...)   a job; GitLab scripts become one step per line, and
                                               `extends:` templates are merged in
    Step(line, uses, run, name, with_)         a step

The parser reads the already parsed YAML documents of the index (never the filesystem) and never
raises: a malformed workflow becomes a Workflow with `error` set and no jobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from readycheck.index import RepoIndex, SourceFile
    from readycheck.parsers.structured import StructuredDoc

__all__ = ["Step", "Job", "Trigger", "Workflow", "parse_github_workflow", "parse_gitlab_ci", "workflows", "is_workflow_path"]


@dataclass(frozen=True, slots=True)
class Step:
    line: int | None
    uses: str | None = None
    run: str | None = None
    name: str | None = None
    with_: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    condition: str | None = None  # GitHub `if:`

    @property
    def text(self) -> str:
        """Everything the step says, for pattern matching."""
        parts = [self.name or "", self.uses or "", self.run or ""]
        parts += [f"{k}: {v}" for k, v in self.with_.items()]
        parts += [f"{k}: {v}" for k, v in self.env.items()]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    line: int | None
    environment: str | None = None
    environment_url: str | None = None
    steps: tuple[Step, ...] = ()
    needs: tuple[str, ...] = ()
    display_name: str | None = None
    condition: str | None = None  # GitHub `if:`
    when: str | None = None  # GitLab `when:` (manual, on_success...)
    stage: str | None = None  # GitLab
    rules: tuple[str, ...] = ()  # GitLab rules, as text
    uses: str | None = None  # GitHub reusable workflow call
    timeout_minutes: int | None = None

    @property
    def text(self) -> str:
        head = [self.name, self.display_name or "", self.uses or ""]
        return "\n".join([h for h in head if h] + [s.text for s in self.steps])

    @property
    def script(self) -> str:
        """The commands the job runs (`run:` / `script:`), one per line."""
        return "\n".join(s.run for s in self.steps if s.run)


@dataclass(frozen=True, slots=True)
class Trigger:
    event: str  # push, pull_request, workflow_dispatch, release, schedule...
    line: int | None
    tags: tuple[str, ...] = ()  # push tag filters
    branches: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()  # workflow_dispatch / workflow_call input names


@dataclass(frozen=True, slots=True)
class Workflow:
    path: str
    provider: str  # "github" or "gitlab"
    name: str | None = None
    triggers: tuple[Trigger, ...] = ()
    jobs: tuple[Job, ...] = ()
    stages: tuple[str, ...] = ()
    error: str | None = None

    def trigger(self, event: str) -> Trigger | None:
        return next((t for t in self.triggers if t.event == event), None)

    @property
    def on_tag_push(self) -> bool:
        push = self.trigger("push")
        return push is not None and bool(push.tags)

    @property
    def on_release(self) -> bool:
        return self.on_tag_push or self.trigger("release") is not None


def is_workflow_path(path: str) -> str | None:
    """'github', 'gitlab' or None for a file path."""
    if path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml")):
        return "github"
    name = path.rsplit("/", 1)[-1]
    if name in (".gitlab-ci.yml", ".gitlab-ci.yaml") or (path.startswith(".gitlab/ci/") and path.endswith((".yml", ".yaml"))):
        return "gitlab"
    return None


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _str_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(_str(v) for v in value if not isinstance(v, (dict, list)))
    if isinstance(value, (dict,)):
        return tuple(_str(k) for k in value)
    return (_str(value),)


def _flat_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {_str(k): _str(v) for k, v in value.items() if not isinstance(v, (dict, list))}


def _timeout(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    try:
        return int(str(value))
    except ValueError:
        return None


def _environment(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, dict):
        name = value.get("name")
        url = value.get("url")
        return (_str(name) or None) if name is not None else None, (_str(url) or None) if url is not None else None
    if value is None or isinstance(value, list):
        return None, None
    return _str(value) or None, None


def _github_triggers(doc: StructuredDoc, data: dict[Any, Any]) -> tuple[Trigger, ...]:
    key: Any = "on" if "on" in data else (True if True in data else None)  # YAML 1.1 reads `on` as true
    if key is None:
        return ()
    on = data[key]
    out: list[Trigger] = []
    if isinstance(on, str):
        return (Trigger(on, doc.line_of((key,))),)
    if isinstance(on, list):
        return tuple(Trigger(_str(e), doc.line_of((key,))) for e in on if not isinstance(e, (dict, list)))
    if not isinstance(on, dict):
        return ()
    for event, spec in on.items():
        ev = _str(event)
        line = doc.line_of((key, event))
        tags: tuple[str, ...] = ()
        branches: tuple[str, ...] = ()
        inputs: tuple[str, ...] = ()
        if isinstance(spec, dict):
            tags = _str_list(spec.get("tags"))
            branches = _str_list(spec.get("branches"))
            inputs = _str_list(spec.get("inputs")) if isinstance(spec.get("inputs"), dict) else ()
        out.append(Trigger(ev, line, tags, branches, inputs))
    return tuple(out)


def _github_step(doc: StructuredDoc, path: tuple[Any, ...], step: Any) -> Step | None:
    if not isinstance(step, dict):
        return None
    run = step.get("run")
    uses = step.get("uses")
    name = step.get("name")
    return Step(
        doc.line_of(path),
        _str(uses) or None if uses is not None else None,
        _str(run) if run is not None else None,
        _str(name) if name is not None else None,
        _flat_dict(step.get("with")),
        _flat_dict(step.get("env")),
        _str(step.get("if")) or None if step.get("if") is not None else None,
    )


def parse_github_workflow(doc: StructuredDoc, path: str) -> Workflow:
    data = doc.data
    if not isinstance(data, dict):
        return Workflow(path, "github", error="not a mapping")
    jobs_out: list[Job] = []
    jobs = data.get("jobs")
    if isinstance(jobs, dict):
        for name, job in jobs.items():
            if not isinstance(job, dict):
                continue
            steps_raw = job.get("steps")
            steps: list[Step] = []
            if isinstance(steps_raw, list):
                for i, s in enumerate(steps_raw):
                    st = _github_step(doc, ("jobs", name, "steps", i), s)
                    if st is not None:
                        steps.append(st)
            env_name, env_url = _environment(job.get("environment"))
            jobs_out.append(
                Job(
                    _str(name),
                    doc.line_of(("jobs", name)),
                    env_name,
                    env_url,
                    tuple(steps),
                    _str_list(job.get("needs")),
                    _str(job.get("name")) or None,
                    _str(job.get("if")) or None,
                    uses=_str(job.get("uses")) or None,
                    timeout_minutes=_timeout(job.get("timeout-minutes")),
                )
            )
    wf_name = data.get("name")
    return Workflow(path, "github", _str(wf_name) or None, _github_triggers(doc, data), tuple(jobs_out))


_GITLAB_RESERVED = frozenset(
    {"stages", "variables", "include", "default", "workflow", "image", "services", "before_script", "after_script", "cache"}
)


def _script_steps(doc: StructuredDoc, path: tuple[Any, ...], value: Any) -> list[Step]:
    if isinstance(value, str):
        return [Step(doc.line_of(path), run=value)]
    out: list[Step] = []
    if isinstance(value, list):
        for i, line in enumerate(value):
            if isinstance(line, list):  # nested anchors: script: [*setup, "deploy"]
                out += _script_steps(doc, path + (i,), line)
            elif not isinstance(line, dict):
                out.append(Step(doc.line_of(path + (i,)), run=_str(line)))
    return out


def parse_gitlab_ci(doc: StructuredDoc, path: str) -> Workflow:
    data = doc.data
    if not isinstance(data, dict):
        return Workflow(path, "gitlab", error="not a mapping")
    jobs: list[Job] = []
    for name, job in data.items():
        n = _str(name)
        if n in _GITLAB_RESERVED or n.startswith(".") or not isinstance(job, dict):  # `.name`: a hidden template
            continue
        if not any(k in job for k in ("script", "trigger", "extends", "environment", "run")):
            continue
        # `extends:` templates (one or more, nested): the job's own keys win; each key keeps the
        # path of the mapping it came from, so lines point where the text is
        origin: dict[str, Any] = {k: name for k in job}
        merged = dict(job)
        pending = list(_str_list(job.get("extends")))
        seen: set[str] = set()
        while pending:
            base = pending.pop(0)
            tpl = data.get(base)
            if base in seen or not isinstance(tpl, dict):
                continue
            seen.add(base)
            for k, v in tpl.items():
                if k not in merged:
                    merged[k] = v
                    origin[k] = base
            pending += list(_str_list(tpl.get("extends")))
        job = merged
        steps: list[Step] = []
        for key in ("before_script", "script", "after_script"):
            steps += _script_steps(doc, (origin.get(key, name), key), job.get(key))
        if "trigger" in job:
            steps.append(Step(doc.line_of((name, "trigger")), uses=f"trigger {_str(job['trigger'])}"))
        env_name, env_url = _environment(job.get("environment"))
        rules = job.get("rules")
        rules_text = tuple(_str(r) for r in rules) if isinstance(rules, list) else ()
        when = _str(job.get("when")) or None
        if when is None and isinstance(rules, list) and any(isinstance(r, dict) and r.get("when") == "manual" for r in rules):
            when = "manual"
        jobs.append(
            Job(
                n,
                doc.line_of((name,)),
                env_name,
                env_url,
                tuple(steps),
                _str_list(job.get("needs")),
                None,
                None,
                when,
                _str(job.get("stage")) or None,
                rules_text,
                timeout_minutes=_gitlab_timeout(job.get("timeout")),
            )
        )
    triggers: list[Trigger] = []
    wf = data.get("workflow")
    if isinstance(wf, dict) and isinstance(wf.get("rules"), list):
        for i, r in enumerate(wf["rules"]):
            if isinstance(r, dict) and "CI_COMMIT_TAG" in _str(r.get("if")):
                triggers.append(Trigger("push", doc.line_of(("workflow", "rules", i)), tags=("*",)))
    if any("CI_COMMIT_TAG" in " ".join(j.rules) for j in jobs):
        triggers.append(Trigger("push", None, tags=("*",)))
    for j in jobs:
        if j.when == "manual":
            triggers.append(Trigger("manual", j.line))
            break
    return Workflow(path, "gitlab", None, tuple(triggers), tuple(jobs), _str_list(data.get("stages")))


def _gitlab_timeout(value: Any) -> int | None:
    """'5m', '1h 30m', '10 minutes' -> minutes."""
    if value is None:
        return None
    import re

    total = 0.0
    found = False
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)\s*(h|hours?|m|min|minutes?|s|sec|seconds?)\b", _str(value)):
        found = True
        total += float(num) * (60 if unit.startswith("h") else 1 if unit.startswith("m") else 1 / 60)
    return int(round(total)) if found else None


def _parse_file(f: SourceFile) -> list[Workflow]:
    provider = is_workflow_path(f.path)
    if provider is None:
        return []
    docs = f.documents
    if not docs:
        reason = f.parse_errors[-1] if f.parse_errors else "empty"
        return [Workflow(f.path, provider, error=reason)]
    out: list[Workflow] = []
    for doc in docs:
        try:
            out.append(parse_github_workflow(doc, f.path) if provider == "github" else parse_gitlab_ci(doc, f.path))
        except Exception as exc:  # an unusual document costs us that document only
            out.append(Workflow(f.path, provider, error=f"unreadable workflow: {type(exc).__name__}"))
    return out


def workflows(index: RepoIndex) -> list[Workflow]:
    """Every CI workflow of the repository, parsed once per audit."""

    def compute() -> list[Workflow]:
        out: list[Workflow] = []
        for f in index.by_kind("yaml"):
            out += _parse_file(f)
        return out

    result: list[Workflow] = index.memo("ci.workflows", compute)
    return result
