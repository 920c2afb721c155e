"""The CartPole personas lab, without Qt: verbaliser, teachers, students, rollouts, datasets."""
