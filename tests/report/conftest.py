"""The report tests use the session-wide example data (tests/conftest.py: ``example_data``)."""
