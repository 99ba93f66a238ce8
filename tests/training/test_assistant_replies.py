"""The chat-model replies used as harmless toxicity training rows (training/assistant_replies.py)."""

import json
from pathlib import Path

import pytest

from training.assistant_replies import TOPIC_TEMPLATES, held_out, load_rows, topic_prompts
from training.train_toxicity import assistant_reply_rows

DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "assistant_replies_alpacaeval_dev.jsonl"


def test_topic_prompts_are_seeded_and_any_leading_part_covers_every_topic():
    rows = topic_prompts()
    assert rows == topic_prompts() and rows != topic_prompts(seed=1)
    assert len({p for _, p in rows}) == len(rows)  # no prompt twice
    assert {g for g, _ in rows[: len(TOPIC_TEMPLATES)]} == set(TOPIC_TEMPLATES)
    assert all("{" not in p for _, p in rows)  # every slot filled


@pytest.mark.skipif(not DEV.exists(), reason="needs ../shared/data")
def test_no_topic_prompt_is_an_alpacaeval_dev_prompt():
    # The dev rows are for measuring only: a prompt taken from them would flatter the dev figure.
    dev = {json.loads(line)["instruction"].strip().lower() for line in DEV.open(encoding="utf-8")}
    prompts = [p.lower() for _, p in topic_prompts()]
    assert not [p for p in prompts if p in dev or any(p in d for d in dev if len(p) > 30)]


def test_a_held_out_prompt_is_never_a_training_row(tmp_path):
    prompts = [p for _, p in topic_prompts()]
    kept = next(p for p in prompts if not held_out(p))
    out = next(p for p in prompts if held_out(p))
    assert 0.1 < sum(held_out(p) for p in prompts) / len(prompts) < 0.3  # about a fifth
    file = tmp_path / "replies.jsonl"
    long_reply = " ".join(f"Sentence number {i} of a long and harmless answer about castles." for i in range(12))
    file.write_text("\n".join(json.dumps(r) for r in [
        {"group": "story", "prompt": kept, "reply": long_reply, "held_out": held_out(kept)},
        {"group": "story", "prompt": out, "reply": "A reply never trained on.", "held_out": True},
        {"group": "clinc150", "prompt": "what's my balance", "reply": "I can't see your account.", "held_out": False},
    ]) + "\n")
    rows = load_rows(file)
    texts = [t for t, _, _ in rows]
    assert {label for _, label, _ in rows} == {0}
    assert kept in texts and out not in texts and "A reply never trained on." not in texts
    assert "what's my balance" not in texts  # everyday prompts are already training rows of their own source
    assert out in [t for t, _, _ in load_rows(file, include_held_out=True)]
    # For training, a long reply is cut at sentence ends into pieces that fit the 64-token window.
    pieces = [t for t, _, s in assistant_reply_rows(str(file)) if s == "assistant_replies" and "castles" in t]
    assert len(pieces) > 1 and all(len(p) <= 260 for p in pieces)
    assert all(p.rstrip().endswith(".") for p in pieces[:-1])
    assert "".join(pieces).replace(" ", "") == long_reply.replace(" ", "")


@pytest.mark.slow
@pytest.mark.skipif(not DEV.exists(), reason="needs ../shared/data")
def test_the_command_writes_the_same_file_again_in_prompt_order(tmp_path, monkeypatch):
    # The data sheet gives the file's sha256: that only means something if a rewrite on the same engine
    # gives the same bytes, whichever worker thread finishes first. Real chat model, sampled, seeded per reply.
    from training.assistant_replies import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    args = ["--data", str(DEV.parent), "--n", "6", "--everyday", "1", "--max-new-tokens", "12"]
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert main(["--out", str(first), *args]) == 0 and main(["--out", str(second), *args]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert not list(tmp_path.glob(".*.partial"))  # written whole, then renamed
    rows = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    topics = [p for _, p in topic_prompts()][:3]
    assert [r["prompt"] for r in rows][:3] == topics  # topic prompts first, in their order, then everyday ones
    assert [r["group"] for r in rows][3:] == ["clinc150", "banking77", "awesome"]
    assert all(r["reply"] for r in rows)


@pytest.mark.skipif(not DEV.exists(), reason="needs ../shared/data")
def test_a_folder_that_is_not_there_stops_the_run_before_the_model_loads(tmp_path, capsys):
    from training.assistant_replies import main

    with pytest.raises(SystemExit) as stopped:  # a one-line usage error, not a traceback after the replies
        main(["--out", str(tmp_path / "missing" / "r.jsonl"), "--data", str(DEV.parent), "--n", "2", "--everyday", "1"])
    assert stopped.value.code == 2 and "does not exist" in capsys.readouterr().err
