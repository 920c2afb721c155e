"""The authored dataset, its loaders and the held-out split (pure: no torch)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from empath_desktop.engine.prompts import render_exchange_body
from empath_desktop.engine.reaction import parse_reaction
from empath_desktop.engine.tags import format_report
from training.empath.data import (
    DataError,
    SplitRule,
    grpo_rows,
    load_conversations,
    load_data,
    prompt_builder,
    render_prompt,
    sft_rows,
)
from training.empath.rewards import score

CANONICAL = {
    "joy",
    "grief",
    "anger",
    "confusion",
    "curiosity",
    "embarrassment",
    "fear",
    "small_talk",
    "factual",
}


@pytest.fixture(scope="module")
def data():
    return load_data()


def test_sizes_and_coverage(data) -> None:
    assert len(data.prompts) >= 300
    assert len(data.examples) >= 80
    assert set(data.categories) == CANONICAL
    per_category = Counter(p.category for p in data.prompts)
    assert min(per_category[c] for c in CANONICAL) >= 25
    assert sum(1 for p in data.prompts if p.history) >= 40  # follow-ups, not only openers
    assert len({p.text for p in data.prompts}) == len(data.prompts)


def test_every_exemplary_turn_is_well_formed_and_scores_well(data) -> None:
    for e in data.examples:
        body = render_exchange_body(e.exchange)
        assert format_report(body).well_formed, e.id
        assert parse_reaction(e.exchange.react).confidence > 0, e.id
        report = score(
            body, {"user": e.prompt.text, "reaction_valence": data.reaction_valence(e.prompt)}
        )
        assert report.total >= 0.7, (e.id, dict(report.components))


def test_react_styles_are_varied(data) -> None:
    reacts = [e.exchange.react for e in data.examples]
    assert sum(r.startswith("*") for r in reacts) >= 40
    assert sum(r.startswith("[") for r in reacts) >= 8
    assert sum(r.startswith("\n") for r in reacts) >= 3
    assert sum(not r.lstrip().startswith(("*", "[")) for r in reacts) >= 4  # plain prose
    assert sum("+" not in r for r in reacts) >= 1  # a free-form single action


def test_split_is_deterministic_disjoint_and_covers_categories(data) -> None:
    train, held = data.prompts_for("train"), data.prompts_for("eval")
    assert {p.id for p in train}.isdisjoint({p.id for p in held})
    assert 0.08 < len(held) / (len(train) + len(held)) < 0.25
    assert {p.category for p in held} == CANONICAL
    assert [p.id for p in load_data().prompts_for("eval")] == [p.id for p in held]
    assert SplitRule("x", 0).split_of("anything") == "train"
    assert SplitRule("x", 1000).split_of("anything") == "eval"


def test_follow_ups_carry_their_conversation(data) -> None:
    follow = next(p for p in data.prompts if p.id == "p-grief-f01")
    assert follow.history and follow.history[-1].user.startswith("My grandmother passed away")


def test_prompts_are_the_apps_prompts(data) -> None:
    builder = prompt_builder()
    prompt = data.prompts[0]
    text = render_prompt(builder, prompt, "transcript")
    assert text == builder.transcript((), (), prompt.text)
    assert text.endswith("EMPATH: ")
    messages = render_prompt(builder, prompt, "chat")
    assert messages[0]["role"] == "system" and messages[-1]["content"] == prompt.text
    assert len(prompt_builder(few_shot=0).transcript((), (), "hi")) < len(text)


def test_training_rows(data) -> None:
    builder = prompt_builder(few_shot=1)
    sft = sft_rows(data, builder, "transcript")
    assert len(sft) == len(data.examples_for("train"))
    assert format_report(sft[0]["completion"]).well_formed
    chat = sft_rows(data, builder, "chat")
    assert chat[0]["completion"][0]["role"] == "assistant"
    rows = grpo_rows(data, builder, "transcript")
    assert {"prompt", "user", "reaction_valence"} <= set(rows[0])
    assert all(r["reaction_valence"] is not None for r in rows)


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_published_react_respond_reflect_format(tmp_path: Path) -> None:
    turn = (
        "<react>*smile* + *nod*</react>\n<respond>Hello! Lovely to meet you.</respond>\n"
        "<reflect>They are friendly; they'll say what brings them here.</reflect>"
    )
    path = _write(
        tmp_path / "published.jsonl",
        [
            {
                "text": [
                    {"role": "user", "content": "Hi!"},
                    {"role": "assistant", "content": turn},
                    {"role": "user", "content": "I just wanted to chat."},
                    {"role": "assistant", "content": turn},
                ]
            }
        ],
    )
    prompts, examples = load_conversations(path)
    assert [p.text for p in prompts] == ["Hi!", "I just wanted to chat."]
    assert len(examples) == 2 and examples[1].prompt.history[0].user == "Hi!"
    assert examples[0].exchange.respond == "Hello! Lovely to meet you."


def test_plain_chat_jsonl_gives_prompts_until_an_untagged_turn(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "chat.jsonl",
        [
            {
                "messages": [
                    {"role": "system", "content": "be nice"},
                    {"role": "user", "content": "How do I boil an egg?"},
                    {"role": "assistant", "content": "Put it in boiling water for 7 minutes."},
                    {"role": "user", "content": "Thanks!"},
                ]
            },
            {"text": "A single prompt row."},
        ],
    )
    prompts, examples = load_conversations(path)
    assert [p.text for p in prompts] == ["How do I boil an egg?", "A single prompt row."]
    assert examples == ()
    data = load_data(extra_files=[path])
    assert len(data.prompts) == len(load_data().prompts) + 2


def test_bad_files_raise_data_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    with pytest.raises(DataError, match=r"bad\.jsonl:1"):
        load_conversations(bad)
    bad.write_text(json.dumps({"messages": "nope"}) + "\n")
    with pytest.raises(DataError):
        load_conversations(bad)
