"""chipshift.scan engine."""
