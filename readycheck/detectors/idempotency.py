"""Item 5, idempotency: side effects that a retried or replayed request must not repeat.

Side effects recognised: Stripe writes (the module API `stripe.Refund.create`, the `StripeClient`
resources `client.refunds.create` / `client.v1.refunds.create`, Stripe Node
`stripe.refunds.create`), email (smtplib, SendGrid, SES, Resend, Postmark, Django mail,
nodemailer, @sendgrid/mail, the AWS SDK's SendEmailCommand), SMS (Twilio), messages on FIFO SQS
queues and SNS topics, and HTTP POSTs to payment and email APIs.

Keyed means: an idempotency key on the call (`idempotency_key=`, `{ idempotencyKey }`, an
`Idempotency-Key` header, `MessageDeduplicationId`, a FIFO queue deduplicating by content), or,
for email and messages, a send inside a function (or its caller) that checks or claims a dedupe
key. A key drawn fresh at the call (`uuid4()`) is not a key: a re-run draws another one.

Inside agent tools (see `tools.tool_scopes`), writes count too: HTTP POSTs and PATCHes to external
APIs, keyed by an `Idempotency-Key` header, and database inserts (SQLAlchemy, raw `INSERT`,
Django `objects.create`, Prisma `create`), fine when they are upserts. Outside tools they are
left alone, so a web app's CRUD handlers are not flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from readycheck.detectors.base import Context, evidence_at, outcome, plural
from readycheck.detectors.project import imports_any, is_test_path, matches_any
from readycheck.detectors.tools import ToolScopes, tool_scopes
from readycheck.index import RepoIndex, SourceFile
from readycheck.model import Evidence, Outcome, Status
from readycheck.parsers.python_facts import CallFact, CallValue, PythonFacts, first_match

__all__ = ["idempotency_keys", "SideEffect", "side_effects"]


PAYMENT, EMAIL, QUEUE = "payment", "email", "queue"
HTTP_WRITE, DB_INSERT = "HTTP write", "database insert"  # judged only inside agent tools

# Stripe: resources whose writes move money or create billable objects.
_STRIPE_CLASSES = ("Charge", "PaymentIntent", "Refund", "Transfer", "Payout", "Customer", "Subscription", "Invoice", "Topup", "SetupIntent", "checkout.Session", "InvoiceItem")
_STRIPE_RESOURCES = ("charges", "payment_intents", "refunds", "transfers", "payouts", "customers", "subscriptions", "invoices", "topups", "setup_intents", "checkout.sessions", "invoice_items")
_STRIPE_JS_RESOURCES = ("charges", "paymentIntents", "refunds", "transfers", "payouts", "customers", "subscriptions", "invoices", "topups", "setupIntents", "checkout.sessions", "invoiceItems")
_STRIPE_METHODS = ("create", "confirm", "capture", "pay", "create_async", "confirm_async", "capture_async", "pay_async")
_PY_STRIPE = tuple(f"stripe.{c}.{m}" for c in _STRIPE_CLASSES for m in _STRIPE_METHODS) + tuple(
    f"stripe.StripeClient.{v}{r}.{m}" for v in ("", "v1.") for r in _STRIPE_RESOURCES for m in _STRIPE_METHODS
)

_PY_EMAIL: dict[str, tuple[str, ...]] = {
    "smtplib": tuple(f"smtplib.{c}.{m}" for c in ("SMTP", "SMTP_SSL", "LMTP") for m in ("sendmail", "send_message")),
    "aiosmtplib": ("aiosmtplib.send", "aiosmtplib.SMTP.send_message", "aiosmtplib.SMTP.sendmail"),
    "SendGrid": ("sendgrid.SendGridAPIClient.send", "sendgrid.SendGridAPIClient.client.mail.send.post"),
    "SES": tuple(f"boto3.{c}.{m}" for c in ("client", "Session.client", "session.Session.client") for m in ("send_email", "send_raw_email", "send_templated_email", "send_bulk_templated_email", "send_bulk_email")),
    "Resend": ("resend.Emails.send", "resend.Emails.send_async", "resend.Batch.send"),
    "Postmark": tuple(f"postmarker.core.PostmarkClient.emails.{m}" for m in ("send", "send_batch", "send_with_template", "send_template_batch")),
    "Django mail": ("django.core.mail.send_mail", "django.core.mail.send_mass_mail", "django.core.mail.EmailMessage.send", "django.core.mail.EmailMultiAlternatives.send"),
    "Flask-Mail": ("flask_mail.Mail.send",),
    "Twilio SMS": ("twilio.rest.Client.messages.create", "twilio.rest.Client.api.messages.create"),
}
_PY_QUEUE = tuple(f"boto3.{c}.{m}" for c in ("client", "Session.client", "session.Session.client") for m in ("send_message", "send_message_batch", "publish", "publish_batch")) + (
    "boto3.resource.Queue.send_message", "boto3.resource.Queue.send_messages", "boto3.resource.get_queue_by_name.send_message",
    "boto3.resource.get_queue_by_name.send_messages", "boto3.Session.resource.Queue.send_message",
)

# HTTP APIs: host fragment -> (kind, name).
_HOSTS: dict[str, tuple[str, str]] = {
    "api.stripe.com": (PAYMENT, "Stripe API"), "paypal.com": (PAYMENT, "PayPal API"), "adyen.com": (PAYMENT, "Adyen API"),
    "squareup.com": (PAYMENT, "Square API"), "squareupsandbox.com": (PAYMENT, "Square API"), "api.checkout.com": (PAYMENT, "Checkout.com API"),
    "api.razorpay.com": (PAYMENT, "Razorpay API"), "braintreegateway.com": (PAYMENT, "Braintree API"), "api.mollie.com": (PAYMENT, "Mollie API"),
    "api.sendgrid.com": (EMAIL, "SendGrid API"), "api.mailgun.net": (EMAIL, "Mailgun API"), "api.eu.mailgun.net": (EMAIL, "Mailgun API"),
    "api.resend.com": (EMAIL, "Resend API"), "api.postmarkapp.com": (EMAIL, "Postmark API"), "api.sparkpost.com": (EMAIL, "SparkPost API"),
    "api.mailjet.com": (EMAIL, "Mailjet API"), "api.brevo.com": (EMAIL, "Brevo API"), "mandrillapp.com": (EMAIL, "Mandrill API"),
}
_HTTP_POST = tuple(f"{m}.{v}" for m in ("requests", "httpx", "requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession") for v in ("post", "request"))
_KEY_HEADERS = re.compile(r"^(x-)?idempotency[-_]?key$|^paypal-request-id$", re.I)
_KEY_FIELDS = frozenset({"idempotency_key", "idempotencyKey", "IdempotencyKey"})
_DEDUP_NAME = re.compile(r"(idempot|dedup|already_?sent|message_?id)", re.I)
_DEDUP_CALL = re.compile(r"(idempot|dedup|already_?sent|alreadysent|was_?sent)", re.I)
_RANDOM = re.compile(r"(uuid[14]|token_hex|token_urlsafe|token_bytes|urandom|random|randomUUID|nanoid|cuid)\s*\(", re.I)


@dataclass(frozen=True, slots=True)
class SideEffect:
    file: SourceFile
    line: int
    kind: str  # payment, email or queue
    what: str
    keyed: bool | None  # None: the arguments cannot be read (**kwargs)
    note: str

    def evidence(self) -> Evidence:
        return evidence_at(self.file, self.line, f"{self.what}: {self.note}")


def _q(qualname: str) -> str:
    return qualname.replace("()", "")


def _matches(qualname: str, patterns: Iterable[str]) -> bool:
    if isinstance(patterns, tuple):
        return matches_any(qualname, patterns)
    return first_match(qualname, patterns) is not None


def _source(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, CallValue):
        return value.source
    source = getattr(value, "source", None)
    return source if isinstance(source, str) else ""


def _random_value(value: Any, depth: int = 0) -> bool:
    """A key drawn at the call: `str(uuid.uuid4())`, `f"{uuid4()}"`, `secrets.token_hex()`."""
    if depth > 4:
        return False
    if isinstance(value, CallValue):
        if _RANDOM.search(_q(value.qualname).split(".")[-1] + "("):
            return True
        return any(_random_value(a, depth + 1) for a in value.args) or any(_random_value(v, depth + 1) for v in value.kwargs.values())
    return bool(_RANDOM.search(_source(value)))


def _find_key(value: Any, depth: int = 0) -> tuple[str, Any] | None:
    """An idempotency key anywhere in a call's arguments: a keyword, an options mapping, a header."""
    if depth > 6:
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and (k in _KEY_FIELDS or _KEY_HEADERS.match(k)):
                return k, v
        for v in value.values():
            hit = _find_key(v, depth + 1)
            if hit:
                return hit
    elif isinstance(value, (list, tuple)):
        for v in value:
            hit = _find_key(v, depth + 1)
            if hit:
                return hit
    elif isinstance(value, CallValue):
        return _find_key(value.kwargs, depth + 1) or _find_key(list(value.args), depth + 1)
    return None


