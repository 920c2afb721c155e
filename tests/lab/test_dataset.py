"""Recording: (obs_t, action_t) alignment, exact replay from seeds, and safe files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from empath_desktop.lab.dataset import (
    DatasetError,
    DatasetMeta,
    Recorder,
    concat,
    load_dataset,
    save_dataset,
)
from empath_desktop.lab.policies import RandomPolicy, scripted_teacher
from empath_desktop.lab.rollout import make_env, play


def _record(policy, seeds, max_steps=None) -> Recorder:
    env = make_env()
    recorder = Recorder()
    for seed in seeds:
        recorder.add_episode(play(env, policy, seed, max_steps=max_steps), policy.name)
    return recorder


def test_replaying_recorded_actions_from_recorded_seeds_reproduces_observations(
    tmp_path: Path,
) -> None:
    meta = DatasetMeta(teacher="random", persona="random")
    dataset = _record(RandomPolicy(0), [11, 12, 13, 14]).dataset(meta)
    loaded = load_dataset(save_dataset(dataset, tmp_path / "random"))
    assert loaded.n_episodes == 4 and len(loaded) == len(dataset)
    env = make_env()
    for episode, seed in enumerate(loaded.episode_seed):
        rows = loaded.episode_rows(episode)
        obs, _ = env.reset(seed=int(seed))
        for row in range(rows.start, rows.stop):
            # The action of a row was chosen on the observation of the same row.
            assert np.array_equal(obs, loaded.obs[row])
            assert loaded.step[row] == row - rows.start
            obs, _, terminated, truncated, _ = env.step(int(loaded.executed[row]))
        assert np.array_equal(obs, loaded.final_obs[episode])
        assert terminated or truncated
        assert loaded.episode_done[episode]


def test_the_recorded_action_is_the_teachers_choice_on_the_same_row() -> None:
    teacher = scripted_teacher("cautious")
    dataset = _record(teacher, [3], max_steps=60).dataset(
        DatasetMeta("scripted:cautious", "cautious")
    )
    assert np.array_equal(teacher.label(dataset.obs), dataset.action)
    assert not dataset.episode_done[0]  # cut by max_steps, not ended by the environment


def test_metadata_is_recorded_and_files_load_without_pickle(tmp_path: Path) -> None:
    meta = DatasetMeta(
        "llm:newton", "newton", model="Gemma 3 270m", verbaliser="coarse", think_aloud=True
    )
    stem = save_dataset(_record(RandomPolicy(1), [5]).dataset(meta), tmp_path / "d")
    header = json.loads(stem.with_suffix(".json").read_text())
    assert header["meta"]["verbaliser"] == "coarse" and header["meta"]["model"] == "Gemma 3 270m"
    with np.load(stem.with_suffix(".npz"), allow_pickle=False) as data:
        assert data["rationale"].dtype.kind == "U"
    assert load_dataset(stem.with_suffix(".json")).meta == meta


def test_a_modified_dataset_file_is_refused(tmp_path: Path) -> None:
    stem = save_dataset(
        _record(RandomPolicy(1), [5]).dataset(DatasetMeta("random", "random")), tmp_path / "d"
    )
    npz = stem.with_suffix(".npz")
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="tampered"):
        load_dataset(stem)


def test_concat_renumbers_episodes() -> None:
    meta = DatasetMeta("random", "random")
    a = _record(RandomPolicy(0), [1, 2]).dataset(meta)
    b = _record(RandomPolicy(0), [3]).dataset(meta)
    both = concat([a, b], meta)
    assert both.n_episodes == 3 and len(both) == len(a) + len(b)
    assert both.episode.dtype == np.int32 and both.episode[-1] == 2
    assert list(both.episode_seed) == [1, 2, 3]


def test_same_seed_rollouts_are_identical() -> None:
    env_a, env_b = make_env(), make_env()
    a = [s.obs for s in play(env_a, RandomPolicy(), 42)]
    b = [s.obs for s in play(env_b, RandomPolicy(), 42)]
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
