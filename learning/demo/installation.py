"""The demo's Installation & Service Foundation modules written out (every product line):
the pre-delivery inspection and the handover — the modules Prairie's technician works
through on the way to his certificate, so the whole journey reads like real training."""

from __future__ import annotations

PDI_BODY = """## Pre-delivery inspection

A machine leaves the yard once, and the customer judges the dealer by how it arrives.
The pre-delivery inspection (PDI) is the last look before it goes: what the factory
fitted, what the order asked for, and what transport may have shaken loose.

### Before you start

- Print the **PDI checklist** for the model and write the serial number and hours on it.
- Check the order: options, tyres, ballast, and any attachments to fit.
- Park on level ground, implements down, key out and in your pocket.

### The walk-round

1. **Fluids** — engine oil, coolant, hydraulic/transmission oil, DEF: level and the
   right grade for the season. Top up only with the grade on the decal.
2. **Leaks and hoses** — look under the machine and along every hose; a damp fitting
   now is a service call in a month.
3. **Tyres and wheels** — pressures for the customer's work, wheel nuts torqued to the
   value in the operator's manual.
4. **Lights and safety** — every light, the beacon, the horn; all safety decals present
   and readable; guards and shields in place.
5. **Start-up** — warning lamps clear after start-up, no stored fault codes on the
   display (write down and clear any transport codes), controls respond.

### Sign it off

The technician signs the checklist; the customer signs it at handover. A photo of the
machine ready to go, serial plate visible, goes with it: it is your evidence in this
level's practical assessment, and the dealer's record if a question comes later.
"""

HANDOVER_BODY = """## Handover to the customer

The handover is where the operator learns the machine from you rather than by trial and
error. Book an hour, at the customer's yard if you can, with the person who will drive it.

### Walk the operator through

1. **Daily checks** — show where each level is read and what to top up with; hand over
   the grease gun points and the intervals.
2. **Safe start and stop** — seat switch, parking brake, shutting down with implements
   lowered. Nobody between the machine and an implement while it can move.
3. **The controls they will use this week** — not every menu: the hitch, the remotes
   and the display pages for their work.
4. **What warnings mean** — amber: finish the job and call; red: stop safely now.

### Close it well

- Both sign the PDI checklist; leave the operator's manual in the cab.
- Register the warranty in the same visit, and book the first service.
- Tell the customer who to call — your service desk first; the Fieldcrest product team
  stands behind you when the checklist does not cover a case.
"""

PDI_QUIZ = [
    (
        "What goes on the PDI checklist before the inspection starts?",
        False,
        [
            ("The machine's serial number and hours", True),
            ("The customer's credit limit", False),
            ("The transport company's invoice", False),
        ],
        "Serial and hours tie the checklist to the machine for the warranty record.",
    ),
    (
        "Which of these belong to the PDI walk-round?",
        True,
        [
            ("Fluid levels and grades", True),
            ("Wheel nut torque", True),
            ("Safety decals present and readable", True),
            ("Repainting scratches from transport", False),
        ],
        "Fluids, wheels and safety come first; cosmetics are for the yard, not the PDI.",
    ),
    (
        "The display shows fault codes after delivery by truck. What do you do?",
        False,
        [
            ("Write them down, clear them, and check they do not come back", True),
            ("Ignore them: they always clear by themselves", False),
            ("Replace the controller before handover", False),
        ],
        "Transport often leaves codes; a code that returns after clearing is a real fault.",
    ),
]

HANDOVER_QUIZ = [
    (
        "Who should be at the handover?",
        False,
        [
            ("The person who will operate the machine", True),
            ("Only the person who signed the order", False),
            ("Nobody: the manual covers it", False),
        ],
        "Train the operator: they are the one who will meet the warnings.",
    ),
    (
        "Which of these do you finish at the handover?",
        True,
        [
            ("Both sign the PDI checklist", True),
            ("Register the warranty", True),
            ("Book the first service", True),
            ("Change the engine oil", False),
        ],
        "Signatures, warranty and the first service booked close the sale properly.",
    ),
    (
        "Who do you ask when the checklist does not cover your case?",
        False,
        [
            ("The Fieldcrest product team", True),
            ("Nobody; guess", False),
            ("The customer", False),
        ],
        "Ask a product expert from the hub: they answer within the day.",
    ),
]

# (track, outline title) → the module written out, for every product line.
WRITTEN = {
    ("installation_service", "Pre-delivery inspection"): {
        "title": "Pre-delivery inspection",
        "summary": "The checklist before a machine leaves the yard.",
        "minutes": 30,
        "body": PDI_BODY,
        "questions": PDI_QUIZ,
    },
    ("installation_service", "Handover to the customer"): {
        "title": "Handover to the customer",
        "summary": "Walking the operator through safe use.",
        "minutes": 25,
        "body": HANDOVER_BODY,
        "questions": HANDOVER_QUIZ,
    },
}
