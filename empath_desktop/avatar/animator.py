"""The animator: turns reactions, modes and speech into a living pose over time (pure, no Qt).

Everything is stepped by the caller's clock (`step(dt)`) and every random choice comes from
one seeded generator, so the same seed and the same sequence of calls give the same poses.

Layers, from slow to fast:

1. target: the reaction's preset (`presets.compose`) plus the mode's offsets and gaze shifts;
2. critically damped springs pull the held pose towards the target (no overshoot, any dt);
3. procedural life on top: micro head motion, breathing, head gestures (nod, shake,
   listener nods), the speaking mouth and blinks.
"""

from __future__ import annotations

import logging
import math
import random
import unicodedata
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from empath_desktop.avatar.pose import FIELD_INDEX, N, Pose
from empath_desktop.avatar.presets import GESTURES, Gesture, compose, strength
from empath_desktop.chat.reaction import Reaction
from empath_desktop.chat.vocab import EXPRESSIONS, POSTURES

logger = logging.getLogger(__name__)

Vector = npt.NDArray[np.float64]


class Mode(Enum):
    """What the avatar is doing in the conversation."""

    IDLE = "idle"
    LISTENING = "listening"  # the person is typing
    THINKING = "thinking"  # reflection is running
    SPEAKING = "speaking"  # the reply is being spoken or streamed


class CriticalSpring:
    """Critically damped springs, one per dimension, integrated exactly.

    The closed-form solution is stable for any step size, so a stalled frame never makes the
    face explode, and a spring starting at rest never overshoots a fixed target.
    """

    def __init__(self, start: Vector, omega: Vector) -> None:
        self.position = np.array(start, dtype=np.float64)
        self.velocity = np.zeros_like(self.position)
        self._omega = np.asarray(omega, dtype=np.float64)

    def step(self, target: Vector, dt: float) -> Vector:
        """Advance by `dt` seconds towards `target`; returns the new position."""
        offset = self.position - target
        c = self.velocity + self._omega * offset
        decay = np.exp(-self._omega * dt)
        moved = offset + c * dt
        self.position = target + moved * decay
        self.velocity = (c - self._omega * moved) * decay
        return self.position


def _per_field(default: float, **overrides: float) -> Vector:
    values = np.full(N, default)
    for name, value in overrides.items():
        values[FIELD_INDEX[name]] = value
    return values


# Spring stiffness (rad/s). From rest a critically damped spring is 90 % there after
# 3.9 / omega seconds: ~240 ms for the face (a natural expression onset), saccade-fast
# gaze, a slow blush, and a heavier head and body.
_OMEGA = _per_field(
    16.0,
    gaze_x=55.0,
    gaze_y=55.0,
    pupil_size=5.0,
    blush=4.0,
    head_pitch=9.0,
    head_yaw=9.0,
    head_roll=9.0,
    lean=6.0,
    spine=6.0,
    shoulder_l=8.0,
    shoulder_r=8.0,
    arm_l_raise=7.0,
    arm_r_raise=7.0,
    arm_l_spread=7.0,
    arm_r_spread=7.0,
    hand_l_open=9.0,
    hand_r_open=9.0,
)


@dataclass(frozen=True, slots=True)
class _ModeStyle:
    """How a mode moves: offsets on the reaction's pose and the rhythm of its idle motion."""

    offsets: Mapping[str, float]
    hand_hold: Mapping[str, float]  # a free hand's place, by arm_r_* names (see _hold_hand)
    blink_interval: float  # mean seconds between blinks
    blink_seconds: float  # duration of one blink
    saccade_interval: float  # mean seconds between gaze shifts
    saccade_range: float  # typical size of a gaze shift
    glance_chance: float  # chance that a gaze shift is a glance away
    breath_rate: float  # breaths per second
    head_motion: float  # micro head motion, relative to idle


