"""Names in a workspace folder that every part of the store agrees on (a leaf module:
settings, files, modes and outputs all import it, so it imports nothing of theirs)."""

WORKSPACE_FILE = "accord.toml"
"""The settings file whose presence makes a folder a workspace."""
