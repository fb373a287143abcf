"""What a first visit to each page costs the reader, and what Lighthouse makes of it (`make bench`).

A measurement, not a test: it prints a table and says which budget is missed, and by how much.

1. Transfer. Every page of the built site (both languages, notebook pages included) is opened in a
   fresh Chromium context (phone screen, empty cache), from a local server that compresses text with
   gzip as GitHub Pages does, and scrolled to its end. Counted: the bytes the server sends (headers
   included) for the HTML, CSS, JavaScript (the search worker's too), fonts and images, until the
   network is idle; "data" is the sitemaps Material's scripts fetch after the page has loaded.
   Budgets: every page <= 160 KB, median <= 120 KB, everything counted.
   Shown apart: what the reader's first search adds (the index of the page's language and the
   search's language scripts), since the index is fetched only then (overrides/javascripts/search-on-demand.js).
2. Lighthouse (node_modules/lighthouse), mobile, default simulated throttling, offline (every host
   but 127.0.0.1 fails to resolve), on the home page and the heaviest chapter, median of three runs.
   Budgets: performance >= 95; accessibility, best practices and SEO 100.

Usage: python scripts/bench_pages.py [SITE_DIR] [--runs 3] [--json FILE] [--skip-lighthouse]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "browser"), str(ROOT / "hooks")]

from playwright.sync_api import sync_playwright  # noqa: E402

import browser_audit  # noqa: E402
import site_server  # noqa: E402

KB = 1000
PAGE_BUDGET = 160 * KB
MEDIAN_BUDGET = 120 * KB
SCORE_BUDGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
KINDS = ("html", "css", "js", "font", "image", "data")
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"


def kind_of(path: str) -> str:
    if path.endswith((".html", "/")):
        return "html"
    suffix = path.rsplit(".", 1)[-1]
    return {"css": "css", "js": "js", "woff2": "font", "woff": "font", "svg": "image", "png": "image",
            "jpg": "image", "webp": "image", "ico": "image"}.get(suffix, "data")


def transfer(browser, base: str, path: str, log: list) -> dict[str, int]:
    """Bytes the server sent, by kind, for a first visit to one page read to its end."""
    context = browser.new_context(viewport=browser_audit.PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log.clear()
    page.goto(base + path, wait_until="networkidle")
    # Read to the end, so that figures further down count even if they load lazily.
    page.evaluate("""async () => {
      for (let y = 0; y < document.scrollingElement.scrollHeight; y += innerHeight) {
        scrollTo(0, y); await new Promise((done) => setTimeout(done, 50));
      }
    }""")
    page.wait_for_load_state("networkidle")
    context.close()
    totals = dict.fromkeys(KINDS, 0)
    for served, _status, sent in log:
        totals[kind_of(served)] += sent
    return totals


def search_cost(browser, base: str, path: str, word: str, log: list) -> int:
    """Bytes the server sends when the reader first searches on `path`, results shown."""
    context = browser.new_context(viewport=browser_audit.DESKTOP)
    page = context.new_page()
    page.goto(base + path, wait_until="networkidle")
    log.clear()
    page.locator("input.md-search__input").click()
    page.keyboard.type(word)
    page.keyboard.press("End")  # typing Chinese sends no keyup in Playwright
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    page.wait_for_load_state("networkidle")
    context.close()
    return sum(sent for _path, _status, sent in log)


def lighthouse(url: str, workdir: Path) -> dict[str, float]:
    """One Lighthouse run (mobile, simulated throttling); the four category scores, 0-100."""
    flags = " ".join(browser_audit.CHROMIUM_ARGS).replace("--headless", "--headless=new")
    env = {**os.environ, "CHROME_PATH": browser_audit.chromium_executable() or os.environ.get("CHROME_PATH", "")}
    report = workdir / "report.json"
    subprocess.run(
        ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
         f"--chrome-flags={flags}", "--only-categories=" + ",".join(SCORE_BUDGETS)],
        check=True, env=env, cwd=workdir, stdout=subprocess.DEVNULL,
    )
    result = json.loads(report.read_text(encoding="utf-8"))
    scores = {name: round(category["score"] * 100) for name, category in result["categories"].items()}
    # What costs points outside performance (whose metrics are shown as numbers instead).
    failing = sorted({ref["id"] for name, category in result["categories"].items() if name != "performance"
                      for ref in category["auditRefs"]
                      if ref["weight"] > 0 and (result["audits"][ref["id"]].get("score") or 0) < 1
                      and result["audits"][ref["id"]].get("scoreDisplayMode") not in ("notApplicable", "manual", "informative")})
    return {**scores, "failing": failing, "lcp_ms": result["audits"]["largest-contentful-paint"]["numericValue"],
            "tbt_ms": result["audits"]["total-blocking-time"]["numericValue"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", nargs="?", default=str(ROOT / "site"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="also write the numbers to this file")
    parser.add_argument("--skip-lighthouse", action="store_true")
    args = parser.parse_args()
    site = Path(args.site)
    if not (site / "sitemap.xml").exists():
        sys.exit(f"no built site at {site} (make build)")

    missed = []
    results: dict = {"pages": {}, "lighthouse": {}}
    log: list = []
    with site_server.serve(site, compress=True, log=log) as base:
        with sync_playwright() as playwright:
            browser = browser_audit.launch(playwright)
            for path in browser_audit.pages_of(site):
                results["pages"][path] = transfer(browser, base, path, log)
            results["search"] = {path: search_cost(browser, base, path, word, log)
                                 for path, word in (("", "梯度"), ("en/", "gradient"))}
            browser.close()

        def page_bytes(path: str) -> int:
            return sum(results["pages"][path].values())

        print(f"First visit, gzip, bytes on the wire in KB (budget: every page <= {PAGE_BUDGET // KB}, "
              f"median <= {MEDIAN_BUDGET // KB}; 'data' = the sitemaps, fetched after load)")
        print(f"{'page':40} " + " ".join(f"{k:>6}" for k in KINDS) + f" {'total':>6}")
        for path, totals in results["pages"].items():
            print(f"{path or '(home)':40} " + " ".join(f"{totals[k] / KB:6.1f}" for k in KINDS)
                  + f" {page_bytes(path) / KB:6.1f}")
        heaviest = max(results["pages"], key=page_bytes)
        median = statistics.median(page_bytes(p) for p in results["pages"])
        print(f"\nheaviest: {heaviest or '(home)'} {page_bytes(heaviest) / KB:.1f} KB; median {median / KB:.1f} KB")
        print("the first search adds: " + ", ".join(f"{'Chinese' if path == '' else 'English'} pages "
                                                    f"{sent / KB:.1f} KB" for path, sent in results["search"].items()))
        if page_bytes(heaviest) > PAGE_BUDGET:
            missed.append(f"heaviest page {heaviest} is {page_bytes(heaviest) / KB:.1f} KB > {PAGE_BUDGET // KB} KB")
        if median > MEDIAN_BUDGET:
            missed.append(f"median page is {median / KB:.1f} KB > {MEDIAN_BUDGET // KB} KB")
        results["summary"] = {"heaviest": heaviest, "heaviest_bytes": page_bytes(heaviest), "median_bytes": median,
                              "first_search_bytes": results["search"]}

        if not args.skip_lighthouse:
            if not LIGHTHOUSE.exists() or not shutil.which("node"):
                sys.exit("lighthouse is not installed (make setup)")
            chapters = [p for p in results["pages"] if p not in ("", "en/") and "labs/" not in p]
            targets = {"home": "", "heaviest chapter": max(chapters, key=page_bytes)}
            print(f"\nLighthouse, mobile, median of {args.runs} runs (budgets: "
                  + ", ".join(f"{k} >= {v}" for k, v in SCORE_BUDGETS.items()) + ")")
            with tempfile.TemporaryDirectory() as workdir:
                for label, path in targets.items():
                    runs = [lighthouse(base + path, Path(workdir)) for _ in range(args.runs)]
                    medians = {k: statistics.median(r[k] for r in runs) for k in (*SCORE_BUDGETS, "lcp_ms", "tbt_ms")}
                    failing = sorted({audit for r in runs for audit in r["failing"]})
                    results["lighthouse"][path or "(home)"] = {**medians, "runs": runs}
                    print(f"{label:17} {path or '(home)':28} " + " ".join(f"{k} {medians[k]:.0f}" for k in SCORE_BUDGETS)
                          + f"  LCP {medians['lcp_ms'] / 1000:.2f} s, TBT {medians['tbt_ms']:.0f} ms"
                          + (f"\n{'':17} failing audits: {', '.join(failing)}" if failing else ""))
                    for name, budget in SCORE_BUDGETS.items():
                        if medians[name] < budget:
                            missed.append(f"Lighthouse {name} on {path or '(home)'}: {medians[name]:.0f} < {budget}")

    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print("\n" + ("budgets missed:\n  " + "\n  ".join(missed) if missed else "all budgets met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
