"""A copy of sitemap.xml under each language's root, for Material's JavaScript.

Material fetches sitemap.xml under every `extra.alternate` link (the site root and en/) on every
page. The i18n plugin writes one sitemap, at the root, listing both languages; without a copy under
en/ each page logs a 404 and, when the switch is handled by Material, a reader lands on the other
language's home page instead of the same page.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def on_post_build(config) -> None:
    site = Path(config.site_dir)
    sitemap = site / "sitemap.xml"
    for alternate in config.extra.get("alternate", []):
        folder = site / alternate["link"].strip("./")
        if folder != site and folder.is_dir() and sitemap.exists():
            shutil.copyfile(sitemap, folder / "sitemap.xml")
