"""Reward functions for the three-part EMPATH turn: pure, deterministic, each in [0, 1].

Every reward reads a completion through the app's own parsers, so training, evaluation and the
app agree on what a turn is: `engine.tags` for the sections and the format, `engine.reaction`
for the nonverbal reaction. Nothing here imports torch; the trl adapters at the bottom only
reshape trl's batch arguments.

Components (weights live in the training config, `RewardWeights`):

- format: all three sections, each once, in order, explicitly closed, nothing outside.
- reaction: `parse_reaction` understands the react text (confidence), finds both an expression
  and a posture, and the text is concise.
- response: the reply is within a length band, holds no tags, speaker labels or meta-talk, and
  does not loop.
- reflection: about the user, names their state, looks forward, and is not a copy of the reply.
- consistency: the reaction's valence fits the user's message and the reply.
- reaction_fit: the reaction's expression is one that fits the message's category (or, without
  a category, has the valence a fitting reaction has).
- no_repeat: the reaction is not the previous turn's (expression, posture) pair again.

`score(completion, context)` returns all of them with the weighted total; evaluation uses it.

Doctest (the contract in one line):

>>> good = ("<react>*warm smile* + *leans forward*</react><respond>That's wonderful news, "
...         "congratulations! How are you going to celebrate?</respond><reflect>They are "
...         "thrilled and proud; they'll probably tell me about their plans next.</reflect>")
>>> format_reward(good)
1.0
>>> format_reward("Sure! Here is my answer.")
0.0
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from empath_desktop.chat.reaction import Reaction, parse_reaction
from empath_desktop.chat.tags import FormatReport, Turn, format_report, parse_turn
from empath_desktop.chat.vocab import VALENCE

COMPONENTS: tuple[str, ...] = (
    "format",
    "reaction",
    "response",
    "reflection",
    "consistency",
    "reaction_fit",
    "no_repeat",
)

_WORD = re.compile(r"[a-z']+")

# Length bands in words. A reply shorter than a sentence says nothing; one longer than a short
# paragraph is a lecture the avatar would speak for half a minute.
RESPONSE_BAND = (8, 80)
RESPONSE_ZERO = (0, 160)
REACTION_CONCISE_WORDS = 14
REACTION_ZERO_WORDS = 32
REFLECTION_BAND = (6, 90)

# Text that has no place in the spoken reply: speaker labels, tag debris, chat-template control
# tokens, and an assistant talking about itself instead of to the user.
_META = re.compile(
    r"(^|\n)\s*(user|empath|assistant|system)\s*:"
    r"|</?\s*(react|respond|reflect)\b"
    r"|<\|[a-z_]+\|>|<(end_of_turn|start_of_turn|eos|bos|/s|s)>"
    r"|\bas an ai\b|\blanguage model\b|\bmy (response|reflection|reaction)\b"
    r"|\b(react|respond|reflect)\s*:",
    re.IGNORECASE,
)

_ABOUT_USER = frozenset(
    [
        "they",
        "them",
        "their",
        "theirs",
        "they're",
        "they'll",
        "they've",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "user",
        "user's",
        "person",
        "person's",
    ]
)
_FORWARD = frozenset(
    [
        "will",
        "probably",
        "likely",
        "might",
        "may",
        "next",
        "expect",
        "soon",
        "want",
        "wants",
        "hoping",
        "later",
        "going",
    ]
)
_FORWARD_SUFFIXES = ("'ll",)

# Feeling words with a valence on the `VALENCE` scale. They estimate how the user's message and
# the reply feel (for the consistency reward) and whether a reflection names a state. Small on
# purpose: every entry is a clear cue; unknown words are simply not evidence.
FEELING_WORDS: dict[str, float] = {
    # positive
    "happy": 0.6,
    "glad": 0.6,
    "joy": 0.8,
    "joyful": 0.8,
    "thrilled": 0.9,
    "excited": 0.8,
    "elated": 0.9,
    "proud": 0.7,
    "delighted": 0.8,
    "relieved": 0.5,
    "grateful": 0.6,
    "hopeful": 0.4,
    "content": 0.4,
    "playful": 0.5,
    "amused": 0.5,
    "cheerful": 0.6,
    "curious": 0.3,
    "interested": 0.3,
    "eager": 0.5,
    "calm": 0.2,
    "relaxed": 0.3,
    "congratulations": 0.8,
    "congrats": 0.8,
    "wonderful": 0.8,
    "amazing": 0.8,
    "fantastic": 0.8,
    "great": 0.6,
    "lovely": 0.6,
    "love": 0.6,
    "loved": 0.6,
    "awesome": 0.7,
    "brilliant": 0.7,
    "celebrate": 0.8,
    "yay": 0.8,
    "fun": 0.5,
    "enjoy": 0.5,
    "best": 0.5,
    "finally": 0.3,
    "won": 0.7,
    "win": 0.6,
    # negative
    "sad": -0.7,
    "sorry": -0.5,
    "grief": -0.8,
    "grieving": -0.8,
    "heartbroken": -0.9,
    "lonely": -0.6,
    "loss": -0.7,
    "lost": -0.5,
    "died": -0.9,
    "dead": -0.8,
    "death": -0.8,
    "miss": -0.5,
    "missing": -0.5,
    "cry": -0.6,
    "crying": -0.6,
    "cried": -0.4,
    "hurt": -0.6,
    "hurts": -0.6,
    "painful": -0.6,
    "pain": -0.5,
    "awful": -0.7,
    "terrible": -0.7,
    "hard": -0.3,
    "tough": -0.3,
    "unfair": -0.6,
    "angry": -0.8,
    "furious": -0.9,
    "mad": -0.6,
    "frustrated": -0.6,
    "frustrating": -0.6,
    "infuriating": -0.8,
    "annoyed": -0.5,
    "annoying": -0.5,
    "upset": -0.6,
    "ugh": -0.5,
    "hate": -0.7,
    "scared": -0.7,
    "afraid": -0.7,
    "terrified": -0.9,
    "frightened": -0.8,
    "frightening": -0.7,
    "worried": -0.6,
    "worry": -0.5,
    "nervous": -0.5,
    "anxious": -0.6,
    "panic": -0.8,
    "dread": -0.7,
    "dreading": -0.7,
    "stressed": -0.6,
    "stress": -0.5,
    "stressful": -0.6,
    "exhausted": -0.5,
    "tired": -0.3,
    "embarrassed": -0.4,
    "embarrassing": -0.4,
    "mortified": -0.6,
    "ashamed": -0.6,
    "guilty": -0.5,
    "awkward": -0.3,
    "confused": -0.3,
    "confusing": -0.3,
    "overwhelmed": -0.6,
    "uncertain": -0.3,
    "unsure": -0.3,
    "doubting": -0.4,
}
# Neutral-valence state words: a reflection that names them does name a state.
_STATE_ONLY = frozenset(
    [
        "puzzled",
        "surprised",
        "thoughtful",
        "reflective",
        "nostalgic",
        "wistful",
        "bored",
        "sheepish",
        "flustered",
        "self-conscious",
        "practical",
        "focused",
        "shocked",
        "shock",
        "numb",
        "raw",
        "mood",
    ]
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _ramp(x: float, lo_zero: float, lo_full: float, hi_full: float, hi_zero: float) -> float:
    """Trapezoid: 0 at or beyond the zero points, 1 inside [lo_full, hi_full], linear between."""
    if lo_full <= x <= hi_full:
        return 1.0
    if x < lo_full:
        return max(0.0, (x - lo_zero) / (lo_full - lo_zero)) if lo_full > lo_zero else 0.0
    return max(0.0, (hi_zero - x) / (hi_zero - hi_full)) if hi_zero > hi_full else 0.0


def repetition(text: str, n: int = 3) -> float:
    """Fraction of word n-grams that repeat an earlier one: 0 for fresh text, near 1 for a loop.

    >>> round(repetition("I am here for you. I am here for you. I am here for you."), 2)
    0.62
    >>> repetition("That's wonderful news, congratulations!")
    0.0
    """
    words = _words(text)
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    if not grams:
        return 0.0
    return 1.0 - len(set(grams)) / len(grams)


def text_valence(text: str) -> float | None:
    """Mean valence of the feeling words in `text`, or None when it holds none.

    >>> text_valence("I'm so sorry, that sounds awful.")
    -0.6
    >>> text_valence("The capital is Canberra.") is None
    True
    """
    values = [FEELING_WORDS[w] for w in _words(text) if w in FEELING_WORDS]
    if not values:
        return None
    return round(sum(values) / len(values), 4)


def completion_text(completion: str | Sequence[Mapping[str, Any]]) -> str:
    """The text of a completion as trl passes it: a string, or chat messages (assistant's)."""
    if isinstance(completion, str):
        return completion
    return "".join(str(m.get("content", "")) for m in completion if m.get("role") == "assistant")


# ---------------------------------------------------------------------------------------------
# Components. Each takes what it needs and returns a float in [0, 1].


def format_reward(completion: str, report: FormatReport | None = None) -> float:
    """1.0 exactly when `format_report(...).well_formed`; partial credit otherwise.

    Half the score is for the sections present (1/6 each); the other half is split between
    opening them in order, once each, closing them explicitly, and writing nothing outside
    (which loses its share gradually over 40 characters: a stray word is not a broken turn).
    A completion with no section at all scores 0, whatever else is true of it.

    >>> format_reward("\\n  <react>*nods*</react>\\n<respond>Yes.</respond>\\n<reflect>They agree."
    ...               "</reflect>\\n")
    1.0
    >>> round(format_reward("<respond>Hi!</respond>"), 3)
    0.667
    """
    rep = report if report is not None else format_report(completion)
    if not rep.present:
        return 0.0
    if rep.well_formed:
        return 1.0
    score = 0.5 * len(rep.present) / 3
    score += 0.125 * rep.in_order
    score += 0.125 * (not rep.duplicates)
    score += 0.125 * (not rep.unclosed and not rep.stray_closes)
    score += 0.125 * max(0.0, 1.0 - rep.outside_chars / 40)
    # Never equal to a well-formed turn, so GRPO always prefers the exact format.
    return min(score, 0.95)


def reaction_reward(react: str, reaction: Reaction | None = None) -> float:
    """How usable the react text is for the avatar.

    0.4 × parse confidence, 0.2 for an expression and 0.2 for a posture that are not the neutral
    fallback, and 0.2 for concision (full up to 14 words, none from 32). Empty text scores 0.
    """
    if not react.strip():
        return 0.0
    r = reaction if reaction is not None else parse_reaction(react)
    if r.confidence <= 0:
        return 0.0
    n_words = len(react.split())
    concise = _ramp(n_words, -1, 1, REACTION_CONCISE_WORDS, REACTION_ZERO_WORDS)
    score = (
        0.4 * min(1.0, r.confidence)
        + 0.2 * (r.expression != "neutral")
        + 0.2 * (r.posture != "neutral")
        + 0.2 * concise
    )
    return round(score, 6)


def response_reward(respond: str) -> float:
    """A reply worth speaking: length band × no meta-talk × no repetition loop.

    Length: full from 8 to 80 words, falling to 0 at 0 and 160. Tags, speaker labels, control
    tokens or talk about "my response" cut the score to 30 %. Repeated word trigrams cost twice
    their share (half the trigrams repeated: 0).
    """
    if not respond.strip():
        return 0.0
    n_words = len(respond.split())
    band = _ramp(n_words, RESPONSE_ZERO[0], RESPONSE_BAND[0], RESPONSE_BAND[1], RESPONSE_ZERO[1])
    meta = 0.3 if _META.search(respond) else 1.0
    loop = max(0.0, 1.0 - 2.0 * repetition(respond))
    return round(band * meta * loop, 6)


def _overlap(a: str, b: str) -> float:
    """Share of `a`'s distinct words (3+ letters) that also occur in `b`."""
    wa = {w for w in _words(a) if len(w) > 2}
    if not wa:
        return 0.0
    wb = {w for w in _words(b) if len(w) > 2}
    return len(wa & wb) / len(wa)


def reflection_reward(reflect: str, respond: str = "") -> float:
    """Private thinking about the user, not a second reply.

    A third each for: being about the user (they/she/he/the user…), naming a state (a feeling
    word), and looking forward (will/'ll/probably/likely/next…). That is scaled by distinctness
    from the reply: full while at most half of its words occur in the reply, falling to 0 for a
    copy. Outside 6–90 words the score halves; a looping reflection loses like a looping reply.
    """
    if not reflect.strip():
        return 0.0
    words = _words(reflect)
    about = any(w in _ABOUT_USER for w in words)
    state = any(w in FEELING_WORDS or w in _STATE_ONLY for w in words)
    forward = any(w in _FORWARD or w.endswith(_FORWARD_SUFFIXES) for w in words)
    distinct = min(1.0, 2.0 * (1.0 - _overlap(reflect, respond))) if respond.strip() else 1.0
    score = (about + state + forward) / 3 * distinct
    lo, hi = REFLECTION_BAND
    if not lo <= len(words) <= hi:
        score *= 0.5
    score *= max(0.0, 1.0 - 2.0 * repetition(reflect))
    return round(score, 6)


def _valence_fit(value: float, target: float, tolerance: float, span: float) -> float:
    """1 within `tolerance` of `target`, falling linearly to 0 over the next `span`."""
    return max(0.0, min(1.0, 1.0 - (abs(value - target) - tolerance) / span))


def consistency_reward(
    reaction: Reaction,
    respond: str,
    user: str = "",
    reaction_valence: float | None = None,
) -> float:
    """Does the reaction's valence fit the user's message and the reply?

    User fit: distance between the reaction's valence (`vocab.VALENCE`) and the valence a
    fitting reaction has for this message: `reaction_valence` when the data knows the message's
    category (see assets/data/empath/categories.toml), else the feeling words of the user's
    message (clamped to [-0.5, 0.7]: a fitting reaction is softer than the feeling it meets).
    Full within 0.4, zero from 1.2. Reply fit: the same against the feeling words of the reply,
    full within 0.5, zero from 1.5. A message or reply without feeling words leaves its half
    at 1: no evidence, no penalty. An uninterpretable reaction scores 0.
    """
    if reaction.confidence <= 0:
        return 0.0
    v = VALENCE.get(reaction.expression, 0.0)
    target = reaction_valence
    if target is None:
        estimate = text_valence(user)
        target = None if estimate is None else max(-0.5, min(0.7, estimate))
    user_fit = 1.0 if target is None else _valence_fit(v, target, 0.4, 0.8)
    reply_v = text_valence(respond)
    reply_fit = 1.0 if reply_v is None else _valence_fit(v, reply_v, 0.5, 1.0)
    return round(0.5 * user_fit + 0.5 * reply_fit, 6)


# Expressions that fit a reaction to a message of each category (assets/data/empath/
# categories.toml). Judgement, checked against the authored exemplary turns: the avatar meets
# anger and fear with concern, not with anger or fear of its own, and grief with sadness.
FITTING_EXPRESSIONS: dict[str, frozenset[str]] = {
    "joy": frozenset({"happy", "joyful", "surprised"}),
    "grief": frozenset({"sad", "concerned"}),
    "anger": frozenset({"concerned", "thoughtful", "sad"}),
    "confusion": frozenset({"thoughtful", "curious", "confused", "concerned"}),
    "curiosity": frozenset({"curious", "thoughtful", "amused", "happy"}),
    "embarrassment": frozenset({"amused", "concerned", "embarrassed", "thoughtful"}),
    "fear": frozenset({"concerned", "thoughtful"}),
    "small_talk": frozenset({"happy", "amused", "joyful", "curious"}),
    "factual": frozenset({"thoughtful", "curious", "happy"}),
}
# Most an expression outside the category's set can earn, for a valence close to a fitting one.
_NEAR_MISS = 0.6


def reaction_fit_reward(
    reaction: Reaction,
    category: str | None = None,
    reaction_valence: float | None = None,
    user: str = "",
) -> float:
    """Does the reaction's expression fit the message?

    With a known category: 1 for an expression in `FITTING_EXPRESSIONS[category]`; any other
    earns at most 0.6 by how close its valence (`vocab.VALENCE`) is to the category's fitting
    reaction valence (full within 0.2, none from 0.8). Without one, the valence alone against
    `reaction_valence`, else against the feeling words of `user` as `consistency_reward` reads
    them (full within 0.3, none from 0.9); with no evidence at all, 0.5. An uninterpretable
    reaction scores 0.

    >>> grief = parse_reaction("*soft frown* + *shoulders drop*")
    >>> reaction_fit_reward(grief, "grief", -0.5)
    1.0
    >>> reaction_fit_reward(parse_reaction("*bursts out laughing*"), "grief", -0.5)
    0.0
    >>> reaction_fit_reward(grief, None, None, "My dog died this morning.")
    1.0
    """
    if reaction.confidence <= 0:
        return 0.0
    v = VALENCE.get(reaction.expression, 0.0)
    fitting = FITTING_EXPRESSIONS.get(category or "")
    if fitting is not None:
        if reaction.expression in fitting:
            return 1.0
        target = reaction_valence
        if target is None:
            target = sum(VALENCE[e] for e in fitting) / len(fitting)
        return round(_NEAR_MISS * _valence_fit(v, target, 0.2, 0.6), 6)
    target = reaction_valence
    if target is None:
        estimate = text_valence(user)
        target = None if estimate is None else max(-0.5, min(0.7, estimate))
    if target is None:
        return 0.5
    return round(_valence_fit(v, target, 0.3, 0.6), 6)


def no_repeat_reward(reaction: Reaction, previous_react: str = "") -> float:
    """0 when the reaction is the previous turn's (expression, posture) pair again, else 1.

    A small model left to itself copies its last reaction from turn to turn; the same
    expression with another posture is fine (a sad story told over two messages). The previous
    react text is read by the same `parse_reaction`. An uninterpretable reaction scores 0: a
    turn without a reaction has not avoided anything.

    >>> nod = parse_reaction("*warm smile* + *nods*")
    >>> no_repeat_reward(nod, "")
    1.0
    >>> no_repeat_reward(nod, "*smiles warmly* + *nods slowly*")
    0.0
    >>> no_repeat_reward(nod, "*smiles* + *leans forward*")
    1.0
    """
    if reaction.confidence <= 0:
        return 0.0
    if not previous_react.strip():
        return 1.0
    before = parse_reaction(previous_react)
    same = (before.expression, before.posture) == (reaction.expression, reaction.posture)
    return 0.0 if same else 1.0


# ---------------------------------------------------------------------------------------------
# The report used by training logs and evaluation.


@dataclass(frozen=True, slots=True)
class RewardWeights:
    """Weights of the components in the total (and in GRPO's summed reward)."""

    format: float = 1.0
    reaction: float = 1.0
    response: float = 1.0
    reflection: float = 1.0
    consistency: float = 1.0
    reaction_fit: float = 1.0
    no_repeat: float = 1.0

    def as_tuple(self) -> tuple[float, ...]:
        return tuple(getattr(self, name) for name in COMPONENTS)


@dataclass(frozen=True, slots=True)
class ScoreReport:
    """All reward components of one completion, with what they were computed from."""

    components: Mapping[str, float]
    total: float  # weighted mean of the components, in [0, 1]
    turn: Turn
    format: FormatReport
    reaction: Reaction
    extras: Mapping[str, Any] = field(default_factory=dict)


def _optional_float(value: Any) -> float | None:
    """A float from a dataset column where missing values may arrive as None or NaN."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _optional_str(value: Any) -> str | None:
    """A string from a dataset column where missing values may arrive as None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def score(
    completion: str | Sequence[Mapping[str, Any]],
    context: Mapping[str, Any] | None = None,
    weights: RewardWeights = RewardWeights(),
) -> ScoreReport:
    """Score one completion. `context` may hold `user` (the message answered), `category`
    and `reaction_valence` (its category and the valence of a fitting reaction to it) and
    `previous_react` (the react text of the turn before); all are optional.

    >>> r = score("<react>*soft frown* + *slumps*</react><respond>I'm so sorry, that is a "
    ...           "heavy loss and it makes sense that you feel lost.</respond><reflect>They "
    ...           "are grieving; they will probably share a memory next.</reflect>",
    ...           {"user": "My dog died."})
    >>> r.components["format"], r.total > 0.7
    (1.0, True)
    """
    ctx = context or {}
    text = completion_text(completion)
    rep = format_report(text)
    turn = parse_turn(text)
    reaction = parse_reaction(turn.react) if turn.react else Reaction(text="")
    components = {
        "format": format_reward(text, rep),
        "reaction": reaction_reward(turn.react, reaction),
        "response": response_reward(turn.respond),
        "reflection": reflection_reward(turn.reflect, turn.respond),
        "consistency": consistency_reward(
            reaction,
            turn.respond,
            str(ctx.get("user") or ""),
            _optional_float(ctx.get("reaction_valence")),
        ),
        "reaction_fit": reaction_fit_reward(
            reaction,
            _optional_str(ctx.get("category")),
            _optional_float(ctx.get("reaction_valence")),
            str(ctx.get("user") or ""),
        ),
        "no_repeat": no_repeat_reward(reaction, str(ctx.get("previous_react") or "")),
    }
    w = weights.as_tuple()
    total = sum(wi * components[c] for wi, c in zip(w, COMPONENTS, strict=True)) / (sum(w) or 1.0)
    return ScoreReport(components, round(total, 6), turn, rep, reaction)


# ---------------------------------------------------------------------------------------------
# trl adapters: reward_funcs take (prompts, completions, **dataset_columns) -> list[float].

RewardFunc = Callable[..., list[float]]


def _contexts(n: int, kwargs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per-completion contexts from the dataset columns trl forwards as keyword lists."""
    columns = ("user", "category", "reaction_valence", "previous_react")
    values = {c: kwargs.get(c) or [None] * n for c in columns}
    return [{c: values[c][i] for c in columns} for i in range(n)]


def trl_reward_funcs() -> list[RewardFunc]:
    """One trl reward function per component, named after it (trl logs `rewards/<name>/mean`).

    Weights are not applied here: pass `RewardWeights.as_tuple()` as GRPOConfig.reward_weights.
    """

    def make(component: str) -> RewardFunc:
        def reward(
            prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
        ) -> list[float]:
            contexts = _contexts(len(completions), kwargs)
            return [
                score(c, ctx).components[component]
                for c, ctx in zip(completions, contexts, strict=True)
            ]

        reward.__name__ = component
        reward.__qualname__ = component
        reward.__doc__ = f"The `{component}` component of `rewards.score`, for trl."
        return reward

    return [make(c) for c in COMPONENTS]


def reaction_label_counts(reports: Sequence[ScoreReport]) -> dict[str, Counter[str]]:
    """Distribution of reaction labels over many scored completions (for evaluation)."""
    return {
        "expression": Counter(r.reaction.expression for r in reports if r.turn.react),
        "posture": Counter(r.reaction.posture for r in reports if r.turn.react),
    }
