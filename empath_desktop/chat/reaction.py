"""Interpretation of free-form `<react>` text into a canonical `Reaction`.

`parse_reaction(text)` maps whatever the model wrote (`*beaming smile* + *leans forward*`,
`[puzzled squint] + [scratches head]`, `warm smile, eyes crinkling + relaxed, open posture`,
emoji, shouting, stray punctuation…) onto one expression of `vocab.EXPRESSIONS`, one posture of
`vocab.POSTURES` and an intensity in [0, 1]. It never raises and costs a few microseconds.

How (every table is compiled once, at import, from `engine.reaction_lexicon`):

1. Normalise: lower-case; emoji and typographic quotes become words or nothing (non-ASCII
   text only); apostrophes vanish (`doesn't` -> `doesnt`).
2. Tokenise into words, emoticons and separators. Separators (`+ , ; . * [ ]`, newlines,
   `and`, `but`, `while`, …) cut the text into clauses: negation and intensity modifiers never
   reach past their clause.
3. In each clause, fillers (`a`, `the`, `her`, `in`, …) are dropped, pure modifiers
   (`slightly`, `very`, …) are set aside, and every other word is reduced to a lemma by a
   table generated from the lexicon's own words (so `grinning`, `grinned`, `grins` are `grin`).
   The longest lexicon phrase at each position wins (`scratch back head` beats `scratch head`).
   A negator (`not`, `no longer`, `without`, `stops`, …) silences the next cue of its clause.
4. Each cue votes for expressions and postures with its weight; the intensity of the winning
   label is the vote-weighted mean of its cues' intensities, each moved by its clause's
   modifiers. An expression needs `EXPRESSION_THRESHOLD` of evidence and a posture
   `POSTURE_THRESHOLD`, else it stays `neutral`; ties go to the cue written first.
5. `confidence` is the strength of the evidence, times how clearly the expression won, times
   the share of words understood (words the lexicon does not know at all count against it),
   and is exactly 0 when no cue matched, so callers can tell "neutral" from "no idea".
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from empath_desktop.chat import reaction_lexicon as lex
from empath_desktop.chat.vocab import EXPRESSIONS, POSTURES

logger = logging.getLogger(__name__)

# An expression needs this much summed vote weight; below it the face stays neutral. Chosen so
# that one body cue's hint (<= 0.35, e.g. `leans forward` -> curious) does not move the face on
# its own, while any face cue (>= 0.45) or two agreeing hints do.
EXPRESSION_THRESHOLD = 0.4
# A posture needs this much; a face cue's posture hint (`covers face` -> closed) passes it.
POSTURE_THRESHOLD = 0.3
# Intensity when nothing was understood: the avatar barely moves rather than guessing.
FALLBACK_INTENSITY = 0.2
# A happy face reads as joy when this intense (`huge grin`, `very, very happy`) or when an
# explicit joy cue scores this much beside it (`delighted, impressed grin`): joyful is the
# intense end of happy, not a rival reading.
JOYFUL_INTENSITY = 0.88
JOYFUL_SCORE = 1.0
# Modifiers of one clause add up, within this bound (`very very slightly` stays sane).
MAX_MODIFIER_SHIFT = 0.4
# A negated cue counts this share of its strongest expression vote for a neutral face:
# `not smiling` is understood, and it means "neutral", not "happy".
NEGATED_NEUTRAL_SHARE = 0.6
# React text is a line or two; anything longer is cut here so a runaway generation cannot
# cost more than a few hundred microseconds.
MAX_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Reaction:
    """One nonverbal reaction, in the canonical vocabulary of `engine.vocab`.

    `intensity` in [0, 1] scales the avatar preset; `confidence` in [0, 1] says how much of the
    text was understood (0 for a pure fallback); `text` is the react text it came from;
    `cues` names the lexicon phrases that were recognised, in order (a negated one is prefixed
    with `not `), for logs and for reward functions that want to explain a score.
    """

    expression: str = "neutral"
    posture: str = "neutral"
    intensity: float = 0.5
    confidence: float = 0.0
    text: str = ""
    cues: tuple[str, ...] = ()


def parse_reaction(text: str) -> Reaction:
    """Map free react text to a canonical `Reaction`. Never raises, whatever `text` is.

    Unknown text gives `Reaction('neutral', 'neutral', FALLBACK_INTENSITY, 0.0, text)`.
    """
    try:
        if not isinstance(text, str):
            text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return _interpret(text)
    except Exception:  # the avatar must keep moving whatever the model wrote
        logger.warning("could not interpret react text %.80r", text, exc_info=True)
        return Reaction(intensity=FALLBACK_INTENSITY, text=text if isinstance(text, str) else "")


# ----------------------------------------------------------------------------- compiled tables

_SEP, _FILLER, _MOD, _WORD = range(4)


@dataclass(frozen=True, slots=True)
class _Cue:
    """One lexicon entry as matched: its votes and base intensity."""

    phrase: str
    expression: tuple[tuple[str, float], ...]
    posture: tuple[tuple[str, float], ...]
    intensity: float
    # Strongest expression vote: what a negated cue gives to a neutral face.
    peak: float
    # A no-op consumes its words (so `can't help` negates nothing) and votes for nothing.
    noop: bool


@dataclass(frozen=True, slots=True)
class _Token:
    """What one input token is: a separator, a filler, a pure modifier or a (lemmatised) word."""

    kind: int
    lemma: str = ""
    # Intensity shift: for a pure modifier always, for a dual modifier only when no phrase
    # consumed the word.
    delta: float = 0.0
    negates: bool = False
    # Length of the longest lexicon phrase starting with this lemma (0: none, 1: only itself).
    span: int = 0
    cue: _Cue | None = None


_VOWELS = frozenset("aeiou")


def _inflections(word: str) -> set[str]:
    """Regular English forms of `word` (verb, plural, adverb). Over-generation is harmless:
    a form that is no real word never occurs in input."""
    forms = {word, word + "s", word + "es", word + "ed", word + "ing", word + "ly"}
    if word.endswith("e"):
        forms.add(word + "d")
        if not word.endswith(("ee", "ye", "oe")):
            forms.add(word[:-1] + "ing")
        if word.endswith("le"):
            forms.add(word[:-2] + "ly")  # gentle -> gently
    if len(word) > 2 and word.endswith("y") and word[-2] not in _VOWELS:
        forms.update((word[:-1] + "ies", word[:-1] + "ied", word[:-1] + "ily"))
    if word.endswith("ic"):
        forms.add(word + "ally")  # enthusiastic -> enthusiastically
    if word.endswith("ie"):
        forms.add(word[:-2] + "ying")
    if (
        2 < len(word) < 7
        and word[-1] not in _VOWELS
        and word[-1] not in "wxy"
        and word[-2] in _VOWELS
        and word[-3] not in _VOWELS
    ):
        forms.update((word + word[-1] + "ing", word + word[-1] + "ed"))  # nod -> nodding
    return forms


def _build_lemmas(words: Iterable[str]) -> dict[str, str]:
    """Form -> lemma for every inflection of every lexicon word; the shortest word claims a
    form (so `smiling` and `smiled` both become `smile`), except `KEEP_FORMS`."""
    table = dict(lex.IRREGULAR_FORMS)
    for word in sorted(set(words), key=lambda w: (len(w), w)):
        if word in lex.KEEP_FORMS:
            table.setdefault(word, word)
            continue
        lemma = table.setdefault(word, word)
        for form in _inflections(word):
            if form not in lex.KEEP_FORMS:
                table.setdefault(form, lemma)
    return table


def _expand(phrase: str) -> list[list[str]]:
    """`a|b c?` -> [[a, c], [b, c], [a], [b]]: every word sequence a pattern stands for."""
    sequences: list[list[str]] = [[]]
    for item in phrase.split():
        optional = item.endswith("?")
        options = item.rstrip("?").split("|")
        grown = [[*seq, opt] for seq in sequences for opt in options]
        sequences = grown + sequences if optional else grown
    return [seq for seq in sequences if seq]


def _parse_votes(spec: str) -> tuple[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]:
    expression: list[tuple[str, float]] = []
    posture: list[tuple[str, float]] = []
    for item in spec.split():
        label, _, weight = item.partition("=")
        if label.startswith("@"):
            if label[1:] not in POSTURES:
                raise ValueError(f"unknown posture {label!r} in lexicon votes {spec!r}")
            posture.append((label[1:], float(weight)))
        else:
            if label not in EXPRESSIONS:
                raise ValueError(f"unknown expression {label!r} in lexicon votes {spec!r}")
            expression.append((label, float(weight)))
    return tuple(expression), tuple(posture)


_WORD_RE = re.compile(r"[a-z]+")


def _compile() -> tuple[Mapping[str, _Token], Mapping[tuple[str, ...], _Cue]]:
    """Build the token table and the phrase table; fail at import on an inconsistent lexicon."""
    problems: list[str] = []
    entries: list[tuple[list[list[str]], str, _Cue]] = []
    vocabulary: set[str] = set(lex.DUAL_MODIFIERS) | set(lex.CARRIER_WORDS)
    vocabulary |= set(lex.NEGATION_WORDS)
    for patterns, votes, intensity in lex.CUES:
        expression, posture = _parse_votes(votes)
        peak = max((w for _, w in expression), default=0.0)
        cue = _Cue(patterns, expression, posture, intensity, peak, not votes.strip())
        for phrase in (p.strip() for p in patterns.split(";")):
            sequences = []
            for seq in _expand(phrase):
                kept = []
                for word in seq:
                    if (
                        not _WORD_RE.fullmatch(word)
                        or word in lex.SEPARATOR_WORDS
                        or word in lex.MODIFIERS
                    ):
                        problems.append(f"{phrase!r} can never match: {word!r}")
                    elif word not in lex.FILLER_WORDS:
                        kept.append(word)
                if kept:
                    sequences.append(kept)
                    vocabulary.update(kept)
            if not sequences:
                problems.append(f"{phrase!r} is empty without its fillers")
            entries.append((sequences, phrase, cue))

    lemmas = _build_lemmas(vocabulary)
    phrases: dict[tuple[str, ...], _Cue] = {}
    for sequences, phrase, cue in entries:
        for seq in sequences:
            key = tuple(lemmas[w] for w in seq)
            other = phrases.get(key)
            if other is not None and other is not cue:
                problems.append(f"{' '.join(key)!r} is in {other.phrase[:40]!r} and {phrase!r}")
            phrases[key] = cue
    if problems:
        raise ValueError("inconsistent reaction lexicon:\n  " + "\n  ".join(problems))

    span: dict[str, int] = {}
    for key in phrases:
        span[key[0]] = max(span.get(key[0], 0), len(key))
    negators = {lemmas.get(w, w) for w in lex.NEGATION_WORDS}
    duals = {lemmas.get(w, w): d for w, d in lex.DUAL_MODIFIERS.items()}

    tokens: dict[str, _Token] = {}
    for form, lemma in lemmas.items():
        tokens[form] = _Token(
            _WORD,
            lemma,
            delta=duals.get(lemma, 0.0),
            negates=lemma in negators,
            span=span.get(lemma, 0),
            cue=phrases.get((lemma,)),
        )
    for word in lex.FILLER_WORDS:
        tokens[word] = _Token(_FILLER)
    for word, delta in lex.MODIFIERS.items():
        tokens[word] = _Token(_MOD, word, delta=delta)
    for word in lex.SEPARATOR_WORDS:
        tokens[word] = _Token(_SEP)
    for char in _SEPARATOR_CHARS:
        tokens[char] = _Token(_SEP)
    for emoticon, word in lex.EMOTICONS.items():
        tokens[emoticon] = tokens[word]
    return MappingProxyType(tokens), MappingProxyType(phrases)


_SEPARATOR_CHARS = '+,;:.!?()[]{}<>*_~"|/\\\n&=#^`'
# Words, then emoticons (not followed by a letter, so `:open` is no `:o`), then any separator.
_TOKEN_RE = re.compile(
    r"[a-z]+|[:;]-?[()dpo/](?![a-z])|[" + re.escape(_SEPARATOR_CHARS) + r"]"
)
# Emoji become words with spaces around them; typographic apostrophes vanish like ASCII ones.
_EMOJI_TABLE = MappingProxyType({ord(k): f" {v} " if v else "" for k, v in lex.EMOJI.items()})
_TOKENS, _PHRASES = _compile()


# ------------------------------------------------------------------------------ interpretation


def _interpret(text: str) -> Reaction:
    s = text[:MAX_CHARS].lower()
    if not s.isascii():
        s = s.translate(_EMOJI_TABLE)
    if "'" in s:
        s = s.replace("'", "")

    tokens = _TOKENS
    phrases = _PHRASES
    records: list[tuple[_Cue, str, float, bool]] = []
    matched = 0
    unknown = 0
    prev_start = -1  # first record of the last clause that had cues

    lemmas: list[str] = []
    words: list[_Token | None] = []
    clause_delta = 0.0
    for tok in [*_TOKEN_RE.findall(s), "+"]:
        info = tokens.get(tok)
        if info is None:
            lemmas.append("")
            words.append(None)
            continue
        kind = info.kind
        if kind == _WORD:
            lemmas.append(info.lemma)
            words.append(info)
            continue
        if kind == _MOD:
            clause_delta += info.delta
            continue
        if kind == _FILLER:
            continue
        # Separator: match the clause collected so far.
        if not words and not clause_delta:
            continue
        start = len(records)
        n = len(words)
        i = 0
        negation = 0
        while i < n:
            word = words[i]
            if word is None:
                unknown += 1
                if negation:
                    negation -= 1
                i += 1
                continue
            cue = None
            size = 1
            if word.span > 1:
                for size in range(min(word.span, n - i), 1, -1):
                    cue = phrases.get(tuple(lemmas[i : i + size]))
                    if cue is not None:
                        break
            if cue is None:
                size = 1
                cue = word.cue
            if cue is not None:
                matched += size
                i += size
                if not cue.noop:
                    name = " ".join(lemmas[i - size : i])
                    records.append((cue, name, 0.0, negation > 0))
                negation = 0
                continue
            if word.negates:
                negation = lex.NEGATION_WINDOW
            else:
                clause_delta += word.delta
                if negation:
                    negation -= 1
            i += 1
        lemmas = []
        words = []
        if clause_delta:
            # Modifiers alone in a clause belong to the clause before (`*smiles* softly`) or,
            # at the start, to the one after (`very, very happy`).
            first = start if len(records) > start else prev_start
            if first < 0:
                continue  # clause_delta carries over to the next clause
            shift = min(MAX_MODIFIER_SHIFT, max(-MAX_MODIFIER_SHIFT, clause_delta))
            for k in range(first, len(records)):
                cue, name, delta, negated = records[k]
                records[k] = (cue, name, delta + shift, negated)
            clause_delta = 0.0
        if len(records) > start:
            prev_start = start

    if not records:
        return Reaction(intensity=FALLBACK_INTENSITY, text=text)
    return _decide(text, records, matched, unknown)


def _decide(
    text: str, records: list[tuple[_Cue, str, float, bool]], matched: int, unknown: int
) -> Reaction:
    """Tally the votes of the matched cues into one `Reaction`."""
    e_score: dict[str, float] = {}
    e_mass: dict[str, float] = {}  # sum of weight * intensity, for the weighted mean
    p_score: dict[str, float] = {}
    p_mass: dict[str, float] = {}
    for cue, _, delta, negated in records:
        if negated:
            if cue.peak:
                vote = NEGATED_NEUTRAL_SHARE * cue.peak
                e_score["neutral"] = e_score.get("neutral", 0.0) + vote
                e_mass["neutral"] = e_mass.get("neutral", 0.0) + vote * FALLBACK_INTENSITY
            continue
        level = cue.intensity + delta
        level = 0.05 if level < 0.05 else 1.0 if level > 1.0 else level
        for label, weight in cue.expression:
            e_score[label] = e_score.get(label, 0.0) + weight
            e_mass[label] = e_mass.get(label, 0.0) + weight * level
        for label, weight in cue.posture:
            p_score[label] = p_score.get(label, 0.0) + weight
            p_mass[label] = p_mass.get(label, 0.0) + weight * level

    # max() keeps the first of equal scores: dicts remember the order cues were written in.
    expression, e_best = "neutral", 0.0
    if e_score:
        label = max(e_score, key=e_score.__getitem__)
        if e_score[label] >= EXPRESSION_THRESHOLD:
            expression, e_best = label, e_score[label]
    posture, p_best = "neutral", 0.0
    if p_score:
        label = max(p_score, key=p_score.__getitem__)
        if p_score[label] >= POSTURE_THRESHOLD:
            posture, p_best = label, p_score[label]

    # Confidence: how strong the winning evidence is, how clearly the expression won, and how
    # much of the text the lexicon covered (unknown words weigh heavily: prose is not a react).
    evidence = 1.0 - math.exp(-1.5 * (e_best + p_best))
    clarity = 0.7
    if e_best:
        runner_up = max((v for k, v in e_score.items() if k != expression), default=0.0)
        clarity += 0.3 * max(0.0, e_best - runner_up) / e_best
    coverage = matched / (matched + unknown)
    confidence = evidence * clarity * (0.15 + 0.85 * coverage)

    if e_best:
        intensity = e_mass[expression] / e_best
    elif p_best:
        intensity = p_mass[posture] / p_best
    else:
        intensity = FALLBACK_INTENSITY
    if expression == "happy" and (
        intensity >= JOYFUL_INTENSITY or e_score.get("joyful", 0.0) >= JOYFUL_SCORE
    ):
        expression = "joyful"
    cues = tuple(("not " + name) if negated else name for _, name, _, negated in records)
    return Reaction(
        expression,
        posture,
        round(min(1.0, max(0.0, intensity)), 3),
        round(min(1.0, max(0.0, confidence)), 3),
        text,
        cues,
    )
