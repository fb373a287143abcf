"""Find what a built page would load from another host (scripts, styles, fonts, images, frames)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

# Attributes through which a page loads something at page load (links a reader clicks are fine).
LOADING = {
    "script": ["src"],
    "img": ["src", "srcset"],
    "source": ["src", "srcset"],
    "iframe": ["src"],
    "video": ["src", "poster"],
    "audio": ["src"],
    "embed": ["src"],
    "object": ["data"],
    "image": ["href", "xlink:href"],
    "use": ["href", "xlink:href"],
}
LOADING_LINK_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "icon",
    "manifest",
}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])(?P<url>[^'")\s]+)""")


def is_foreign(url: str) -> bool:
    return url.startswith(("http:", "https:", "//"))


class _Loads(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        names = list(LOADING.get(tag, []))
        if tag == "link" and LOADING_LINK_RELS & set((attributes.get("rel") or "").split()):
            names.append("href")
        for name in names:
            value = attributes.get(name) or ""
            self.urls += [part.split()[0] for part in value.split(",") if part.strip()] if "srcset" in name else [value]
        self.urls += [m.group("url") for m in CSS_URL.finditer(attributes.get("style") or "")]

    def handle_data(self, data):
        # Inline <style> blocks.
        self.urls += [m.group("url") for m in CSS_URL.finditer(data) if "url(" in data or "@import" in data]


def foreign_loads(site: Path) -> list[str]:
    """``file: url`` for every resource a page or stylesheet of ``site`` loads from another host."""
    found = []
    for path in sorted(site.rglob("*")):
        if path.suffix == ".html":
            parser = _Loads()
            parser.feed(path.read_text(encoding="utf-8"))
            urls = parser.urls
        elif path.suffix == ".css":
            urls = [m.group("url") for m in CSS_URL.finditer(path.read_text(encoding="utf-8"))]
        elif path.suffix == ".svg":
            urls = re.findall(r"""(?:href|src)=["']((?:https?:)?//[^"']+)""", path.read_text(encoding="utf-8"))
        else:
            continue
        found += [f"{path.relative_to(site)}: {url}" for url in urls if is_foreign(url)]
    return found
