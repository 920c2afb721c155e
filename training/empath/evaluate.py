"""Evaluate GGUF models on held-out prompts: format compliance, rewards, reaction labels.

Each model answers the same prompts, rendered as the app renders them (its `PromptBuilder`, and
the GGUF's chat template where the app's backend uses one) and sampled with a fixed seed through
the app's own `LlamaBackend`. Every answer is scored by `rewards.score`, whose format part is
`chat.tags.format_report`. The report is written as `report.json` (everything, per model and
per category) and `report.md` (the summary tables).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.empath.config import Config
from training.empath.data import Prompt, load_data, prompt_builder
from training.empath.rewards import COMPONENTS, ScoreReport, reaction_label_counts, score

if TYPE_CHECKING:
    from empath_desktop.chat.prompts import PromptBuilder
    from empath_desktop.llm.backend import Backend

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    prompt_id: str
    category: str | None
    text: str
    seconds: float
    report: ScoreReport


def resolve_model(spec: str) -> Path:
    if spec == "embedded":
        from empath_desktop.llm.model_files import default_model_path

        return default_model_path()
    return Path(spec).expanduser()


def resolve_spec(spec: str) -> tuple[Path, Path | None, str]:
    """(model, adapter, report name) of a model spec: 'embedded', a GGUF path, or either
    followed by '+' and a GGUF LoRA to apply over it ('embedded+runs/x/x-lora.gguf')."""
    model_spec, plus, lora_spec = spec.partition("+")
    if plus and lora_spec.endswith(".gguf"):
        model, lora = resolve_model(model_spec), Path(lora_spec).expanduser()
        name = model_spec if model_spec == "embedded" else model.name
        return model, lora, f"{name}+{lora.name}"
    model = resolve_model(spec)
    return model, None, spec if spec == "embedded" else model.name


def render(backend: Backend, builder: PromptBuilder, prompt: Prompt) -> str:
    """The prompt as the app's pipeline renders it for this backend: the GGUF's chat template
    over the builder's messages for a chat model, the builder's transcript otherwise (no
    reflection notes: the dataset's prompts carry none)."""
    return builder.render(backend, prompt.history, (), prompt.text)


def generate_answers(
    cfg: Config, model: Path, prompts: Sequence[Prompt], lora: Path | None = None
) -> list[Answer]:
    """One sampled answer per prompt, seeded per prompt so every model sees the same draws.
    The model runs in the app's backend and sees the app's prompts; it writes its own tags
    (no scaffold), so the format scores are the model's own."""
    from empath_desktop.llm.backend import BackendConfig, LlamaBackend, Sampling

    data = load_data(Path(cfg.data.data_dir) if cfg.data.data_dir else None)
    builder = prompt_builder(cfg.data.persona, cfg.eval.few_shot)
    e = cfg.eval
    backend = LlamaBackend(
        BackendConfig(
            model_path=str(model),
            n_ctx=e.n_ctx,
            n_threads=e.n_threads,
            lora_path=str(lora) if lora is not None else None,
        )
    )
    if backend.is_chat != (cfg.model.prompt_style == "chat"):
        logger.warning(
            "%s was trained with %s prompts but the app talks to it through %s: evaluating "
            "what the app does",
            backend.name,
            cfg.model.prompt_style,
            "its chat template" if backend.is_chat else "a transcript",
        )
    answers = []
    try:
        for index, prompt in enumerate(prompts):
            sampling = Sampling(temperature=e.temperature, top_p=e.top_p, seed=cfg.run.seed + index)
            start = time.perf_counter()
            text = "".join(
                backend.stream(
                    render(backend, builder, prompt),
                    max_tokens=e.max_tokens,
                    stop=builder.turn_stops,
                    sampling=sampling,
                )
            )
            context = {
                "user": prompt.text,
                "category": prompt.category,
                "reaction_valence": data.reaction_valence(prompt),
                "previous_react": prompt.history[-1].react if prompt.history else "",
            }
            answers.append(
                Answer(
                    prompt.id,
                    prompt.category,
                    text,
                    time.perf_counter() - start,
                    score(text, context, cfg.rewards),
                )
            )
            logger.debug("%s: %r", prompt.id, text)
    finally:
        backend.close()
    return answers


def _rate(flags: Sequence[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else 0.0


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def summarise(answers: Sequence[Answer]) -> dict[str, Any]:
    """Format compliance, reward means and reaction labels of one model's answers."""
    reps = [a.report for a in answers]
    fmt = [r.format for r in reps]
    labels = reaction_label_counts(reps)
    by_category: dict[str, list[ScoreReport]] = {}
    for a in answers:
        by_category.setdefault(a.category or "unknown", []).append(a.report)
    return {
        "n": len(answers),
        "format": {
            "well_formed": _rate([f.well_formed for f in fmt]),
            "complete": _rate([f.complete for f in fmt]),
            "in_order": _rate([f.in_order and f.complete for f in fmt]),
            "no_duplicates": _rate([not f.duplicates for f in fmt]),
            "all_closed": _rate([not f.unclosed and not f.stray_closes for f in fmt]),
            "nothing_outside": _rate([f.outside_chars == 0 for f in fmt]),
        },
        "rewards": {c: _mean([r.components[c] for r in reps]) for c in COMPONENTS}
        | {"total": _mean([r.total for r in reps])},
        "reaction_understood": _rate([r.reaction.confidence > 0 for r in reps]),
        "expressions": dict(labels["expression"].most_common()),
        "postures": dict(labels["posture"].most_common()),
        "by_category": {
            c: {
                "n": len(rs),
                "well_formed": _rate([r.format.well_formed for r in rs]),
                "total": _mean([r.total for r in rs]),
            }
            for c, rs in sorted(by_category.items())
        },
        "seconds_per_turn": _mean([a.seconds for a in answers]),
    }


def _markdown(results: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    names = list(results)
    lines = [
        "# EMPATH evaluation",
        "",
        f"{meta['n_prompts']} prompts from the `{meta['split']}` split, temperature "
        f"{meta['temperature']}, seed {meta['seed']}, up to {meta['max_tokens']} tokens.",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key in next(iter(results.values()))["format"]:
        lines.append(
            f"| format: {key} | "
            + " | ".join(f"{results[n]['format'][key]:.1%}" for n in names)
            + " |"
        )
    lines.append(
        "| reaction understood | "
        + " | ".join(f"{results[n]['reaction_understood']:.1%}" for n in names)
        + " |"
    )
    for key in (*COMPONENTS, "total"):
        lines.append(
            f"| reward: {key} | "
            + " | ".join(f"{results[n]['rewards'][key]:.3f}" for n in names)
            + " |"
        )
    lines.append(
        "| seconds per turn | "
        + " | ".join(f"{results[n]['seconds_per_turn']:.2f}" for n in names)
        + " |"
    )
    for kind in ("expressions", "postures"):
        lines += ["", f"## Reaction {kind}", ""]
        for n in names:
            counts = ", ".join(f"{k} {v}" for k, v in results[n][kind].items()) or "none"
            lines.append(f"- **{n}**: {counts}")
    lines += [
        "",
        "## Total reward by category",
        "",
        "| category | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    categories = sorted({c for n in names for c in results[n]["by_category"]})
    for c in categories:
        cells = []
        for n in names:
            row = results[n]["by_category"].get(c)
            cells.append(
                "–" if row is None else f"{row['total']:.3f} ({row['well_formed']:.0%} wf)"
            )
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def evaluate(cfg: Config) -> Path:
    """Evaluate every model of `cfg.eval.models`; returns the folder with report.{json,md}."""
    data = load_data(Path(cfg.data.data_dir) if cfg.data.data_dir else None)
    prompts = data.prompts_for(cfg.eval.split)[: cfg.eval.limit]
    out = Path(cfg.eval.output_dir or Path(cfg.run.output_dir) / "eval")
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    samples: dict[str, list[dict[str, Any]]] = {}
    for spec in cfg.eval.models:
        path, lora, name = resolve_spec(spec)
        logger.info("evaluating %s on %d prompts", name, len(prompts))
        answers = generate_answers(cfg, path, prompts, lora)
        results[name] = summarise(answers) | {
            "model": str(path),
            "adapter": str(lora) if lora is not None else None,
        }
        samples[name] = [
            {
                "id": a.prompt_id,
                "category": a.category,
                "text": a.text,
                "components": dict(a.report.components),
                "total": a.report.total,
                "expression": a.report.reaction.expression,
                "posture": a.report.reaction.posture,
            }
            for a in answers
        ]
    meta = {
        "split": cfg.eval.split,
        "n_prompts": len(prompts),
        "temperature": cfg.eval.temperature,
        "seed": cfg.run.seed,
        "max_tokens": cfg.eval.max_tokens,
        "label_totals": {n: Counter(r["expressions"]).total() for n, r in results.items()},
    }
    (out / "report.json").write_text(
        json.dumps({"meta": meta, "results": results, "samples": samples}, indent=2)
    )
    (out / "report.md").write_text(_markdown(results, meta))
    logger.info("evaluation report in %s", out)
    return out
