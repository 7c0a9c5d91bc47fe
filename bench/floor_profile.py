"""`python -m bench.floor --reuse --profile KEY`: where one page's time goes (cProfile)."""

from __future__ import annotations

import cProfile
import pstats
from pathlib import Path

from bench.floor import PAGES, _production_request_log, headers_for, settled


def profile(app, personas, key: str, *, requests: int, top: int = 45, ids=None) -> None:
    """cProfile `requests` GETs of one page; print where its time goes."""
    page = next(p for p in PAGES if p.key == key)
    client = app.test_client(use_cookies=False)
    headers = headers_for(page, personas[page.persona])
    path = page.url(ids)
    _production_request_log()
    for _ in range(20):
        client.get(path, headers=headers).close()
    profiler = cProfile.Profile()
    with settled():
        profiler.enable()
        for _ in range(requests):
            client.get(path, headers=headers).close()
        profiler.disable()
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        package = _package(filename)
        by_package[package] = by_package.get(package, 0.0) + tottime
    total = sum(by_package.values())
    print(f"own time by package, ms per request ({total * 1000 / requests:.2f} in all):")
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {package:<28} {seconds * 1000 / requests:7.3f}  {seconds / total:6.1%}")
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def _package(filename: str) -> str:
    """'sqlalchemy', 'jinja2', 'hub', 'templates' … for a profiled function's file."""
    if filename.startswith("<template>") or filename.endswith(".html"):
        return "templates"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    for root in ("hub", "campaigns", "feedback", "learning", "bench"):
        if root in parts:
            return root
    return "python" if filename.startswith(("/usr", "~", "<")) else Path(filename).name