# Rates follow the blink literature: ~17/min at rest, more while talking, fewer and slower
# while thinking; speakers glance away to plan, listeners hold the gaze and nod.
_MODE_STYLES: Mapping[Mode, _ModeStyle] = MappingProxyType(
    {
        Mode.IDLE: _ModeStyle(
            offsets=MappingProxyType({}),
            hand_hold=MappingProxyType({}),
            blink_interval=3.6,
            blink_seconds=0.24,
            saccade_interval=1.6,
            saccade_range=0.16,
            glance_chance=0.15,
            breath_rate=0.25,
            head_motion=1.0,
        ),
        Mode.LISTENING: _ModeStyle(
            offsets=MappingProxyType(
                {
                    "lean": 0.3,
                    "spine": 0.15,
                    "head_roll": 0.1,
                    "head_pitch": 0.04,
                    "brow_l_raise": 0.15,
                    "brow_r_raise": 0.15,
                    "lid_l_upper": 0.06,
                    "lid_r_upper": 0.06,
                }
            ),
            hand_hold=MappingProxyType({}),
            blink_interval=3.8,
            blink_seconds=0.24,
            saccade_interval=1.8,
            saccade_range=0.06,
            glance_chance=0.0,
            breath_rate=0.27,
            head_motion=0.6,
        ),
        Mode.THINKING: _ModeStyle(
            offsets=MappingProxyType(
                {
                    "gaze_x": 0.55,
                    "gaze_y": 0.65,
                    "head_yaw": 0.14,
                    "head_pitch": -0.12,
                    "brow_l_raise": 0.2,
                    "brow_r_raise": 0.05,
                    "brow_knit": 0.15,
                    "lid_l_upper": -0.08,
                    "lid_r_upper": -0.08,
                    "mouth_shift": 0.25,
                    "mouth_width": -0.15,
                }
            ),
            hand_hold=MappingProxyType(
                {"arm_r_raise": 1.0, "arm_r_spread": -0.55, "hand_r_open": 0.3}
            ),
            blink_interval=5.0,
            blink_seconds=0.34,
            saccade_interval=2.6,
            saccade_range=0.1,
            glance_chance=0.0,
            breath_rate=0.2,
            head_motion=0.7,
        ),
        Mode.SPEAKING: _ModeStyle(
            offsets=MappingProxyType({"lean": 0.1, "brow_l_raise": 0.08, "brow_r_raise": 0.08}),
            hand_hold=MappingProxyType(
                {"arm_r_raise": 0.6, "arm_r_spread": 0.35, "hand_r_open": 0.85}
            ),
            blink_interval=3.2,
            blink_seconds=0.22,
            saccade_interval=1.4,
            saccade_range=0.12,
            glance_chance=0.25,
            breath_rate=0.3,
            head_motion=1.5,
        ),
    }
)

# Mode offsets that point to one side: mirrored at random each time the mode starts.
_SIDED = frozenset(("gaze_x", "head_yaw", "mouth_shift"))
# A posture arm below this raise counts as free for a mode's hand gesture.
_FREE_ARM = 0.2
# A short nod listeners give now and then, to show they follow.
_LISTENER_NOD = Gesture("head_pitch", amplitude=0.14, frequency=2.0, cycles=1.0)

# Lip sync: the (open, width, jaw) the mouth holds for each of the voice's shapes
# (`chat.vocab.VISEMES`; a test checks both name the same shapes).
VISEME_SHAPES: Mapping[str, tuple[float, float, float]] = MappingProxyType(
    {
        "rest": (0.0, 0.0, 0.0),
        "mbp": (0.0, -0.1, 0.0),
        "fv": (0.12, 0.15, 0.05),
        "ih": (0.4, 0.3, 0.2),
        "ee": (0.35, 0.6, 0.15),
        "aa": (0.8, 0.2, 0.55),
        "oh": (0.65, -0.55, 0.4),
        "oo": (0.3, -0.85, 0.15),
    }
)
_SYLLABLE_SECONDS = 0.17  # ~6 syllables/s, conversational speech
_PAUSE_SECONDS: Mapping[str, float] = MappingProxyType(
    {",": 0.18, ";": 0.22, ":": 0.22, "—": 0.2, ".": 0.35, "!": 0.35, "?": 0.35, "\n": 0.3}
)
_MAX_BACKLOG = 3.0  # seconds of unspoken text before the mouth speeds up to catch up
_AUDIO_TIMEOUT = 0.25  # seconds after the last level update before audio counts as silent

