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
  Which configuration builds a language: config_file().
* The interface strings: overrides/locales/<lang>.yml (strings()). This build's language's go into
  the nav's titles, the palette's toggles and ``config.extra.strings``; every language's into
  ``config.extra.strings_of`` (the 404 page); the scripts' and stylesheets' into
  ``config.extra.javascript_strings`` and ``css_strings``, which overrides/main.html writes into the page.

A configuration whose language and address disagree with ``extra.alternate`` stops
the build with a message naming the setting, rather than publishing links that go nowhere.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

import yaml
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


# --- the languages' files ------------------------------------------------------------------------


def site_languages() -> tuple[str, ...]:
    """The site's languages, the default first: mkdocs.yml's extra.alternate."""
    from course.markdown_blocks import mkdocs_yml  # not at the top: markdown_blocks imports this module

    return tuple(language_roots(mkdocs_yml()["extra"]["alternate"]))


def config_file(language: str) -> Path:
    """The configuration a language is built from: mkdocs.yml for the default language,
    mkdocs.<language>.yml (which inherits mkdocs.yml) for another."""
    languages = site_languages()
    if language not in languages:
        raise ValueError(
            f"site_facts: {language!r} is not a language of mkdocs.yml's extra.alternate {list(languages)}"
        )
    return ROOT / ("mkdocs.yml" if language == languages[0] else f"mkdocs.{language}.yml")


# --- the interface strings -----------------------------------------------------------------------
# All that the site says around its pages, one file per language (overrides/locales/zh.yml says who
# reads which part). The hooks read them with strings(language); the templates as
# config.extra.strings (this build's language) and config.extra.strings_of (every language's, for
# the 404 page); the scripts from the JSON that overrides/main.html writes into every page.

LOCALES = ROOT / "overrides" / "locales"  # the theme's translations: MkDocs publishes nothing from it
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _differences(strings: dict, reference: dict, path: Path, reference_path: Path, at: str = "") -> list[str]:
    """What keeps ``strings`` from having the keys, kinds and placeholders of ``reference``."""
    problems = []
    for key in reference.keys() - strings.keys():
        problems.append(f"{_where(path)}: no string {at}{key} ({_where(reference_path)} has one)")
    for key in strings.keys() - reference.keys():
        problems.append(f"{_where(path)}: {at}{key} is not a string of {_where(reference_path)}")
    for key in reference.keys() & strings.keys():
        mine, theirs = strings[key], reference[key]
        if isinstance(theirs, dict) and isinstance(mine, dict):
            problems += _differences(mine, theirs, path, reference_path, f"{at}{key}.")
        elif not isinstance(mine, str) or isinstance(theirs, dict):
            problems.append(
                f"{_where(path)}: {at}{key} should be {'a mapping' if isinstance(theirs, dict) else 'text'}"
            )
        elif set(PLACEHOLDER.findall(mine)) != set(PLACEHOLDER.findall(theirs)):
            problems.append(
                f"{_where(path)}: {at}{key} has the placeholders {sorted(set(PLACEHOLDER.findall(mine)))}, "
                f"{_where(reference_path)} {sorted(set(PLACEHOLDER.findall(theirs)))}"
            )
    return sorted(problems)


def _read(path: Path) -> dict:
    if not path.is_file():
        raise PluginError(f"site_facts: no interface strings: {_where(path)} is missing")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PluginError(f"site_facts: {_where(path)} is not a mapping of strings")
    return data


def _not_text(data: dict, at: str = "") -> list[str]:
    """The keys of ``data`` (dotted) whose value is neither text nor a mapping of text."""
    found = []
    for key, value in data.items():
        if isinstance(value, dict):
            found += _not_text(value, f"{at}{key}.")
        elif not isinstance(value, str):
            found.append(f"{at}{key}")
    return found


