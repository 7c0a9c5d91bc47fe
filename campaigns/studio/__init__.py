"""The co-branding studio: OEM image templates a dealer personalises with its own brand
profile inside the OEM's guardrails (see docs/architecture.md)."""
