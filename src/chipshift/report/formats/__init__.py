"""Report formats: each module turns the assessment's plain data into text."""
