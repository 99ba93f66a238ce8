import numpy as np
import pytest
import torch

from guardrails.toxicity import DetoxifyModel, ProfanityCheckModel, ToxicityGuard, chunks, load_toxicity_model
from guardrails.toxicity_minilm import MiniLMToxicityModel

CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


def build_tiny_detoxify_checkpoint(folder):
    """A tiny BERT saved in detoxify's own checkpoint format: {'config': ..., 'state_dict': ...}.

    The classifier is set so 'insult' scores high and everything else low for
    any input; if the loader ignored the checkpoint's weights, the scores would
    sit near 0.5 instead.
    """
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    cfg_dir = folder / "hf_config"
    cfg_dir.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "you", "are", "an", "idiot", "have", "a", "nice", "day"]
    (cfg_dir / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizer(str(cfg_dir / "vocab.txt")).save_pretrained(cfg_dir)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, num_labels=len(CLASSES))
    config.save_pretrained(cfg_dir)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([-6.0, -6.0, -6.0, -6.0, 6.0, -6.0]))
    checkpoint = folder / "tiny.ckpt"
    torch.save(
        {
            "config": {
                "arch": {"args": {"model_type": str(cfg_dir), "model_name": "BertForSequenceClassification",
                                  "tokenizer_name": "BertTokenizer", "num_classes": len(CLASSES)}},
                "dataset": {"args": {"classes": CLASSES}},
            },
            "state_dict": model.state_dict(),
        },
        checkpoint,
    )
    return checkpoint, cfg_dir


def test_detoxify_loads_a_local_checkpoint_through_its_own_loader(tmp_path):
    checkpoint, cfg_dir = build_tiny_detoxify_checkpoint(tmp_path)
    model, fallback = load_toxicity_model("detoxify", "original", str(checkpoint), str(cfg_dir))
    assert fallback is None
    assert isinstance(model, DetoxifyModel)
    result = ToxicityGuard(model).scan("you are an idiot")
    # detoxify renames its classes (toxic -> toxicity, identity_hate -> identity_attack).
    assert set(result.scores) == {"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"}
    assert result.scores["insult"] > 0.99
    assert result.scores["toxicity"] < 0.01
    assert result.findings[0].category == "insult"


def test_detoxify_that_cannot_load_falls_back_to_the_offline_model_and_says_why(tmp_path):
    model, fallback = load_toxicity_model("detoxify", "unbiased", str(tmp_path / "missing.ckpt"))
    assert isinstance(model, MiniLMToxicityModel)
    assert "detoxify 'unbiased' could not be loaded" in fallback


def test_missing_offline_weights_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="toxicity weights not found in"):
        load_toxicity_model("minilm", weights_dir=str(tmp_path))


def test_keyword_baseline_is_still_available():
    model, fallback = load_toxicity_model("profanity-check")
    assert isinstance(model, ProfanityCheckModel) and fallback is None
    assert model.predict(["you are a fucking idiot"])[0]["toxicity"] > 0.9


def test_unknown_model_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="TOXICITY_MODEL"):
        load_toxicity_model("perspective")


def test_offline_classifier_separates_abuse_from_a_friendly_reply(toxicity_guard):
    abusive = toxicity_guard.scan("You are a fucking idiot and everyone hates you.")
    friendly = toxicity_guard.scan("Thanks for asking! The capital of France is Paris.")
    assert abusive.scores["toxicity"] >= 0.5
    assert friendly.scores["toxicity"] < 0.5
    assert "MiniLM" in toxicity_guard.model_name


def test_long_reply_is_scored_in_chunks_so_late_abuse_counts(toxicity_guard):
    padding = "The weather today is calm and pleasant. " * 200  # ~8,000 characters, far past 128 tokens
    abuse = "You are a fucking idiot. I hope you die, you worthless piece of shit. Everyone hates you."
    assert toxicity_guard.model.predict([padding + abuse])[0]["toxicity"] < 0.5  # read whole, only the first 128 tokens count
    assert toxicity_guard.scan(padding + abuse).scores["toxicity"] >= 0.5


def test_one_short_insult_after_many_calm_sentences_counts_with_windows(toxicity_guard):
    """The piece's mean is outvoted by its calm sentences (v21: 0.01; a known limit of the default, see
    docs/known-limits.md); its strongest 8-token window is not (TOXICITY_WINDOW_TOKENS=8)."""
    from guardrails.toxicity import ToxicityGuard
    from guardrails.toxicity_minilm import MiniLMToxicityModel

    text = "The weather today is calm and pleasant. " * 200 + "You are a fucking idiot."
    assert toxicity_guard.scan(text).scores["toxicity"] < 0.5
    windows = ToxicityGuard(MiniLMToxicityModel(window_tokens=8))
    assert windows.scan(text).scores["toxicity"] >= 0.5
    assert windows.scan("The weather today is calm and pleasant. " * 200).scores["toxicity"] < 0.5


