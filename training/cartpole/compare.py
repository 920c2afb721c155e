"""The whole experiment in one command: ``python -m training.cartpole compare``.

For every teacher: evaluate it, record a behaviour-cloning dataset under the label budget, train
a BC student, a DAgger student (same budget) and a gradient-boosting baseline, evaluate them on
the same seeded episodes, measure agreement on the teacher's held-out states, trace the BC vs
DAgger curve at equal budgets, then run persona identification among teachers of one kind.
Writes ``report.json`` and ``report.md`` (the README table) under ``--out``.
"""

from __future__ import annotations

import json
import logging
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

import gymnasium
from tqdm import tqdm

from empath_desktop.lab.dataset import Recorder, save_dataset
from empath_desktop.lab.policies import Policy, RandomPolicy
from empath_desktop.lab.student import save_student
from empath_desktop.lab.teachers import TeacherSpec
from empath_desktop.lab.verbalise import VerbaliserName
from training.cartpole.cli import parse
from training.cartpole.collect import eval_seeds, open_teacher, record, train_seeds
from training.cartpole.evaluate import PolicyEval, agreement, evaluate, persona_identification
from training.cartpole.train import BoostedStudent, FitConfig, dagger, fit_student

logger = logging.getLogger(__name__)

# Teacher episodes the persona classifier trains on come from this collection round's seeds:
# disjoint from the recorded data and from the evaluation episodes it is tested on.
CLASSIFIER_ROUND = 9


@dataclass(frozen=True)
class CompareArgs:
    """Teachers vs students vs random, BC vs DAgger, and persona identification."""

    teachers: tuple[str, ...] = (
        "scripted:cautious",
        "scripted:reckless",
        "llm:newton",
        "llm:daredevil",
        "llm:worrier",
    )
    """teacher specs to compare"""
    budget: int = 5000
    """teacher-labelled steps per student"""
    curve: tuple[int, ...] = (250, 500, 1000, 2000, 5000)
    """budgets for the BC vs DAgger curve"""
    rounds: int = 5
    """DAgger rounds (the budget is split evenly)"""
    episodes: int = 100
    """evaluation episodes per policy (fixed seeds)"""
    curve_episodes: int = 30
    """evaluation episodes per curve point"""
    verbaliser: VerbaliserName = "coarse"
    """observation text form for LLM teachers"""
    model: str = ""
    """GGUF for LLM teachers; empty: the embedded default model"""
    seed: int = 0
    """run seed"""
    out: str = "runs/cartpole/compare"
    """output folder"""


def _row(ev: PolicyEval, teacher: PolicyEval | None, labels: int | None = None) -> dict:
    row: dict = {"policy": ev.name, **ev.summary()}
    if teacher is not None:
        row["return_ratio"] = row["return_mean"] / teacher.summary()["return_mean"]
    if labels is not None:
        row["labels"] = labels
    return row


def _student_rows(
    students: dict[str, Policy], teacher_eval: PolicyEval, seeds: list[int], labels: int
) -> tuple[dict[str, dict], dict[str, PolicyEval]]:
    rows, evals = {}, {}
    for kind, student in students.items():
        evals[kind] = evaluate(student, seeds, progress=True)
        rows[kind] = _row(evals[kind], teacher_eval, labels)
        rows[kind]["agreement"] = agreement(student, teacher_eval.obs, teacher_eval.actions)
    return rows, evals


