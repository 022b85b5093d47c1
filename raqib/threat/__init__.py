"""threat."""
