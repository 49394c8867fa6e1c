"""Item 9, permission boundaries: IAM and RBAC definitions that grant more than an agent needs.

Policies are read from every place they are declared:

- JSON and YAML documents holding a policy (`{"Version": ..., "Statement": [...]}`), including
  CloudFormation/SAM templates (`AWS::IAM::Policy`, `ManagedPolicy`, `Role` inline `Policies`,
  `ManagedPolicyArns`, `AWS::Serverless::Function` `Policies`) and Serverless Framework
  `iam.role.statements` / `iamRoleStatements`;
- Terraform: `policy` attributes written as `jsonencode({...})` or heredoc JSON,
  `data "aws_iam_policy_document"` statement blocks, managed policy attachments and
  `managed_policy_arns`, Kubernetes RBAC resources, GCP and Azure role grants;
- Kubernetes manifests: `Role`/`ClusterRole` rules and bindings to `cluster-admin`.

Every Allow statement is judged: `Action: "*"` on `Resource: "*"` (or an admin role) is full admin,
a failure; service-wide wildcards, write or sensitive actions on every resource, `NotAction` or
`NotResource` with Allow, and `iam:PassRole` on any role are warnings. Read-only wildcards
(`s3:Get*`) on a named resource are fine. Trust policies (who may assume a role) and other
resource-based policies (statements naming a `Principal`: KMS key, bucket, queue and VPC endpoint
policies, where `Resource: "*"` means the resource itself) are not grants to the agent and are
left alone.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from typing import Any

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.index import SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.containers import TEMPLATE_PLACEHOLDER, manifest_documents
from readycheck.parsers.structured import StructuredDoc
from readycheck.parsers.terraform import TfBlock

__all__ = ["iam_wildcards", "Finding", "find_permission_findings", "parse_hcl_expression", "tf_policy_value"]

_SKIP_DATA_FILES = re.compile(r"(^|/)(package(-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|composer\.(json|lock)|tsconfig[^/]*\.json|\.eslintrc[^/]*)$")

# AWS managed policies: name -> (status, why).
_ADMIN_POLICIES: dict[str, tuple[Status, str]] = {
    "administratoraccess": (Status.FAIL, "full admin on every service and resource"),
    "poweruseraccess": (Status.WARN, "every action outside IAM and Organizations"),
    "iamfullaccess": (Status.WARN, "full IAM: the holder can grant itself admin"),
}
# Verbs (the part of an action after the colon) that only read.
_READ_VERBS = ("get", "list", "describe", "head", "batchget", "batchcheck", "query", "scan", "search", "lookup", "select", "view", "read", "retrieve", "filter")
# Reads that still expose data or secrets: on every resource they are a finding.
_SENSITIVE = (
    "secretsmanager:getsecretvalue", "secretsmanager:batchgetsecretvalue", "ssm:getparameter", "ssm:getparameters",
    "ssm:getparametersbypath", "kms:decrypt", "s3:getobject", "s3:getobjectversion", "dynamodb:getitem",
    "dynamodb:batchgetitem", "dynamodb:query", "dynamodb:scan", "rds-data:executestatement", "sts:assumerole",
)
# Actions AWS only authorises on `Resource: "*"`: asking to narrow them would be wrong.
_RESOURCELESS = frozenset(
    {
        "xray:puttracesegments", "xray:puttelemetryrecords", "xray:getsamplingrules", "xray:getsamplingtargets",
        "cloudwatch:putmetricdata", "ecr:getauthorizationtoken", "sts:getcalleridentity", "logs:describeloggroups",
        "s3:listallmybuckets", "bedrock:listfoundationmodels", "ssm:describeparameters", "kms:generaterandom",
    }
)

# Other clouds' built-in roles that amount to admin (Terraform role grants).
_GCP_ROLES = {"roles/owner": Status.FAIL, "roles/editor": Status.WARN, "roles/iam.securityadmin": Status.WARN}
_AZURE_ROLES = {"owner": Status.FAIL, "contributor": Status.WARN, "user access administrator": Status.WARN}
_K8S_RISKY_VERBS = frozenset({"escalate", "bind", "impersonate"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One over-broad grant: FAIL (full admin) or WARN (a narrower wildcard)."""

    status: Status
    evidence: Evidence


@dataclass(slots=True)
class _Statement:
    effect: str
    actions: list[str]
    not_actions: list[str]
    resources: list[str]
    not_resources: list[str]
    sid: str | None
    has_principal: bool


