"""What several systems share: seeding, parameter validation, channel and rendering helpers."""
