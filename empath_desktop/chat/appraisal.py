"""Appraisal: the avatar's reaction decided by scoring, not by free text.

Left to write `<react>` itself, the embedded 270M model copied its previous reaction from turn
to turn and looked amused at bad news (28 % of reactions fitted the message). Asked to *score*
the canonical expressions as the one-word answer to a short few-shot question, the same model
picks a fitting one most of the time. So the pipeline asks that question in a context of its
own (a second llama.cpp context on the same, memory-mapped weights: the chat's KV cache is
never disturbed), scores all thirteen expressions from one forward pass, subtracts the bias
each word has without any message (contextual calibration, Zhao et al. 2021), and writes the
react text itself from the winner: a phrase and a posture that fit it, never the same pair as
the turn before. The model then answers *after* a reaction that fits, which steers its reply.

The question, the examples and the phrases are data: `assets/prompts/appraisal.toml`.
"""

from __future__ import annotations

import logging
import math
import tomllib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from empath_desktop.chat.tags import neutralise_tags
from empath_desktop.chat.vocab import EXPRESSIONS, POSTURES
from empath_desktop.llm.backend import Backend
from empath_desktop.resources import assets_dir

logger = logging.getLogger(__name__)

# Context of the appraisal's own llama.cpp context: the examples plus one message.
APPRAISAL_CTX = 1024
# Messages are cut here before scoring: the reaction is decided by how a message starts and
# its gist, and a pasted essay must not cost seconds before the face moves.
MAX_MESSAGE_CHARS = 600


class AppraisalError(Exception):
    """The appraisal file cannot be used; the message is meant for people."""


@dataclass(frozen=True, slots=True)
class AppraisalSpec:
    instruction: str
    message_label: str
    answer_label: str
    content_free: tuple[str, ...]
    calibration: float
    examples: tuple[tuple[str, str], ...]
    phrases: dict[str, tuple[str, ...]]
    postures: dict[str, tuple[str, ...]]  # fitting postures per expression, most typical first
    posture_words: dict[str, str]

    def prompt(self, message: str) -> str:
        lines = [self.instruction, ""]
        for text, label in self.examples:
            lines += [f"{self.message_label}: {text}", f"{self.answer_label}: {label}", ""]
        lines.append(f"{self.message_label}: {message}")
        return "\n".join(lines) + f"\n{self.answer_label}:"


def load_spec() -> AppraisalSpec:
    path = assets_dir() / "prompts" / "appraisal.toml"
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
        spec = AppraisalSpec(
            instruction=str(data["instruction"]),
            message_label=str(data["message_label"]),
            answer_label=str(data["answer_label"]),
            content_free=tuple(str(t) for t in data["content_free"]),
            calibration=float(data.get("calibration", 1.0)),
            examples=tuple((str(t), str(label)) for t, label in data["examples"]),
            phrases={e: tuple(v["phrases"]) for e, v in data["expressions"].items()},
            postures={e: tuple(v["postures"]) for e, v in data["expressions"].items()},
            posture_words={p: str(w) for p, w in data["postures"].items()},
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise AppraisalError(f"The appraisal file {path} cannot be used: {exc}.") from exc
    missing = [e for e in EXPRESSIONS if not spec.phrases.get(e) or not spec.postures.get(e)]
    unknown = [p for ps in spec.postures.values() for p in ps if p not in spec.posture_words]
    if missing or unknown or set(spec.posture_words) - set(POSTURES):
        raise AppraisalError(
            f"The appraisal file {path} lacks phrases or postures for {missing or unknown}."
        )
    return spec


@dataclass(frozen=True, slots=True)
class Appraisal:
    """The decided reaction. `react` is the text written into the `<react>` section;
    `confidence` is the winner's calibrated probability among the thirteen."""

    expression: str
    posture: str
    intensity: float
    confidence: float
    react: str
    scores: tuple[float, ...]  # calibrated log-scores, in `EXPRESSIONS` order


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


class Appraiser:
    """Decides reactions on its own backend (one not used for chat: its KV cache holds the
    examples, so each message costs only its own tokens)."""

    def __init__(self, backend: Backend, spec: AppraisalSpec | None = None) -> None:
        self.backend = backend
        self.spec = spec or load_spec()
        self._options = [f" {e}" for e in EXPRESSIONS]
        self._bias: list[float] | None = None

    def _score(self, message: str) -> list[float]:
        _, scores = self.backend.choose(self.spec.prompt(message), self._options)
        return scores

    def warm(self) -> None:
        """Evaluate the examples and measure the content-free bias (once per model)."""
        if self._bias is None:
            rows = [self._score(t) for t in self.spec.content_free]
            weight = self.spec.calibration / len(rows)
            self._bias = [weight * sum(col) for col in zip(*rows, strict=True)]

    def close(self) -> None:
        self.backend.close()

    def appraise(self, text: str, previous: tuple[str, str] | None = None) -> Appraisal:
        """The reaction to `text`; never the `previous` (expression, posture) pair again."""
        self.warm()
        assert self._bias is not None
        message = " ".join(neutralise_tags(text).split())[:MAX_MESSAGE_CHARS]
        raw = self._score(message)
        calibrated = [s - b for s, b in zip(raw, self._bias, strict=True)]
        probs = _softmax(calibrated)
        best = max(range(len(EXPRESSIONS)), key=calibrated.__getitem__)
        expression = EXPRESSIONS[best]
        # Stable per message (reproducible evaluations), varied across messages.
        seed = zlib.crc32(message.encode("utf-8"))
        postures = [
            p for p in self.spec.postures[expression] if (expression, p) != previous
        ] or list(self.spec.postures[expression])
        posture = postures[(seed >> 8) % min(2, len(postures))]
        phrases = self.spec.phrases[expression]
        phrase = phrases[seed % len(phrases)]
        react = f"*{phrase}* + *{self.spec.posture_words[posture]}*"
        confidence = probs[best]
        return Appraisal(
            expression=expression,
            posture=posture,
            intensity=round(0.45 + 0.5 * confidence, 3),
            confidence=round(confidence, 4),
            react=react,
            scores=tuple(round(s, 4) for s in calibrated),
        )
