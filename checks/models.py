"""Registration check lists for subject leads and learners' registration statements (issue 4)."""
