"""Training and evaluation scripts (GRPO for the chat model, CartPole students)."""
