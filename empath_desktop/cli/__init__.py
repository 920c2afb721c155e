"""Terminal front ends: the chat and the model report."""
