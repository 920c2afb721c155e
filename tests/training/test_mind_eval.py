"""eval-mind: the dev set's shape, the scoring rules on hand-made rows, the chat protocol
against a scripted stand-in process, and one short run on the embedded model."""

from __future__ import annotations

import doctest
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from empath_desktop.chat.vocab import EXPRESSIONS
from training.empath import mind_eval
from training.empath.__main__ import main as training_main
from training.empath.mind_eval import (
    DEFAULT_DATA,
    MindDataError,
    Variant,
    judge_reply,
    load_messages,
    longest_run,
    main,
    markdown_table,
    parse_variant,
    reply_sane,
    run_conversation,
    score_rows,
    valence_agrees,
)

REPO = Path(__file__).resolve().parents[2]


def test_doctests() -> None:
    result = doctest.testmod(mind_eval)
    assert result.attempted > 0 and result.failed == 0


# ----------------------------------------------------------------------------- the dev set


def test_dev_set_shape() -> None:
    messages = load_messages(DEFAULT_DATA)
    assert len(messages) >= 180
    assert len(messages) % mind_eval.CONVERSATION_LENGTH == 0  # whole conversations
    valences = Counter(m.valence for m in messages)
    shares = {v: valences[v] / len(messages) for v in ("neg", "pos", "neu")}
    assert shares["neg"] == pytest.approx(0.35, abs=0.05)
    assert shares["pos"] == pytest.approx(0.30, abs=0.05)
    assert shares["neu"] == pytest.approx(0.35, abs=0.05)
    acceptable = Counter(label for m in messages for label in m.ok)
    assert {e: acceptable[e] for e in EXPRESSIONS if acceptable[e] < 8} == {}
    texts = [m.text for m in messages]
    assert len(set(texts)) == len(texts)
    assert all("\n" not in t for t in texts)


def test_dev_set_is_not_training_data() -> None:
    dev = {m.text.lower() for m in load_messages(DEFAULT_DATA)}
    training = set()
    for path in (REPO / "empath_desktop" / "assets" / "data" / "empath").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                training.add(str(obj.get("text") or obj.get("user") or "").strip().lower())
    assert dev & training == set()


def test_bad_dev_set_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "dev.jsonl"
    path.write_text('{"text": "hi", "ok": ["neutral"], "valence": "neu"}\n'
                    '{"text": "hey", "ok": ["grumpy"], "valence": "neu"}\n')
    with pytest.raises(MindDataError, match=r"dev.jsonl:2: 'ok'"):
        load_messages(path)
    path.write_text('{"text": "hi", "ok": ["neutral"], "valence": "meh"}\n')
    with pytest.raises(MindDataError, match=r":1: 'valence'"):
        load_messages(path)


# ----------------------------------------------------------------------------- scoring rules


@pytest.mark.parametrize(
    ("reply", "sympathy", "celebration"),
    [
        ("I'm so sorry for your loss.", True, False),
        ("I\u2019m sorry to hear that, it sounds really hard.", True, False),
        ("My condolences. That must have been devastating.", True, False),
        ("Oh, no! You're not going to get anything wrong.", True, False),
        ("Congratulations!! That's wonderful news.", False, True),
        ("Well done, I'm so proud of you.", False, True),
        ("yay! how will you celebrate?", False, True),
        ("Woohoo, that's fantastic!", False, True),
        # Word boundaries: a phrase inside another word is not the phrase.
        ("Yayoi Kusama's dots are sorryful? No: the show is unamazingly long.", False, False),
        # An apology is not sympathy; remembering someone is not a party.
        ("I'm sorry, I didn't catch that. Could you say it again?", False, False),
        ("We could celebrate her life by baking her bread.", False, False),
        ("Jupiter has 95 known moons.", False, False),
    ],
)
def test_judge_phrases(reply: str, sympathy: bool, celebration: bool) -> None:
    judged = judge_reply(reply)
    assert bool(judged.sympathy) is sympathy, judged
    assert bool(judged.celebration) is celebration, judged


