"""EMPATH fine-tuning: authored data, rewards on the app's own parsers, SFT + GRPO, GGUF export.

`rewards` and `data` need no torch; `train`, `export` and `evaluate` need the `[train]` extras.
"""
