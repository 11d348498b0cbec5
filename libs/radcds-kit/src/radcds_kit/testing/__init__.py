"""Test support: real servers on ephemeral ports. Imported by tests only."""