def _key_verdict(hit: tuple[str, Any] | None) -> tuple[bool, str]:
    if hit is None:
        return False, "no idempotency key"
    name, value = hit
    if value is None:
        return False, f"{name}=None"
    if _random_value(value):
        return False, f"{name} is drawn fresh at the call ({_source(value) or 'random'}): a re-run sends a new key"
    return True, f"{name} set"


# --- dedupe guards around email sends --------------------------------------------------------------------
class _Guards:
    """Functions of one Python module that check or claim a dedupe key, and who calls whom."""

    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self.ranges = {fn.name: (fn.line, fn.end_line) for fn in facts.functions}
        self.callers: dict[str, set[str]] = {}
        for caller, callees in facts.calls_by_function.items():
            for callee in callees:
                self.callers.setdefault(callee, set()).add(caller)

    def signal(self, function: str | None) -> str | None:
        if function is None or function not in self.ranges:
            return None
        lo, hi = self.ranges[function]
        for guard in self.facts.guards:
            if lo <= guard.line <= hi:
                names = [n for n in guard.names if _DEDUP_NAME.search(n)]
                if names:
                    return f"guarded by a dedupe check on {names[0]} (line {guard.line})"
        for call in self.facts.calls:
            if call.function != function:
                continue
            if _DEDUP_CALL.search(call.func) or _DEDUP_CALL.search(_q(call.qualname)):
                return f"{call.func}() checks or records a dedupe key (line {call.line})"
            if call.kwargs.get("nx") is True:
                return f"claims a key with SET NX first (line {call.line})"
            cond = call.kwargs.get("ConditionExpression")
            if "attribute_not_exists" in _source(cond):
                return f"claims a key with a conditional write first (line {call.line})"
        return None

    def keyed(self, function: str | None) -> str | None:
        """A dedupe signal in the function or in one of its callers in this module."""
        hit = self.signal(function)
        if hit or function is None:
            return hit
        for caller in sorted(self.callers.get(function, ())):
            hit = self.signal(caller)
            if hit:
                return f"called from {caller}(): {hit}"
        return None


