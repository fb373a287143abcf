"""What a first visit to each page costs the reader, and what Lighthouse makes of it (`make bench`).

A measurement, not a test: it prints tables and says which budget is missed, and by how much.

1. Transfer. Every page of the built site (both languages, notebook pages included) is opened in a
   fresh Chromium context (phone screen, empty cache), from a local server that compresses text with
   gzip as GitHub Pages does, and scrolled to its end. Counted: the bytes the server sends (headers
   included) for the HTML, CSS, JavaScript (the search worker's too), fonts and images, until the
   network is idle; "data" is the sitemaps Material's scripts fetch after the page has loaded.
   Budgets: every page <= 160 KB, median <= 120 KB, everything counted.
   Shown apart: what the reader's first search adds (the index of the page's language and the
   search's language scripts), since the index is fetched only then (overrides/javascripts/search-on-demand.js).
2. Our scripts' long tasks. Every page loaded with Chromium's CPU slowed down 4x (DevTools protocol)
   and traced: in each task of the page's main thread, the time spent in the site's own scripts
   (overrides/javascripts/, forced layouts included). Budget: under 50 ms in every task. Lighthouse
   names a task after the first script in it, which blamed ours for time that was Material's.
3. Run in the page (course/steps/run_in_page.py): on a page with runnable blocks, the bytes of the Run
   controls (script and style sheet, fetched with the page), then the reader's first Run of the first
   block: the bytes it fetches (the worker and MicroPython's runtime) and the time from the click to
   the output shown. Budgets: controls <= 5 KB (the playground's own script aside), first Run
   <= 300 KB, output within 1 s. `--run-only` measures this alone.
4. Lighthouse (node_modules/lighthouse), mobile, default simulated throttling, offline (every host
   but 127.0.0.1 fails to resolve): one run on every page, then two more on the five lowest
   (median of three). Budgets: performance >= 98 on every page and >= 95 in every single run;
   accessibility, best practices and SEO 100. With --write-table, the table of every page goes into
   BENCH.md between its bench markers.

Usage: python scripts/bench_pages.py [SITE_DIR] [--json FILE] [--write-table] [--skip-lighthouse] [--run-only]
About 20 minutes on the 2-core development machine (Lighthouse: ~10 s a run, 62 runs).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from course import browser_audit, site_server

ROOT = Path(__file__).resolve().parents[1]


KB = 1000
PAGE_BUDGET = 160 * KB
MEDIAN_BUDGET = 120 * KB
SCORE_BUDGETS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}
SINGLE_RUN_PERFORMANCE = 95  # the weakest page, in every single run
RERUN_LOWEST = 5  # pages measured twice more, for a median of three
LONG_TASK_MS = 50  # of our scripts' own time in one task, at 4x CPU slowdown
CPU_SLOWDOWN = 4
BENCH_PAGE = ROOT / "BENCH.md"  # the measurements page
TABLE_MARKERS = ("<!-- bench_pages: every page -->", "<!-- /bench_pages -->")
KINDS = ("html", "css", "js", "font", "image", "data")
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
RUN_PAGES = ("from-scratch/", "en/forward-mode/", "playground/")
CONTROLS_BUDGET = 5 * KB
FIRST_RUN_BUDGET = 300 * KB
FIRST_OUTPUT_BUDGET_MS = 1000


def kind_of(path: str) -> str:
    if path.endswith((".html", "/")):
        return "html"
    suffix = path.rsplit(".", 1)[-1]
    return {
        "css": "css",
        "js": "js",
        "woff2": "font",
        "woff": "font",
        "svg": "image",
        "png": "image",
        "jpg": "image",
        "webp": "image",
        "ico": "image",
    }.get(suffix, "data")


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


# Runs in the page: click the first Run button, resolve with the milliseconds until its run ends.
FIRST_RUN = r"""
async () => {
  const playground = document.getElementById("playground-app");
  const button = (playground || document).querySelector(".run-run");
  const output = playground ? playground.querySelector(".playground-result")
    : document.querySelector(".run-output[data-for='0']");
  const start = performance.now();
  const ended = new Promise((done) => new MutationObserver(() => {
    if (["done", "error", "stopped"].includes(output.dataset.state)) done(performance.now() - start);
  }).observe(output, {attributes: true}));
  button.click();
  return [await ended, output.dataset.state];
}
"""


def first_run(browser, base: str, path: str, log: list) -> dict:
    """The Run controls' bytes on `path`, then the bytes and time of the reader's first Run."""
    context = browser.new_context(viewport=browser_audit.DESKTOP)
    page = context.new_page()
    log.clear()
    page.goto(base + path, wait_until="networkidle")
    # The controls' style sheet is requested by their script; what the page loads late (the math
    # font, the sitemaps) must not count as the Run's.
    page.wait_for_function("() => { const css = document.getElementById('run-in-page-css'); return css && css.sheet; }")
    page.wait_for_timeout(500)
    page.wait_for_load_state("networkidle")
    controls = sum(sent for served, _status, sent in log if "run-in-page" in served or "playground.js" in served)
    log.clear()
    elapsed, state = page.evaluate(FIRST_RUN)
    page.wait_for_load_state("networkidle")
    context.close()
    return {
        "controls": controls,
        "first_run": sum(sent for _p, _s, sent in log),
        "ms": elapsed,
        "state": state,
        "files": sorted({served.rsplit("/", 1)[-1] for served, _s, _b in log}),
    }


def print_run(runs: dict, missed: list) -> None:
    print(
        "\nRun in the page (gzip; budgets: controls <= "
        f"{CONTROLS_BUDGET // KB} KB, first Run <= {FIRST_RUN_BUDGET // KB} KB, output <= {FIRST_OUTPUT_BUDGET_MS} ms)"
    )
    for path, run in runs.items():
        print(
            f"{path:28} controls {run['controls'] / KB:5.1f} KB, first Run {run['first_run'] / KB:6.1f} KB "
            f"({', '.join(run['files'])}), output after {run['ms']:.0f} ms ({run['state']})"
        )
        if run["state"] != "done":
            missed.append(f"first Run on {path} ended {run['state']}")
        if run["first_run"] > FIRST_RUN_BUDGET:
            missed.append(f"first Run on {path} fetched {run['first_run'] / KB:.1f} KB > {FIRST_RUN_BUDGET // KB} KB")
        if run["ms"] > FIRST_OUTPUT_BUDGET_MS:
            missed.append(
                f"first Run on {path} showed its output after {run['ms']:.0f} ms > {FIRST_OUTPUT_BUDGET_MS} ms"
            )
        if run["controls"] > CONTROLS_BUDGET and path != "playground/":
            missed.append(f"Run controls on {path}: {run['controls'] / KB:.1f} KB > {CONTROLS_BUDGET // KB} KB")


METRICS = {
    "fcp": "first-contentful-paint",
    "lcp": "largest-contentful-paint",
    "tbt": "total-blocking-time",
    "cls": "cumulative-layout-shift",
}


def lighthouse(url: str, workdir: Path) -> dict:
    """One Lighthouse run (mobile, simulated throttling): the four category scores (0-100), the
    metrics of performance (ms; CLS unitless) and the audits that cost points elsewhere."""
    flags = " ".join(browser_audit.CHROMIUM_ARGS).replace("--headless", "--headless=new")
    env = {**os.environ, "CHROME_PATH": browser_audit.chromium_executable() or os.environ.get("CHROME_PATH", "")}
    report = workdir / "report.json"
    subprocess.run(
        [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-flags={flags}",
            "--only-categories=" + ",".join(SCORE_BUDGETS),
        ],
        check=True,
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    result = json.loads(report.read_text(encoding="utf-8"))
    scores = {name: round(category["score"] * 100) for name, category in result["categories"].items()}
    failing = sorted(
        {
            ref["id"]
            for name, category in result["categories"].items()
            if name != "performance"
            for ref in category["auditRefs"]
            if ref["weight"] > 0
            and (result["audits"][ref["id"]].get("score") or 0) < 1
            and result["audits"][ref["id"]].get("scoreDisplayMode") not in ("notApplicable", "manual", "informative")
        }
    )
    metrics = {key: result["audits"][audit]["numericValue"] for key, audit in METRICS.items()}
    return {**scores, **metrics, "failing": failing}


def lighthouse_version() -> str:
    return json.loads((LIGHTHOUSE.parents[1] / "package.json").read_text(encoding="utf-8"))["version"]


def ours(url: str) -> str | None:
    """The file name of one of the site's own scripts (overrides/javascripts/), else None."""
    path = urlsplit(url).path
    return path.rsplit("/", 1)[-1] if "/javascripts/" in path and "/assets/" not in path else None


