"""Reward functions: good, bad and adversarial completions, and the original script's failures.

Pure functions: no torch needed.
"""

from __future__ import annotations

import doctest

import pytest

from empath_desktop.chat.reaction import Reaction, parse_reaction
from training.empath import rewards
from training.empath.rewards import (
    COMPONENTS,
    RewardWeights,
    consistency_reward,
    format_reward,
    reaction_reward,
    reflection_reward,
    repetition,
    response_reward,
    score,
    text_valence,
    trl_reward_funcs,
)

GOOD = (
    "<react>*beaming smile* + *leans forward*</react>\n"
    "<respond>That's wonderful news, congratulations! All that waiting paid off. "
    "How are you going to celebrate?</respond>\n"
    "<reflect>They are thrilled and proud; they'll probably tell me about the new role "
    "or how they plan to celebrate next.</reflect>"
)
GRIEF_GOOD = (
    "<react>*soft frown* + *shoulders drop*</react>"
    "<respond>I'm so sorry. Losing her must feel unreal right now, and I'm here if you want to "
    "tell me about her.</respond>"
    "<reflect>They are in fresh grief and may be in shock; they might share a memory of her "
    "next.</reflect>"
)
JOY = {"user": "I got the job!", "reaction_valence": 0.7}
GRIEF = {"user": "My grandmother died last night.", "reaction_valence": -0.5}


def test_doctests() -> None:
    result = doctest.testmod(rewards, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 6 and result.failed == 0


# --- format ---------------------------------------------------------------------------------


def test_format_well_formed_is_exactly_one() -> None:
    assert format_reward(GOOD) == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "\n\n" + GOOD,  # the original regex failed on any leading whitespace
        "   " + GOOD + "\n  ",
        GOOD.replace("<react>", "<REACT>").replace("</respond>", "< /Respond >"),
    ],
)
def test_format_tolerates_what_the_parser_tolerates(text: str) -> None:
    assert format_reward(text) == 1.0


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Sure! Here you go:\n" + GOOD, "leading text"),
        (GOOD + "\nUser: and then what?", "continues the transcript"),
        (GOOD.replace("</reflect>", ""), "unclosed reflect"),
        (GOOD + "<reflect>again</reflect>", "duplicate section"),
        (GOOD.replace("<react>*beaming smile* + *leans forward*</react>\n", ""), "missing react"),
        (
            "<respond>Hi there, how are you doing today my friend?</respond>"
            "<react>*smile* + *nod*</react><reflect>They are fine.</reflect>",
            "wrong order",
        ),
    ],
)
def test_format_partial_credit_is_below_one_and_above_zero(text: str, why: str) -> None:
    value = format_reward(text)
    assert 0.0 < value < 1.0, why


def test_format_leading_text_keeps_most_credit() -> None:
    # The original scored any leading text as a total failure; one stray word is a small fault.
    assert format_reward("Okay. " + GOOD) > 0.9 > format_reward("Sure! " * 20 + GOOD)


@pytest.mark.parametrize("text", ["", "   ", "Hello! I'm happy for you.", "<b>bold</b> 3 < 5"])
def test_format_without_sections_is_zero(text: str) -> None:
    assert format_reward(text) == 0.0


def test_format_more_sections_score_higher() -> None:
    one = "<react>*smile* + *nod*</react>"
    two = one + "<respond>Nice to see you again, how was the trip?</respond>"
    three = two + "<reflect>They seem happy; they'll tell me about the trip.</reflect>"
    assert format_reward(one) < format_reward(two) < format_reward(three) == 1.0


# --- reaction -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "react",
    [
        "*beaming smile* + *leans forward*",
        "\n*thoughtful* + *open* posture\n",
        "warm smile, eyes crinkling + relaxed, open posture",
        "[puzzled squint] + [scratches head]",
        "*soft frown* + *shoulders drop*",
    ],
)
def test_reaction_styles_of_the_design_score_well(react: str) -> None:
    assert reaction_reward(react) >= 0.6


def test_reaction_empty_or_meaningless_is_zero() -> None:
    assert reaction_reward("") == 0.0
    assert reaction_reward("   ") == 0.0
    assert reaction_reward("xq zzv 42") == 0.0


def test_reaction_rambling_loses_to_concise() -> None:
    concise = "*beaming smile* + *leans forward*"
    rambling = concise + " " + " ".join(["and then keeps on describing every tiny motion"] * 5)
    assert reaction_reward(concise) > reaction_reward(rambling)


def test_reaction_uses_the_engine_interpreter() -> None:
    react = "*soft frown* + *shoulders drop*"
    r = parse_reaction(react)
    assert reaction_reward(react) == reaction_reward(react, r)
    fake = Reaction("sad", "slumped", 0.5, 0.0, react)  # nothing understood
    assert reaction_reward(react, fake) == 0.0


# --- response -------------------------------------------------------------------------------


def test_response_good_is_one() -> None:
    assert (
        response_reward("That's wonderful news, congratulations! How are you going to celebrate?")
        == 1.0
    )


def test_response_length_band() -> None:
    assert response_reward("") == 0.0
    assert 0.0 < response_reward("Oh, nice.") < 1.0
    long = " ".join(f"word{i}" for i in range(200))
    assert response_reward(long) == 0.0


