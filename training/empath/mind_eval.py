"""`python -m training.empath eval-mind`: the avatar's mind, measured from the outside.

Each variant of the app answers the labelled dev set (`assets/data/mind/dev.jsonl`, or
`--data FILE` in the same form) in conversations of 10 messages, every conversation in a fresh
`python -m empath_desktop.app chat --jsonl [ARGS]` process: exactly what an outside evaluator
would run, so whatever decides reactions inside the app is measured as shipped. `--jsonl-in
FILE` scores an existing transcript instead (the chat's JSON lines, optionally with `ok`,
`valence`, `variant` and `conversation` keys, as the `transcript.jsonl` this module writes).

Figures per variant (failed turns count against every per-turn figure):

- **reaction expression acceptable**: the reaction's expression is in the message's `ok` list.
- **reaction valence agrees with message**: expressions have a valence: pos = happy, joyful,
  amused; neg = sad, concerned, angry, afraid, embarrassed; neu = neutral, surprised, curious,
  thoughtful, confused. Agreement is judged by what a viewer reads first, the sign of the face:
  a neg message needs a neg face (a calm or curious face on bad news reads as indifference);
  a pos message needs a pos face or `surprised` (delighted surprise is how people meet good
  news); a neu message needs any face that is not neg (a friendly smile on small talk is
  fine, worry or sadness on "how many moons does Jupiter have" is not). `ok` is the finer
  judgement; this figure catches faces of the wrong sign.
- **reply valence sane**: over pos and neg messages only, the reply offers no sympathy (or
  dismay: "oh no") for good news and no congratulations for bad news, by `judge_reply`'s
  phrase lists (word-bounded, apostrophes ignored). Its limits: English only; no negation
  (`not amazing` counts as celebration); no sarcasm; a reply that both consoles and praises
  ("so sorry ... well done for trying") is flagged on bad news; anything phrased outside the
  lists passes. It catches the blatant mismatches, not subtle tone.
- **longest identical run**: the longest run of consecutive turns with the same
  (expression, posture) pair within one conversation, the maximum over conversations (a failed
  turn breaks a run).
- **distinct pairs**: distinct (expression, posture) pairs among the first 60 turns (all turns
  when there are fewer, which the table says), and over all turns.
- **median first reaction**: the median of `reaction_ms` (the first reaction on the face;
  `first_react_ms` when absent), ms since the message was sent.
- **well-formed turns**: turns answered without error, with all three sections non-empty and
  the chat's own format report (`well_formed`) not false.

The table (figures as rows, variants as columns) is printed; `--out DIR` also writes
`report.md`, `report.json` and, when the chat ran, `transcript.jsonl`. Sampling is seeded
(`--seed`, passed to `empath chat` unless a variant sets its own), though llama.cpp's results
can still vary with its thread count.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shlex
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from empath_desktop.chat.vocab import EXPRESSIONS
from empath_desktop.resources import assets_dir

logger = logging.getLogger(__name__)

DEFAULT_DATA = assets_dir() / "data" / "mind" / "dev.jsonl"
CONVERSATION_LENGTH = 10
DISTINCT_WINDOW = 60
MESSAGE_VALENCES = ("pos", "neg", "neu")
POSITIVE = frozenset({"happy", "joyful", "amused"})
NEGATIVE = frozenset({"sad", "concerned", "angry", "afraid", "embarrassed"})
SECTIONS = ("react", "respond", "reflect")

# Written without apostrophes: `_normalise` removes them from the reply ("that's" -> "thats").
SYMPATHY_PHRASES: tuple[str, ...] = (
    r"sorry to hear",
    r"sorry for your loss",
    r"sorry (that|this) happened",
    r"sorry (youre|you are) (going through|dealing with|feeling)",
    r"so sorry",
    r"really sorry",
    r"condolences",
    r"my heart goes out",
    r"my heart breaks",
    r"heartbreaking",
    r"(that|it) must (be|have been) (so |really |very )?"
    r"(hard|difficult|tough|painful|awful|devastating|heartbreaking)",
    r"(that|it) sounds (so |really |very )?"
    r"(hard|difficult|tough|painful|awful|terrible|rough|devastating|heartbreaking)",
    r"thats (so |really )?(awful|terrible|horrible|rough|tough|sad|heartbreaking)",
    r"how (awful|terrible|sad|horrible)",
    r"poor you",
    r"hang in there",
    r"sending (you )?(hugs|love|strength)",
    r"thinking of you",
    r"i feel for you",
    # Dismay: after good news it reads as not having listened ("Oh no! ... you got the job").
    r"oh,? no",
)
CELEBRATION_PHRASES: tuple[str, ...] = (
    r"congratulations",
    r"congrats",
    r"congratulate",
    r"well done",
    r"good for you",
    r"(great|wonderful|fantastic|amazing|brilliant|such good|what good) news",
    r"thats (so |really )?(great|wonderful|fantastic|amazing|awesome|brilliant|exciting)",
    r"how (exciting|wonderful|fantastic|amazing|great)",
    r"(so )?happy for you",
    r"proud of you",
    r"amazing",
    r"awesome",
    r"fantastic",
    r"yay",
    r"hooray",
    r"hurray",
    r"woo+ ?hoo+",
    # Not bare "celebrate": "celebrate her life" is what one says after a death.
    r"(lets|time to|you should|how will you|did you) celebrate",
)


def _compile(phrases: Sequence[str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((p, re.compile(rf"\b(?:{p})\b")) for p in phrases)


_SYMPATHY = _compile(SYMPATHY_PHRASES)
_CELEBRATION = _compile(CELEBRATION_PHRASES)


class MindDataError(ValueError):
    """A dev set or transcript file that cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Message:
    """One labelled user message: `ok` are the acceptable expressions of the avatar's reaction,
    `valence` is the message's (`pos`, `neg` or `neu`)."""

    text: str
    ok: tuple[str, ...]
    valence: str


