"""The site's facts into ``config.extra``, for the templates and the later steps (course/site_facts.py
says what each is and where it is read from)."""

from __future__ import annotations

from urllib.parse import urlsplit

from course.site_facts import check_language, interface_strings, language_roots, torch_version


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
    interface_strings(config)
    return config
