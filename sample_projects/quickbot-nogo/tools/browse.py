import requests
from bs4 import BeautifulSoup


def read_page(url):
    print("fetching", url)
    html = requests.get(url, headers={"User-Agent": "Mozilla/5.0 quickbot"}).text
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "footer"]):
        tag.decompose()
    text = soup.get_text(" ", strip=True)
    return text