def test_a_window_counts_only_when_it_is_clearly_worse_than_the_piece():
    from guardrails.toxicity_minilm import window_max

    logits = np.array([[-4.0, -4.0, -4.0, 3.0, 3.0, -4.0, 0.0], [1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    mask = np.array([[1, 1, 1, 1, 1, 1, 0], [1, 1, 0, 0, 0, 0, 0]])
    # the strongest two-token stretch of the first text (padding left out), the whole mean of the short second
    assert window_max(logits, mask, 2).tolist() == [3.0, 1.5]
    assert window_max(logits, mask, 8).tolist() == [-10 / 6, 1.5]


def test_chunks_cover_the_whole_text_within_the_size():
    text = ("word " * 900) + "x" * 2500
    pieces = chunks(text, size=1000)
    assert "".join(pieces) == text  # no sentence ends here, and the last piece is long enough alone
    assert all(len(p) <= 1000 for p in pieces)
    assert len(chunks("word " * 400, size=400)) == 5
    assert chunks("short") == ["short"]


def test_chunks_end_at_sentences_and_a_short_last_piece_keeps_the_sentences_before_it():
    sentence = "The museum opens at nine and the tour takes about an hour. "  # 59 characters
    text = sentence * 13 + "Enjoy the visit."  # pieces of six sentences, then 75 characters
    pieces = chunks(text, size=400)
    assert all(p.endswith(". ") for p in pieces[:-1])  # never cut mid-sentence
    assert all(len(p) <= 400 for p in pieces)
    assert pieces[-1].endswith("Enjoy the visit.") and len(pieces[-1]) > 400 // 3  # not scored as a fragment alone
    assert pieces[-1].startswith("The museum")
    covered = "".join(pieces[:-1])
    assert text.startswith(covered) and covered + pieces[-1] != text  # the last piece overlaps the one before
    assert text.endswith(pieces[-1])
    # A list's items end at line breaks.
    listing = "\n".join(f"{i}. Keep the chain clean and oiled, and check the tyres every week" for i in range(1, 20))
    assert all(p.endswith("\n") for p in chunks(listing, size=400)[:-1])


def test_onnx_runtime_gives_the_torch_scores_and_reuses_its_export(tmp_path):
    texts = ["Have a lovely day.", "You are a worthless idiot and everyone hates you.", "I don't hate gay people."]
    torch_model = MiniLMToxicityModel(runtime="torch")
    onnx_model = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path, quantize="none")
    assert (torch_model.runtime, onnx_model.runtime) == ("torch", "onnx")
    for a, b in zip(torch_model.predict(texts), onnx_model.predict(texts)):
        assert abs(a["toxicity"] - b["toxicity"]) < 1e-4
    [export] = tmp_path.glob("toxicity-*.onnx")
    stamp = export.stat().st_mtime_ns
    again = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path, quantize="none")
    assert again._onnx.path == export and export.stat().st_mtime_ns == stamp  # loaded, not exported again


@pytest.mark.slow
def test_int8_is_a_smaller_cached_copy_that_scores_close_to_float32(tmp_path):
    texts = ["Have a lovely day.", "You are a worthless idiot and everyone hates you.", "I don't hate gay people.",
             "Thanks, the recipe worked perfectly.", "People like you should be wiped out."]
    exact = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path, quantize="none")
    int8 = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path, quantize="int8")
    assert int8.quantize == "int8" and int8.name.endswith("(int8)") and not exact.name.endswith("(int8)")
    assert int8._onnx.path != exact._onnx.path
    assert int8._onnx.path.stat().st_size < 0.8 * exact._onnx.path.stat().st_size  # the embeddings and layer 0 stay float32
    a, b = [p["toxicity"] for p in exact.predict(texts)], [p["toxicity"] for p in int8.predict(texts)]
    # Close on average; one confident score may move more (0.92 -> 0.81 for the last text with v4).
    # Its effect on whole test sets is bench/toxicity_int8.py's table in the README.
    assert sum(abs(x - y) for x, y in zip(a, b)) / len(a) < 0.05
    assert [x >= 0.5 for x in a] == [y >= 0.5 for y in b]
    stamp = int8._onnx.path.stat().st_mtime_ns
    again = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path)  # int8 is the default
    assert again._onnx.path == int8._onnx.path and again._onnx.path.stat().st_mtime_ns == stamp


