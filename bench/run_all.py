"""`make bench`: every benchmark, one table. `--quick` for a smoke run; `--help` for more.

uv run python bench/run_all.py [--quick] [--only NAME] [--markdown]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.runner import main

if __name__ == "__main__":
    sys.exit(main())
