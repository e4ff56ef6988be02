"""chipshift.decide engine."""