def test_int8_scores_a_text_the_same_alone_or_in_a_batch(tmp_path):
    # int8 activations are scaled per call; batched, a short text's score would depend on its neighbours.
    texts = ["People like you should be wiped out.", "Have a lovely day.",
             "This is a much longer message about the weather, the museum, the tour and the crowds " * 3]
    model = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path, quantize="int8")
    alone = [model.predict([t])[0]["toxicity"] for t in texts]
    assert [p["toxicity"] for p in model.predict(texts)] == alone


@pytest.mark.slow
def test_a_damaged_export_is_made_again_and_without_onnx_runtime_torch_answers(tmp_path, monkeypatch):
    good = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path)
    exports = sorted(tmp_path.glob("toxicity-*.onnx"))
    assert sorted(p.name.endswith("-int8-l0fp32.onnx") for p in exports) == [False, True]  # the float32 export and its int8 copy
    for export in exports:
        export.write_bytes(b"not an onnx graph")  # damaged cache files
    again = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path)
    assert again.runtime == "onnx" and all(p.stat().st_size > 1000 for p in exports)
    assert again.predict(["hello"]) == good.predict(["hello"])
    # A machine without onnxruntime (stood in for by hiding the module) runs the same net on PyTorch.
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)
    fallback = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path)
    assert (fallback.runtime, fallback.quantize) == ("torch", "none")
    exact = MiniLMToxicityModel(runtime="torch")
    assert abs(fallback.predict(["hello"])[0]["toxicity"] - exact.predict(["hello"])[0]["toxicity"]) < 1e-6


def test_unknown_runtime_is_a_clear_error():
    with pytest.raises(ValueError, match="TOXICITY_RUNTIME"):
        MiniLMToxicityModel(runtime="tensorrt")
    with pytest.raises(ValueError, match="TOXICITY_QUANTIZE"):
        MiniLMToxicityModel(quantize="int4")


def test_a_growing_reply_rescores_only_its_changed_chunk(toxicity_guard):
    calls = []

    class Counting:  # the real model, with its calls counted
        name, chunk_chars = toxicity_guard.model.name, toxicity_guard.chunk_chars

        def predict(self, texts):
            calls.append(list(texts))
            return toxicity_guard.model.predict(texts)

    guard = ToxicityGuard(Counting())
    reply = "".join(f"Room {i} of the museum opens at nine and the tour takes an hour, so arrive early. "
                    for i in range(12))  # about 1,000 characters: three chunks, all different
    first = guard.scan(reply)
    grown = guard.scan(reply + "You are a worthless idiot.")
    assert len(calls[0]) == len(chunks(reply, guard.chunk_chars)) >= 3
    assert len(calls[1]) == 1  # only the last chunk changed
    assert grown.risk > first.risk and grown.risk == guard.scan(reply + "You are a worthless idiot.").risk
    assert len(calls) == 2  # the repeat came from memory


def test_weights_are_written_in_shards_under_the_spaces_file_limit_and_load_back(tmp_path):
    from guardrails.toxicity_minilm import SHARD_BYTES, load_weights, save_weights, weight_files

    state = {f"layer.{i}.weight": torch.randn(1000, 1000).half() for i in range(9)}  # 2 MB each, 18 MB in all
    (tmp_path / "model.safetensors").write_bytes(b"an older single-file release")
    save_weights(state, tmp_path)
    files = weight_files(tmp_path)
    assert len(files) >= 2 and not (tmp_path / "model.safetensors").exists()
    assert all(f.stat().st_size < min(SHARD_BYTES + 100_000, 10_000_000) for f in files)
    loaded = load_weights(files)
    assert loaded.keys() == state.keys() and all(torch.equal(loaded[k], state[k]) for k in state)
    save_weights({"head.weight": torch.ones(2)}, tmp_path)  # a smaller state leaves no stale shard behind
    assert [f.name for f in weight_files(tmp_path)] == ["model-1.safetensors"]


def test_shipped_weights_load_from_their_shards_and_match_the_meta():
    from guardrails.toxicity_minilm import WEIGHTS_DIR, weight_files

    model = MiniLMToxicityModel(runtime="torch")
    assert weight_files(WEIGHTS_DIR)[0].name == "model-1.safetensors"
    layers = model.meta.get("layers", 6)
    assert len(model.net.encoder.encoder.layer) == layers == model.net.encoder.config.num_hidden_layers