def run(args: CompareArgs) -> dict:
    """Run the comparison; write ``report.json`` and ``report.md`` under ``args.out``."""
    out = Path(args.out)
    seeds = eval_seeds(args.episodes)
    config = FitConfig(seed=args.seed)
    started = time.perf_counter()
    report: dict = {
        "config": asdict(args),
        "versions": {"python": platform.python_version(), "gymnasium": gymnasium.__version__},
        "eval_seeds": [seeds[0], seeds[-1]],
        "random": _row(evaluate(RandomPolicy(args.seed), seeds), None),
        "teachers": {},
    }
    id_inputs: dict[str, tuple[dict[str, PolicyEval], dict[str, list[PolicyEval]]]] = {}
    # Every spec is read before hours of work start, so a typo fails at once.
    for teacher_spec in [TeacherSpec.parse(spec) for spec in args.teachers]:
        spec = str(teacher_spec)
        with open_teacher(
            teacher_spec, model=args.model, verbaliser=args.verbaliser, seed=args.seed
        ) as (
            teacher,
            meta,
        ):
            teacher_eval = evaluate(teacher, seeds, progress=True)
            recorder = Recorder()
            with tqdm(total=args.budget, desc=f"record {teacher.name}", unit="step") as bar:
                record(recorder, teacher, train_seeds(args.seed), args.budget, progress=bar)
            data = recorder.dataset(meta)
            save_dataset(data, out / "data" / meta.persona)
            bc, _ = fit_student(data, config)
            dg, dg_data, _ = dagger(
                teacher, meta, args.budget, rounds=args.rounds, config=config, seed=args.seed
            )
            save_student(bc, out / "students" / f"{meta.persona}-bc")
            save_student(dg, out / "students" / f"{meta.persona}-dagger")
            save_dataset(dg_data, out / "data" / f"{meta.persona}-dagger")
            students = {"bc": bc, "dagger": dg, "gboost": BoostedStudent(data, args.seed)}
            rows, evals = _student_rows(students, teacher_eval, seeds, args.budget)

            curve = []
            for budget in tqdm(args.curve, desc=f"curve {teacher.name}", unit="budget"):
                point: dict = {"labels": budget}
                small = Recorder()
                record(small, teacher, train_seeds(args.seed), budget)
                curve_students = {
                    "bc": fit_student(small.dataset(meta), config)[0],
                    "dagger": dagger(
                        teacher, meta, budget, rounds=args.rounds, config=config, seed=args.seed
                    )[0],
                }
                for kind, student in curve_students.items():
                    ev = evaluate(student, seeds[: args.curve_episodes])
                    point[f"{kind}_agreement"] = agreement(
                        student, teacher_eval.obs, teacher_eval.actions
                    )
                    point[f"{kind}_return"] = float(ev.returns.mean())
                curve.append(point)

            group = teacher_spec.kind
            id_teachers, id_students = id_inputs.setdefault(group, ({}, {}))
            id_seeds = list(islice(train_seeds(args.seed, CLASSIFIER_ROUND), args.episodes))
            id_teachers[meta.persona] = evaluate(teacher, id_seeds)
            id_students[meta.persona] = [evals["bc"], evals["dagger"]]
            report["teachers"][spec] = {
                "meta": asdict(meta),
                "teacher": _row(teacher_eval, None),
                "teacher_queries": getattr(teacher, "queries", None),
                "students": rows,
                "curve": curve,
            }
    report["persona_identification"] = {
        group: persona_identification(t, s) for group, (t, s) in id_inputs.items() if len(t) >= 2
    }
    report["seconds"] = round(time.perf_counter() - started, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "report.md").write_text(markdown(report))
    return report


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _policy_cells(teacher: str, label: str, row: dict) -> list[str]:
    return [
        teacher,
        label,
        f"{row['return_mean']:.1f} ± {row['return_std']:.1f}",
        f"{row['return_ratio']:.2f}" if "return_ratio" in row else "–",
        f"{100 * row['agreement']:.1f} %" if "agreement" in row else "–",
        f"{row['switch_rate']:.3f}",
        f"{row['mean_abs_x']:.3f}",
        f"{row['mean_abs_theta']:.4f}",
    ]


STUDENT_LABELS = {
    "bc": "MLP student (BC)",
    "dagger": "MLP student (DAgger)",
    "gboost": "gradient boosting (BC)",
}


def markdown(report: dict) -> str:
    """The report's tables in Markdown (what the README shows)."""
    cfg = report["config"]
    first, last = report["eval_seeds"]
    rows = []
    for spec, block in report["teachers"].items():
        rows.append(_policy_cells(spec, "**teacher**", block["teacher"]))
        rows += [
            _policy_cells(spec, STUDENT_LABELS[k], block["students"][k]) for k in STUDENT_LABELS
        ]
    rows.append(_policy_cells("–", "random", report["random"]))
    header = ["teacher", "policy", "return (mean ± std)", "÷ teacher", "agreement"]
    header += ["switch rate", "mean abs x (m)", "mean abs θ (rad)"]
    lines = [
        f"CartPole-v1, {cfg['episodes']} evaluation episodes (seeds {first}…{last}), "
        f"{cfg['budget']} teacher-labelled steps per student, LLM teachers read the "
        f"{cfg['verbaliser']} verbaliser. Agreement: on the teacher's own evaluation states.",
        "",
        *_table(header, rows),
        "",
        "BC vs DAgger at equal teacher-label budgets (agreement on held-out teacher states, "
        f"mean return over {cfg['curve_episodes']} episodes):",
        "",
    ]
    curve_rows = [
        [
            spec,
            str(p["labels"]),
            f"{100 * p['bc_agreement']:.1f} %",
            f"{100 * p['dagger_agreement']:.1f} %",
            f"{p['bc_return']:.1f}",
            f"{p['dagger_return']:.1f}",
        ]
        for spec, block in report["teachers"].items()
        for p in block["curve"]
    ]
    header = ["teacher", "labels", "BC agreement", "DAgger agreement", "BC return", "DAgger return"]
    lines += _table(header, curve_rows)
    for group, result in report["persona_identification"].items():
        personas = result["personas"]
        lines += [
            "",
            f"Persona identification among {group} teachers: a classifier trained on "
            f"{result['teacher_episodes']} teacher episodes' statistics labels the BC and DAgger "
            f"students' episodes; accuracy {100 * result['accuracy']:.1f} %.",
            "",
        ]
        confusion = [
            [persona, *(str(counts[p]) for p in personas)]
            for persona, counts in result["confusion"].items()
        ]
        lines += _table(["student of", *(f"labelled {p}" for p in personas)], confusion)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse(CompareArgs, argv, prog="python -m training.cartpole compare")
    report = run(args)
    print(markdown(report))
    print(f"→ {Path(args.out) / 'report.json'} and report.md ({report['seconds']} s)")
    return report
