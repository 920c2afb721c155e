"""Running a language model: the llama.cpp backend, its crash probe, the thread governor, model files."""
