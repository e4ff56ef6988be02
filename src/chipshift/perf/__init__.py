"""chipshift.perf engine."""
