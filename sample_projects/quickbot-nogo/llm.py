import openai
from openai import OpenAI

import config

openai.api_key = "sk-proj-lbyFRZADLiyxaAkfPfSI-Q0v6xUfHNReHHalYmp_XNA9vo3Q0IdELGYtK5t71U"

client = OpenAI(api_key=openai.api_key, max_retries=0)


def chat(messages, tools=None):
    print("calling openai with", len(messages), "messages")
    kwargs = {"model": config.MODEL, "messages": messages}
    if tools:
        kwargs["tools"] = tools
    resp = client.chat.completions.create(**kwargs)
    print("got response", resp.usage)
    return resp.choices[0].message


def summarize(text):
    resp = client.chat.completions.create(
        model=config.MODEL,
        messages=[
            {"role": "system", "content": "Summarize this for a busy marketer."},
            {"role": "user", "content": text},
        ],
    )
    return resp.choices[0].message.content
