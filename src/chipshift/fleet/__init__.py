"""chipshift.fleet engine."""
