"""The site's facts, each read from the one place it is written, for the templates and the other hooks.

* The torch version the outputs come from: the ``torch==`` pin of requirements.txt. It goes into
  ``config.extra.torch_version`` and fills ``{torch_version}`` in the footer (``copyright``).
* The languages: ``extra.alternate`` of mkdocs.yml (name, link, lang; the first is the default;
  ``link`` is the language's folder below the site's root, "/" or "/en/"). For the language
  switcher, the sitemap's hreflang links and the 404 page, this hook adds
  ``config.extra.language_folders`` ({"zh": "", "en": "en/"}), ``config.extra.language_root`` (this
  build's own folder) and ``config.extra.site_root`` (the address of the site's root,
  "https://…/autograd/"), and makes each ``link`` relative to this build's root ("../" in the
  English build for Chinese), which is how Material's own <link rel="alternate"> tags read it.

A configuration whose language and address disagree with ``extra.alternate`` stops
the build with a message naming the setting, rather than publishing links that go nowhere.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
TORCH_PIN = re.compile(r"^torch==(?P<version>[^\s;#]+)", re.MULTILINE)


def jobs() -> int:
    """How many processes or Chromium pages work at once: the JOBS setting (the Makefile sets it
    from the machine's processors; `make test JOBS=1`), else the processors of this machine."""
    return int(os.environ.get("JOBS") or os.cpu_count() or 1)


def torch_version(requirements: Path = REQUIREMENTS) -> str:
    """The pinned torch version: the one every output on the site comes from."""
    found = TORCH_PIN.search(requirements.read_text(encoding="utf-8"))
    if not found:
        raise PluginError(f"site_facts: {requirements.name} has no line torch==<version>")
    return found["version"]


def language_roots(alternate: list[dict]) -> dict[str, str]:
    """{language: folder below the site's root}: {"zh": "", "en": "en/"}."""
    return {entry["lang"]: entry["link"].strip("/") + "/" if entry["link"].strip("/") else "" for entry in alternate}


def check_language(language: str, site_url: str, alternate: list[dict]) -> tuple[str, str]:
    """This build's (language root, site root address); PluginError if the config contradicts itself."""
    roots = language_roots(alternate)
    if language not in roots:
        raise PluginError(f"site_facts: theme.language {language!r} is not in extra.alternate {sorted(roots)}")
    root = roots[language]
    site_url = site_url.rstrip("/") + "/"
    if not site_url.endswith("/" + root):
        raise PluginError(f"site_facts: site_url {site_url} of the {language!r} build does not end in /{root}")
    return root, site_url[: len(site_url) - len(root)]


def on_config(config):
    extra = config.extra
    root, site_root = check_language(config.theme["language"], config.site_url or "", extra["alternate"])
    folders = language_roots(extra["alternate"])
    extra["language_folders"] = folders
    extra["language_root"] = root
    extra["site_root"] = site_root
    # Material keeps the reader's choices (colour scheme, …) in localStorage under this path: the
    # site's root for every language, so a choice made on a Chinese page holds on the English one.
    extra["scope"] = urlsplit(site_root).path
    up = "../" * root.count("/")
    for entry in extra["alternate"]:
        entry["link"] = (up + folders[entry["lang"]]) or "./"
    extra["torch_version"] = torch_version()
    config.copyright = (config.copyright or "").replace("{torch_version}", extra["torch_version"])
    return config