@dataclass(frozen=True, slots=True)
class Variant:
    """A way to run the app: `args` are extra arguments for `empath chat --jsonl`."""

    name: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReplyJudgement:
    """What `judge_reply` found: the matched text of each phrase list."""

    sympathy: tuple[str, ...]
    celebration: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MindScores:
    """The figures of one variant; counts, with the rates derived in `rates()`."""

    turns: int
    failed: int
    labelled: int
    expression_ok: int
    valence_agree: int
    judged_replies: int
    sane_replies: int
    sympathy_for_good_news: int
    celebration_for_bad_news: int
    longest_run: int
    distinct_first: int
    distinct_first_turns: int
    distinct_all: int
    median_reaction_ms: float | None
    well_formed: int
    expressions: dict[str, int] = field(default_factory=dict)
    postures: dict[str, int] = field(default_factory=dict)

    def rates(self) -> dict[str, float | None]:
        def rate(count: int, total: int) -> float | None:
            return round(count / total, 4) if total else None

        return {
            "expression_ok": rate(self.expression_ok, self.labelled),
            "valence_agree": rate(self.valence_agree, self.labelled),
            "reply_sane": rate(self.sane_replies, self.judged_replies),
            "well_formed": rate(self.well_formed, self.turns),
        }


# ----------------------------------------------------------------------------- data


def load_messages(path: Path) -> list[Message]:
    """Read a dev set: one `{"text", "ok", "valence"}` object per non-blank line.

    Raises `MindDataError` naming the line of the first problem.
    """
    return [
        _message(obj, f"{path}:{number}")
        for number, obj in _json_lines(path, "the dev set", errors="strict")
    ]


