"""Calendar backends: idempotent remote effects keyed by a deterministic iCalUID."""
