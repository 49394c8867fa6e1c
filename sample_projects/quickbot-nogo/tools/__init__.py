from tools.billing import charge_customer
from tools.browse import read_page
from tools.notify import post_to_slack, send_email
from tools.reports import lookup_customer, run_report
from tools.web_search import web_search

TOOLS = {
    "web_search": web_search,
    "read_page": read_page,
    "post_to_slack": post_to_slack,
    "send_email": send_email,
    "charge_customer": charge_customer,
    "run_report": run_report,
    "lookup_customer": lookup_customer,
}

TOOL_SCHEMAS = [
    {
        "type": "function",
        "function": {
            "name": "web_search",
            "description": "Search the web",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "read_page",
            "description": "Download a web page and return its text",
            "parameters": {"type": "object", "properties": {"url": {"type": "string"}}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "post_to_slack",
            "description": "Post a message to Slack",
            "parameters": {"type": "object", "properties": {"text": {"type": "string"}}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "send_email",
            "description": "Email someone",
            "parameters": {
                "type": "object",
                "properties": {
                    "to": {"type": "string"},
                    "subject": {"type": "string"},
                    "body": {"type": "string"},
                },
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "charge_customer",
            "description": "Charge a customer for a premium report",
            "parameters": {
                "type": "object",
                "properties": {
                    "customer_id": {"type": "string"},
                    "amount_cents": {"type": "integer"},
                },
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "run_report",
            "description": "Run one of the report scripts and return its output",
            "parameters": {
                "type": "object",
                "properties": {"script": {"type": "string"}, "args": {"type": "string"}},
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "lookup_customer",
            "description": "Find a customer by name",
            "parameters": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    },
]


def run_tool(name, args, user_id=None):
    try:
        fn = TOOLS[name]
        if name in ("send_email", "charge_customer"):
            return fn(user_id=user_id, **args)
        return fn(**args)
    except Exception as e:
        print("tool error", name, e)
        return f"error: {e}"
