"""Running a language model: the llama.cpp backend, crash probe, thread governor, model files."""
