"""Shared test helpers: small builders for canonical records."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# The lease's settle time (connector/lease.py) covers commits racing on a real server; the emulators commit
# before they answer, so tests (and the subprocesses they start) use a short one. Lease tests set their own.
os.environ.setdefault("RELANCE_LEASE_SETTLE", "0.05")
