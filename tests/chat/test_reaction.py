"""`engine.reaction.parse_reaction`: every style of DESIGN.md §3, every canonical label,
modifiers, negation, fallbacks, robustness, speed, and agreement with a labelled dev set."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from empath_desktop.chat import reaction_lexicon as lex
from empath_desktop.chat.reaction import (
    FALLBACK_INTENSITY,
    Reaction,
    parse_reaction,
)
from empath_desktop.chat.vocab import EXPRESSIONS, POSTURES

DEV_SET = Path(__file__).parent / "data" / "react_labels.jsonl"

# --------------------------------------------------------------------------- the contract


def test_design_doc_example() -> None:
    r = parse_reaction("*soft frown* + *shoulders drop*")
    assert (r.expression, r.posture) == ("sad", "slumped")
    assert 0.4 <= r.intensity <= 0.7
    assert r.confidence > 0.5
    assert r.text == "*soft frown* + *shoulders drop*"


@pytest.mark.parametrize(
    ("text", "expression", "posture"),
    [
        ("*beaming smile* + *leans forward*", "joyful", "lean_forward"),
        ("\n*thoughtful* + *open* posture\n", "thoughtful", "open"),
        ("warm smile, eyes crinkling + relaxed, open posture", "happy", "open"),
        ("[puzzled squint] + [scratches head]", "confused", "head_tilt"),
        (
            "*leans forward enthusiastically, mimes catching ideas, face animated with interest*",
            "curious",
            "lean_forward",
        ),
    ],
)
def test_design_doc_styles(text: str, expression: str, posture: str) -> None:
    r = parse_reaction(text)
    assert (r.expression, r.posture) == (expression, posture)
    assert r.confidence > 0.5


def test_reaction_stays_a_frozen_dataclass_with_its_fields() -> None:
    names = [f.name for f in dataclasses.fields(Reaction)]
    assert names[:5] == ["expression", "posture", "intensity", "confidence", "text"]
    r = parse_reaction("*smiles*")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.expression = "sad"  # type: ignore[misc]
    assert Reaction() == Reaction("neutral", "neutral", 0.5, 0.0, "")


# ------------------------------------------------------- every canonical label, every style

# A face cue and its one-word adjective for each expression.
FACE = {
    "neutral": ("blank expression", "neutral"),
    "happy": ("warm smile", "happy"),
    "joyful": ("beaming grin", "joyful"),
    "amused": ("chuckles", "amused"),
    "sad": ("teary eyes", "sad"),
    "concerned": ("worried frown", "concerned"),
    "surprised": ("gasps", "surprised"),
    "curious": ("curious look", "curious"),
    "thoughtful": ("rubs chin", "thoughtful"),
    "confused": ("puzzled squint", "confused"),
    "angry": ("scowls", "angry"),
    "afraid": ("trembles with fear", "afraid"),
    "embarrassed": ("blushes", "embarrassed"),
}
# A body cue and its adjective for each posture.
BODY = {
    "neutral": ("sits still", "neutral"),
    "lean_forward": ("leans forward", "forward-leaning"),
    "lean_back": ("leans back", "leaning back"),
    "upright": ("sits up straight", "upright"),
    "slumped": ("slumps", "slumped"),
    "head_tilt": ("tilts head", "tilted head"),
    "nod": ("nods", "nodding"),
    "head_shake": ("shakes head", "head-shaking"),
    "shrug": ("shrugs", "shrugging"),
    "open": ("opens arms wide", "open"),
    "closed": ("crosses arms", "closed"),
}
STYLES = {
    "stars": lambda face, body, _fa, _ba: f"*{face}* + *{body}*",
    "label_words": lambda _f, _b, face_adj, body_adj: f"\n*{face_adj}* + *{body_adj}* posture\n",
    "plain": lambda face, body, _fa, _ba: f"{face}, eyes on you + {body}",
    "brackets": lambda face, body, _fa, _ba: f"[{face}] + [{body}]",
    "free_form": lambda face, body, _fa, _ba: f"*{face} and {body}*",
}


def test_tables_cover_the_vocabularies() -> None:
    assert set(FACE) == set(EXPRESSIONS)
    assert set(BODY) == set(POSTURES)


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_every_expression_in_every_style(style: str, expression: str) -> None:
    face, face_adj = FACE[expression]
    text = STYLES[style](face, "nods", face_adj, "nodding")
    r = parse_reaction(text)
    assert (r.expression, r.posture) == (expression, "nod"), text


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("posture", POSTURES)
def test_every_posture_in_every_style(style: str, posture: str) -> None:
    body, body_adj = BODY[posture]
    text = STYLES[style]("blank expression", body, "neutral", body_adj)
    r = parse_reaction(text)
    assert r.posture == posture, text


# ------------------------------------------------------------------------------- modifiers


@pytest.mark.parametrize(
    ("weaker", "plain", "stronger"),
    [
        ("*slight smile*", "*smiles*", "*huge smile*"),
        ("*smiles a little*", "*smiles*", "*smiles very warmly*"),
        ("*a bit sad*", "*sad*", "*deeply sad*"),
        ("*frowns slightly*", "*frowns*", "*frowns deeply*"),
        ("*leans slightly forward*", "*leans forward*", "*leans forward enthusiastically*"),
        ("*soft chuckle*", "*laughs*", "*laughs uncontrollably*"),
        ("*barely smiling*", "*smiling*", "*smiling broadly*"),
    ],
)
def test_modifiers_move_intensity(weaker: str, plain: str, stronger: str) -> None:
    low, mid, high = (parse_reaction(t) for t in (weaker, plain, stronger))
    assert low.expression == mid.expression or low.posture == mid.posture
    assert 0.0 <= low.intensity < mid.intensity < high.intensity <= 1.0


def test_modifier_after_the_closing_star_still_counts() -> None:
    assert parse_reaction("*smiles* softly").intensity < parse_reaction("*smiles*").intensity


def test_a_happy_face_intense_enough_reads_as_joy() -> None:
    assert parse_reaction("*smiles*").expression == "happy"
    assert parse_reaction("*very, very happy*").expression == "joyful"
    assert parse_reaction("*grinning from ear to ear*").expression == "joyful"


def test_modifiers_stay_in_their_clause() -> None:
    r = parse_reaction("*slight frown* + *leans forward enthusiastically*")
    assert r.expression == "concerned"
    assert r.intensity < parse_reaction("*frown*").intensity


# -------------------------------------------------------------------------------- negation


@pytest.mark.parametrize(
    "text",
    [
        "*not smiling*",
        "*no longer frowning*",
        "*doesn't laugh*",
        "*without a smile*",
        "*stops grinning*",
        "*isn't scared*",
        "*NOT ANGRY*",
        "*doesn’t smile*",
    ],
)
def test_negated_cue_gives_a_neutral_face(text: str) -> None:
    r = parse_reaction(text)
    assert r.expression == "neutral"
    assert r.confidence > 0  # understood, not a fallback
    assert r.cues and r.cues[0].startswith("not ")


def test_negation_does_not_cross_a_clause() -> None:
    r = parse_reaction("*not sure what to say* + *smiles*")
    assert r.expression in {"happy", "confused"}
    assert parse_reaction("*no hesitation, grins*").expression == "happy"
    assert parse_reaction("*not angry, just disappointed*").expression == "sad"


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("*tries not to laugh*", "amused"),
        ("*can't help but grin*", "happy"),
        ("*not sure*", "confused"),
        ("*fighting back tears*", "sad"),
        ("*no longer frowning, a small smile returns*", "happy"),
    ],
)
def test_phrases_with_negators_inside(text: str, expression: str) -> None:
    assert parse_reaction(text).expression == expression


# --------------------------------------------------------------- partial and unknown text


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("*beaming smile*", "joyful"),
        ("*furrowed brow*", "concerned"),
        ("*jaw drops*", "surprised"),
        ("*blushes*", "embarrassed"),
    ],
)
def test_face_only_keeps_a_neutral_posture(text: str, expression: str) -> None:
    r = parse_reaction(text)
    assert (r.expression, r.posture) == (expression, "neutral")


@pytest.mark.parametrize(
    ("text", "expression", "posture"),
    [
        ("*leans forward*", "neutral", "lean_forward"),
        ("*crosses arms*", "neutral", "closed"),
        ("*nods*", "neutral", "nod"),
        ("*slumps*", "sad", "slumped"),  # strong body cues do hint at a face
        ("*scratches head*", "confused", "head_tilt"),
        ("*recoils*", "afraid", "lean_back"),
    ],
)
def test_body_only_moves_the_face_only_for_strong_cues(
    text: str, expression: str, posture: str
) -> None:
    r = parse_reaction(text)
    assert (r.expression, r.posture) == (expression, posture)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\n", "*looks at you*", "the weather is nice today", "asdf qwerty", "...", "42"],
)
def test_unknown_text_falls_back_without_guessing(text: str) -> None:
    r = parse_reaction(text)
    assert (r.expression, r.posture) == ("neutral", "neutral")
    assert r.confidence == 0.0
    assert r.intensity == FALLBACK_INTENSITY
    assert r.cues == ()
    assert r.text == text


def test_confidence_reflects_how_much_was_understood() -> None:
    clear = parse_reaction("*beaming smile* + *leans forward*")
    single = parse_reaction("*smiles*")
    buried = parse_reaction("I said to my colleague over lunch yesterday that a smile helps")
    assert 1.0 >= clear.confidence > single.confidence > buried.confidence > 0.0


def test_prefix_of_a_streaming_react_is_already_usable() -> None:
    r = parse_reaction("*beaming smi")
    assert r.expression == "joyful"
    assert r.confidence > 0


# ------------------------------------------------------------- surface noise is ignored


@pytest.mark.parametrize(
    ("noisy", "clean"),
    [
        ("*SMILES WARMLY* + *LEANS IN*", "*smiles warmly* + *leans in*"),
        ("**grins** ++ **nods**!!!", "*grins* + *nods*"),
        ("  ( soft smile ) ; ( nods )  ", "*soft smile* + *nods*"),
        ("*smiles* \U0001f60a + *leans in*", "*smiles* + *leans in*"),
        ("*confused* \U0001f914\ufe0f + *head tilt*", "*confused* + *head tilt*"),
        ("*smiles*\n*nods*", "*smiles* + *nods*"),
        ("*smiles and nods*", "*smiles* + *nods*"),
        ("*wide-eyed*", "*wide eyed*"),
    ],
)
def test_case_punctuation_and_emoji_do_not_change_the_reading(noisy: str, clean: str) -> None:
    a, b = parse_reaction(noisy), parse_reaction(clean)
    assert (a.expression, a.posture) == (b.expression, b.posture)


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("\U0001f602", "amused"),
        ("\U0001f622", "sad"),
        ("\U0001f62e", "surprised"),
        ("\U0001f633", "embarrassed"),
        (":)", "happy"),
        (":-(", "concerned"),
    ],
)
def test_emoji_and_emoticons_alone(text: str, expression: str) -> None:
    assert parse_reaction(text).expression == expression


# ------------------------------------------------------------------------------ robustness


def _check(r: Reaction) -> None:
    assert r.expression in EXPRESSIONS
    assert r.posture in POSTURES
    assert 0.0 <= r.intensity <= 1.0
    assert 0.0 <= r.confidence <= 1.0


_LEXICON_WORDS = sorted(
    {w for patterns, _, _ in lex.CUES for w in patterns.replace("|", " ").replace(";", " ").split()}
    | set(lex.MODIFIERS)
    | set(lex.NEGATION_WORDS)
    | set(lex.SEPARATOR_WORDS)
)
_PIECES = st.sampled_from([*_LEXICON_WORDS, "*", "+", ",", "[", "]", "\n", "'", ":)", "not"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    r = parse_reaction(text)
    _check(r)
    assert r.text == text


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map(" ".join))
def test_never_raises_on_lexicon_soup(text: str) -> None:
    _check(parse_reaction(text))


@pytest.mark.parametrize(
    "value", [None, b"*smiles*", 42, ["*smiles*"], "\x00\ud800", "a" * 100_000]
)
def test_never_raises_on_odd_values(value: object) -> None:
    _check(parse_reaction(value))  # type: ignore[arg-type]


def test_same_input_same_output() -> None:
    text = "*warm smile, eyes crinkling* + *leans in slightly*"
    assert parse_reaction(text) == parse_reaction(text)


# ------------------------------------------------------------------------ data and speed


def _dev_rows() -> list[dict[str, str]]:
    with DEV_SET.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_dev_set_is_well_formed() -> None:
    rows = _dev_rows()
    assert len(rows) >= 250
    assert len({r["text"] for r in rows}) == len(rows)
    for row in rows:
        assert set(row) == {"text", "expression", "posture"}
        assert row["expression"] in EXPRESSIONS
        assert row["posture"] in POSTURES
    # Every label appears, so agreement is not carried by a few easy classes.
    assert {r["expression"] for r in rows} == set(EXPRESSIONS)
    assert {r["posture"] for r in rows} == set(POSTURES)


def test_agreement_with_the_labelled_dev_set() -> None:
    rows = _dev_rows()
    readings = [parse_reaction(r["text"]) for r in rows]
    expression = sum(x.expression == r["expression"] for x, r in zip(readings, rows, strict=True))
    posture = sum(x.posture == r["posture"] for x, r in zip(readings, rows, strict=True))
    assert expression / len(rows) >= 0.90
    assert posture / len(rows) >= 0.85


def test_emoji_table_maps_single_characters() -> None:
    assert all(len(k) == 1 for k in lex.EMOJI)