def _json_lines(path: Path, what: str, *, errors: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) of each non-blank line; `MindDataError` names the line."""
    try:
        lines = path.read_text(encoding="utf-8", errors=errors).splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise MindDataError(f"Cannot read {what} {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise MindDataError(f"{path}:{number}: not JSON ({exc})") from None


def _message(obj: Any, where: str) -> Message:
    if not isinstance(obj, dict):
        raise MindDataError(f"{where}: expected a JSON object")
    text, ok, valence = obj.get("text"), obj.get("ok"), obj.get("valence")
    if not isinstance(text, str) or not text.strip():
        raise MindDataError(f"{where}: 'text' must be a non-empty string")
    if (
        not isinstance(ok, list)
        or not ok
        or not all(isinstance(label, str) and label in EXPRESSIONS for label in ok)
    ):
        raise MindDataError(
            f"{where}: 'ok' must be a non-empty list of canonical expressions "
            f"({', '.join(EXPRESSIONS)}), not {ok!r}"
        )
    if valence not in MESSAGE_VALENCES:
        raise MindDataError(
            f"{where}: 'valence' must be one of {', '.join(MESSAGE_VALENCES)}, not {valence!r}"
        )
    return Message(text.strip(), tuple(ok), valence)


def parse_variant(spec: str) -> Variant:
    """`NAME=ARGS` (ARGS split like a shell would) or a bare `NAME` with no extra arguments."""
    name, _, args = spec.partition("=")
    name = name.strip()
    if not name:
        raise argparse.ArgumentTypeError(f"a variant needs a name: NAME=ARGS, not {spec!r}")
    try:
        return Variant(name, tuple(shlex.split(args)))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"cannot split the arguments of {spec!r}: {exc}") from None


# ----------------------------------------------------------------------------- scoring


def expression_valence(expression: str) -> str:
    """`pos`, `neg` or `neu` for a canonical expression (anything unknown is `neu`)."""
    if expression in POSITIVE:
        return "pos"
    if expression in NEGATIVE:
        return "neg"
    return "neu"


def valence_agrees(expression: str, message_valence: str) -> bool:
    """Does a face with this expression have the sign the message calls for? (module doc)

    >>> valence_agrees("sad", "neg"), valence_agrees("thoughtful", "neg")
    (True, False)
    >>> valence_agrees("surprised", "pos"), valence_agrees("happy", "neu")
    (True, True)
    """
    face = expression_valence(expression)
    if message_valence == "neg":
        return face == "neg"
    if message_valence == "pos":
        return face == "pos" or expression == "surprised"
    return face != "neg"


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.replace("'", "").split())


def judge_reply(text: str) -> ReplyJudgement:
    """Find sympathy and celebration phrases in a reply; each list holds the text matched by
    each of its phrases that matched (lower-cased, apostrophes removed), in list order.

    >>> judge_reply("Oh no, I'm so sorry to hear that. That must be hard.").sympathy
    ('sorry to hear', 'so sorry', 'that must be hard', 'oh no')
    >>> judge_reply("Congratulations, that's amazing!").celebration
    ('congratulations', 'thats amazing', 'amazing')
    """
    norm = _normalise(text)
    return ReplyJudgement(_matches(_SYMPATHY, norm), _matches(_CELEBRATION, norm))


def _matches(patterns: Sequence[tuple[str, re.Pattern[str]]], text: str) -> tuple[str, ...]:
    return tuple(m.group(0) for _, rx in patterns if (m := rx.search(text)))


def reply_sane(reply: str, message_valence: str) -> bool | None:
    """False for sympathy after good news or celebration after bad news; None for neutral
    messages, which this judge does not rate."""
    if message_valence not in ("pos", "neg"):
        return None
    judged = judge_reply(reply)
    if message_valence == "pos":
        return not judged.sympathy
    return not judged.celebration


def longest_run(pairs: Sequence[tuple[str, str] | None]) -> int:
    """Longest run of equal consecutive pairs; None (a failed turn) breaks a run.

    >>> longest_run([("sad", "slumped"), ("sad", "slumped"), None, ("sad", "slumped")])
    2
    """
    best = run = 0
    previous: tuple[str, str] | None = None
    for pair in pairs:
        run = run + 1 if pair is not None and pair == previous else (1 if pair else 0)
        previous = pair
        best = max(best, run)
    return best


def distinct_pairs(pairs: Sequence[tuple[str, str] | None]) -> int:
    """How many different pairs occur (failed turns, None, are not a pair)."""
    return len({p for p in pairs if p is not None})


def turn_pair(row: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (expression, posture) of a chat row; None for a failed turn."""
    if row.get("error") is not None:
        return None
    expression, posture = row.get("expression"), row.get("posture")
    if not isinstance(expression, str) or not isinstance(posture, str):
        return None
    return expression, posture


def turn_well_formed(row: Mapping[str, Any]) -> bool:
    if row.get("error") is not None or row.get("well_formed") is False:
        return False
    return all(isinstance(row.get(s), str) and row[s].strip() for s in SECTIONS)


def reaction_ms(row: Mapping[str, Any]) -> float | None:
    timings = row.get("timings")
    if not isinstance(timings, dict) or row.get("error") is not None:
        return None
    value = timings.get("reaction_ms", timings.get("first_react_ms"))
    return float(value) if isinstance(value, int | float) else None