def test_reply_sanity_depends_on_the_message() -> None:
    assert reply_sane("So sorry to hear that.", "pos") is False
    assert reply_sane("So sorry to hear that.", "neg") is True
    assert reply_sane("Congratulations!", "neg") is False
    assert reply_sane("Congratulations!", "pos") is True
    assert reply_sane("Congratulations!", "neu") is None  # neutral messages are not judged


@pytest.mark.parametrize(
    ("expression", "valence", "agrees"),
    [
        ("sad", "neg", True),
        ("embarrassed", "neg", True),
        ("thoughtful", "neg", False),
        ("happy", "neg", False),
        ("joyful", "pos", True),
        ("surprised", "pos", True),
        ("curious", "pos", False),
        ("concerned", "pos", False),
        ("neutral", "neu", True),
        ("amused", "neu", True),
        ("confused", "neu", True),
        ("afraid", "neu", False),
    ],
)
def test_valence_agreement(expression: str, valence: str, agrees: bool) -> None:
    assert valence_agrees(expression, valence) is agrees


def test_longest_run() -> None:
    a, b = ("sad", "slumped"), ("happy", "nod")
    assert longest_run([]) == 0
    assert longest_run([a, a, b, b, b, a]) == 3
    assert longest_run([a, None, a]) == 1
    assert longest_run([None, None]) == 0


def _row(conversation: int, expression: str, posture: str, ok: str, valence: str,
         respond: str = "I see.", reaction_ms: float | None = 100.0) -> dict:
    timings = {"first_react_ms": 90.0}
    if reaction_ms is not None:
        timings["reaction_ms"] = reaction_ms
    return {
        "conversation": conversation, "user": "...", "react": "*x*", "expression": expression,
        "posture": posture, "intensity": 0.5, "respond": respond, "reflect": "They ...",
        "timings": timings, "well_formed": True, "ok": ok.split(), "valence": valence,
    }  # fmt: skip


def test_scores_of_hand_made_rows() -> None:
    rows = [
        _row(0, "sad", "slumped", "sad concerned", "neg", "So sorry to hear that."),
        _row(0, "sad", "slumped", "sad concerned", "neg", "Congratulations!", 300.0),
        _row(0, "sad", "slumped", "happy", "pos", "Sorry to hear that.", None),  # 90 ms
        {"conversation": 0, "user": "...", "error": "too long", "ok": ["neutral"],
         "valence": "neu"},
        _row(0, "sad", "slumped", "sad", "neg"),
        _row(1, "happy", "nod", "happy joyful", "pos", "Well done!"),
        _row(1, "happy", "nod", "neutral curious", "neu"),
        _row(1, "curious", "head_tilt", "curious", "neu", "", 50.0),  # no reply: not well formed
    ]  # fmt: skip
    s = score_rows(rows)
    assert (s.turns, s.failed, s.labelled) == (8, 1, 8)
    assert s.expression_ok == 5  # rows 1, 2, 5, 6, 8
    assert s.valence_agree == 6  # all but the sad face on good news and the failed turn
    assert (s.judged_replies, s.sane_replies) == (5, 3)
    assert (s.sympathy_for_good_news, s.celebration_for_bad_news) == (1, 1)
    assert s.longest_run == 3  # the failed turn breaks conversation 0's run of four
    assert (s.distinct_first, s.distinct_first_turns, s.distinct_all) == (3, 8, 3)
    assert s.median_reaction_ms == 100.0  # of 100, 300, 90, 100, 100, 100, 50
    assert s.well_formed == 6
    assert s.expressions == {"sad": 4, "happy": 2, "curious": 1}
    table = markdown_table({"default": s, "other": s})
    assert "| figure | default | other |" in table
    assert "| reaction expression acceptable (expression ∈ ok) | 62.5% (5/8) |" in table
    assert "| longest identical (expression, posture) run in a conversation | 3 | 3 |" in table
    assert "3 (of 8 turns)" in table


def test_rows_without_conversation_keys_are_grouped_by_ten() -> None:
    rows = [_row(0, "sad", "slumped", "sad", "neg") for _ in range(15)]
    for row in rows:
        del row["conversation"]
    assert score_rows(rows).longest_run == 10
    assert score_rows(rows[:60]).distinct_first == 1


