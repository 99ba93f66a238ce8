"""The settings now live in wiring/settings.py (typed, validated); this name is kept for older imports."""

from wiring.settings import Settings, documented_variables  # noqa: F401
