"""`python -m training.empath all` with the GGUF LoRA export, on the tiny smoke model.

One run of the command as people type it (train, merged export, LoRA export, evaluation of
both), then the adapter loaded by llama-cpp-python over its base GGUF: through the app's own
backend (the appraisal's sibling context without it), and checked against the merged export.
Q8_0 keeps the quantisation noise below the adapter's effect, so the comparison means
something. Needs the [train] extras and the converters (fetched once; `export.sdist` offline).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "empath" / "configs"
PROMPT = "User: I got the job!\nEMPATH: <react>"

pytestmark = [
    pytest.mark.train,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def _logits(model: Path, lora: Path | None = None) -> np.ndarray:
    from empath_desktop.llm.backend import open_llama

    llm = open_llama(
        str(model),
        lora_path=str(lora) if lora else None,
        n_ctx=256,
        logits_all=True,
        verbose=False,
    )
    try:
        tokens = llm.tokenize(PROMPT.encode())
        llm.eval(tokens)
        return np.array(llm.scores[: len(tokens)], dtype=np.float64)
    finally:
        llm.close()


def test_all_exports_a_gguf_lora_that_loads_over_its_base(tmp_path: Path) -> None:
    from empath_desktop.llm.backend import BackendConfig, LlamaBackend, Sampling
    from training.empath.__main__ import main

    out = tmp_path / "smoke"
    args = [
        "--config",
        str(CONFIGS / "smoke.toml"),
        "--run.output-dir",
        str(out),
        "--sft.max-steps",
        "4",
        "--grpo.no-enabled",
        "--export.lora",
        "--export.quantization",
        "Q8_0",
        "--export.lora-outtype",
        "f32",
        "--eval.limit",
        "1",
    ]
    assert main(["all", *args]) == 0
    merged, base, lora = (out / f"smoke-{kind}.gguf" for kind in ("q8_0", "base-q8_0", "lora"))
    assert merged.is_file() and base.is_file() and lora.is_file()

    import gguf

    meta = gguf.GGUFReader(str(lora)).fields
    assert meta["general.type"].contents() == "adapter"
    assert meta["adapter.type"].contents() == "lora"

    report = json.loads((out / "eval" / "report.json").read_text())
    # Base alone, merged, base + adapter: side by side.
    assert set(report["results"]) == {base.name, merged.name, f"{base.name}+{lora.name}"}
    assert report["results"][f"{base.name}+{lora.name}"]["adapter"] == str(lora)

    # The app's backend: base + adapter generate; the sibling context is the base alone.
    backend = LlamaBackend(BackendConfig(model_path=str(base), lora_path=str(lora), n_ctx=512))
    try:
        pieces = list(backend.stream(PROMPT, max_tokens=4, sampling=Sampling(temperature=0.0)))
        assert pieces
        sibling = backend.sibling(n_ctx=256)
        assert sibling.config.lora_path is None and "lora" not in sibling.name
        assert "smoke-lora" in backend.name
    finally:
        backend.close()

    # The adapter is applied, and it is the trained one: base + adapter is the merged model,
    # up to the quantisation of the two files.
    plain, adapted, merged_logits = _logits(base), _logits(base, lora), _logits(merged)
    effect = np.abs(adapted - plain).mean()
    residual = np.abs(adapted - merged_logits).mean()
    assert effect > 0 and residual < 0.4 * effect, (effect, residual)

    # Re-run: the finished stage is not trained again.
    metrics = (out / "metrics.jsonl").read_text()
    assert main(["train", *args]) == 0
    assert (out / "metrics.jsonl").read_text() == metrics


def test_converter_cache_is_refreshed_from_a_local_sdist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older extraction without the LoRA converter is replaced from `export.sdist` (or the
    sdist kept by an earlier download) without pip: the offline path."""
    import io
    import subprocess
    import tarfile

    from training.empath import export

    folder = tmp_path / "cache" / "9.9.9"
    folder.mkdir(parents=True)
    (folder / "convert_hf_to_gguf.py").write_text("old")
    monkeypatch.setattr(export, "converter_cache", lambda: folder)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("pip must not run when an sdist is at hand")

    monkeypatch.setattr(subprocess, "run", no_network)
    root = "llama_cpp_python-9.9.9/vendor/llama.cpp/"
    sdist = tmp_path / "llama_cpp_python-9.9.9.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        for name in ("convert_hf_to_gguf.py", "convert_lora_to_gguf.py", "gguf-py/gguf/x.py"):
            data = f"# {name}".encode()
            info = tarfile.TarInfo(root + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert export.ensure_converter(sdist=str(sdist)) == folder
    assert (folder / "convert_lora_to_gguf.py").read_text() == "# convert_lora_to_gguf.py"
    assert (folder / "convert_hf_to_gguf.py").read_text() == "# convert_hf_to_gguf.py"

    # Without `export.sdist`, a copy kept beside the cache serves as well.
    import llama_cpp

    monkeypatch.setattr(llama_cpp, "__version__", "9.9.9")
    for child in folder.iterdir():
        if child.is_file():
            child.unlink()
    sdist.replace(folder.parent / export.sdist_name("9.9.9"))
    assert export.ensure_converter() == folder
    assert (folder / "convert_lora_to_gguf.py").exists()
    with pytest.raises(export.ExportError, match="is not a file"):
        for child in folder.iterdir():
            if child.is_file():
                child.unlink()
        export.ensure_converter(sdist=str(tmp_path / "missing.tar.gz"))


def test_install_adapter_only_for_the_embedded_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from empath_desktop.llm.model_files import DEFAULT_ADAPTER_NAME, default_adapter_path
    from training.empath.config import load_config
    from training.empath.export import install_adapter

    monkeypatch.setenv("EMPATH_ASSETS", str(tmp_path / "assets"))
    lora = tmp_path / "run-lora.gguf"
    lora.write_bytes(b"GGUF adapter bytes")
    cfg = load_config(CONFIGS / "gemma270m.toml")
    assert cfg.export.install_adapter and cfg.export.lora and not cfg.export.merged
    installed = install_adapter(cfg, lora)
    assert installed == tmp_path / "assets" / "models" / DEFAULT_ADAPTER_NAME
    assert installed.read_bytes() == lora.read_bytes()
    assert default_adapter_path(None) == installed
    smoke = load_config(CONFIGS / "smoke.toml")
    installed.unlink()
    assert install_adapter(replace(smoke, export=cfg.export), lora) is None
    assert not installed.exists()