@dataclass(slots=True)
class _Scan:
    findings: list[Finding] = field(default_factory=list)
    checked: list[Evidence] = field(default_factory=list)
    unreadable: list[Evidence] = field(default_factory=list)


# --- values ---------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    """One string value of a policy field, whatever the template language wrapped it in:
    CloudFormation `Fn::Sub`/`Fn::Join`/`Ref`, a YAML intrinsic tag read as text, a Terraform
    reference. Anything that is not a literal reads as `${...}`, which never looks like a wildcard."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        key, inner = next(iter(value.items()))
        if key == "Fn::Sub":
            return _text(inner[0] if isinstance(inner, list) and inner else inner)
        if key == "Fn::Join" and isinstance(inner, list) and len(inner) == 2 and isinstance(inner[1], list):
            return _text(inner[0]).join(_text(v) for v in inner[1])
        if key in ("Ref", "Fn::GetAtt", "Fn::ImportValue"):
            return "${" + (".".join(map(str, inner)) if isinstance(inner, list) else str(inner)) + "}"
    if isinstance(value, list):  # a tagged YAML sequence such as `!Join ['', [...]]`
        parts = [_text(v) for v in value]
        return "".join(parts[1:]) if len(parts) == 2 and parts[0] == "" else "".join(parts)
    if isinstance(value, _Expr):
        return "${" + value.source + "}"
    return "${...}"


def _strings(value: Any) -> list[str]:
    """A policy field that may be one value or a list of them."""
    if value is None:
        return []
    if isinstance(value, list):
        return [s for s in (_text(v) for v in value) if s]
    s = _text(value)
    return [s] if s else []


def _statement(raw: dict[str, Any], terraform_block: bool = False) -> _Statement:
    if terraform_block:  # data "aws_iam_policy_document" statement { ... }
        return _Statement(
            effect=_text(raw.get("effect", "Allow")),
            actions=_strings(raw.get("actions")),
            not_actions=_strings(raw.get("not_actions")),
            resources=_strings(raw.get("resources")),
            not_resources=_strings(raw.get("not_resources")),
            sid=_text(raw["sid"]) if raw.get("sid") else None,
            has_principal=bool(raw.get("principals") or raw.get("not_principals")),
        )
    return _Statement(
        effect=_text(raw.get("Effect", "Allow")),
        actions=_strings(raw.get("Action")),
        not_actions=_strings(raw.get("NotAction")),
        resources=_strings(raw.get("Resource")),
        not_resources=_strings(raw.get("NotResource")),
        sid=_text(raw["Sid"]) if raw.get("Sid") else None,
        has_principal="Principal" in raw or "NotPrincipal" in raw,
    )


def _verb(action: str) -> str:
    return action.split(":", 1)[1].lower() if ":" in action else action.lower()


def _is_read(action: str) -> bool:
    return _verb(action).startswith(_READ_VERBS)


def _is_sensitive(action: str) -> bool:
    a = action.lower()
    return any(fnmatch.fnmatchcase(s, a) for s in _SENSITIVE)


