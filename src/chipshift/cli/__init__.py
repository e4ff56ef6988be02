"""chipshift.cli engine."""
