"""The demo program's learning content: the Technical path for tractors written out in
full (Prairie's technician works through it), and the other paths built from each
track's outline for each product line."""

from __future__ import annotations

LEVELS = (("Foundation", 24), ("Professional", 24), ("Expert", 36))

# A question: (prompt, multiple, [(choice, right?)…], explanation)
HYDRAULICS_QUIZ = [
    (
        "What is the first check when a loader feels slow on a cold morning?",
        False,
        [
            ("Hydraulic oil level and grade for the temperature", True),
            ("Replace the main pump", False),
            ("Raise the relief valve setting", False),
            ("Bleed the brakes", False),
        ],
        "Thick or low oil is the usual cause; check level and grade before parts.",
    ),
    (
        "Which readings belong on a hydraulic pressure test sheet?",
        True,
        [
            ("Standby pressure", True),
            ("Relief pressure at rated engine speed", True),
            ("Oil temperature at the time of the test", True),
            ("Tyre pressure", False),
        ],
        "Pressures only compare when the engine speed and oil temperature are recorded too.",
    ),
    (
        "A coupler leaks only under load. What do you replace?",
        False,
        [
            ("The coupler's seal kit, after cleaning both halves", True),
            ("The whole remote valve", False),
            ("Nothing: a weep under load is normal", False),
        ],
        "Dirt damages coupler seals; clean, then reseal.",
    ),
    (
        "Which of these are safe practice before opening a hydraulic line?",
        True,
        [
            ("Lower implements to the ground", True),
            ("Cycle the controls with the engine off to relieve pressure", True),
            ("Feel along the hose for the leak", False),
        ],
        "Never search for leaks by hand: a pin-hole jet injects oil under the skin.",
    ),
]

DIAGNOSTICS_QUIZ = [
    (
        "Where do you read stored fault codes on a 5-series tractor?",
        False,
        [
            ("On the corner-post display, Diagnostics menu", True),
            ("Stamped on the engine block", False),
            ("On the fuse box lid", False),
        ],
        "The display lists active and stored codes with their hours.",
    ),
    (
        "Which steps come before replacing a sensor that logs a fault?",
        True,
        [
            ("Check connector and wiring for damage or corrosion", True),
            ("Measure supply voltage at the connector", True),
            ("Clear the code and see whether it returns", True),
            ("Order a new control unit", False),
        ],
        "Most sensor faults are wiring faults; prove the sensor bad before replacing it.",
    ),
    (
        "After a repair, what completes the job for warranty?",
        False,
        [
            ("A warranty claim with the fault code, hours and photos", True),
            ("A phone call to the customer only", False),
            ("Nothing, the code cleared", False),
        ],
        "Claims need the code, machine hours and evidence of the failed part.",
    ),
]

