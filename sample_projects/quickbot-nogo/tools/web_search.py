import os

import requests


def web_search(query):
    print("searching:", query)
    r = requests.get(
        "https://api.search.brave.com/res/v1/web/search",
        params={"q": query, "count": 8},
        headers={"X-Subscription-Token": os.getenv("BRAVE_API_KEY", "")},
    )
    results = r.json().get("web", {}).get("results", [])
    return [{"title": x["title"], "url": x["url"], "snippet": x.get("description")} for x in results]