def _broad_resource(resource: str) -> bool:
    """`*`, or an ARN naming every resource of its kind (`arn:aws:s3:::*`, `...:table/*`)."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    rest = parts[5]
    if parts[2] == "s3":
        return rest.startswith("*")
    return bool(re.fullmatch(r"([A-Za-z0-9-]+[/:])?\*(/\*)?", rest))


def _quote(items: list[str], limit: int = 4) -> str:
    shown = ", ".join(f"`{i}`" for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _judge(st: _Statement, label: str) -> tuple[Status, str] | None:
    """The worst problem of one statement and what to narrow, or None when it is scoped."""
    if st.effect.lower() != "allow" or st.has_principal:
        return None  # a trust or resource-based policy (key, bucket, endpoint): not a grant to the agent
    problems: list[tuple[Status, str]] = []
    res_all = "*" in st.resources
    broad = [r for r in st.resources if _broad_resource(r)]
    where = "every resource" if res_all else (_quote(broad) if broad else _quote(st.resources, 2))
    if st.not_actions:
        problems.append((Status.WARN, f"Allow with NotAction {_quote(st.not_actions)} grants every other action on {where}: list the actions the agent needs instead"))
    if st.not_resources:
        problems.append((Status.WARN, f"Allow with NotResource {_quote(st.not_resources)} grants every other resource: name the resource ARNs instead"))
    if "*" in st.actions:
        if res_all:
            problems.append((Status.FAIL, "Action `*` on Resource `*` is full admin: list the exact actions and the resource ARNs they apply to"))
        else:
            problems.append((Status.WARN, f"Action `*` (every action) on {where}: list the actions the agent needs"))
    service_wild = [a for a in st.actions if a != "*" and a.endswith(":*")]
    if service_wild:
        problems.append((Status.WARN, f"wildcard actions {_quote(service_wild)} on {where}: list the actions the agent needs"))
    partial = [a for a in st.actions if "*" in a and a != "*" and not a.endswith(":*")]
    write_wild = [a for a in partial if not _is_read(a)]
    if write_wild:
        problems.append((Status.WARN, f"write wildcards {_quote(write_wild)} on {where}: list the actions the agent needs"))
    if broad:
        wild_reported = set(service_wild) | set(write_wild) | {"*"}
        risky = [
            a for a in st.actions
            if a not in wild_reported and a.lower() not in _RESOURCELESS and (not _is_read(a) or _is_sensitive(a))
        ]
        passrole = [a for a in st.actions if a.lower() == "iam:passrole"]
        others = [a for a in risky if a not in passrole]
        if others:
            kind = "write or sensitive actions" if len(others) > 1 else "write or sensitive action"
            problems.append((Status.WARN, f"Resource {_quote(broad, 2)} on {kind} {_quote(others)}: name the resource ARNs"))
        if passrole and res_all:
            problems.append((Status.WARN, "`iam:PassRole` on Resource `*` lets the agent hand any role to a service: name the role ARNs"))
        elif passrole:
            problems.append((Status.WARN, f"`iam:PassRole` on {_quote(broad, 2)}: name the role ARNs"))
    if not problems:
        return None
    status = Status.FAIL if any(s is Status.FAIL for s, _ in problems) else Status.WARN
    return status, f"{label}: " + "; ".join(note for _, note in problems)


def _label(st: _Statement, index: int, policy: str) -> str:
    return f"{policy} statement '{st.sid}'" if st.sid else f"{policy} statement {index + 1}"


def _managed_policy(arn_or_name: str) -> tuple[Status, str] | None:
    name = arn_or_name.rstrip("/").rsplit("/", 1)[-1]
    if "$" in name or ":" in name:
        return None
    key = name.lower()
    if key in _ADMIN_POLICIES:
        status, why = _ADMIN_POLICIES[key]
        return status, f"managed policy `{name}` ({why}): attach a policy that lists the actions and resources the agent needs"
    if key.endswith("fullaccess") and (arn_or_name.startswith("arn:") and ":iam::aws:policy/" in arn_or_name or "/" not in arn_or_name):
        return Status.WARN, f"managed policy `{name}` grants every action of its service: attach a scoped policy instead"
    return None


def _is_aws_managed(arn_or_name: str) -> bool:
    return ":iam::aws:policy/" in arn_or_name


# --- Terraform expressions ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Expr:
    """An HCL expression that is not a literal (a reference, a function call...)."""

    source: str


_HCL_SCALAR = re.compile(r"(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)(?=[\s,}\]\)]|$)")
_HCL_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_HCL_FOR = re.compile(r"for\s")


class _HclReader:
    """A small reader for the HCL object/list/string/number syntax python-hcl2 leaves inside
    `${jsonencode(...)}`. JSON is read too (it is a subset). Anything else (references, function
    calls, conditionals, for-expressions) becomes an `_Expr` holding its source."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def ws(self) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r\n":
                self.i += 1
            elif self.s.startswith("#", self.i) or self.s.startswith("//", self.i):
                nl = self.s.find("\n", self.i)
                self.i = len(self.s) if nl < 0 else nl + 1
            elif self.s.startswith("/*", self.i):
                end = self.s.find("*/", self.i + 2)
                self.i = len(self.s) if end < 0 else end + 2
            else:
                break

    def ends_value(self, stops: str) -> bool:
        """Whether the value just read is complete: a stop, a line end, a comment or the end follows."""
        j = self.i
        while j < len(self.s) and self.s[j] in " \t":
            j += 1
        rest = self.s[j:]
        return not rest or rest[0] in stops or rest[0] in "\r\n" or rest.startswith(("#", "//"))

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def string(self) -> str:
        assert self.s[self.i] == '"'
        self.i += 1
        out: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\" and self.i + 1 < len(self.s):
                nxt = self.s[self.i + 1]
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
                self.i += 2
            elif c == '"':
                self.i += 1
                return "".join(out)
            elif self.s.startswith("${", self.i):
                start = self.i
                self.i += 2
                self.skip_balanced("}")
                out.append(self.s[start:self.i])
            else:
                out.append(c)
                self.i += 1
        raise ValueError("unterminated string")

    def skip_balanced(self, close: str) -> None:
        """Advance past the `close` that balances an opening already consumed."""
        pairs = {"{": "}", "[": "]", "(": ")"}
        stack = [close]
        while self.i < len(self.s) and stack:
            c = self.s[self.i]
            if c == '"':
                self.string()
                continue
            if c in pairs:
                stack.append(pairs[c])
            elif c == stack[-1]:
                stack.pop()
            self.i += 1

    def raw(self, stops: str) -> _Expr:
        """An expression we do not evaluate: up to a stop character at depth 0."""
        start = self.i
        pairs = {"{": "}", "[": "]", "(": ")"}
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in stops:
                break
            if c == '"':
                self.string()
                continue
            self.i += 1
            if c in pairs:
                self.skip_balanced(pairs[c])
        src = self.s[start:self.i].strip()
        if not src:
            raise ValueError(f"unexpected {self.s[self.i:self.i + 1]!r} at {self.i}")
        return _Expr(src)

    def value(self, stops: str = ",}]") -> Any:
        c = self.peek()
        if c == "{":
            return self.obj()
        if c == "[":
            return self.seq()
        if c == '"':
            start = self.i
            text = self.string()
            if not self.ends_value(stops):  # `"a" == b ? ...`: an expression, not a string
                self.i = start
                return self.raw(stops)
            return text
        m = _HCL_SCALAR.match(self.s, self.i)
        if m:
            self.i = m.end()
            tok = m.group(1)
            if tok in ("true", "false"):
                return tok == "true"
            if tok == "null":
                return None
            return float(tok) if any(ch in tok for ch in ".eE") else int(tok)
        return self.raw(stops)

    def obj(self) -> dict[str, Any]:
        self.i += 1
        out: dict[str, Any] = {}
        while True:
            c = self.peek()
            if c == "}":
                self.i += 1
                return out
            if c == "":
                raise ValueError("unterminated object")
            if c == '"':
                key = self.string()
            else:
                m = _HCL_IDENT.match(self.s, self.i)
                if m:
                    key = m.group(0)
                    self.i = m.end()
                else:
                    key = self.raw("=:").source
            if self.peek() not in ("=", ":"):
                raise ValueError(f"expected '=' after key {key!r}")
            self.i += 1
            out[key] = self.value(",}\n")
            if self.peek() in (",", "\n"):
                self.i += 1

    def seq(self) -> list[Any]:
        self.i += 1
        out: list[Any] = []
        if self.peek() == "f" and _HCL_FOR.match(self.s, self.i):  # [for x in y : ...]
            expr = self.raw("]")
            self.i += 1
            return [expr]
        while True:
            c = self.peek()
            if c == "]":
                self.i += 1
                return out
            if c == "":
                raise ValueError("unterminated list")
            out.append(self.value(",]"))
            if self.peek() == ",":
                self.i += 1


