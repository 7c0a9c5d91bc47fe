"""Campaign kits: ready campaigns the OEM publishes and a dealer launches."""
