"""The authored dataset, its loaders and the held-out split (pure: no torch)."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from empath_desktop.chat.prompts import render_exchange_body
from empath_desktop.chat.reaction import parse_reaction
from empath_desktop.chat.tags import format_report, parse_turn
from empath_desktop.chat.vocab import EXPRESSIONS, POSTURES
from empath_desktop.resources import assets_dir
from training.empath.data import (
    DataError,
    SplitRule,
    default_data_dir,
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


def _rows(name: str) -> list[dict]:
    path = default_data_dir() / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_complete_turns_count_and_every_label_is_taught(data) -> None:
    assert len(data.examples) >= 600
    reactions = [parse_reaction(e.exchange.react) for e in data.examples]
    expressions = Counter(r.expression for r in reactions)
    postures = Counter(r.posture for r in reactions)
    assert {e: expressions[e] for e in EXPRESSIONS if expressions[e] < 20} == {}
    assert {p: postures[p] for p in POSTURES if postures[p] < 20} == {}


def test_turns_are_well_formed_and_parse_back(data) -> None:
    for e in data.examples:
        body = render_exchange_body(e.exchange)
        assert format_report(body).well_formed, e.id
        turn = parse_turn(body)
        assert (turn.react, turn.respond, turn.reflect) == (
            e.exchange.react.strip(),
            e.exchange.respond,
            e.exchange.reflect,
        ), e.id
        assert e.exchange.respond.count("?") <= 1, e.id  # at most one question


def test_conversations_chain_resolve_and_change_reaction(data) -> None:
    rows = {r["id"]: r for name in ("turns.jsonl", "conversations.jsonl") for r in _rows(name)}
    by_id = {e.id: e for e in data.examples}
    assert set(rows) == set(by_id)

    def chain(row_id: str) -> list[str]:
        ids = [row_id]
        while rows[ids[0]].get("after"):
            ids.insert(0, rows[ids[0]]["after"])
        return ids

    for row_id, example in by_id.items():
        ids = chain(row_id)
        assert [h.user for h in example.prompt.history] == [rows[i]["user"] for i in ids[:-1]]
        if example.prompt.history:  # the reaction moves with the conversation
            before = parse_reaction(example.prompt.history[-1].react)
            now = parse_reaction(example.exchange.react)
            assert (now.expression, now.posture) != (before.expression, before.posture), row_id

    conversation = _rows("conversations.jsonl")
    followed = {r["after"] for r in conversation if "after" in r}
    ends = [r["id"] for r in conversation if r["id"] not in followed]
    lengths = Counter(len(chain(end)) for end in ends)
    assert min(lengths) >= 3 and max(lengths) <= 8, lengths
    assert sum(lengths.values()) >= 60
    new_turns = len(data.examples) - 90  # turns.jsonl held 90 before the conversations
    assert len(conversation) >= new_turns / 2


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", "")))


def _ngrams(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = _normalised(text).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_training_messages_are_not_from_evaluation_sets(data) -> None:
    """No user message of the dataset copies or closely paraphrases a line of the mind dev set
    or an example of the appraisal prompt or the persona card (same normalised text, or a
    common run of six words)."""
    dev = assets_dir() / "data" / "mind" / "dev.jsonl"
    held = [json.loads(line)["text"] for line in dev.read_text(encoding="utf-8").splitlines()]
    with (assets_dir() / "prompts" / "appraisal.toml").open("rb") as f:
        held += [user for user, _ in tomllib.load(f)["examples"]]
    with (assets_dir() / "personas" / "empath.toml").open("rb") as f:
        held += [ex["user"] for ex in tomllib.load(f)["examples"]]
    assert len(held) > 200
    held_texts = {_normalised(t) for t in held}
    held_grams = set().union(*(_ngrams(t) for t in held))
    messages = {e.prompt.text for e in data.examples} | {p.text for p in data.prompts}
    for text in messages:
        assert _normalised(text) not in held_texts, text
        assert not _ngrams(text) & held_grams, text


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
