"""What several systems share: seeding, parameter validation, action checks, array helpers."""