TRACTOR_TECHNICAL = {
    "summary": "From daily checks to diagnosing and repairing tractor hydraulics, "
    "electrics and powertrains.",
    "levels": [
        [
            {
                "title": "Tractor systems at a glance",
                "summary": "Engine, powertrain, hydraulics and electrics: what each does.",
                "minutes": 20,
                "body": """## Four systems, one machine

A tractor is four systems that depend on one another:

1. **Engine** — diesel, turbocharged, with exhaust after-treatment (DOC, DPF, SCR).
2. **Powertrain** — clutch or power-shift transmission, PTO and final drives.
3. **Hydraulics** — the pump, remote valves, three-point hitch and loader circuit.
4. **Electrics** — the control units, sensors and the corner-post display.

| System | Daily check | Typical service interval |
| --- | --- | --- |
| Engine | Oil level, air filter indicator | 500 h |
| Hydraulics | Oil level in the sight glass | 1,000 h |
| Powertrain | Leaks under the transmission | 1,500 h |

> Always park on level ground, lower implements and remove the key before any check.
""",
                "questions": [
                    (
                        "What do you do before any daily check?",
                        True,
                        [
                            ("Park on level ground", True),
                            ("Lower implements", True),
                            ("Remove the key", True),
                            ("Start the engine to warm the oil", False),
                        ],
                        "Level ground, implements down, key out: every time.",
                    ),
                    (
                        "Which system includes the three-point hitch?",
                        False,
                        [("Hydraulics", True), ("Electrics", False), ("Engine", False)],
                        "The hitch is lifted by the hydraulic system.",
                    ),
                ],
            },
            {
                "title": "Daily and 50-hour service",
                "summary": "The checks that prevent most field failures.",
                "minutes": 25,
                "body": """## Daily

- Engine oil and coolant levels
- Hydraulic and transmission oil in the sight glass
- Air filter restriction indicator
- Walk-around: tyres, leaks, loose guards

## Every 50 hours

- Grease the front axle pivots and loader pins
- Drain water from the fuel pre-filter
- Check the battery terminals

Record each service in the machine's log: a dealer who can show the history wins the
warranty conversation.
""",
                "questions": [
                    (
                        "How often is the fuel pre-filter drained?",
                        False,
                        [("Every 50 hours", True), ("Every 500 hours", False), ("Never", False)],
                        "Water in diesel ruins injectors; drain it every 50 hours.",
                    ),
                    (
                        "Which belong in the daily walk-around?",
                        True,
                        [
                            ("Tyres", True),
                            ("Leaks", True),
                            ("Loose guards", True),
                            ("Injector calibration", False),
                        ],
                        "The walk-around looks for what anyone can see.",
                    ),
                ],
            },
        ],
        [
            {
                "title": "Hydraulic diagnostics",
                "summary": "Pressure tests, flow tests and reading the symptoms.",
                "minutes": 40,
                "body": """## Start from the symptom

| Symptom | First suspects |
| --- | --- |
| Slow when cold | Oil grade, oil level |
| Slow when hot | Worn pump, internal leak |
| Drifting loader | Cylinder seals, valve spool |

## The pressure test

1. Warm the oil to 50 °C.
2. Fit the test gauge to the diagnostic coupler.
3. Record **standby pressure** at idle and **relief pressure** at rated speed.
4. Compare with the service manual and write down the oil temperature.

Never look for a leak with your hand: a pin-hole jet can inject oil under the skin.
""",
                "questions": HYDRAULICS_QUIZ,
            },
            {
                "title": "Electrical diagnostics and fault codes",
                "summary": "Reading codes, proving sensors, and warranty evidence.",
                "minutes": 35,
                "body": """## Fault codes

The corner-post display lists **active** and **stored** codes under *Diagnostics*, each
with the machine hours it was logged at.

## Before replacing a part

- Inspect the connector: bent pins, corrosion, water.
- Measure the supply voltage (5 V reference for most sensors).
- Clear the code and run the machine: does it come back?

## Closing the job

A warranty claim needs the fault code, the hours, and photos of the failed part.
""",
                "questions": DIAGNOSTICS_QUIZ,
            },
        ],
        [
            {
                "title": "Powertrain overhaul planning",
                "summary": "When to rebuild, what to quote, and how to schedule the shop.",
                "minutes": 45,
                "body": """## Rebuild or replace?

Compare the rebuild parts and labour with an exchange unit, and count the days the
customer's machine is down. In harvest, days matter more than parts.

## Quoting

List parts, labour hours at the shop rate, and a contingency of 10 %.
""",
                "questions": [
                    (
                        "What matters most when planning a rebuild in harvest season?",
                        False,
                        [
                            ("The customer's downtime", True),
                            ("The colour of the parts boxes", False),
                            ("The technician's preference", False),
                        ],
                        "Downtime costs the customer more than parts.",
                    ),
                ],
            },
        ],
    ],
}

# The other paths: each track's outline (level → modules), for every product line.
OUTLINES = {
    "sales": [
        [
            ("Know the {line} line-up", "Models, what each is for, and who buys it."),
            ("Finding the customer's need", "Questions that uncover acreage, crops and budget."),
        ],
        [("Financing and trade-ins", "Finance offers, residuals and valuing a trade-in.")],
        [("Fleet and key accounts", "Winning and keeping multi-machine customers.")],
    ],
    "technical": [
        [
            ("{line}: systems overview", "What each system does and how they interact."),
            ("Routine service", "Daily and periodic checks that prevent failures."),
        ],
        [("Diagnostics", "Working from symptom to cause with the service tools.")],
        [("Major repairs", "Planning and quoting overhauls.")],
    ],
    "installation_service": [
        [
            ("Pre-delivery inspection", "The checklist before a machine leaves the yard."),
            ("Handover to the customer", "Walking the operator through safe use."),
        ],
        [("Commissioning and set-up", "Setting the machine up for the customer's work.")],
        [("Field service leadership", "Running a service van and a seasonal schedule.")],
    ],
}

TRACK_TITLES = {
    "sales": "Selling {line}",
    "technical": "{line} technical",
    "installation_service": "{line} installation & service",
}

TRACK_SUMMARIES = {
    "sales": "Know the range, find the customer's need, close and keep the deal.",
    "technical": "Understand, service and repair the machines.",
    "installation_service": "Deliver, commission and keep the machines working in the field.",
}


def outline_module(track: str, line: str, title: str, summary: str, rank: int) -> dict:
    """A module from an outline entry: a short text and three questions about it."""
    title = title.format(line=line)
    body = f"""## {title}

{summary}

### What you will be able to do

- Explain the essentials of {title.lower()} for the {line} range.
- Use the checklist below on your next job.
- Know when to ask the Fieldcrest product team for help.

### Checklist

1. Read the product bulletin for the model in front of you.
2. Follow the steps in order and record what you found.
3. Share what you learned with your team.
"""
    questions = [
        (
            f"What do you read first when working on a {line} model?",
            False,
            [
                ("The product bulletin for that model", True),
                ("A forum post", False),
                ("Nothing: experience is enough", False),
            ],
            "Bulletins carry the latest changes for each model.",
        ),
        (
            "Which of these belong to doing the job well?",
            True,
            [
                ("Following the steps in order", True),
                ("Recording what you found", True),
                ("Skipping the checklist when busy", False),
            ],
            "The checklist protects you when you are busy most.",
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
    return {
        "title": title,
        "summary": summary,
        "minutes": 15 + 10 * rank,
        "body": body,
        "questions": questions,
    }