def _content_dedup(index: RepoIndex) -> list[tuple[str | None, Evidence]]:
    """FIFO queues and topics that deduplicate by content, by name (None when unnamed): their
    messages need no MessageDeduplicationId."""
    out: list[tuple[str | None, Evidence]] = []
    for f in index.by_kind("terraform"):
        tf = f.terraform
        if tf is None:
            continue
        for block in tf.resources("aws_sqs_queue", "aws_sns_topic"):
            if block.body.get("content_based_deduplication") in (True, "true"):
                name = block.body.get("name")
                out.append((name if isinstance(name, str) else None, evidence_at(f, block.line, f"{block.type}.{block.name} deduplicates by content")))
    for f in index.by_kind("yaml", "json"):
        for doc in f.documents:
            resources = doc.data.get("Resources") if isinstance(doc.data, dict) else None
            if isinstance(resources, dict):
                for rname, res in resources.items():
                    props = res.get("Properties") if isinstance(res, dict) else None
                    if isinstance(props, dict) and props.get("ContentBasedDeduplication") in (True, "true"):
                        name = props.get("QueueName") or props.get("TopicName")
                        out.append((name if isinstance(name, str) else None, evidence_at(f, doc.line_of(("Resources", rname)), f"{rname} deduplicates by content")))
    for f in index.by_kind("python"):
        if f.python is None:
            continue
        for call in f.python.calls:
            if _q(call.qualname).endswith(("create_queue", "create_topic")):
                attrs = call.kwargs.get("Attributes")
                if isinstance(attrs, dict) and str(attrs.get("ContentBasedDeduplication", "")).lower() == "true":
                    name = call.kwargs.get("QueueName") or call.kwargs.get("Name")
                    out.append((name if isinstance(name, str) else None, evidence_at(f, call.line, "created with ContentBasedDeduplication")))
    return out


def _dedup_for(kwargs: dict[str, Any], queues: list[tuple[str | None, Evidence]]) -> Evidence | None:
    """The content-deduplicating queue a send goes to: by name when its URL is a literal."""
    url = kwargs.get("QueueUrl", kwargs.get("TopicArn"))
    if isinstance(url, str):
        target = re.split(r"[/:]", url.rstrip("/"))[-1]
        return next((ev for name, ev in queues if name is None or name == target), None)
    return queues[0][1] if queues else None


def _fifo(kwargs: dict[str, Any]) -> bool:
    if _deep_has(kwargs, "MessageGroupId"):
        return True
    for key in ("QueueUrl", "TopicArn"):
        if _source(kwargs.get(key)).rstrip("'\"").endswith(".fifo"):
            return True
    return False


