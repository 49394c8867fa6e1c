"""Item 8 in the live account: Amazon Bedrock guardrails for an agent that calls Bedrock.

The repository says whether the agent calls Bedrock (boto3 `bedrock-runtime` clients and their
`converse` / `invoke_model` calls, LangChain's and LlamaIndex's Bedrock chat models); the snapshot
says which guardrails exist. A call that passes `guardrailIdentifier` / `guardrailConfig` (or a
chat model built with `guardrails=`) is evidence too, checked against the account when its
identifier is written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.cloud_common import cloud_evidence, cloud_or_skip
from readycheck.detectors.llm import has_kw_deep, llm_calls, llm_clients
from readycheck.model import Evidence, Outcome, Status

if TYPE_CHECKING:
    from readycheck.index import RepoIndex, SourceFile

__all__ = ["cloud_bedrock_guardrails", "bedrock_uses"]

GUARDRAIL_KEYS = frozenset({"guardrailIdentifier", "guardrailConfig", "guardrails", "guardrail_config", "guardrail_id", "guardrailId"})
_CLIENT_FACTORIES = ("boto3.client", "boto3.Session.client", "boto3.session.Session.client", "aioboto3.Session.client")
_APPLY = ("apply_guardrail",)


@dataclass(frozen=True, slots=True)
class BedrockUse:
    file: SourceFile
    line: int
    what: str  # "converse call", "ChatBedrock model", "bedrock-runtime client"
    kwargs: Mapping[str, Any]
    guardrail: bool  # the call passes a guardrail, or applies one


def _identifier(kwargs: Mapping[str, Any]) -> str | None:
    """A guardrail identifier written out in a call's arguments."""
    for key in ("guardrailIdentifier", "guardrail_id", "guardrailId"):
        value = kwargs.get(key)
        if isinstance(value, str):
            return value
    for key in ("guardrailConfig", "guardrails", "guardrail_config"):
        inner = kwargs.get(key)
        if isinstance(inner, Mapping):
            found = _identifier(inner)
            if found:
                return found
    return None


def bedrock_uses(index: RepoIndex) -> list[BedrockUse]:
    """Where the project calls Bedrock: model calls, chat models and runtime clients."""

    def compute() -> list[BedrockUse]:
        out: list[BedrockUse] = []
        for call in llm_calls(index):
            if call.provider == "bedrock":
                method = call.qualname.replace("()", "").rsplit(".", 1)[-1]
                out.append(BedrockUse(call.file, call.line, f"{method} call", call.kwargs, has_kw_deep(call.kwargs, GUARDRAIL_KEYS)))
        for client in llm_clients(index):
            if client.provider == "bedrock":
                name = client.qualname.replace("()", "").rsplit(".", 1)[-1]
                out.append(BedrockUse(client.file, client.line, f"{name} model", client.kwargs, has_kw_deep(client.kwargs, GUARDRAIL_KEYS)))
        for f in index.by_kind("python"):
            facts = f.python
            if facts is None:
                continue
            for c in facts.calls:
                plain = c.qualname.replace("()", "")
                service = c.args[0] if c.args else c.kw("service_name")
                if plain in _CLIENT_FACTORIES and service == "bedrock-runtime":
                    out.append(BedrockUse(f, c.line, "bedrock-runtime client", c.kwargs, False))
                elif plain.startswith("boto3.") and plain.rsplit(".", 1)[-1] in _APPLY:
                    out.append(BedrockUse(f, c.line, "apply_guardrail call", c.kwargs, True))
        out.sort(key=lambda u: (u.file.path, u.line))
        return out

    cached: list[BedrockUse] = index.memo("cloud.bedrock-uses", compute)
    return cached


def _known(identifier: str, guardrails: Sequence[Mapping[str, Any]]) -> bool:
    for g in guardrails:
        arn = str(g.get("arn") or "")
        if identifier in (arn, g.get("name"), arn.rsplit("/", 1)[-1]):
            return True
    return False


def cloud_bedrock_guardrails(ctx: Context) -> Outcome:
    uses = bedrock_uses(ctx.index)
    if not uses:
        return outcome(Status.SKIP, "the agent does not call Bedrock: no Bedrock guardrail to expect")
    cloud = cloud_or_skip(ctx, "bedrock")
    if isinstance(cloud, Outcome):
        return cloud
    every = cloud.all("guardrails")
    ready: list[Evidence] = []
    other: list[Evidence] = []
    for g in cloud.resources("guardrails"):
        status = str(g.get("status") or "unknown").upper()
        snippet = f"guardrail {g.get('name')}" + (f" version {g['version']}" if g.get("version") else "") + f" ({status})"
        if status == "READY":
            ready.append(cloud_evidence(g, snippet, "a Bedrock guardrail ready to filter prompts and answers"))
        else:
            other.append(cloud_evidence(g, snippet, f"status {status}: not usable until READY"))
    guarded: list[Evidence] = []
    bare: list[Evidence] = []
    unknown: list[Evidence] = []
    for u in uses:
        if not u.guardrail:
            if u.what != "bedrock-runtime client":
                bare.append(evidence_at(u.file, u.line, f"{u.what} passes no guardrail"))
            continue
        ident = _identifier(u.kwargs)
        if ident is not None and every and not _known(ident, every):
            unknown.append(evidence_at(u.file, u.line, f"{u.what} names guardrail '{ident}', which is not in account {cloud.account_id}"))
        else:
            guarded.append(evidence_at(u.file, u.line, f"{u.what} applies a guardrail" + (f" ({ident})" if ident else "")))
    partial = cloud.partial_note("bedrock")
    suffix = f" (partly read: {partial})" if partial else ""
    if ready or guarded:
        if ready and bare and not guarded:  # the guardrail exists; the calls seen do not pass it
            ready = [Evidence(e.path, e.line, e.snippet, f"{e.note}; no call seen passes it, so it filters only what passes it elsewhere") for e in ready]
        parts = ([plural(len(ready), "ready guardrail") + " in the account"] if ready else []) + (
            [plural(len(guarded), "Bedrock call") + " passing a guardrail"] if guarded else [])
        extra = f"; {plural(len(bare) + len(unknown), 'Bedrock call')} without one" if bare or unknown else ""
        return outcome(Status.PASS, f"{' and '.join(parts)}{extra}{suffix}", ready + guarded + bare + unknown + other)
    if unknown:
        return outcome(
            Status.WARN,
            f"the agent's Bedrock calls name {plural(len(unknown), 'guardrail')} that account {cloud.account_id} does not have, "
            f"and no guardrail in scope is ready: answers reach users unfiltered{suffix}",
            unknown + bare + other,
        )
    if not bare:  # only runtime clients were seen: say where
        bare = [evidence_at(u.file, u.line, f"{u.what}: no guardrail seen") for u in uses]
    return outcome(
        Status.WARN,
        f"the agent calls Bedrock but no guardrail is ready in account {cloud.account_id} and no call passes one: "
        f"answers reach users unfiltered{suffix}",
        bare + other,
    )
