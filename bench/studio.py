"""`python -m bench.studio`: what the co-branding studio's renders cost, beside their floors.

    python -m bench.studio                  # 40 runs of each (about two minutes)
    python -m bench.studio --runs 200       # steadier percentiles
    python -m bench.studio --runs 3         # a quick try (the test runs this)

In one process, on a throw-away SQLite database with the demo templates and a dealer
whose profile has Prairie's wide transparent logo, each output is timed over many runs
(wall clock, `time.perf_counter`), p50 and p95, beside its **floor** measured in the same
run on the same data:

  1080×1080 PNG     render (layout, logo, text, code plate) + encode  |  floor: Pillow
                    opening the base artwork (a PNG), pasting the logo once, saving a PNG
                    at the same size with the same settings
  A4 300 dpi PDF    the A4 flyer rendered (with its QR code) + encoded as a PDF  |  floor:
                    opening the A4 artwork, pasting the logo, saving a 300 dpi PDF
  12-slide deck     python-pptx filling every token, placing the logo and the code on each
                    slide, saving  |  floor: python-pptx opening and saving it untouched
  cache hit         `service.personalise` of a PNG already rendered: the inputs' hash
                    (profile and forbidden words read from the database) and the file read

and the ratio render ÷ floor is printed (goal: each within 3×; a cache hit under 5 ms).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from pptx import Presentation

from bench.load import percentile
from bench.seed_large import bench_app

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_RATIO = 3.0
GOAL_HIT_MS = 5.0


def _figures(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "runs": len(times),
        "mean_ms": round(statistics.fmean(times), 2),
    }


def _ms(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def _paired(render: Callable[[], object], floor: Callable[[], object], runs: int):
    """Render and floor timed in turns, so both meet the same load on a shared machine."""
    render(), floor()  # warm: fonts, the drawn artwork, imports
    pairs = [(_ms(render), _ms(floor)) for _ in range(runs)]
    return _figures([r for r, _f in pairs]), _figures([f for _r, f in pairs])


def _timed(fn: Callable[[], object], runs: int) -> dict:
    fn()
    return _figures([_ms(fn) for _ in range(runs)])


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _seed(app):
    """The demo templates and one dealer marketer with a brand profile and logo."""
    from campaigns.demo import studio as studio_demo
    from campaigns.studio.profiles import save_profile
    from hub import db
    from hub.demo.channel import set_path
    from hub.models import Organization, OrgKind, Person, Role

    oem = Organization(name="Bench OEM", kind=OrgKind.OEM)
    dealer = Organization(name="Prairie Ag Dealers", kind=OrgKind.DEALER, parent=oem)
    db.session.add_all([oem, dealer])
    db.session.flush()
    set_path(oem)
    set_path(dealer)
    person = Person(
        email="marketing@bench.example",
        name="Bench Marketer",
        role=Role("dealer_marketer"),
        organization=dealer,
        password_hash="x",
    )
    db.session.add(person)
    templates = {t.key: t for t in studio_demo.install()}
    profile = {
        "brand_colour": "#1f5c3a",
        "phone": "(306) 555-0142",
        "website": "prairie-ag.example",
        "address": "12 Grain Elevator Road, Swift Current, SK",
    }
    save_profile(person, dealer, profile, (studio_demo.prairie_logo(), "logo.png", "image/png"))
    db.session.commit()
    return person, templates


def run(runs: int = 40) -> dict:
    """Measure every output and its floor; the figures as a dict (also printed)."""
    from campaigns.studio import deck, render, service
    from campaigns.studio.artwork import base
    from campaigns.studio.profiles import brand_of, profile_of
    from hub import db
    from hub.cli import upgrade_database
    from hub.models import Organization

    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp:
        app = bench_app(f"sqlite:///{tmp}/studio.sqlite3", secrets.token_hex(32), Path(tmp))
        upgrade_database(app)
        with app.app_context():
            person, templates = _seed(app)
            organization = db.session.get(Organization, person.organization_id)
            brand = brand_of(organization, profile_of(organization.id))
            square, flyer = templates["harvest-square"], templates["planter-a4"]
            stamp = render.Stamp("7KQ2-M9XA", "https://prairie-ag.example/?utm_source=partnerhub")
            logo = brand.logo
            square_art = _png(base(square.artwork, square.size))
            a4_art = _png(base(flyer.artwork, flyer.size))
            twelve = deck.demo_deck(repeat=4)

            def draw(template, fmt):
                def go():
                    result = render.render(
                        template.layout, template.artwork, template.size, brand, {}, (), stamp
                    )
                    return render.encode(result.image, fmt)

                return go

            def floor_image(art: bytes, fmt: str):
                def go():
                    with Image.open(io.BytesIO(art)) as opened:
                        image = opened.convert("RGB")
                    image.paste(logo, (60, 60), logo)
                    out = io.BytesIO()
                    if fmt == "png":
                        image.save(out, format="PNG", optimize=False, compress_level=6)
                    else:
                        image.save(out, format="PDF", resolution=300)
                    return out.getvalue()

                return go

            def fill_deck():
                return deck.personalise(twelve, brand, "Save $500 on a precision kit", "7KQ2-M9XA")

            def floor_deck():
                out = io.BytesIO()
                Presentation(io.BytesIO(twelve)).save(out)
                return out.getvalue()

            service.personalise(person, square, {}, "png")  # the file the hits read

            def hit():
                return service.personalise(person, square, {}, "png")

            rows = [
                ("png", "1080×1080 PNG",
                 *_paired(draw(square, "png"), floor_image(square_art, "png"), runs)),
                ("pdf", "A4 300 dpi PDF",
                 *_paired(draw(flyer, "pdf"), floor_image(a4_art, "pdf"), runs)),
                ("deck", "12-slide deck", *_paired(fill_deck, floor_deck, runs)),
            ]  # fmt: skip
            cache_hit = _timed(hit, max(runs, 20))
            db.session.remove()
        app.extensions["hub.db"]["engine"].dispose()
    report = {"runs": runs, "outputs": [], "cache_hit": cache_hit}
    for key, label, measured, floor in rows:
        report["outputs"].append(
            {
                "key": key,
                "label": label,
                "render": measured,
                "floor": floor,
                "ratio_p50": round(measured["p50_ms"] / floor["p50_ms"], 2),
                "ratio_p95": round(measured["p95_ms"] / floor["p95_ms"], 2),
            }
        )
    return report


def print_report(report: dict) -> None:
    print(f"\nstudio renders against their floors, {report['runs']} runs each (ms)")
    header = f"{'output':<16} {'p50':>8} {'p95':>8} {'floor p50':>10} {'floor p95':>10} {'x p50':>6} {'x p95':>6}"
    print(header)
    print("-" * len(header))
    for row in report["outputs"]:
        r, f = row["render"], row["floor"]
        print(
            f"{row['label']:<16} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {f['p50_ms']:10.1f} "
            f"{f['p95_ms']:10.1f} {row['ratio_p50']:5.2f}x {row['ratio_p95']:5.2f}x"
        )
    hit = report["cache_hit"]
    print(f"{'cache hit (PNG)':<16} {hit['p50_ms']:8.2f} {hit['p95_ms']:8.2f}")
    over = [r["label"] for r in report["outputs"] if r["ratio_p50"] > GOAL_RATIO]
    print(
        f"\ngoal: each render within {GOAL_RATIO:.0f}x its floor — "
        + (f"over: {', '.join(over)}" if over else "met")
        + f"; a cache hit under {GOAL_HIT_MS:.0f} ms — "
        + ("met" if hit["p50_ms"] < GOAL_HIT_MS else "not met")
        + f" (p50 {hit['p50_ms']:.2f} ms, p95 {hit['p95_ms']:.2f} ms)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.studio", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each (default 40)")
    parser.add_argument("--output", help="JSON result file (default bench/results/studio.json)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("runs must be ≥ 1")
    logging.basicConfig(level=logging.WARNING)
    report = run(args.runs)
    print_report(report)
    out = Path(args.output) if args.output else RESULTS / "studio.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
