"""The site's facts, each written once: the languages (mkdocs.yml's extra.alternate) and the torch
version of the outputs (requirements.txt). Everything that repeats one of them is tied to it here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from markdown_blocks import ROOT, mkdocs_yml
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
from site_facts import check_language, language_roots, torch_version

ALTERNATE = mkdocs_yml()["extra"]["alternate"]
LANGUAGES = language_roots(ALTERNATE)
DEFAULT = next(iter(LANGUAGES))


def config_path(language: str) -> Path:
    return ROOT / ("mkdocs.yml" if language == DEFAULT else f"mkdocs.{language}.yml")


@pytest.fixture(scope="module")
def configs():
    return {language: load_config(str(config_path(language))) for language in LANGUAGES}


def nav_pages(nav) -> list[str]:
    pages = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_each_language_is_one_build_whose_settings_agree_with_extra_alternate(configs):
    for language, folder in LANGUAGES.items():
        config = configs[language]
        assert config.theme["language"] == language, config_path(language).name
        assert Path(config.docs_dir) == ROOT / "docs" / language
        assert config.site_url == configs[DEFAULT].site_url + folder
        assert Path(config.site_dir) == ROOT / "site" / folder
        assert config.edit_uri.endswith(f"docs/{language}/")


def test_every_language_lists_the_same_pages_in_the_same_order(configs):
    navs = {language: nav_pages(config.nav) for language, config in configs.items()}
    assert all(nav == navs[DEFAULT] for nav in navs.values()), navs
    for language, pages in navs.items():
        missing = [page for page in pages if not (ROOT / "docs" / language / page).exists()]
        assert missing == [], f"{config_path(language).name}: {missing}"


def test_the_other_languages_change_only_what_is_theirs():
    # INHERIT merges mappings: a key of mkdocs.en.yml outside this list would silently fork the base.
    own = {
        "INHERIT",
        "site_name",
        "site_description",
        "site_url",
        "docs_dir",
        "site_dir",
        "edit_uri",
        "copyright",
        "theme",
        "plugins",
        "nav",
    }
    for language in LANGUAGES:
        if language != DEFAULT:
            keys = set(yaml.safe_load(config_path(language).read_text(encoding="utf-8")))
            assert keys <= own, f"{config_path(language).name} sets {sorted(keys - own)}"


def test_a_build_whose_address_disagrees_with_its_language_stops():
    with pytest.raises(PluginError, match="site_url .* of the 'en' build does not end in /en/"):
        check_language("en", "https://example.org/autograd/", ALTERNATE)
    with pytest.raises(PluginError, match="'fr' is not in extra.alternate"):
        check_language("fr", "https://example.org/autograd/fr/", ALTERNATE)
    assert check_language("en", "https://example.org/autograd/en/", ALTERNATE) == (
        "en/",
        "https://example.org/autograd/",
    )


# --- the torch version -----------------------------------------------------------------------------

PIN = torch_version()
# "torch 2.13.0", "torch==2.13.0", "torch 2.13.0（CPU）": a full version names the outputs' torch.
# Older releases are named by their minor version ("since torch 2.0"), which this does not match.
STATED = re.compile(r"\btorch(?:==| |\u00a0)(?P<version>\d+\.\d+\.\d+)")


def stated_versions(text: str) -> set[str]:
    return {m["version"] for m in STATED.finditer(text)}


def files_that_state_versions() -> list[Path]:
    return sorted(
        [
            *ROOT.glob("docs/**/*.md"),
            *ROOT.glob("docs/**/*.ipynb"),
            *ROOT.glob("overrides/**/*.html"),
            ROOT / "README.md",
            ROOT / "CONTRIBUTING.md",
            *ROOT.glob("mkdocs*.yml"),
            *ROOT.glob("hooks/*.py"),
        ]
    )


def test_every_page_template_and_readme_states_the_pinned_torch():
    wrong = {
        str(path.relative_to(ROOT)): found - {PIN}
        for path in files_that_state_versions()
        if (found := stated_versions(path.read_text(encoding="utf-8"))) - {PIN}
    }
    assert wrong == {}, f"requirements.txt pins torch {PIN}"


def test_another_version_on_a_page_is_found():
    assert stated_versions("输出来自 torch 2.12.1（CPU）, since torch 2.0") == {"2.12.1"}


def test_the_footer_takes_the_version_from_the_pin():
    # hooks/site_facts.py fills in {torch_version}; a version typed into a footer would go stale.
    footers = [mkdocs_yml()["copyright"]] + [
        yaml.safe_load(config_path(language).read_text(encoding="utf-8"))["copyright"]
        for language in LANGUAGES
        if language != DEFAULT
    ]
    assert all("{torch_version}" in footer and not STATED.search(footer) for footer in footers), footers
