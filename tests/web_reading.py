"""Reading the example host's HTML pages as a reader meets them (elements, labels, the error
summary) and sending their forms as a browser would, for the page tests that use TestClient."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

VOID = {"input", "meta", "link", "br", "img", "hr", "source", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.text = ""

    @property
    def words(self) -> str:
        return " ".join(self.text.split())

    def within(self, other: Element) -> bool:
        node = self.parent
        while node is not None:
            if node is other:
                return True
            node = node.parent
        return False


class Doc(HTMLParser):
    """A page as its elements (tag, attributes, text), for asserting what a reader meets."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self._open[-1] if self._open else None)
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for n in range(len(self._open) - 1, -1, -1):
            if self._open[n].tag == tag:
                del self._open[n:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        (found,) = self.find(tag, **attrs)
        return found

    def by_id(self, id_: str) -> Element:
        return self.one(id=id_)

    def label_of(self, id_: str) -> str:
        return self.one("label", for_=id_).words

    @property
    def main(self) -> str:
        return self.one("main").words

    @property
    def title(self) -> str:
        return self.one("h1").words

    def form(self, action: str) -> Element:
        return self.find("form", action=action)[0]

    def fields(self, form: Element) -> list[Element]:
        return [e for e in self.elements if e.tag in ("input", "select", "button") and e.within(form)]

    def summary(self) -> list[tuple[str | None, str]]:
        """The error summary's lines: where each links to (None: nowhere) and what it says."""
        box = self.one("div", **{"class": "error-summary"})
        lines = []
        for li in (e for e in self.find("li") if e.within(box)):
            links = [a for a in self.find("a") if a.within(li)]
            lines.append((links[0].attrs["href"] if links else None, li.words))
        return lines


def post(client: Any, doc: Doc, url: str, /, **data: Any) -> Any:
    """Send the form to ``url`` as a browser would: its hidden fields (the token among them),
    then ``data``."""
    form = doc.form(url)
    sent: dict[str, Any] = {}
    for field in doc.fields(form):
        if field.tag == "input" and field.attrs.get("type") == "hidden":
            sent[field.attrs["name"]] = field.attrs.get("value", "")
    sent.update(data)
    return client.post(url, data=sent, follow_redirects=False)


def get(client: Any, url: str, status: int = 200) -> Doc:
    response = client.get(url, follow_redirects=False)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return Doc(response.text)


def sign_in(client: Any, who: str, brand: str = "visma", language: str = "en") -> None:
    doc = get(client, "/ui/sign-in")
    response = post(client, doc, "/ui/sign-in", who=who, brand=brand, lang=language)
    assert response.status_code == 303, response.text[:500]