def parse_hcl_expression(text: str) -> Any:
    """Data from an HCL (or JSON) expression; raises ValueError when it cannot be read."""
    reader = _HclReader(text)
    value = reader.value("")
    if reader.peek() != "":
        raise ValueError(f"trailing text at {reader.i}")
    return value


_HEREDOC = re.compile(r"^<<-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\n(.*)\n\s*\1\s*$", re.S)
_JSONENCODE = re.compile(r"^\$\{\s*jsonencode\((.*)\)\s*\}$", re.S)


def _tf_policy_value(value: Any) -> Any:
    """A Terraform `policy` attribute as data: jsonencode(...), heredoc JSON, or a JSON string.
    None when it is a reference (`data.aws_iam_policy_document.x.json`, `file(...)`), which is read
    where it is defined; raises ValueError when it is an expression we cannot read."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _JSONENCODE.match(text)
    if m:
        return parse_hcl_expression(m.group(1))
    m = _HEREDOC.match(text)
    if m:
        text = m.group(2).strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            return parse_hcl_expression(text)
    return None


# --- finding where a statement sits in a Terraform file --------------------------------------------
_TF_ACTION_KEY = re.compile(r"""(?:^|[\s{,])"?(?:Action|NotAction|actions|not_actions)"?\s*[=:]""")


class _TfLocator:
    """Successive `Action`/`actions` lines inside one block, so each statement gets its own line."""

    def __init__(self, f: SourceFile, start: int, end: int) -> None:
        self.hits: list[int] = []
        for n in range(start, min(end, len(f.lines)) + 1):
            stripped = f.line(n).lstrip()
            if stripped.startswith(("#", "//")):
                continue
            self.hits.extend([n] * len(_TF_ACTION_KEY.findall(f.line(n))))
        self.pos = 0
        self.fallback = start

    def next(self) -> int:
        if self.pos < len(self.hits):
            self.pos += 1
            return self.hits[self.pos - 1]
        return self.hits[-1] if self.hits else self.fallback


def _attr_line(f: SourceFile, start: int, end: int, attr: str) -> int:
    rx = re.compile(r"^\s*" + re.escape(attr) + r"\s*=")
    for n in range(start, min(end, len(f.lines)) + 1):
        if rx.match(f.line(n)):
            return n
    return start


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- sources --------------------------------------------------------------------------------------
def _judge_statements(
    scan: _Scan, f: SourceFile, policy: str, raws: list[tuple[dict[str, Any], int | None]], anchor: int | None, tf_block: bool = False
) -> None:
    """Judge one policy's statements; record it as checked when it grants anything."""
    grants = 0
    for i, (raw, line) in enumerate(raws):
        st = _statement(raw, tf_block)
        if st.effect.lower() == "allow" and not st.has_principal:
            grants += 1
        verdict = _judge(st, _label(st, i, policy))
        if verdict:
            status, note = verdict
            scan.findings.append(Finding(status, evidence_at(f, line or anchor, note)))
    if grants:
        scan.checked.append(evidence_at(f, anchor, f"{policy}: {plural(grants, 'Allow statement')} checked"))


def _statement_list(doc: StructuredDoc, path: tuple[Any, ...], value: Any) -> list[tuple[dict[str, Any], int | None]]:
    out: list[tuple[dict[str, Any], int | None]] = []
    items = value if isinstance(value, list) else [value]
    for i, st in enumerate(items):
        if not isinstance(st, dict):
            continue
        st_path = path + (i,) if isinstance(value, list) else path
        key = "NotAction" if "NotAction" in st else "Action"
        out.append((st, doc.line_of(st_path + (key,))))
    return out


def _looks_like_statements(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(s, dict) and "Effect" in s and ({"Action", "NotAction"} & set(s)) for s in items)


def _document_name(path: tuple[Any, ...], f: SourceFile, doc: StructuredDoc) -> str:
    """A readable name for the policy document at `path`: the template resource (and the inline
    policy's name), the dotted path in other documents, or the file itself."""
    if len(path) >= 2 and path[0] == "Resources":
        try:
            inline = doc.get(path[:-1] + ("PolicyName",)) if path[-1] == "PolicyDocument" else None
        except KeyError:
            inline = None
        return f"{path[1]} policy {_text(inline)}" if isinstance(inline, str) else f"{path[1]}"
    named = [str(p) for p in path if isinstance(p, str) and p not in ("Properties", "PolicyDocument", "Policies", "Statement")]
    return ".".join(named[-2:]) if named else f.name


def _scan_data_document(scan: _Scan, f: SourceFile, doc: StructuredDoc) -> None:
    data = doc.data
    if isinstance(data, dict) and data.get("kind") in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "List"):
        _scan_k8s(scan, f, doc, data, ())
        return
    resources = data.get("Resources") if isinstance(data, dict) else None
    serverless = set()
    if isinstance(resources, dict):
        for name, res in resources.items():
            if isinstance(res, dict) and str(res.get("Type", "")).startswith("AWS::Serverless::"):
                serverless.add(name)
    for path, value in doc.walk():
        if not path:
            continue
        key = path[-1]
        if any(p in ("AssumeRolePolicyDocument", "assume_role_policy", "TrustPolicy") for p in path if isinstance(p, str)):
            continue
        if key == "Statement" and _looks_like_statements(value):
            _judge_statements(scan, f, _document_name(path[:-1], f, doc), _statement_list(doc, path, value), doc.line_of(path))
        elif key in ("statements", "iamRoleStatements") and isinstance(value, list) and _looks_like_statements(value):
            _judge_statements(scan, f, ".".join(str(p) for p in path), _statement_list(doc, path, value), doc.line_of(path))
        elif key in ("ManagedPolicyArns", "managedPolicies") and isinstance(value, list):
            _managed_list(scan, f, doc, path, value)
        elif key == "Policies" and (
            (len(path) >= 3 and path[0] == "Resources" and path[1] in serverless) or (len(path) >= 2 and path[0] == "Globals")
        ):
            # SAM: a managed policy name, or a list of names, documents and policy templates.
            items = value if isinstance(value, list) else [value]
            names = [(i, v) for i, v in enumerate(items) if isinstance(v, str)]
            for i, name in names:
                sub = path + (i,) if isinstance(value, list) else path
                _managed_one(scan, f, doc.line_of(sub), name, sam=True)


