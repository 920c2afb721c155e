"""The conversation core: tag parsing, reactions and their appraisal, prompts, memory, the turn pipeline."""
