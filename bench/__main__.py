"""``python -m bench`` (from the repository root): the same as ``python bench/run_all.py``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the scripts import each other

from run_all import main

raise SystemExit(main())
