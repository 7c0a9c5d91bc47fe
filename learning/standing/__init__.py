"""Organisation standing: specialisations, certification coverage, tier measures."""
