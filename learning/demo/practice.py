"""The demo's practical assessments, assignments and module attachments: every
Installation & Service level carries a practical assessment; Prairie's technician is
part-way through Tractors Installation & Service Foundation (a module left, then the
practical) and has evidence sent back for more (Parts); Harbor's service lead has
evidence waiting in the reviewer queue (Tractors Professional); Prairie's admin has assigned learning, one assignment overdue; the tractor
Technical modules offer a PDF checklist."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw

from hub import db, uploads
from hub.db import utcnow
from hub.fonts import font
from hub.models import Person
from learning.assessments import service as assessments
from learning.assessments.models import PracticalAssessment
from learning.assignments.models import Assignment
from learning.attachments.models import ModuleAttachment
from learning.paths.models import Level, Path

INSTRUCTIONS = {
    1: (
        "Carry out a pre-delivery inspection on a customer's machine with the PDI checklist. "
        "Upload a photo of the machine ready for handover (serial plate visible) and the "
        "signed checklist as a PDF."
    ),
    2: (
        "Commission a machine at the customer's site. Upload photos of the set-up (ballast, "
        "hitch, tyre pressures) and the commissioning report as a PDF, signed by the customer."
    ),
    3: (
        "Lead a seasonal service visit. Upload the service report (PDF) and photos of the "
        "work, with a note on what you found and what you scheduled."
    ),
}


def _photo(title: str, colour: str) -> bytes:
    """A stand-in photo: a drawn machine with a caption (PNG)."""
    image = Image.new("RGB", (960, 640), "#dfe8e1")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 470, 960, 640), fill="#8a7a5c")
    draw.rectangle((250, 260, 690, 420), fill=colour)
    draw.rectangle((470, 170, 640, 270), fill="#30403a")
    for x in (330, 620):
        draw.ellipse((x - 80, 370, x + 80, 530), fill="#222")
    draw.text((30, 30), title, fill="#1c2b24", font=font(36, bold=True))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF (drawn by Pillow) with a title and lines of text."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.text((100, 100), title, fill="black", font=font(48, bold=True))
    for n, line in enumerate(lines):
        draw.text((100, 220 + n * 60), f"☐  {line}", fill="black", font=font(30))
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=150)
    return out.getvalue()


def _upload(name: str, data: bytes) -> assessments.Upload:
    return assessments.Upload(data, name, None)


def _seed_attachments(admin: Person, paths: dict) -> int:
    count = 0
    for level in paths[("tractors", "technical")].levels:
        module = level.modules[0]
        data = _pdf(
            f"{module.title}: checklist",
            [
                "Machine identified (serial, hours)",
                "Operator's complaint written down",
                "Fault codes read and recorded",
                "Readings taken at working temperature",
                "Findings explained to the customer",
            ],
        )
        accepted = uploads.accept_upload(data, f"{module.title} checklist.pdf", field="attachment")
        stored = uploads.keep(
            accepted, "learning/modules", organization_id=None, uploaded_by_id=admin.id
        )
        db.session.add(
            ModuleAttachment(
                module_id=module.id, file_id=stored.id, title="Workshop checklist (PDF)"
            )
        )
        count += 1
    return count


def _finish_modules(work_through, person: Person, level: Level, when) -> None:
    for module in level.modules:
        work_through(person, module, when)


def seed_practice(ctx: dict, paths: dict[tuple[str, str], Path], work_through, certify) -> str:
    """Practical assessments, evidence in both states, assignments and attachments."""
    people = ctx["people"]
    admin = people["admin@fieldcrest.example"]
    reviewer = people["pm.parts@fieldcrest.example"]
    tech = people["tech@prairie.example"]
    sales = people["sales@prairie.example"]
    walt = people["admin@prairie.example"]
    now = utcnow()

    for (_slug, track), path in paths.items():
        if track == "installation_service":
            for level in path.levels:
                db.session.add(
                    PracticalAssessment(level_id=level.id, instructions=INSTRUCTIONS[level.rank])
                )
    db.session.flush()

    # Jorge: Tractors Installation & Service Foundation under way — the first module read
    # and its quiz passed; the handover module, the practical and the certificate are his
    # next steps (the browser test of the whole journey walks them).
    tractor_install = paths[("tractors", "installation_service")].levels[0]
    work_through(tech, tractor_install.modules[0], now - timedelta(days=6))
    # Cody (Harbor): Tractors Installation & Service Professional — module done, evidence
    # waiting in the reviewer queue.
    harbor_tech = people["tech@harbor.example"]
    install_pro = paths[("tractors", "installation_service")].levels[1]
    _finish_modules(work_through, harbor_tech, install_pro, now - timedelta(days=6))
    db.session.flush()
    waiting = assessments.submit(
        harbor_tech,
        install_pro,
        "Commissioned a 5R for the Hendricks farm: ballast and hitch set for the baler, "
        "tyres at field pressure. Report signed by the customer.",
        [
            _upload("5R set-up.png", _photo("5R-0427 set up at the farm", "#2f7d4a")),
            _upload(
                "Commissioning report 5R-0427.pdf",
                _pdf(
                    "Commissioning report — 5R-0427",
                    ["Ballast", "Hitch and drawbar", "Tyre pressures", "Operator walk-round"],
                ),
            ),
        ],
        now=now - timedelta(days=2, hours=3),
    )
    # Jorge: Parts Technical Foundation held (earned with his Tractors one, so it runs out a
    # little before it: Prairie's standing shows its Premier criteria lapsing in about seven
    # weeks), Parts Installation Foundation sent back for more.
    certify(tech, paths[("parts", "technical")].levels[0], days_ago=690)
    parts_install = paths[("parts", "installation_service")].levels[0]
    _finish_modules(work_through, tech, parts_install, now - timedelta(days=20))
    db.session.flush()
    returned = assessments.submit(
        tech,
        parts_install,
        "Parts counter PDI for a baler order.",
        [_upload("baler.png", _photo("Baler at the yard", "#b5651d"))],
        now=now - timedelta(days=9),
    )
    assessments.ask_for_more(
        reviewer,
        returned,
        "The photo is fine, but the signed PDI checklist is missing. Please upload it as a PDF.",
        now=now - timedelta(days=8),
    )

    # Walt (Prairie's admin) assigned learning: Jorge's Installation path, Amy's sales
    # level (overdue), and Jorge's harvest Technical Foundation (due soon).
    today = now.date()
    db.session.add_all(
        [
            Assignment(
                organization_id=tech.organization_id,
                person_id=tech.id,
                path_id=paths[("tractors", "installation_service")].id,
                due_on=today + timedelta(days=45),
                assigned_by_id=walt.id,
                created_at=now - timedelta(days=30),
            ),
            Assignment(
                organization_id=sales.organization_id,
                person_id=sales.id,
                level_id=paths[("harvest", "sales")].levels[0].id,
                due_on=today - timedelta(days=5),
                assigned_by_id=walt.id,
                created_at=now - timedelta(days=40),
            ),
            Assignment(
                organization_id=tech.organization_id,
                person_id=tech.id,
                level_id=paths[("harvest", "technical")].levels[0].id,
                due_on=today + timedelta(days=2),
                assigned_by_id=walt.id,
                created_at=now - timedelta(days=12),
            ),
        ]
    )
    attached = _seed_attachments(admin, paths)
    db.session.flush()
    return (
        f"practical assessments (1 waiting #{waiting.id}, 1 sent back), 3 assignments, "
        f"{attached} module attachments"
    )
