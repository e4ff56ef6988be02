"""chipshift.migrate engine."""
