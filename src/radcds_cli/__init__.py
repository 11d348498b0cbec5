"""The `radcds` command: runs the suite on one machine and reports on it."""
