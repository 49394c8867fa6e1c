import json
import os

import db
from llm import chat
from tools import TOOL_SCHEMAS, run_tool

SYSTEM_PROMPT = open(os.path.join(os.path.dirname(__file__), "prompts", "system.txt")).read()


def run_agent(user_message, user_id="anonymous"):
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user_message},
    ]
    db.save_message(user_id, "user", user_message)

    while True:
        msg = chat(messages, tools=TOOL_SCHEMAS)
        print("assistant:", msg.content, msg.tool_calls)

        if not msg.tool_calls:
            db.save_message(user_id, "assistant", msg.content)
            return msg.content

        messages.append(msg)
        for call in msg.tool_calls:
            args = json.loads(call.function.arguments)
            print("running tool", call.function.name, args)
            result = run_tool(call.function.name, args, user_id=user_id)
            messages.append(
                {"role": "tool", "tool_call_id": call.id, "content": str(result)}
            )