def test_variants_parse_like_a_shell() -> None:
    assert parse_variant('base=--model "my model.gguf" --seed 3') == Variant(
        "base", ("--model", "my model.gguf", "--seed", "3")
    )
    assert parse_variant("plain") == Variant("plain", ())


# ----------------------------------------------------------------------------- running


def test_chat_protocol_against_a_scripted_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in chat answers the first two messages (one with a stray non-JSON line before
    it), then dies: the third message becomes an error row that says why, with no traceback."""
    script = (
        "import json, sys\n"
        "lines = sys.stdin.read().splitlines()\n"
        "print('loading...')\n"
        "for text in lines[:2]:\n"
        "    print(json.dumps({'user': text, 'expression': 'happy', 'posture': 'nod'}))\n"
        "sys.stderr.write('Traceback (most recent call last):\\nRuntimeError: boom\\n')\n"
        "sys.exit(3)\n"
    )
    monkeypatch.setattr(mind_eval, "chat_command", lambda extra: [sys.executable, "-c", script])
    rows = run_conversation(["one", "two\nlines", "three"], (), timeout_s=60)
    assert [r["user"] for r in rows] == ["one", "two lines", "three"]
    assert rows[0]["expression"] == "happy" and "error" not in rows[1]
    assert rows[2]["error"] == (
        "empath chat exited with status 3 before answering this message: RuntimeError: boom"
    )


def test_scoring_a_transcript_writes_the_reports(tmp_path: Path, capsys) -> None:
    messages = load_messages(DEFAULT_DATA)[:3]
    transcript = tmp_path / "held_out.jsonl"
    lines = [
        {"user": messages[0].text, "react": "*smile*", "expression": messages[0].ok[0],
         "posture": "nod", "intensity": 0.5, "respond": "Hi.", "reflect": "Ok.",
         "timings": {"reaction_ms": 120.0}},
        {"user": messages[1].text, "error": "The model stopped."},
        {"user": "not in the dev set", "react": "*smile*", "expression": "happy",
         "posture": "nod", "intensity": 0.5, "respond": "Hi.", "reflect": "Ok.",
         "timings": {"reaction_ms": 80.0}},
    ]  # fmt: skip
    transcript.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "report"
    assert main(["--jsonl-in", str(transcript), "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert "| figure | held_out |" in table
    report = json.loads((out / "report.json").read_text())
    scores = report["variants"]["held_out"]["scores"]
    assert (scores["turns"], scores["failed"], scores["labelled"]) == (3, 1, 2)
    assert scores["expression_ok"] == 1
    assert scores["median_reaction_ms"] == 100.0
    assert (out / "report.md").read_text().endswith(table)
    assert not (out / "transcript.jsonl").exists()


def test_unusable_input_is_one_line_on_stderr(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    assert main(["--data", str(bad), "--jsonl-in", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("eval-mind: ") and "Traceback" not in err


def test_training_cli_help_and_eval_mind_need_no_config(capsys) -> None:
    assert training_main(["--help"]) == 0
    assert "eval-mind" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        training_main(["eval-mind", "--help"])
    assert exc.value.code == 0
    assert "--jsonl-in" in capsys.readouterr().out


@pytest.mark.model
def test_eval_mind_end_to_end_on_the_embedded_model(default_model: Path, tmp_path: Path,
                                                    capsys) -> None:
    assert main(["--limit", "3", "--out", str(tmp_path), "--seed", "1"]) == 0
    table = capsys.readouterr().out
    assert "| figure | default |" in table
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["variants"]["default"]["args"] == ["--seed", "1"]
    scores = report["variants"]["default"]["scores"]
    assert (scores["turns"], scores["failed"], scores["labelled"]) == (3, 0, 3)
    assert scores["well_formed"] == 3
    assert scores["median_reaction_ms"] > 0
    rows = [json.loads(line) for line in (tmp_path / "transcript.jsonl").read_text().splitlines()]
    assert [r["conversation"] for r in rows] == [0, 0, 0]
    assert all(r["expression"] in EXPRESSIONS and r["ok"] for r in rows)