@pytest.mark.slow
def test_a_cached_export_loads_without_building_or_importing_pytorch(tmp_path):
    import subprocess
    import sys

    texts = ["Have a lovely day.", "You are a worthless idiot and everyone hates you.", "Ça va? 🔪 " * 40]
    first = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path)  # exports into the empty cache
    assert first._net is not None
    # A fresh process, as an app start: the cached graph is found, neither torch nor transformers is imported,
    # and the scores are the first model's.
    code = (
        "import json, sys\n"
        "from guardrails.toxicity_minilm import MiniLMToxicityModel\n"
        f"m = MiniLMToxicityModel(runtime='onnx', cache_dir={str(tmp_path)!r})\n"
        f"scores = [p['toxicity'] for p in m.predict({texts!r})]\n"
        "print(json.dumps({'torch': 'torch' in sys.modules, 'transformers': 'transformers' in sys.modules,\n"
        "                  'built': m._net is not None, 'runtime': m.runtime, 'name': m.name, 'scores': scores}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    import json

    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["torch"] is False and seen["transformers"] is False and seen["built"] is False
    assert (seen["runtime"], seen["name"]) == ("onnx", first.name)
    assert seen["scores"] == [p["toxicity"] for p in first.predict(texts)]
    # The PyTorch net is still there for whoever needs it (training, learning from reviews), built on first use.
    again = MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path)
    assert again._net is None and again.net is not None and again._net is not None


@pytest.mark.slow
def test_processes_that_start_together_on_an_empty_cache_all_get_the_int8_graph(tmp_path):
    # Measured before the fix: of three loads started together, two fell back to PyTorch, because ONNX
    # Runtime's quantizer writes and deletes "<export>-inferred.onnx" beside its input. Three threads
    # quantizing one export at once collide on that file in the same way.
    from concurrent.futures import ThreadPoolExecutor

    from guardrails.toxicity_minilm import OnnxNet, _quantize

    MiniLMToxicityModel(runtime="onnx", cache_dir=tmp_path, quantize="none")  # the float32 export
    [export] = tmp_path.glob("toxicity-*.onnx")
    targets = [tmp_path / f"int8-{i}.onnx" for i in range(3)]
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda target: _quantize(export, target), targets))  # raises if one lost its file
    for target in targets:
        assert OnnxNet(target, 1).session is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([export.name] + [t.name for t in targets])  # nothing left over


def test_a_failed_detoxify_download_is_remembered_in_the_cache_and_retried_later(tmp_path, monkeypatch):
    import json
    import time

    # A real download failure wherever the test runs: detoxify's weights are fetched through a proxy that
    # refuses connections, into an empty torch hub folder.
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    hub = tmp_path / "torch" / "hub"
    cache = tmp_path / "cache"
    marker = cache / "detoxify-unbiased-unavailable.json"

    model, reason = load_toxicity_model("detoxify", "unbiased", cache_dir=str(cache))
    assert isinstance(model, MiniLMToxicityModel)
    assert "could not be loaded" in reason and str(marker) in reason and "24 h" in reason
    record = json.loads(marker.read_text())
    assert record["reason"] in reason and abs(record["unix_time"] - time.time()) < 600
    assert hub.exists()  # detoxify did try its download

    import shutil

    shutil.rmtree(hub)
    model, reason = load_toxicity_model("detoxify", "unbiased", cache_dir=str(cache))
    assert isinstance(model, MiniLMToxicityModel) and reason.startswith("detoxify 'unbiased' was not tried")
    assert record["time"] in reason and str(marker) in reason
    assert not hub.exists()  # no download was tried

    record["unix_time"] -= 25 * 3600  # a day later it is tried again, and the new failure is remembered
    marker.write_text(json.dumps(record))
    model, reason = load_toxicity_model("detoxify", "unbiased", cache_dir=str(cache))
    assert "could not be loaded" in reason and hub.exists()
    assert json.loads(marker.read_text())["unix_time"] > record["unix_time"] + 24 * 3600

    shutil.rmtree(hub)
    marker.unlink()  # removing the file asks for a try at the next start
    model, reason = load_toxicity_model("detoxify", "unbiased", cache_dir=str(cache), detoxify_retry_hours=0)
    assert "could not be loaded" in reason and hub.exists() and not marker.exists()  # 0: never remembered


def test_the_window_setting_reaches_the_offline_model():
    from wiring.build import build_guards
    from wiring.settings import Settings

    guard = build_guards(Settings.from_env({"TOXICITY_MODEL": "minilm", "TOXICITY_WINDOW_TOKENS": "8"}), ["toxicity"])["toxicity"]
    assert guard.model.window_tokens == 8 and "8-token windows" in guard.model_name
    default = build_guards(Settings.from_env({"TOXICITY_MODEL": "minilm"}), ["toxicity"])["toxicity"]
    assert default.model.window_tokens == 0 and "windows" not in default.model_name
