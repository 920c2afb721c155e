"""The reaction-fit and no-repeat rewards, on their own and through `score` and trl's adapters.

Pure functions: no torch needed.
"""

from __future__ import annotations

from empath_desktop.chat.reaction import Reaction, parse_reaction
from empath_desktop.chat.vocab import EXPRESSIONS
from training.empath.data import default_data_dir, load_categories
from training.empath.rewards import (
    COMPONENTS,
    FITTING_EXPRESSIONS,
    RewardWeights,
    no_repeat_reward,
    reaction_fit_reward,
    score,
    trl_reward_funcs,
)

SAD = parse_reaction("*soft frown* + *shoulders drop*")
BEAMING = parse_reaction("*beaming smile* + *leans forward*")
CONCERNED = parse_reaction("*furrowed brow, worried look* + *leans in*")
TURN = (
    "<react>{react}</react><respond>I'm so sorry, that is a heavy loss and it makes sense that "
    "you feel lost.</respond><reflect>They are grieving; they will probably share a memory "
    "next.</reflect>"
)


def test_every_category_has_fitting_canonical_expressions() -> None:
    categories = load_categories(default_data_dir())
    assert set(FITTING_EXPRESSIONS) == set(categories)
    for fitting in FITTING_EXPRESSIONS.values():
        assert fitting and fitting <= set(EXPRESSIONS)


def test_fit_by_category() -> None:
    assert reaction_fit_reward(SAD, "grief", -0.5) == 1.0
    assert reaction_fit_reward(BEAMING, "grief", -0.5) == 0.0
    assert reaction_fit_reward(BEAMING, "joy", 0.7) == 1.0
    # Anger is met with concern, not anger: an angry face earns only its valence's near miss.
    angry = parse_reaction("*scowls angrily* + *crosses arms*")
    assert angry.expression == "angry"
    assert (
        0.0
        < reaction_fit_reward(angry, "anger", -0.3)
        < reaction_fit_reward(CONCERNED, "anger", -0.3)
    )


def test_fit_without_category_uses_the_valence_then_the_message() -> None:
    assert reaction_fit_reward(BEAMING, None, 0.7) > reaction_fit_reward(SAD, None, 0.7)
    user = "My grandmother died last night."
    assert reaction_fit_reward(SAD, None, None, user) > reaction_fit_reward(
        BEAMING, None, None, user
    )
    assert reaction_fit_reward(SAD, None, None, "The train leaves at nine.") == 0.5
    assert reaction_fit_reward(Reaction(), "grief", -0.5) == 0.0


def test_no_repeat() -> None:
    assert no_repeat_reward(SAD, "") == 1.0
    assert no_repeat_reward(SAD, "*soft frown* + *shoulders drop*") == 0.0
    # Same expression, another posture: a sad story over two messages may stay sad.
    assert no_repeat_reward(SAD, "*soft frown* + *nods slowly*") == 1.0
    assert no_repeat_reward(SAD, "*beaming smile* + *leans forward*") == 1.0
    assert no_repeat_reward(Reaction(), "") == 0.0


def test_score_and_trl_adapters_read_category_and_previous_react() -> None:
    good = TURN.format(react="*soft frown* + *shoulders drop*")
    ctx = {"user": "My dog died.", "category": "grief", "reaction_valence": -0.5}
    first = score(good, ctx)
    again = score(good, ctx | {"previous_react": "*soft frown* + *shoulders drop*"})
    assert first.components["reaction_fit"] == 1.0 and first.components["no_repeat"] == 1.0
    assert again.components["no_repeat"] == 0.0 and again.total < first.total

    funcs = dict(zip(COMPONENTS, trl_reward_funcs(), strict=True))
    completions = [good, good, TURN.format(react="*bursts out laughing* + *leans back*")]
    kwargs = {
        "user": ["My dog died."] * 3,
        "category": ["grief", "grief", "grief"],
        "reaction_valence": [-0.5, -0.5, -0.5],
        "previous_react": ["", "*soft frown* + *shoulders drop*", ""],
    }
    assert funcs["no_repeat"](["p"] * 3, completions, **kwargs) == [1.0, 0.0, 1.0]
    fit = funcs["reaction_fit"](["p"] * 3, completions, **kwargs)
    assert fit[0] == 1.0 and fit[2] < 0.5
    # Dataset columns may be missing (older rows) or hold None/NaN.
    sparse = {"user": ["My dog died."], "category": [float("nan")]}
    assert funcs["reaction_fit"](["p"], [good], **sparse) == [1.0]


def test_config_weights_cover_the_new_components() -> None:
    weights = RewardWeights(reaction_fit=2.0, no_repeat=0.5)
    assert weights.as_tuple()[COMPONENTS.index("reaction_fit")] == 2.0
    assert weights.as_tuple()[COMPONENTS.index("no_repeat")] == 0.5


def test_grpo_rows_carry_the_reward_columns() -> None:
    from training.empath.data import grpo_rows, load_data, prompt_builder

    rows = grpo_rows(load_data(), prompt_builder(few_shot=0), "transcript")
    assert all({"category", "previous_react", "reaction_valence", "user"} <= r.keys() for r in rows)
    follow_ups = [r for r in rows if r["previous_react"]]
    assert follow_ups and all(r["prompt"].count("EMPATH:") >= 2 for r in follow_ups)