def _deep_has(value: Any, key: str, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if isinstance(value, dict):
        return key in value or any(_deep_has(v, key, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_deep_has(v, key, depth + 1) for v in value)
    if isinstance(value, CallValue):
        return _deep_has(value.kwargs, key, depth + 1)
    return False


_NameKind = tuple[bool, str | None, bool, bool]
_PY_NAME_KINDS: dict[str, _NameKind] = {}


def _py_name_kind(qualname: str) -> _NameKind:
    """What a Python call's name says, memoised by name: (a Stripe write, the email library it
    sends through, a queue send, an HTTP POST)."""
    try:
        return _PY_NAME_KINDS[qualname]
    except KeyError:
        pass
    kind = (
        _matches(qualname, _PY_STRIPE),
        next((name for name, patterns in _PY_EMAIL.items() if _matches(qualname, patterns)), None),
        _matches(qualname, _PY_QUEUE),
        _matches(qualname, _HTTP_POST),
    )
    if len(_PY_NAME_KINDS) > 200_000:
        _PY_NAME_KINDS.clear()
    _PY_NAME_KINDS[qualname] = kind
    return kind


def _http_target(call: CallFact) -> tuple[str, str] | None:
    if not _py_name_kind(call.qualname)[3]:
        return None
    verb = _q(call.qualname).split(".")[-1]
    args = list(call.args)
    if verb == "request":
        method = args.pop(0) if args else call.kwargs.get("method")
        if not (isinstance(method, str) and method.upper() == "POST"):
            return None
    url = args[0] if args else call.kwargs.get("url")
    text = _source(url).lower()
    for host, target in _HOSTS.items():
        if host in text:
            return target
    return None


# AWS operations recognised by their request shape when the client object cannot be resolved
# (`ses, store = make_clients()`): operation -> (keywords of which one must be present, kind).
_AWS_SHAPES: dict[str, tuple[frozenset[str], str]] = {
    "send_email": (frozenset({"Destination", "FromEmailAddress", "Source"}), "SES"),
    "send_raw_email": (frozenset({"RawMessage"}), "SES"),
    "send_templated_email": (frozenset({"Template", "Destination"}), "SES"),
    "send_bulk_email": (frozenset({"BulkEmailEntries"}), "SES"),
    "send_message": (frozenset({"QueueUrl"}), "SQS"),
    "send_message_batch": (frozenset({"QueueUrl"}), "SQS"),
    "publish": (frozenset({"TopicArn"}), "SNS"),
}


def _aws_shape(call: CallFact) -> str | None:
    if _q(call.qualname).split(".")[0] in ("boto3", "smtplib", "aiosmtplib") or "." not in call.func:
        return None
    shape = _AWS_SHAPES.get(call.func.split(".")[-1])
    if shape is not None and shape[0] & set(call.kwargs):
        return shape[1]
    return None


def _python_effects(f: SourceFile, facts: PythonFacts, queues: list[tuple[str | None, Evidence]], scopes: ToolScopes) -> Iterator[SideEffect]:
    guards = _Guards(facts)
    for call in facts.calls:
        q = call.qualname
        shape = _aws_shape(call)
        stripe, email, queue, _ = _py_name_kind(q)
        if stripe:
            what = f"Stripe {'.'.join(_q(q).split('.')[-2:])}"
            hit = _find_key(call.kwargs) or _find_key(list(call.args))
            keyed, note = _key_verdict(hit)
            if not keyed and hit is None and call.has_star_kwargs:
                yield SideEffect(f, call.line, PAYMENT, what, None, "arguments pass through **kwargs: no idempotency key visible")
            else:
                yield SideEffect(f, call.line, PAYMENT, what, keyed, note)
            continue
        label = email
        if label is None and shape == "SES":
            label = "SES"
        if label is not None:
            hit = _find_key(call.kwargs) or _find_key(list(call.args))
            keyed, note = _key_verdict(hit)
            if not keyed:
                guard = guards.keyed(call.function)
                if guard:
                    keyed, note = True, guard
                elif hit is None:
                    note = "no idempotency key and no dedupe check: a retry sends it twice"
            yield SideEffect(f, call.line, EMAIL, f"{label} send", keyed, note)
            continue
        if (queue or shape in ("SQS", "SNS")) and _fifo(call.kwargs):
            what = "SNS FIFO publish" if _q(q).split(".")[-1].startswith("publish") else "SQS FIFO send"
            dedup = _dedup_for(call.kwargs, queues)
            if _deep_has(call.kwargs, "MessageDeduplicationId"):
                yield SideEffect(f, call.line, QUEUE, what, True, "MessageDeduplicationId set")
            elif dedup is not None:
                yield SideEffect(f, call.line, QUEUE, what, True, f"content-based deduplication ({dedup.path}:{dedup.line})")
            elif guards.keyed(call.function):
                yield SideEffect(f, call.line, QUEUE, what, True, guards.keyed(call.function) or "")
            else:
                yield SideEffect(f, call.line, QUEUE, what, False, "no MessageDeduplicationId on a FIFO queue without content-based deduplication")
            continue
        target = _http_target(call)
        if target is not None:
            kind, name = target
            hit = _find_key(call.kwargs.get("headers")) or _find_key(call.kwargs.get("json"))
            keyed, note = _key_verdict(hit)
            if not keyed and kind == EMAIL:
                guard = guards.keyed(call.function)
                if guard:
                    keyed, note = True, guard
            yield SideEffect(f, call.line, kind, f"POST to the {name}", keyed, note if hit or keyed else "no Idempotency-Key header")
            continue
        if scopes.python(f.path, call.function):
            effect = _python_tool_write(f, facts, call, guards)
            if effect is not None:
                yield effect


# --- writes made by agent tools --------------------------------------------------------------------------
# An agent retries a tool call when a turn is replayed or the model calls it again; a write that is
# not idempotent then happens twice. Only writes inside tools are judged: every CRUD handler of a
# web app is not an agent's business.
_WRITE_VERBS = ("post", "patch")
_PY_HTTP_WRITE_CLIENTS = ("requests", "requests.Session", "requests.session", "requests.sessions.Session", "httpx", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession")
_PY_HTTP_WRITES = tuple(f"{c}.{v}" for c in _PY_HTTP_WRITE_CLIENTS for v in (*_WRITE_VERBS, "request"))
_LOCAL_URL = re.compile(r"^(['\"`]?)(https?://)?(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|host\.docker\.internal)([:/'\"`]|$)|^['\"`]?/(?!/)", re.I)
_SQL_INSERT = re.compile(r"^\s*(?:(?:[rbuf]{0,2}['\"]{1,3}|`)\s*)?(?:WITH\b.*?\)\s*)?INSERT\s+(INTO\b|OR\b|IGNORE\b)", re.I | re.S)
_SQL_UPSERT = re.compile(r"\bON\s+CONFLICT\b|\bON\s+DUPLICATE\s+KEY\b|\bINSERT\s+OR\s+(IGNORE|REPLACE)\b|\bINSERT\s+IGNORE\b|\bWHERE\s+NOT\s+EXISTS\b", re.I)
_SQL_CALL_TAILS = frozenset({"execute", "executemany", "exec_driver_sql", "fetch", "fetchrow", "fetchval", "query", "run", "all", "get"})
_SA_INSERTS = (
    "sqlalchemy.insert", "sqlalchemy.sql.insert", "sqlalchemy.sql.expression.insert", "sqlalchemy.dialects.postgresql.insert",
    "sqlalchemy.dialects.sqlite.insert", "sqlalchemy.dialects.mysql.insert", "sqlmodel.insert", "sqlalchemy.Table.insert",
)
_SA_UPSERTS = frozenset({"on_conflict_do_nothing", "on_conflict_do_update", "on_duplicate_key_update"})
_ORM_SESSION = re.compile(r"(^|_)(session|db|sess)$", re.I)
# POSTs that read: search and query endpoints, model APIs. Judged by the URL, then by the function's name.
_READ_URL = re.compile(
    r"(search|query|graphql|embed|complet|/chat\b|/messages\b|rerank|retriev|lookup|/find|/count|scroll|/_msearch|classif|predict|infer|generat|tokeni[sz]e|/token\b|/oauth|/auth\b|/login|/validate|/verify|/quote|/estimate|/preview|/render)",
    re.I,
)
_READ_FUNCTION = re.compile(
    r"^_*(search|query|get|fetch|list|find|lookup|read|load|retrieve|count|check|validate|estimate|preview|embed|classify|rank|rerank)(_|[A-Z0-9]|$)"
)


def _reads(url: Any, function: str | None) -> bool:
    return bool(_READ_URL.search(_source(url))) or bool(function and _READ_FUNCTION.match(function))


def _http_method(call_args: list[Any], kwargs: dict[str, Any], verb: str) -> str | None:
    if verb != "request":
        return verb.upper()
    method = call_args[0] if call_args else kwargs.get("method")
    return method.upper() if isinstance(method, str) else None


def _external(url: Any) -> bool:
    """Whether a URL leaves the host: a literal to localhost or a relative path does not; an
    expression is taken as external unless its code names localhost."""
    text = _source(url).strip()
    return not text or not _LOCAL_URL.search(text)


_STRING_CODE = re.compile(r"^\s*(?:[rbuf]{0,2}['\"]|`)", re.I)


def _sql_text(value: Any) -> str:
    """The SQL of an argument: a string literal, `text("...")`, or the code of an f-string or a
    template literal; "" for anything else (a statement object built with `insert(...)`)."""
    if isinstance(value, str):
        return value
    if isinstance(value, CallValue):
        return _sql_text(value.args[0]) if value.args and _q(value.qualname).rsplit(".", 1)[-1] == "text" else ""
    source = _source(value)
    return source if _STRING_CODE.match(source) else ""


def _python_tool_write(f: SourceFile, facts: PythonFacts, call: CallFact, guards: _Guards) -> SideEffect | None:
    q = _q(call.qualname)
    tail = q.rsplit(".", 1)[-1]
    written = call.func.split(".")
    if _matches(call.qualname, _PY_HTTP_WRITES):
        args = list(call.args)
        method = _http_method(args, call.kwargs, tail)
        if method not in ("POST", "PATCH"):
            return None
        url = args[1 if tail == "request" else 0] if len(args) > (1 if tail == "request" else 0) else call.kwargs.get("url")
        if not _external(url) or _reads(url, call.function):
            return None
        hit = _find_key(call.kwargs.get("headers"))
        keyed, note = _key_verdict(hit)
        if not keyed:
            guard = guards.keyed(call.function)
            if guard:
                keyed, note = True, guard
            elif hit is None:
                note = "no Idempotency-Key header: a retried tool call repeats the write"
        return SideEffect(f, call.line, HTTP_WRITE, f"{method} {call.func}() in a tool", keyed, note)
    what: str | None = None
    upsert: str | None = None
    if _matches(call.qualname, _SA_INSERTS) or (q.startswith("sqlalchemy.") and tail == "insert"):
        what = "SQLAlchemy insert()"
        prefix = call.qualname + "()"
        for other in facts.calls:
            if other.function == call.function and other.qualname.startswith(prefix) and _q(other.qualname).rsplit(".", 1)[-1] in _SA_UPSERTS:
                upsert = f"{_q(other.qualname).rsplit('.', 1)[-1]}() (line {other.line})"
                break
    elif tail in ("add", "add_all") and (q.startswith(("sqlalchemy.", "sqlmodel.", "flask_sqlalchemy.")) or (
        len(written) >= 2 and _ORM_SESSION.search(written[-2]) and imports_any(facts, ("sqlalchemy", "sqlmodel", "flask_sqlalchemy"))
    )):
        what = f"{call.func}()"
    elif tail in ("create", "bulk_create", "acreate", "abulk_create") and len(written) >= 3 and written[-2] == "objects":
        what = f"{call.func}()"
    elif tail in _SQL_CALL_TAILS and (call.args or "sql" in call.kwargs):
        sql = _sql_text(call.args[0] if call.args else call.kwargs.get("sql"))
        if not _SQL_INSERT.search(sql):
            return None
        what = f"INSERT through {call.func}()"
        if _SQL_UPSERT.search(sql):
            upsert = "the statement is an upsert"
    else:
        return None
    if upsert:
        return SideEffect(f, call.line, DB_INSERT, what, True, f"upsert: {upsert}")
    guard = guards.keyed(call.function)
    if guard:
        return SideEffect(f, call.line, DB_INSERT, what, True, guard)
    return SideEffect(f, call.line, DB_INSERT, what, False, "plain insert in a tool, no upsert or dedupe check: a retried tool call writes the row twice")


_JS_HTTP = ("fetch", "globalThis.fetch", "node-fetch", "node-fetch.default", "undici.fetch", "undici.request", "cross-fetch", "cross-fetch.default")
_JS_AXIOS_WRITES = tuple(f"axios{d}.{v}" for d in ("", ".default") for v in _WRITE_VERBS)
_PRISMA_CREATES = frozenset({"create", "createMany", "createManyAndReturn"})
_JS_UPSERT_TAILS = frozenset({"onConflictDoNothing", "onConflictDoUpdate", "onDuplicateKeyUpdate", "merge", "ignore"})


def _js_tool_write(f: SourceFile, jc: Any, calls_on_line: list[Any], guarded: bool) -> SideEffect | None:
    q = _q(jc.qualname)
    parts = q.split(".")
    tail = parts[-1]
    options = jc.options if isinstance(jc.options, dict) else {}
    if q in _JS_HTTP or q in _JS_AXIOS_WRITES:
        method = str(options.get("method", "")).upper() if q in _JS_HTTP else tail.upper()
        if method not in ("POST", "PATCH"):
            return None
        url = jc.args[0] if jc.args else None
        text = _source(url).lower()
        host = next((target for h, target in _HOSTS.items() if h in text), None)
        if not _external(url) or (host is None and _reads(url, jc.function)):
            return None
        keyed, note = _key_verdict(_find_key(options))
        if not keyed and guarded:
            keyed, note = True, "sent from a function that checks or records a dedupe key"
        elif not keyed:
            note = "no Idempotency-Key header: a retried tool call repeats the write"
        if host is not None:
            return SideEffect(f, jc.line, host[0], f"{method} to the {host[1]}", keyed, note)
        return SideEffect(f, jc.line, HTTP_WRITE, f"{method} {jc.func}() in a tool", keyed, note)
    written = jc.func.split(".")
    if tail in _PRISMA_CREATES and ("PrismaClient" in jc.qualname or q.startswith("@prisma/client") or written[0] in ("prisma", "db")) and len(written) >= 3:
        what = f"Prisma {'.'.join(written[-2:])}()"
    elif tail == "insert" and not jc.is_new and len(written) >= 2:
        upsert = next((c for c in calls_on_line if _q(c.qualname).rsplit(".", 1)[-1] in _JS_UPSERT_TAILS), None)
        if upsert is not None:
            return SideEffect(f, jc.line, DB_INSERT, f"{jc.func}()", True, f"upsert: {_q(upsert.qualname).rsplit('.', 1)[-1]}()")
        what = f"{jc.func}()"
    elif tail in ("query", "execute") and jc.args and _SQL_INSERT.search(_sql_text(jc.args[0])):
        if _SQL_UPSERT.search(_sql_text(jc.args[0])):
            return SideEffect(f, jc.line, DB_INSERT, f"INSERT through {jc.func}()", True, "upsert: the statement is an upsert")
        what = f"INSERT through {jc.func}()"
    else:
        return None
    if guarded:
        return SideEffect(f, jc.line, DB_INSERT, what, True, "written from a function that checks or records a dedupe key")
    return SideEffect(f, jc.line, DB_INSERT, what, False, "plain create in a tool, no upsert or dedupe check: a retried tool call writes the row twice")


# --- JS/TS --------------------------------------------------------------------------------------------------
_JS_EMAIL: dict[str, tuple[str, ...]] = {
    "nodemailer": ("sendMail",),
    "@sendgrid/mail": ("send", "sendMultiple"),
    "resend": ("send",),
    "postmark": ("sendEmail", "sendEmailWithTemplate", "sendEmailBatch", "sendEmailBatchWithTemplates"),
    "twilio": ("create",),
}
_JS_AWS_COMMANDS = {
    "SendEmailCommand": EMAIL, "SendRawEmailCommand": EMAIL, "SendTemplatedEmailCommand": EMAIL, "SendBulkEmailCommand": EMAIL,
    "SendMessageCommand": QUEUE, "SendMessageBatchCommand": QUEUE, "PublishCommand": QUEUE, "PublishBatchCommand": QUEUE,
}


def _js_module(qualname: str) -> str:
    q = _q(qualname)
    if q.startswith("@"):
        scope, _, rest = q.partition("/")
        return scope + "/" + rest.split(".")[0]
    return q.split(".")[0]


_JsNameKind = tuple[list[str], str, str, bool, bool, bool]
_JS_NAME_KINDS: dict[str, _JsNameKind] = {}


def _js_name_kind(qualname: str) -> _JsNameKind:
    """A JS/TS call's name taken apart, memoised: (segments, module, method, a Stripe write, an
    email or SMS send, an AWS SDK command of interest when constructed with `new`)."""
    try:
        return _JS_NAME_KINDS[qualname]
    except KeyError:
        pass
    parts = _q(qualname).split(".")
    module = _js_module(qualname)
    method = parts[-1]
    resource = {".".join(parts[-3:-1]), parts[-2] if len(parts) >= 2 else ""}
    stripe = module == "stripe" and method in ("create", "confirm", "capture", "pay") and bool(resource & set(_STRIPE_JS_RESOURCES))
    email = module in _JS_EMAIL and method in _JS_EMAIL[module] and (module != "twilio" or "messages" in parts)
    aws = method in _JS_AWS_COMMANDS and module.startswith("@aws-sdk/client-")
    kind = (parts, module, method, stripe, email, aws)
    if len(_JS_NAME_KINDS) > 200_000:
        _JS_NAME_KINDS.clear()
    _JS_NAME_KINDS[qualname] = kind
    return kind


def _js_effects(f: SourceFile, queues: list[tuple[str | None, Evidence]], scopes: ToolScopes) -> Iterator[SideEffect]:
    js = f.js
    if js is None:
        return
    dedupe_fns = {jc.function for jc in js.calls if jc.function and _DEDUP_CALL.search(jc.func)}
    callers: dict[str, set[str]] = {}
    for jc in js.calls:
        if jc.function:
            callers.setdefault(jc.func.split(".")[-1], set()).add(jc.function)

    def guarded(fn: str | None) -> bool:
        return fn is not None and (fn in dedupe_fns or bool(callers.get(fn, set()) & dedupe_fns))

    by_line: dict[int, list[Any]] = {}
    for jc in js.calls:
        by_line.setdefault(jc.line, []).append(jc)
    for jc in js.calls:
        if scopes.js(f.path, jc.function, jc.line):
            effect = _js_tool_write(f, jc, by_line[jc.line], guarded(jc.function))
            if effect is not None:
                yield effect
                continue
        parts, module, method, stripe, email, aws = _js_name_kind(jc.qualname)
        if not (stripe or email or (aws and jc.is_new)):
            continue
        options = jc.options if isinstance(jc.options, dict) else {}
        if stripe:
            keyed, note = _key_verdict(_find_key(options))
            yield SideEffect(f, jc.line, PAYMENT, f"Stripe {'.'.join(parts[-2:])}", keyed, note if keyed else "no idempotencyKey in the request options")
        elif email:
            keyed, note = _key_verdict(_find_key(options))
            if not keyed and guarded(jc.function):
                keyed, note = True, "sent from a function that checks or records a dedupe key"
            elif not keyed:
                note = "no idempotency key and no dedupe check: a retry sends it twice"
            label = "SMS" if module == "twilio" else "email"
            yield SideEffect(f, jc.line, EMAIL, f"{module} {label} send", keyed, note)
        elif jc.is_new and aws:
            kind = _JS_AWS_COMMANDS[method]
            if kind == EMAIL:
                keyed = guarded(jc.function)
                yield SideEffect(f, jc.line, EMAIL, f"SES {method}", keyed, "sent from a function that checks or records a dedupe key" if keyed else "no dedupe check: a retry sends it twice")
            elif _fifo(options):
                dedup = _dedup_for(options, queues)
                if _deep_has(options, "MessageDeduplicationId"):
                    yield SideEffect(f, jc.line, QUEUE, f"FIFO {method}", True, "MessageDeduplicationId set")
                elif dedup is not None:
                    yield SideEffect(f, jc.line, QUEUE, f"FIFO {method}", True, f"content-based deduplication ({dedup.path}:{dedup.line})")
                else:
                    yield SideEffect(f, jc.line, QUEUE, f"FIFO {method}", False, "no MessageDeduplicationId on a FIFO queue without content-based deduplication")


def side_effects(index: RepoIndex) -> list[SideEffect]:
    queues = _content_dedup(index)
    scopes = tool_scopes(index)
    out: list[SideEffect] = []
    for f in index.by_kind("python"):
        if not is_test_path(f.path) and f.python is not None:
            out.extend(_python_effects(f, f.python, queues, scopes))
    for f in index.by_kind("javascript", "typescript"):
        if not is_test_path(f.path):
            out.extend(_js_effects(f, queues, scopes))
    return out


def _counted(effects: list[SideEffect]) -> str:
    """`2 email or queue sends and 1 database insert in agent tools`."""
    sends = sum(1 for e in effects if e.kind in (EMAIL, QUEUE))
    http = sum(1 for e in effects if e.kind == HTTP_WRITE)
    db = sum(1 for e in effects if e.kind == DB_INSERT)
    parts = []
    if sends:
        parts.append(plural(sends, "email or queue send"))
    if http:
        parts.append(plural(http, "HTTP write") + " in agent tools")
    if db:
        parts.append(plural(db, "database insert") + " in agent tools")
    return " and ".join(parts)


def idempotency_keys(ctx: Context) -> Outcome:
    effects = side_effects(ctx.index)
    if not effects:
        return outcome(
            Status.SKIP,
            "no payment, email or queue side effects found: no idempotency duty (and no agent tool makes an HTTP write or a database insert)",
        )
    keyed = [e for e in effects if e.keyed]
    unkeyed_pay = [e for e in effects if e.kind == PAYMENT and e.keyed is False]
    unkeyed_other = [e for e in effects if e.kind != PAYMENT and e.keyed is False]
    unreadable = [e for e in effects if e.keyed is None]
    if unkeyed_pay:
        return outcome(
            Status.FAIL,
            f"{plural(len(unkeyed_pay), 'payment call')} without an idempotency key: a retried request can charge or refund twice"
            + (f"; {_counted(unkeyed_other)} unkeyed too" if unkeyed_other else ""),
            [e.evidence() for e in unkeyed_pay + unkeyed_other + unreadable],
        )
    if unkeyed_other or unreadable:
        parts = []
        sends = [e for e in unkeyed_other if e.kind in (EMAIL, QUEUE)]
        writes = [e for e in unkeyed_other if e.kind in (HTTP_WRITE, DB_INSERT)]
        if sends:
            parts.append(f"{_counted(sends)} without an idempotency key or dedupe check")
        if writes:
            parts.append(f"{_counted(writes)} without an idempotency key, upsert or dedupe check")
        if unreadable:
            parts.append(f"{plural(len(unreadable), 'payment call')} whose key cannot be read")
        return outcome(Status.WARN, "; ".join(parts) + ": a retry can send twice", [e.evidence() for e in unkeyed_other + unreadable])
    kinds = sorted({e.kind for e in keyed})
    return outcome(Status.PASS, f"every side effect is idempotent ({plural(len(keyed), 'call')}: {', '.join(kinds)})", [e.evidence() for e in keyed])
