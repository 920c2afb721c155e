"""Pure core: parsing, reactions, prompts, LLM backends, memory, the turn pipeline."""
