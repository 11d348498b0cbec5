"""Published clinical calculators as pure, typed functions."""