@lru_cache(maxsize=16)
def _strings(path: Path, reference_path: Path, stamps: tuple[int, int]) -> dict:
    data, reference = _read(path), _read(reference_path)
    if path == reference_path:
        if "nav" in data:
            raise PluginError(f"site_facts: {_where(path)} has nav: the default language's titles are mkdocs.yml's")
        if problems := [f"{_where(path)}: {key} should be text" for key in _not_text(data)]:
            raise PluginError("site_facts: " + "; ".join(problems))
        return data
    titles = data.get("nav")
    if not isinstance(titles, dict) or not all(isinstance(t, str) for t in titles.values()):
        raise PluginError(f"site_facts: {_where(path)} needs nav: a title for each of mkdocs.yml's nav titles")
    problems = _differences({k: v for k, v in data.items() if k != "nav"}, reference, path, reference_path)
    if problems:
        raise PluginError("site_facts: " + "; ".join(problems))
    return data


def strings_file(language: str, folder: Path = LOCALES) -> Path:
    return folder / f"{language}.yml"


def strings(language: str, folder: Path = LOCALES) -> dict:
    """The interface strings of ``language``, with the keys and placeholders of the default language's
    file (a PluginError naming the file says what differs). Read again when a file changes."""
    path, reference = strings_file(language, folder), strings_file(site_languages()[0], folder)
    stamps = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in (path, reference))
    return _strings(path, reference, stamps)


def translated_nav(nav: list, language: str, folder: Path = LOCALES) -> list:
    """mkdocs.yml's nav with every title in ``language``: the file's nav maps each title of the
    default language to this one's, and holds no title the nav does not have."""
    if language == site_languages()[0]:
        return nav
    path = strings_file(language, folder)
    titles = strings(language, folder)["nav"]
    used = set()

    def walk(items: list) -> list:
        out = []
        for item in items:
            if not isinstance(item, dict):
                out.append(item)
                continue
            ((title, value),) = item.items()
            if title not in titles:
                raise PluginError(f"site_facts: {_where(path)} has no translation of the nav title {title!r} (nav:)")
            used.add(title)
            out.append({titles[title]: walk(value) if isinstance(value, list) else value})
        return out

    translated = walk(nav)
    if unused := sorted(set(titles) - used):
        raise PluginError(f"site_facts: {_where(path)} translates {unused}, which are not titles of mkdocs.yml's nav")
    return translated


def labelled_palette(palette: list[dict], language: str, folder: Path = LOCALES) -> list[dict]:
    """theme.palette with each toggle's name, from the file's palette: one label for each scheme."""
    path = strings_file(language, folder)
    labels = strings(language, folder)["palette"]
    schemes = [entry.get("scheme", "default") for entry in palette]
    if sorted(schemes) != sorted(labels):
        raise PluginError(
            f"site_facts: {_where(path)} labels the schemes {sorted(labels)}, theme.palette has {sorted(schemes)}"
        )
    return [
        {**entry, "toggle": {**entry.get("toggle", {}), "name": labels[scheme]}}
        for entry, scheme in zip(palette, schemes)
    ]


def interface_strings(config) -> None:
    """This build's language's strings into the nav, the palette and config.extra."""
    language = config.theme["language"]
    config.nav = translated_nav(config.nav, language) if config.nav else config.nav
    if config.theme["palette"]:
        config.theme["palette"] = labelled_palette(config.theme["palette"], language)
    config.extra["strings"] = strings(language)
    config.extra["strings_of"] = {other: strings(other) for other in site_languages()}
    config.extra["javascript_strings"] = script_json(config.extra["strings"]["javascript"])
    config.extra["css_strings"] = css_variables(config.extra["strings"]["css"])


def css_variables(words: dict[str, str]) -> str:
    """A :root rule with each of ``words`` as a CSS string, ``run_output`` as --course-run-output."""

    def quoted(text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
        return f'"{escaped}"'

    return ":root{" + ";".join(f"--course-{key.replace('_', '-')}:{quoted(text)}" for key, text in words.items()) + "}"


def script_json(data: dict) -> str:
    """``data`` as JSON to stand inside a <script> element: no <, > or & that HTML would read."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
