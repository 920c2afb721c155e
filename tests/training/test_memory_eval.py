"""The two-session memory evaluation, run as an evaluator would: two `empath chat` processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.empath.memory_eval import DEFAULT_DATA, main, remembered


def test_a_reply_remembers_when_it_names_one_answer() -> None:
    assert remembered("Your dog's name is Biscuit!", ["biscuit"])
    assert not remembered("I don't know, sorry.", ["Biscuit"])


def test_the_dev_set_is_twenty_messages_and_ten_questions_per_scenario() -> None:
    for line in DEFAULT_DATA.read_text("utf-8").splitlines():
        scenario = json.loads(line)
        assert len(scenario["session1"]) == 20 and len(scenario["questions"]) == 10
        assert all(q["answer"] for q in scenario["questions"])


@pytest.mark.model
def test_a_fact_told_in_one_process_is_answered_in_the_next(tmp_path: Path, capsys) -> None:
    data = tmp_path / "tiny.jsonl"
    data.write_text(json.dumps({
        "id": "tiny",
        "session1": ["Hello!", "My cat is called Miso."],
        "questions": [{"q": "What's my cat called?", "answer": ["Miso"]}],
    }) + "\n")
    assert main(["--data", str(data), "--timeout", "300", "--out", str(tmp_path / "o.json")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["remembered"] == 1 and summary["well_formed"] == 1