@pytest.mark.parametrize(
    "reply",
    [
        "As an AI language model, I cannot feel joy, but congratulations on the job offer!",
        "Congratulations on the new job! I am so happy for you.\nUser: thanks!",
        "Congratulations on the new job, that's great news! </react",
        "Congratulations on the new job, that's great news!<|im_end|>",
        "Congratulations on the new job, that's great news! Reflect: they are happy.",
    ],
)
def test_response_meta_talk_and_tag_debris_are_penalised(reply: str) -> None:
    assert response_reward(reply) <= 0.3


def test_response_repetition_loop_is_penalised() -> None:
    loop = "I am here for you. " * 8
    assert repetition(loop) > 0.5
    assert response_reward(loop) == 0.0


# --- reflection -----------------------------------------------------------------------------


def test_reflection_good_scores_high() -> None:
    reflect = (
        "They sound exhausted and a bit embarrassed to ask; they'll probably want a concrete "
        "first step next."
    )
    assert reflection_reward(reflect, "Let's take it one step at a time.") >= 0.9


def test_reflection_copy_of_response_loses() -> None:
    reply = "That's wonderful news, congratulations! How are you going to celebrate?"
    assert reflection_reward(reply, reply) < 0.5


def test_reflection_about_self_without_prediction_loses() -> None:
    own = "I said something nice and I hope it was good enough for this conversation."
    good = "They are proud and excited; they will likely share their plans next."
    assert reflection_reward(own) < reflection_reward(good)


def test_reflection_empty_is_zero() -> None:
    assert reflection_reward("") == 0.0


# --- consistency ----------------------------------------------------------------------------


def test_consistency_joyful_reaction_to_grief_fails() -> None:
    happy = parse_reaction("*beaming smile* + *leans forward*")
    sad = parse_reaction("*soft frown* + *shoulders drop*")
    reply = "I'm so sorry for your loss. That must hurt so much."
    assert consistency_reward(sad, reply, GRIEF["user"], -0.5) > consistency_reward(
        happy, reply, GRIEF["user"], -0.5
    )


def test_consistency_without_category_uses_the_message() -> None:
    happy = parse_reaction("*beaming smile* + *leans forward*")
    sad = parse_reaction("*soft frown* + *shoulders drop*")
    user = "I'm so excited, I finally won the competition!"
    reply = "Congratulations, that's amazing!"
    assert consistency_reward(happy, reply, user) > consistency_reward(sad, reply, user)


def test_consistency_reaction_against_reply() -> None:
    sad = parse_reaction("*soft frown* + *shoulders drop*")
    assert consistency_reward(sad, "I'm so sorry, that sounds awful.") > consistency_reward(
        sad, "Congratulations, that's wonderful, let's celebrate!"
    )


def test_consistency_uninterpretable_reaction_is_zero() -> None:
    assert consistency_reward(Reaction(), "Anything at all.", "hello", 0.3) == 0.0


def test_text_valence() -> None:
    assert text_valence("what a wonderful, amazing day") > 0.5
    assert text_valence("I'm scared and so sad") < -0.5
    assert text_valence("The train leaves at nine.") is None


# --- score and the trl adapters -------------------------------------------------------------


def test_score_reports_every_component_in_unit_range() -> None:
    for text, ctx in ((GOOD, JOY), (GRIEF_GOOD, GRIEF), ("garbage", {}), ("", None)):
        report = score(text, ctx)
        assert set(report.components) == set(COMPONENTS)
        assert all(0.0 <= v <= 1.0 for v in report.components.values())
        assert 0.0 <= report.total <= 1.0


def test_score_good_beats_bad() -> None:
    good = score(GOOD, JOY).total
    assert good > 0.8
    assert score("Sure! " + GOOD.replace("<reflect>", ""), JOY).total < good
    assert score(GOOD.replace("beaming smile", "sobbing, devastated"), JOY).total < good
    assert score("Congratulations!", JOY).total == 0.0


def test_score_weights() -> None:
    only_format = RewardWeights(**{c: 0.0 for c in COMPONENTS} | {"format": 1.0})
    text = "<react>x</react><respond>y</respond><reflect>z</reflect>"
    assert score(text, {}, only_format).total == 1.0
    assert score(text, {}).total < 1.0


def test_score_reads_chat_completions() -> None:
    as_messages = [{"role": "assistant", "content": GOOD}]
    assert score(as_messages, JOY).total == score(GOOD, JOY).total


def test_trl_reward_funcs_signature_names_and_values() -> None:
    funcs = trl_reward_funcs()
    assert [f.__name__ for f in funcs] == list(COMPONENTS)
    completions = [GOOD, "nothing useful", GRIEF_GOOD, ""]
    kwargs = {
        "user": [JOY["user"], JOY["user"], GRIEF["user"], GRIEF["user"]],
        "reaction_valence": [0.7, 0.7, -0.5, None],
        "trainer_state": object(),  # trl passes extra keyword arguments; they are ignored
    }
    for f in funcs:
        values = f(prompts=["p"] * 4, completions=completions, **kwargs)
        assert len(values) == 4 and all(isinstance(v, float) for v in values)
    fmt = funcs[0](prompts=["p"] * 4, completions=completions, **kwargs)
    assert fmt[0] == 1.0 and fmt[1] == 0.0


def test_rewards_are_never_constant_across_completions() -> None:
    # The original LLM judge returned 0 for everything: a reward without variance teaches
    # nothing. Every component must separate a good turn from a broken one.
    good, bad = score(GOOD, JOY), score("Sure thing!", JOY)
    for c in COMPONENTS:
        assert good.components[c] > bad.components[c], c
