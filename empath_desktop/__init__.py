"""EMPATH Desktop: an embodied avatar that converses through a local LLM."""

__version__ = "0.1.0"
