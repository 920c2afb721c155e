"""The embodied-personas CartPole lab, pure (no Qt, no torch).

An LLM prompted as a persona balances CartPole-v1 from a text description of the state
(`verbalise`, `teachers.LLMTeacher`); its aligned (observation, action) pairs (`dataset`) train
a small student that acts on raw observations and runs on numpy alone (`student`). Scripted
persona teachers (`policies`) are deterministic ground truth. `rollout.play` is the one episode
loop; `match.Match` plays teacher and student side by side for the app's panel.

Import from the submodules: loading a student must not pull in llama.cpp or gymnasium's
environment registry through this package.
"""
