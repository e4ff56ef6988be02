"""chipshift.plan engine."""
