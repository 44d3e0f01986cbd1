"""Makes the package importable when the scripts run from a checkout without ``pip install``."""
import os
import sys

try:
    import drc  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir)))