def conversations(rows: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Rows grouped by their `conversation` key, in order of first appearance; rows without
    one go in consecutive groups of `CONVERSATION_LENGTH` by position."""
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for index, row in enumerate(rows):
        key = row.get("conversation", f"#{index // CONVERSATION_LENGTH}")
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def score_rows(rows: Sequence[Mapping[str, Any]]) -> MindScores:
    """Score one variant's rows, in conversation order. A row is the chat's JSON object (or
    `{"user", "error"}`), with `ok` and `valence` for the labelled figures."""
    pairs = [turn_pair(row) for row in rows]
    labelled = [
        (row, pair)
        for row, pair in zip(rows, pairs, strict=True)
        if isinstance(row.get("ok"), list | tuple) and row.get("valence") in MESSAGE_VALENCES
    ]
    expression_ok = sum(pair is not None and pair[0] in row["ok"] for row, pair in labelled)
    agree = sum(
        pair is not None and valence_agrees(pair[0], row["valence"]) for row, pair in labelled
    )
    judged = sane = sympathy_bad = celebration_bad = 0
    for row, pair in labelled:
        if row["valence"] not in ("pos", "neg"):
            continue
        judged += 1
        reply = row.get("respond")
        verdict = reply_sane(reply, row["valence"]) if pair and isinstance(reply, str) else False
        if verdict:
            sane += 1
        elif pair and row["valence"] == "pos":
            sympathy_bad += 1
        elif pair:
            celebration_bad += 1
    first = pairs[:DISTINCT_WINDOW]
    times = [t for t in (reaction_ms(row) for row in rows) if t is not None]
    runs = [longest_run([turn_pair(r) for r in conv]) for conv in conversations(rows)]
    return MindScores(
        turns=len(rows),
        failed=sum(pair is None for pair in pairs),
        labelled=len(labelled),
        expression_ok=expression_ok,
        valence_agree=agree,
        judged_replies=judged,
        sane_replies=sane,
        sympathy_for_good_news=sympathy_bad,
        celebration_for_bad_news=celebration_bad,
        longest_run=max(runs, default=0),
        distinct_first=distinct_pairs(first),
        distinct_first_turns=len(first),
        distinct_all=distinct_pairs(pairs),
        median_reaction_ms=round(statistics.median(times), 1) if times else None,
        well_formed=sum(turn_well_formed(row) for row in rows),
        expressions=dict(Counter(p[0] for p in pairs if p).most_common()),
        postures=dict(Counter(p[1] for p in pairs if p).most_common()),
    )


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}% ({count}/{total})" if total else "–"


def markdown_table(scores: Mapping[str, MindScores]) -> str:
    """The figures as rows, the variants as columns."""
    names = list(scores)
    rows: list[tuple[str, list[str]]] = [
        ("turns (failed)", [f"{s.turns} ({s.failed})" for s in scores.values()]),
        (
            "reaction expression acceptable (expression ∈ ok)",
            [_share(s.expression_ok, s.labelled) for s in scores.values()],
        ),
        (
            "reaction valence agrees with message",
            [_share(s.valence_agree, s.labelled) for s in scores.values()],
        ),
        (
            "reply valence sane (pos/neg messages)",
            [_share(s.sane_replies, s.judged_replies) for s in scores.values()],
        ),
        (
            "longest identical (expression, posture) run in a conversation",
            [str(s.longest_run) for s in scores.values()],
        ),
        (
            f"distinct (expression, posture) pairs, first {DISTINCT_WINDOW} turns",
            [
                f"{s.distinct_first}"
                + (
                    f" (of {s.distinct_first_turns} turns)"
                    if s.distinct_first_turns < DISTINCT_WINDOW
                    else ""
                )
                for s in scores.values()
            ],
        ),
        (
            "distinct (expression, posture) pairs, all turns",
            [f"{s.distinct_all} (of {s.turns} turns)" for s in scores.values()],
        ),
        (
            "median first reaction on the face (reaction_ms)",
            [
                "–" if s.median_reaction_ms is None else f"{s.median_reaction_ms:.0f} ms"
                for s in scores.values()
            ],
        ),
        ("well-formed turns", [_share(s.well_formed, s.turns) for s in scores.values()]),
    ]
    lines = [
        "| figure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
        *(f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows),
    ]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- running


def chat_command(extra_args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "empath_desktop.app", "chat", "--jsonl", *extra_args]


def _text(data: str | bytes | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


def _last_line(stderr: str) -> str:
    """The line of the chat's stderr that best says why it stopped: its own `empath:` message
    when there is one, else the last line (a traceback's last line is its exception)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    own = [line for line in lines if line.startswith("empath:")]
    return (own or lines or ["(nothing on stderr)"])[-1][:500]


def run_conversation(
    texts: Sequence[str], extra_args: Sequence[str], *, timeout_s: float
) -> list[dict[str, Any]]:
    """Send `texts` to one fresh `empath chat --jsonl` process; return one object per text, in
    order: the chat's, or `{"user", "error"}` for a message it never answered."""
    sent = [" ".join(text.split()) for text in texts]  # one message, one line
    command = chat_command(extra_args)
    logger.debug("running %s", shlex.join(command))
    reason: str | None = None
    try:
        done = subprocess.run(
            command,
            input="".join(f"{text}\n" for text in sent),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout_s,
            env=dict(os.environ),
            check=False,
        )
        stdout, stderr = done.stdout, done.stderr
        if done.returncode != 0:
            reason = (
                f"empath chat exited with status {done.returncode} before answering this "
                f"message: {_last_line(stderr)}"
            )
    except subprocess.TimeoutExpired as exc:
        stdout, stderr = _text(exc.stdout), _text(exc.stderr)
        reason = f"empath chat did not finish the conversation within {timeout_s:.0f} s."
    except OSError as exc:
        stdout, stderr = "", ""
        reason = f"empath chat could not be started: {exc}"
    objects: list[dict[str, Any]] = []
    for line in stdout.splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            objects.append(obj)
        elif line.strip():
            logger.warning(
                "empath chat --jsonl wrote a line that is not a JSON object: %.120r", line
            )
    if len(objects) > len(sent):
        logger.warning("empath chat answered %d messages with %d objects", len(sent), len(objects))
    rows = []
    for index, text in enumerate(sent):
        if index < len(objects):
            obj = objects[index]
            if obj.get("user") != text:
                logger.warning(
                    "turn %d answers %.60r, sent %.60r", index + 1, obj.get("user"), text
                )
        else:
            obj = {
                "user": text,
                "error": reason or "empath chat ended without answering this message.",
            }
        rows.append(obj)
    if stderr and reason:
        logger.debug("stderr of the chat:\n%s", stderr[-4000:])
    return rows


def run_variant(
    variant: Variant, messages: Sequence[Message], *, timeout_s: float
) -> list[dict[str, Any]]:
    """The whole dev set through one variant, a fresh chat per conversation; each row is the
    chat's object with the variant, the conversation index and the message's labels added."""
    rows: list[dict[str, Any]] = []
    chunks = [
        messages[i : i + CONVERSATION_LENGTH] for i in range(0, len(messages), CONVERSATION_LENGTH)
    ]
    for number, chunk in enumerate(chunks):
        logger.info(
            "%s: conversation %d/%d (%d messages)",
            variant.name,
            number + 1,
            len(chunks),
            len(chunk),
        )
        answers = run_conversation([m.text for m in chunk], variant.args, timeout_s=timeout_s)
        for message, answer in zip(chunk, answers, strict=True):
            rows.append(
                {
                    "variant": variant.name,
                    "conversation": number,
                    **answer,
                    "ok": list(message.ok),
                    "valence": message.valence,
                }
            )
        failed = sum(1 for a in answers if a.get("error") is not None)
        if failed:
            logger.warning(
                "%s: %d of %d turns failed in conversation %d: %s",
                variant.name,
                failed,
                len(answers),
                number + 1,
                next(a["error"] for a in answers if a.get("error") is not None),
            )
    return rows


def read_transcript(path: Path, messages: Sequence[Message]) -> dict[str, list[dict[str, Any]]]:
    """Rows of a jsonl transcript by variant (`variant` key, else the file's stem). Rows without
    labels get them from `messages` by their `user` text; rows still unlabelled count for the
    figures that need no labels only."""
    by_text = {m.text: m for m in messages}
    variants: dict[str, list[dict[str, Any]]] = {}
    unlabelled = 0
    for number, row in _json_lines(path, "the transcript", errors="replace"):
        if not isinstance(row, dict):
            raise MindDataError(f"{path}:{number}: expected a JSON object")
        if "ok" not in row or "valence" not in row:
            message = by_text.get(" ".join(str(row.get("user", "")).split()))
            if message is not None:
                row = {**row, "ok": list(message.ok), "valence": message.valence}
            else:
                unlabelled += 1
        variants.setdefault(str(row.get("variant", path.stem)), []).append(row)
    if unlabelled:
        logger.warning("%d rows of %s match no labelled message", unlabelled, path)
    return variants


def report_json(
    scores: Mapping[str, MindScores],
    variants: Mapping[str, Variant],
    *,
    data: Path,
    source: str,
) -> dict[str, Any]:
    return {
        "data": str(data),
        "source": source,
        "conversation_length": CONVERSATION_LENGTH,
        "variants": {
            name: {
                "args": list(variants[name].args) if name in variants else None,
                "scores": asdict(s),
                "rates": s.rates(),
            }
            for name, s in scores.items()
        },
    }


def write_report(
    out: Path,
    table: str,
    report: Mapping[str, Any],
    rows: Mapping[str, Sequence[Mapping[str, Any]]] | None,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    heading = f"# eval-mind\n\nData: `{report['data']}` ({report['source']}).\n\n"
    (out / "report.md").write_text(heading + table, encoding="utf-8")
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if rows is not None:
        with (out / "transcript.jsonl").open("w", encoding="utf-8") as fh:
            for variant_rows in rows.values():
                for row in variant_rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training.empath eval-mind",
        description="Measure the avatar's reactions and replies on the labelled dev set, "
        "through `empath chat --jsonl` (one fresh process per conversation of "
        f"{CONVERSATION_LENGTH} messages).",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="FILE",
        help="labelled messages, one {text, ok, valence} per line "
        "(default: assets/data/mind/dev.jsonl)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        type=parse_variant,
        metavar="NAME=ARGS",
        help="a named set of extra `empath chat` arguments, e.g. "
        "base=\"--model X.gguf\" (repeatable; default: one variant 'default' "
        "with none)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N messages")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write report.md, report.json and transcript.jsonl here",
    )
    parser.add_argument(
        "--jsonl-in",
        type=Path,
        metavar="FILE",
        help="score this transcript (the chat's JSON lines) instead of running the chat",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="sampling seed passed to `empath chat` (default 0) unless a "
        "variant sets --seed itself",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        metavar="S",
        help="seconds one conversation may take (default 900)",
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run eval-mind; 0 on success, 2 for unusable input (said on stderr, no traceback)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(  # a no-op when a caller configured logging already
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.limit is not None and args.limit < 1:
        print("eval-mind: --limit must be at least 1", file=sys.stderr)
        return 2
    try:
        messages = load_messages(args.data)
        limited = messages[: args.limit] if args.limit else messages
        variants = {v.name: v for v in args.variant or [Variant("default")]}
        rows: dict[str, list[dict[str, Any]]] | None = None
        if args.jsonl_in is not None:
            scored = read_transcript(args.jsonl_in, messages)
            if args.limit:
                scored = {name: r[: args.limit] for name, r in scored.items()}
            source = f"transcript {args.jsonl_in}"
        else:
            rows = {}
            for variant in variants.values():
                extra = variant.args
                if "--seed" not in extra and not any(a.startswith("--seed=") for a in extra):
                    extra = (*extra, "--seed", str(args.seed))
                run = Variant(variant.name, extra)
                rows[variant.name] = run_variant(run, limited, timeout_s=args.timeout)
                variants[variant.name] = run
            scored = rows
            source = f"empath chat --jsonl, {len(limited)} messages"
    except MindDataError as exc:
        print(f"eval-mind: {exc}", file=sys.stderr)
        return 2
    if not scored:
        print("eval-mind: nothing to score", file=sys.stderr)
        return 2
    scores = {name: score_rows(r) for name, r in scored.items()}
    table = markdown_table(scores)
    sys.stdout.write(table)
    if args.out is not None:
        report = report_json(scores, variants, data=args.data, source=source)
        write_report(args.out, table, report, rows)
        logger.info("report: %s", args.out / "report.md")
    return 0
