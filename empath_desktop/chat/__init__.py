"""The conversation core: tags, reactions and their appraisal, prompts, memory, the pipeline."""
