"""CartPole embodied-persona lab: data collection, student training, evaluation (CLI)."""