def our_long_tasks(browser, base: str, path: str) -> dict[str, float]:
    """For each of our scripts, the most time (ms) it took within one task of the page's main thread
    while the page loaded and settled, CPU slowed down CPU_SLOWDOWN times."""
    context = browser.new_context(viewport=browser_audit.PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    browser.start_tracing(page=page, categories=["devtools.timeline", "disabled-by-default-devtools.timeline"])
    page.goto(base + path, wait_until="load")
    page.wait_for_timeout(3000)  # what the scripts do after load: idle callbacks, timers
    trace = json.loads(browser.stop_tracing())
    context.close()
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    main = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "thread_name" and e.get("args", {}).get("name") == "CrRendererMain"
    }
    timed = [e for e in events if (e.get("pid"), e.get("tid")) in main and e.get("ph") == "X" and "dur" in e]
    tasks = [e for e in timed if e["name"] == "RunTask"]
    calls = [
        e
        for e in timed
        if e["name"] in ("FunctionCall", "EvaluateScript", "v8.compile")
        and ours(e.get("args", {}).get("data", {}).get("url", ""))
    ]
    worst: dict[str, float] = {}
    for task in tasks:
        start, end = task["ts"], task["ts"] + task["dur"]
        inside = sorted((c for c in calls if start <= c["ts"] < end), key=lambda c: c["ts"])
        spent: dict[str, float] = {}
        reach = 0.0  # calls nested in one already counted are not counted twice
        for call in inside:
            if call["ts"] < reach:
                continue
            reach = call["ts"] + call["dur"]
            name = ours(call["args"]["data"]["url"])
            spent[name] = spent.get(name, 0.0) + call["dur"] / 1000
        for name, ms in spent.items():
            worst[name] = max(worst.get(name, 0.0), ms)
    return worst