def _managed_list(scan: _Scan, f: SourceFile, doc: StructuredDoc, path: tuple[Any, ...], value: list[Any]) -> None:
    for i, item in enumerate(value):
        _managed_one(scan, f, doc.line_of(path + (i,)), _text(item))


def _managed_one(scan: _Scan, f: SourceFile, line: int | None, arn: str, sam: bool = False) -> None:
    verdict = _managed_policy(arn)
    if verdict:
        scan.findings.append(Finding(verdict[0], evidence_at(f, line, verdict[1])))
    elif _is_aws_managed(arn) or (sam and "/" not in arn and ":" not in arn and "$" not in arn):
        scan.checked.append(evidence_at(f, line, f"managed policy `{arn.rsplit('/', 1)[-1]}`"))


def _scan_k8s(scan: _Scan, f: SourceFile, doc: StructuredDoc, data: dict[str, Any], base: tuple[Any, ...]) -> None:
    kind = data.get("kind")
    name = _text((data.get("metadata") or {}).get("name", "?")) if isinstance(data.get("metadata"), dict) else "?"
    name = name.replace(TEMPLATE_PLACEHOLDER, "{{…}}")  # a Helm template action
    if kind == "List":
        for i, item in enumerate(_as_list(data.get("items"))):
            if isinstance(item, dict):
                _scan_k8s(scan, f, doc, item, base + ("items", i))
        return
    if kind in ("Role", "ClusterRole"):
        rules = data.get("rules")
        if not isinstance(rules, list):
            return
        _judge_k8s_rules(scan, f, f"{kind} {name}", kind == "ClusterRole", [
            (r, doc.line_of(base + ("rules", i, "verbs")) or doc.line_of(base + ("rules", i))) for i, r in enumerate(rules) if isinstance(r, dict)
        ], doc.line_of(base + ("rules",)))
    elif kind in ("RoleBinding", "ClusterRoleBinding"):
        ref = data.get("roleRef")
        if isinstance(ref, dict):
            _judge_k8s_binding(scan, f, f"{kind} {name}", kind == "ClusterRoleBinding", _text(ref.get("name", "")), doc.line_of(base + ("roleRef", "name")))