_I = FIELD_INDEX
_HEAD = np.array([_I["head_pitch"], _I["head_yaw"], _I["head_roll"]])
# Micro head motion at idle: three slow waves per axis, each of this amplitude (~1-2 degrees).
_HEAD_NOISE = np.array([0.02, 0.025, 0.017])
_UPPER_LIDS = np.array([_I["lid_l_upper"], _I["lid_r_upper"]])
_BROW_RAISES = np.array([_I["brow_l_raise"], _I["brow_r_raise"]])
_MOUTH = np.array([_I["mouth_open"], _I["mouth_width"], _I["jaw"]])


class Animator:
    """Pose over time for one avatar.

    Call `react` when a reaction arrives, `set_mode` as the conversation moves on, feed
    speech by `set_speech_level` (audio) or `feed_text` (streamed text), and `step(dt)` once
    per frame with the real elapsed seconds. Not thread-safe: one owner, usually the widget.
    """

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._time = 0.0
        self._mode = Mode.IDLE
        self._side = 1.0
        self._reaction = Reaction()
        self._held = compose("neutral", "neutral").to_array()
        self._target = self._held.copy()
        self._spring = CriticalSpring(self._held, _OMEGA)
        self._pose = Pose.from_array(self._held)
        # Idle motion.
        self._gaze_shift = (0.0, 0.0)
        self._next_saccade = self._rng.uniform(0.3, 1.5)
        rng = self._rng
        self._noise_freq = np.array([[rng.uniform(0.07, 0.45) for _ in range(3)] for _ in "pyr"])
        self._noise_phase = np.array(
            [[rng.uniform(0, 2 * math.pi) for _ in range(3)] for _ in "pyr"]
        )
        self._head_motion = 1.0
        self._breath_phase = 0.0
        self._gestures: list[tuple[Gesture, float, float]] = []  # gesture, start, scale
        self._next_listener_nod = math.inf
        # Blinks.
        self._blink_start = -math.inf
        self._blink_seconds = 0.24
        self._next_blink = self._rng.uniform(0.5, 3.0)
        # Speech.
        self._audio_level = 0.0
        self._audio_time = -math.inf
        self._viseme: tuple[float, float, float] | None = None
        self._syllables: deque[tuple[float, float]] = deque()  # (seconds, peak level)
        self._syllable_elapsed = 0.0
        self._in_vowel = False
        self._word_syllables = -1  # -1: between words
        self._mouth = CriticalSpring(np.zeros(3), np.full(3, 40.0))

    @property
    def pose(self) -> Pose:
        """The pose of the last step (the rest pose before the first)."""
        return self._pose

    @property
    def mode(self) -> Mode:
        """The current conversational mode."""
        return self._mode

    @property
    def reaction(self) -> Reaction:
        """The reaction the avatar currently holds."""
        return self._reaction

    def react(self, reaction: Reaction) -> None:
        """Move towards `reaction` (onset within a few frames); nods and shakes play once.

        Labels outside the canonical vocabularies fall back to neutral with a warning.
        """
        expression, posture = reaction.expression, reaction.posture
        if expression not in EXPRESSIONS:
            logger.warning("unknown expression %r, showing neutral", expression)
            expression = "neutral"
        if posture not in POSTURES:
            logger.warning("unknown posture %r, showing neutral", posture)
            posture = "neutral"
        if expression != self._reaction.expression and self._rng.random() < 0.35:
            # People often blink as their expression changes; it also hides the cut.
            self._next_blink = min(self._next_blink, self._time + 0.05)
        self._reaction = reaction
        self._held = compose(expression, posture, reaction.intensity).to_array()
        gesture = GESTURES.get(posture)
        if gesture is not None:
            self._gestures.append((gesture, self._time, strength(reaction.intensity)))
        self._update_target()

    def set_mode(self, mode: Mode) -> None:
        """Change what the avatar is doing; leaving SPEAKING drops any unspoken text."""
        if mode is self._mode:
            return
        if self._mode is Mode.SPEAKING:
            self._syllables.clear()
            self._syllable_elapsed = 0.0
            self._audio_level = 0.0
            self._viseme = None
        self._mode = mode
        self._side = self._rng.choice((-1.0, 1.0))
        self._gaze_shift = (0.0, 0.0)
        self._next_saccade = self._time + self._rng.uniform(0.4, 1.2)
        self._next_listener_nod = (
            self._time + self._rng.uniform(2.0, 5.0) if mode is Mode.LISTENING else math.inf
        )
        self._update_target()

    def set_speech_level(self, level: float) -> None:
        """Loudness of the voice now, in [0, 1]; opens the mouth while updates keep coming."""
        self._audio_level = min(max(level, 0.0), 1.0)
        self._audio_time = self._time

    def set_viseme(self, name: str | None) -> None:
        """Hold a mouth shape from `chat.vocab.VISEMES` while speaking; None returns to
        level-driven."""
        if name is not None and name not in VISEME_SHAPES:
            raise ValueError(f"unknown viseme {name!r}; known: {', '.join(VISEME_SHAPES)}")
        self._viseme = None if name is None else VISEME_SHAPES[name]

    def feed_text(self, text: str) -> None:
        """Streamed reply text: each syllable-like vowel group opens and closes the mouth once.

        Works without audio; text may arrive in any chunks (words split across chunks are
        counted as one). Punctuation becomes a pause.
        """
        for char in text:
            self._feed_char(char)

    def step(self, dt: float) -> Pose:
        """Advance the clock by `dt` seconds (>= 0) and return the new pose."""
        if dt < 0.0:
            raise ValueError("time runs forwards: dt must be >= 0")
        self._time += dt
        style = _MODE_STYLES[self._mode]
        self._schedule(style)
        target = self._target.copy()
        gaze_x, gaze_y = self._gaze_shift
        target[_I["gaze_x"]] += gaze_x
        target[_I["gaze_y"]] += gaze_y
        target[_I["head_yaw"]] += 0.25 * gaze_x  # the head follows the eyes a little
        pose = self._spring.step(target, dt).copy()
        self._head_motion += (style.head_motion - self._head_motion) * (1.0 - math.exp(-3.0 * dt))
        pose[_HEAD] += self._head_noise() * self._head_motion
        pose[_I["head_pitch"]] += self._gesture_offset("head_pitch")
        pose[_I["head_yaw"]] += self._gesture_offset("head_yaw")
        self._breath_phase += 2.0 * math.pi * style.breath_rate * dt
        pose[_I["breath"]] = 0.5 - 0.5 * math.cos(self._breath_phase)
        mouth = self._mouth.step(self._mouth_target(dt), dt)
        pose[_MOUTH] += mouth
        pose[_I["head_pitch"]] += 0.05 * mouth[0]  # speakers nod slightly on stressed syllables
        closed = self._blink_closure()
        pose[_UPPER_LIDS] *= 1.0 - closed
        pose[_BROW_RAISES] -= 0.08 * closed
        self._pose = Pose.from_array(pose)
        return self._pose

    # Target -------------------------------------------------------------------------------

    def _update_target(self) -> None:
        style = _MODE_STYLES[self._mode]
        target = self._held.copy()
        for name, value in style.offsets.items():
            target[_I[name]] += value * self._side if name in _SIDED else value
        self._target = target
        self._hold_hand(style)

    def _hold_hand(self, style: _ModeStyle) -> None:
        """Put a free hand where the mode wants it (to the chin, a speaking gesture).

        The mode's hand is described for the right arm; it uses the right arm if the posture
        leaves it free, else the left one mirrored, else none.
        """
        for side in ("r", "l"):
            if self._held[_I[f"arm_{side}_raise"]] < _FREE_ARM:
                for name, value in style.hand_hold.items():
                    self._target[_I[name.replace("_r_", f"_{side}_")]] = value
                return

    def _schedule(self, style: _ModeStyle) -> None:
        """Fire the random events that are due: blinks, gaze shifts, listener nods."""
        if self._time >= self._next_blink:
            self._blink_start = self._time
            self._blink_seconds = style.blink_seconds * self._rng.uniform(0.85, 1.2)
            if self._rng.random() < 0.12:  # double blink
                self._next_blink = self._time + self._blink_seconds + self._rng.uniform(0.08, 0.15)
            else:
                # Lognormal intervals (sigma 0.5) with the style's mean, as measured in people.
                interval = style.blink_interval * self._rng.lognormvariate(-0.125, 0.5)
                self._next_blink = self._time + min(max(interval, 0.8), 12.0)
        if self._time >= self._next_saccade:
            if self._rng.random() < style.glance_chance:
                angle = self._rng.uniform(0.0, 2.0 * math.pi)
                self._gaze_shift = (0.5 * math.cos(angle), 0.35 * math.sin(angle))
                self._next_saccade = self._time + self._rng.uniform(0.4, 0.9)
            else:
                spread = style.saccade_range
                self._gaze_shift = (self._rng.gauss(0, spread), self._rng.gauss(0, 0.7 * spread))
                interval = self._rng.expovariate(1.0 / style.saccade_interval)
                self._next_saccade = self._time + min(max(interval, 0.25), 4.0)
        if self._time >= self._next_listener_nod:
            self._gestures.append((_LISTENER_NOD, self._time, self._rng.uniform(0.6, 1.0)))
            self._next_listener_nod = self._time + self._rng.uniform(3.5, 8.0)

    # Procedural layers --------------------------------------------------------------------

    def _head_noise(self) -> Vector:
        waves = np.sin(2.0 * math.pi * self._noise_freq * self._time + self._noise_phase)
        return waves.sum(axis=1) * _HEAD_NOISE

    def _gesture_offset(self, field: str) -> float:
        self._gestures = [g for g in self._gestures if self._time - g[1] < g[0].duration]
        return sum(
            scale * gesture.value(self._time - start)
            for gesture, start, scale in self._gestures
            if gesture.field == field
        )

    def _blink_closure(self) -> float:
        """How shut the eyes are from blinking: fast close, brief hold, slower opening."""
        t = (self._time - self._blink_start) / self._blink_seconds
        if not 0.0 <= t < 1.0:
            return 0.0
        if t < 0.3:
            return _smoothstep(t / 0.3)
        if t < 0.42:
            return 1.0
        return 1.0 - _smoothstep((t - 0.42) / 0.58)

    # Speech -------------------------------------------------------------------------------

    def _mouth_target(self, dt: float) -> Vector:
        """Mouth (open, width, jaw) added by speech: a viseme, else the louder of audio/text."""
        text_level = self._text_level(dt)
        if self._viseme is not None:
            return np.array(self._viseme)
        audio = self._audio_level if self._time - self._audio_time < _AUDIO_TIMEOUT else 0.0
        level = max(audio, text_level)
        return np.array([0.7 * level, 0.1 * level, 0.4 * level])

    def _text_level(self, dt: float) -> float:
        """Advance through the queued syllables; the envelope of the current one."""
        backlog = sum(seconds for seconds, _ in self._syllables) - self._syllable_elapsed
        self._syllable_elapsed += dt * max(1.0, backlog / _MAX_BACKLOG)
        while self._syllables and self._syllable_elapsed >= self._syllables[0][0]:
            self._syllable_elapsed -= self._syllables.popleft()[0]
        if not self._syllables:
            self._syllable_elapsed = 0.0
            return 0.0
        seconds, peak = self._syllables[0]
        return peak * math.sin(math.pi * self._syllable_elapsed / seconds) ** 2

    def _feed_char(self, char: str) -> None:
        if char.isalnum():
            if self._word_syllables < 0:
                self._word_syllables = 0
            if _is_syllable_nucleus(char):
                if not self._in_vowel or _is_cjk(char):
                    self._add_syllable()
                self._in_vowel = True
            else:
                self._in_vowel = False
            return
        if self._word_syllables == 0:  # a word without vowels ("hmm", "TV") still gets said
            self._add_syllable()
        self._word_syllables = -1
        self._in_vowel = False
        pause = _PAUSE_SECONDS.get(char)
        if pause is not None:
            self._syllables.append((pause, 0.0))

    def _add_syllable(self) -> None:
        self._word_syllables += 1
        seconds = _SYLLABLE_SECONDS * self._rng.uniform(0.8, 1.2)
        self._syllables.append((seconds, self._rng.uniform(0.55, 1.0)))


def _smoothstep(x: float) -> float:
    return x * x * (3.0 - 2.0 * x)


def _is_cjk(char: str) -> bool:
    return "\u3040" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af"


def _is_syllable_nucleus(char: str) -> bool:
    """A vowel (accents ignored), a digit, or any CJK character (one syllable each)."""
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base in "aeiouy" or char.isdigit() or _is_cjk(char)
