"""All the SQL of organizer lives in this package, as plain functions."""