def _judge_k8s_rules(
    scan: _Scan, f: SourceFile, label: str, cluster: bool, rules: list[tuple[dict[str, Any], int | None]], anchor: int | None
) -> None:
    for i, (rule, line) in enumerate(rules):
        verbs = _strings(rule.get("verbs"))
        resources = [r.replace(TEMPLATE_PLACEHOLDER, "{{…}}") for r in _strings(rule.get("resources"))]
        groups = _strings(rule.get("apiGroups") or rule.get("api_groups"))
        urls = _strings(rule.get("nonResourceURLs") or rule.get("non_resource_urls"))
        where = f"{label} rule {i + 1}"
        notes: list[str] = []
        status = Status.WARN
        if "*" in verbs and "*" in resources and (not groups or "*" in groups) and cluster:
            status = Status.FAIL
            notes.append("every verb on every resource cluster-wide is cluster-admin: list the resources and verbs the agent needs")
        else:
            if "*" in verbs:
                notes.append(f"verbs `*` on {_quote(resources) or 'its resources'}: list the verbs (get, list, watch...)")
            if "*" in resources:
                notes.append(f"resources `*`{' in every API group' if '*' in groups else ''}: list the resources")
            risky = sorted(_K8S_RISKY_VERBS & set(v.lower() for v in verbs))
            if risky:
                notes.append(f"verbs {_quote(risky)} allow privilege escalation: drop them")
        if "*" in urls or "/*" in urls:
            notes.append("nonResourceURLs `*`: list the URLs")
        if notes:
            scan.findings.append(Finding(status, evidence_at(f, line or anchor, f"{where}: " + "; ".join(notes))))
    if rules:
        scan.checked.append(evidence_at(f, anchor, f"{label}: {plural(len(rules), 'rule')} checked"))


