"""`make bench`: runs every benchmark, gathers their results, prints one table."""