def bench_table(rows: dict[str, dict]) -> str:
    """The per-page Lighthouse table (Markdown) that --write-table writes into BENCH.md."""
    lines = ["| page | performance | FCP | LCP | TBT | CLS | runs |", "|---|---|---|---|---|---|---|"]
    for path, row in sorted(rows.items(), key=lambda item: (item[1]["performance"], item[0])):
        lines.append(
            f"| `/{path}` | {row['performance']:.0f} | {row['fcp'] / 1000:.1f} s | {row['lcp'] / 1000:.1f} s "
            f"| {row['tbt']:.0f} ms | {row['cls']:.3f} | {len(row['runs'])} |"
        )
    return "\n".join(lines)


def write_bench_table(table: str, measured: str) -> None:
    text = BENCH_PAGE.read_text(encoding="utf-8")
    start, end = TABLE_MARKERS
    if start not in text or end not in text:
        sys.exit(f"{BENCH_PAGE.name} has no {start} ... {end} markers for the table")
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    BENCH_PAGE.write_text(f"{before}{start}\n{measured}\n\n{table}\n{end}{after}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", nargs="?", default=str(ROOT / "site"))
    parser.add_argument("--write-table", action="store_true", help="write the per-page table into BENCH.md")
    parser.add_argument("--json", help="also write the numbers to this file")
    parser.add_argument("--skip-lighthouse", action="store_true")
    parser.add_argument("--run-only", action="store_true", help="measure only Run in the page (3.)")
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
            results["run"] = {path: first_run(browser, base, path, log) for path in RUN_PAGES}
            if args.run_only:
                browser.close()
                print_run(results["run"], missed)
                print("\n" + ("budgets missed:\n  " + "\n  ".join(missed) if missed else "all budgets met"))
                return 1 if missed else 0
            for path in browser_audit.pages_of(site):
                results["pages"][path] = transfer(browser, base, path, log)
            results["search"] = {
                path: search_cost(browser, base, path, word, log) for path, word in (("", "梯度"), ("en/", "gradient"))
            }
            browser.close()

        def page_bytes(path: str) -> int:
            return sum(results["pages"][path].values())

        print(
            f"First visit, gzip, bytes on the wire in KB (budget: every page <= {PAGE_BUDGET // KB}, "
            f"median <= {MEDIAN_BUDGET // KB}; 'data' = the sitemaps, fetched after load)"
        )
        print(f"{'page':40} " + " ".join(f"{k:>6}" for k in KINDS) + f" {'total':>6}")
        for path, totals in results["pages"].items():
            print(
                f"{path or '(home)':40} "
                + " ".join(f"{totals[k] / KB:6.1f}" for k in KINDS)
                + f" {page_bytes(path) / KB:6.1f}"
            )
        heaviest = max(results["pages"], key=page_bytes)
        median = statistics.median(page_bytes(p) for p in results["pages"])
        print(f"\nheaviest: {heaviest or '(home)'} {page_bytes(heaviest) / KB:.1f} KB; median {median / KB:.1f} KB")
        print(
            "the first search adds: "
            + ", ".join(
                f"{'Chinese' if path == '' else 'English'} pages {sent / KB:.1f} KB"
                for path, sent in results["search"].items()
            )
        )
        if page_bytes(heaviest) > PAGE_BUDGET:
            missed.append(f"heaviest page {heaviest} is {page_bytes(heaviest) / KB:.1f} KB > {PAGE_BUDGET // KB} KB")
        if median > MEDIAN_BUDGET:
            missed.append(f"median page is {median / KB:.1f} KB > {MEDIAN_BUDGET // KB} KB")
        print_run(results["run"], missed)
        results["summary"] = {
            "heaviest": heaviest,
            "heaviest_bytes": page_bytes(heaviest),
            "median_bytes": median,
            "first_search_bytes": results["search"],
        }

        with sync_playwright() as playwright:
            browser = browser_audit.launch(playwright)
            results["long_tasks"] = {path: our_long_tasks(browser, base, path) for path in results["pages"]}
            browser.close()
        print(f"\nOur scripts' most time in one task (ms, CPU {CPU_SLOWDOWN}x slower; budget < {LONG_TASK_MS}):")
        scripts = sorted({name for found in results["long_tasks"].values() for name in found})
        for name in scripts:
            page, ms = max(
                ((path, found.get(name, 0.0)) for path, found in results["long_tasks"].items()),
                key=lambda item: item[1],
            )
            print(f"  {name:28} {ms:6.1f} ms  on /{page}")
            if ms >= LONG_TASK_MS:
                missed.append(f"{name} took {ms:.0f} ms in one task on /{page} (CPU {CPU_SLOWDOWN}x slower)")

        if not args.skip_lighthouse:
            if not LIGHTHOUSE.exists() or not shutil.which("node"):
                sys.exit("lighthouse is not installed (make setup)")
            rows: dict[str, dict] = {}
            with tempfile.TemporaryDirectory() as workdir:
                for path in results["pages"]:
                    rows[path] = {"runs": [lighthouse(base + path, Path(workdir))]}
                    print(f"  lighthouse /{path}: {rows[path]['runs'][0]['performance']}", flush=True)
                lowest = sorted(rows, key=lambda p: rows[p]["runs"][0]["performance"])[:RERUN_LOWEST]
                for path in lowest:
                    rows[path]["runs"] += [lighthouse(base + path, Path(workdir)) for _ in range(2)]
            for row in rows.values():
                runs = row["runs"]
                row.update({key: statistics.median(run[key] for run in runs) for key in (*SCORE_BUDGETS, *METRICS)})
                row["failing"] = sorted({audit for run in runs for audit in run["failing"]})
            results["lighthouse"] = rows
            table = bench_table(rows)
            print(f"\nLighthouse, mobile: every page once, the {RERUN_LOWEST} lowest three times (median)\n{table}")
            for path, row in rows.items():
                for name, budget in SCORE_BUDGETS.items():
                    if row[name] < budget:
                        missed.append(
                            f"Lighthouse {name} on /{path}: {row[name]:.0f} < {budget}"
                            + (f" ({', '.join(row['failing'])})" if name != "performance" and row["failing"] else "")
                        )
                single = min(run["performance"] for run in row["runs"])
                if single < SINGLE_RUN_PERFORMANCE:
                    missed.append(f"Lighthouse performance on /{path}: one run {single} < {SINGLE_RUN_PERFORMANCE}")
            if args.write_table:
                weakest = min(rows, key=lambda p: (rows[p]["performance"], p))
                measured = (
                    f"Measured {datetime.date.today().isoformat()} by `make bench` on this 2-core machine "
                    f"(Lighthouse {lighthouse_version()}, mobile, simulated throttling); weakest page: "
                    f"`/{weakest}`."
                )
                write_bench_table(table, measured)

    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print("\n" + ("budgets missed:\n  " + "\n  ".join(missed) if missed else "all budgets met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