def _judge_k8s_binding(scan: _Scan, f: SourceFile, label: str, cluster: bool, role: str, line: int | None) -> None:
    if role == "cluster-admin":
        scan.findings.append(Finding(Status.FAIL, evidence_at(f, line, f"{label} grants `cluster-admin`: bind a Role that lists the resources and verbs the agent needs")))
    elif cluster and role in ("admin", "edit"):
        scan.findings.append(Finding(Status.WARN, evidence_at(f, line, f"{label} grants `{role}` in every namespace: bind it per namespace, or bind a narrower Role")))


def _scan_terraform(scan: _Scan, f: SourceFile) -> None:
    tf = f.terraform
    if tf is None:
        return
    starts = sorted({b.line for b in tf.blocks})
    for block in tf.blocks:
        later = [s for s in starts if s > block.line]
        end = (later[0] - 1) if later else len(f.lines)
        _scan_tf_block(scan, f, block, end)


_TF_POLICY_RESOURCES = frozenset({"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"})
_TF_ATTACHMENTS = frozenset(
    {"aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_policy_attachment"}
)


def _scan_tf_block(scan: _Scan, f: SourceFile, b: TfBlock, end: int) -> None:
    label = f"{b.type}.{b.name}" if b.name else b.type
    body = b.body
    if b.kind == "resource" and b.type in _TF_POLICY_RESOURCES:
        locator = _TfLocator(f, b.line, end)
        _tf_policy(scan, f, label, body.get("policy"), locator, _attr_line(f, b.line, end, "policy"))
    elif b.kind == "resource" and b.type == "aws_iam_role":
        locator = _TfLocator(f, b.line, end)
        for i, inline in enumerate(_as_list(body.get("inline_policy"))):
            if isinstance(inline, dict):
                name = _text(inline.get("name", i + 1))
                _tf_policy(scan, f, f"{label} inline policy {name}", inline.get("policy"), locator, _attr_line(f, b.line, end, "inline_policy"))
        arns = body.get("managed_policy_arns")
        if isinstance(arns, list):
            line = _attr_line(f, b.line, end, "managed_policy_arns")
            for arn in arns:
                _managed_one(scan, f, _string_line(f, line, end, _text(arn)), _text(arn))
    elif b.kind == "resource" and b.type in _TF_ATTACHMENTS:
        _managed_one(scan, f, _attr_line(f, b.line, end, "policy_arn"), _text(body.get("policy_arn", "")))
    elif b.kind == "data" and b.type == "aws_iam_policy":
        for attr in ("arn", "name"):
            value = body.get(attr)
            if isinstance(value, str) and _managed_policy(value):
                _managed_one(scan, f, _attr_line(f, b.line, end, attr), value if attr == "arn" else f"arn:aws:iam::aws:policy/{value}")
    elif b.kind == "data" and b.type == "aws_iam_policy_document":
        locator = _TfLocator(f, b.line, end)
        raws: list[tuple[dict[str, Any], int | None]] = []
        for st in _as_list(body.get("statement")):
            if isinstance(st, dict):
                line = locator.next() if ("actions" in st or "not_actions" in st) else b.line
                raws.append((st, line))
        _judge_statements(scan, f, label, raws, b.line, tf_block=True)
    elif b.kind == "resource" and b.type in ("kubernetes_role", "kubernetes_role_v1", "kubernetes_cluster_role", "kubernetes_cluster_role_v1"):
        rules = [r for r in _as_list(body.get("rule")) if isinstance(r, dict)]
        rule_lines = _block_lines(f, b.line, end, "rule")
        _judge_k8s_rules(scan, f, label, "cluster" in b.type, [(r, rule_lines[i] if i < len(rule_lines) else b.line) for i, r in enumerate(rules)], b.line)
    elif b.kind == "resource" and b.type in ("kubernetes_role_binding", "kubernetes_role_binding_v1", "kubernetes_cluster_role_binding", "kubernetes_cluster_role_binding_v1"):
        for ref in _as_list(body.get("role_ref")):
            if isinstance(ref, dict):
                _judge_k8s_binding(scan, f, label, "cluster" in b.type, _text(ref.get("name", "")), _role_ref_line(f, b.line, end))
    elif b.kind == "resource" and b.type.startswith(("google_project_iam_", "google_organization_iam_", "google_folder_iam_")):
        role = _text(body.get("role", ""))
        if role.lower() in _GCP_ROLES:
            status = _GCP_ROLES[role.lower()]
            scan.findings.append(Finding(status, evidence_at(f, _attr_line(f, b.line, end, "role"), f"{label} grants `{role}`: grant a predefined or custom role scoped to what the agent does")))
        elif role:
            scan.checked.append(evidence_at(f, _attr_line(f, b.line, end, "role"), f"{label}: role `{role}`"))
    elif b.kind == "resource" and b.type == "azurerm_role_assignment":
        role = _text(body.get("role_definition_name", ""))
        if role.lower() in _AZURE_ROLES:
            status = _AZURE_ROLES[role.lower()]
            scan.findings.append(Finding(status, evidence_at(f, _attr_line(f, b.line, end, "role_definition_name"), f"{label} grants `{role}`: assign a role scoped to what the agent does")))
        elif role:
            scan.checked.append(evidence_at(f, _attr_line(f, b.line, end, "role_definition_name"), f"{label}: role `{role}`"))


