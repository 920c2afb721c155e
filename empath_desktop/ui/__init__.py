"""Qt views and workers."""
