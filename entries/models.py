"""Entries for externally set assessments and their results (issue 5)."""
