"""Reading the kit forms: the launch form (dates and the co-op amount) and the program
admin's kit form (its budget lines and templates as lists), into the plain dicts the
rules and the API share."""

from __future__ import annotations

LAUNCH_FIELDS = ("starts_on", "ends_on", "requested_amount")
KIT_FIELDS = ("name", "summary", "category_id", "title", "objective", "audience",
              "expected_leads", "expected_revenue", "lead_days", "duration_days")  # fmt: skip
KIT_LINES = 6  # budget lines on the admin form


def launch_values(form) -> dict:
    """The launch form's fields as typed."""
    return {name: form.get(name, "").strip() for name in LAUNCH_FIELDS}


def kit_values(form) -> dict:
    """The admin's kit form as `service.parse_kit` takes it."""
    data = {name: form.get(name, "") for name in KIT_FIELDS}
    data["lines"] = [
        {"description": form.get(f"line-{i}-description", ""),
         "amount": form.get(f"line-{i}-amount", "")}
        for i in range(KIT_LINES)
    ]  # fmt: skip
    data["template_ids"] = form.getlist("template_ids")
    return data


def kit_form_values(kit) -> dict:
    """A saved kit as the admin form shows it."""
    data = {name: getattr(kit, name) for name in KIT_FIELDS}
    data = {k: "" if v is None else str(v) for k, v in data.items()}
    data["lines"] = [dict(line) for line in kit.budget_lines]
    data["template_ids"] = [str(row.template_id) for row in kit.templates]
    return data
