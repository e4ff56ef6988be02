"""chipshift.report engine."""
