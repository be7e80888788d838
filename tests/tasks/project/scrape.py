# HTML scraping with Beautiful Soup, with Python's parser and with lxml.
from bs4 import BeautifulSoup

html = open("page.html", encoding="utf-8").read()
for parser in ("html.parser", "lxml"):
    soup = BeautifulSoup(html, parser)
    links = [(a.get_text(strip=True), a["href"]) for a in soup.select("ul.products a")]
    assert links == [("Kettle", "/p/1"), ("Toaster", "/p/2")], (parser, links)
    prices = [float(td.text.strip("$")) for td in soup.find_all("td", class_="price")]
    assert prices == [19.99, 24.5], prices
print("bs4 ok")
