"""hooks/language_sitemaps.py: Material finds a sitemap under every language root."""

from types import SimpleNamespace

from hooks.language_sitemaps import on_post_build


def test_sitemap_is_copied_under_each_language_root(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "sitemap.xml").write_text("<urlset/>")
    config = SimpleNamespace(site_dir=str(tmp_path), extra={"alternate": [{"link": "./"}, {"link": "en/"}]})
    on_post_build(config)
    assert (tmp_path / "en" / "sitemap.xml").read_text() == "<urlset/>"