def _string_line(f: SourceFile, start: int, end: int, text: str) -> int:
    """The line, from `start`, on which a quoted string value is written (lists keep no lines)."""
    quoted = f'"{text}"'
    for n in range(start, min(end, len(f.lines)) + 1):
        if quoted in f.line(n) and not f.line(n).lstrip().startswith(("#", "//")):
            return n
    return start


def _block_lines(f: SourceFile, start: int, end: int, name: str) -> list[int]:
    rx = re.compile(r"^\s*" + re.escape(name) + r"\s*\{")
    return [n for n in range(start, min(end, len(f.lines)) + 1) if rx.match(f.line(n))]


def _role_ref_line(f: SourceFile, start: int, end: int) -> int:
    refs = _block_lines(f, start, end, "role_ref")
    if refs:
        return _attr_line(f, refs[0], end, "name")
    return start


def _tf_policy(scan: _Scan, f: SourceFile, label: str, value: Any, locator: _TfLocator, attr_line: int) -> None:
    try:
        data = _tf_policy_value(value)
    except (ValueError, RecursionError):
        scan.unreadable.append(evidence_at(f, attr_line, f"{label}: policy expression could not be read"))
        return
    if not isinstance(data, dict):
        return  # a reference to a policy document defined elsewhere: judged where it is defined
    statements = data.get("Statement")
    items = statements if isinstance(statements, list) else ([statements] if isinstance(statements, dict) else [])
    raws: list[tuple[dict[str, Any], int | None]] = []
    for st in items:
        if isinstance(st, dict):
            line = locator.next() if ("Action" in st or "NotAction" in st) else attr_line
            raws.append((st, line))
        elif isinstance(st, _Expr):
            scan.unreadable.append(evidence_at(f, attr_line, f"{label}: statements built by an expression could not be read"))
    _judge_statements(scan, f, label, raws, attr_line)


def tf_policy_value(value: Any) -> Any:
    """A Terraform policy attribute as data (see `_tf_policy_value`)."""
    return _tf_policy_value(value)


def find_permission_findings(ctx: Context) -> _Scan:
    scan = _Scan()
    # Helm templates are read with their template actions neutralised (plain YAML fails on them)
    helm = {f.path: docs for f, docs, chart in manifest_documents(ctx.index) if chart is not None}
    for f in ctx.index.by_kind("json", "yaml"):
        if _SKIP_DATA_FILES.search(f.path):
            continue
        for doc in helm.get(f.path, f.documents):
            _scan_data_document(scan, f, doc)
    for f in ctx.index.by_kind("terraform"):
        _scan_terraform(scan, f)
    return scan


def iam_wildcards(ctx: Context) -> Outcome:
    scan = find_permission_findings(ctx)
    fails = [x.evidence for x in scan.findings if x.status is Status.FAIL]
    warns = [x.evidence for x in scan.findings if x.status is Status.WARN]
    unread = f"; {plural(len(scan.unreadable), 'policy', 'policies')} could not be read" if scan.unreadable else ""
    if fails:
        more = f" and {plural(len(warns), 'over-broad grant')}" if warns else ""
        return outcome(Status.FAIL, f"full admin granted in {plural(len(fails), 'place')}{more}{unread}", fails + warns + scan.unreadable)
    if warns:
        return outcome(Status.WARN, f"{plural(len(warns), 'over-broad grant')}: wildcards or unscoped resources{unread}", warns + scan.unreadable)
    if scan.checked:
        return outcome(Status.PASS, f"{plural(len(scan.checked), 'policy', 'policies')} checked, every grant scoped{unread}", scan.checked + scan.unreadable)
    if scan.unreadable:
        return outcome(Status.WARN, f"{plural(len(scan.unreadable), 'policy', 'policies')} found but none could be read", scan.unreadable)
    return outcome(Status.SKIP, "no IAM or RBAC definitions in the repository")
