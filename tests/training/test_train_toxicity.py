"""The training script's options for a short run from an earlier model (issue 19: ordinary replies)."""

import random
from argparse import Namespace
from pathlib import Path

import pytest
import torch

from training.train_toxicity import init_weights, load_training

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/data")
def test_a_base_sample_keeps_every_hand_written_row_and_adds_the_assistant_replies():
    full = load_training(DATA, random.Random(0), contrast=True, contrast_groups=4)
    short = load_training(DATA, random.Random(0), contrast=True, contrast_groups=4, base_sample=1000, assistant_templates=200)
    by_source = lambda rows: {s: sum(1 for _, _, x in rows if x == s) for s in {x for _, _, x in rows}}  # noqa: E731
    f, s = by_source(full), by_source(short)
    public = ("hatemoji", "convabuse", "hatexplain", "implicit_hate", "davidson", "clinc150", "awesome_prompts")
    assert sum(s.get(k, 0) for k in public) == 1000 < sum(f[k] for k in public)
    assert s["templates"] == f["templates"] and s["contrast"] == f["contrast"]
    assert s["assistant_templates"] == 200 and "assistant_templates" not in f
    assert {label for _, label, src in short if src.startswith("assistant_templates")} == {0}


def test_init_loads_an_earlier_models_tensors_and_refuses_a_different_depth(tmp_path):
    from guardrails.toxicity_minilm import WEIGHTS_DIR, build_net, load_weights, weight_files

    shipped = load_weights(weight_files(WEIGHTS_DIR))
    net, _ = build_net(6, layers=6)
    key = next(k for k in shipped if k.startswith("encoder.encoder.layer.0."))
    assert not torch.equal(net.state_dict()[key].half(), shipped[key])  # the base encoder's, before
    init_weights(net, WEIGHTS_DIR, Namespace(layers=6))
    assert all(torch.equal(net.state_dict()[k].half(), v) for k, v in shipped.items())
    with pytest.raises(SystemExit, match="--layers 6"):
        init_weights(net, WEIGHTS_DIR, Namespace(layers=4))


@pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/data")
def test_convabuse_weight_repeats_its_rows_and_assistant_replies_come_in_pieces(tmp_path):
    import json

    file = tmp_path / "replies.jsonl"
    file.write_text(json.dumps({"group": "history_whatif", "prompt": "What if the Vikings had stayed home?",
                                "reply": "They would have farmed. " * 30, "held_out": False}) + "\n")
    once = load_training(DATA, random.Random(0))
    twice = load_training(DATA, random.Random(0), convabuse_weight=2, assistant_replies=str(file))
    count = lambda rows, src: sum(1 for _, _, s in rows if s == src)  # noqa: E731
    assert count(twice, "convabuse") == 2 * count(once, "convabuse") > 0
    assert count(twice, "assistant_prompts") == 1 and count(twice, "assistant_replies") == 3  # 720 characters in pieces of <= 250


@pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/data")
def test_reply_counterfactuals_add_every_reply_piece_that_names_a_group_with_other_groups(tmp_path):
    import json

    file = tmp_path / "replies.jsonl"
    rows = [{"group": "history_whatif", "prompt": f"Tell me about the history of festival {i}.",
             "reply": f"The festival {i} was loved by young and old people alike.", "held_out": False} for i in range(40)]
    file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    augmented = lambda rows: [t for t, _, s in rows if s == "assistant_replies+counterfactual"]  # noqa: E731
    half = augmented(load_training(DATA, random.Random(0), assistant_replies=str(file)))
    every = augmented(load_training(DATA, random.Random(0), assistant_replies=str(file), reply_counterfactuals=True))
    assert len(half) < 40 <= len(every) + 2  # a swap may draw the same words again, and is then not added
    assert all("festival" in t and t not in {r["reply"] for r in rows} for t in every)


def test_diluted_rows_set_one_short_sentence_inside_calm_reply_text_with_a_harmless_twin():
    from training.train_toxicity import diluted_rows

    calm = [(f"Step {i} is to water the plants in the morning. Then open the window for an hour. "
             f"Keep the soil moist but never wet. Repeat this every day for a week.", 0, "assistant_templates")
            for i in range(20)]
    short = [("You are a worthless idiot.", 1, "insult_contrast"), ("I hope you get hurt.", 1, "threat_contrast"),
             ("My neighbour painted the fence blue.", 0, "hatemoji"), ("The meeting moved to Tuesday.", 0, "convabuse")]
    out = diluted_rows(calm + short, 50, random.Random(0))
    assert len(out) == 100
    toxic = [t for t, label, src in out if label == 1]
    harmless = [t for t, label, src in out if label == 0]
    assert {src for _, label, src in out if label == 1} == {"diluted_abuse"} and len(toxic) == 50
    # each toxic row carries exactly one abusive sentence and some calm text; its twin a harmless sentence instead
    assert all(sum(s in t for s in ("worthless idiot", "get hurt")) == 1 and "plants" in t for t in toxic)
    assert all(not any(s in t for s in ("worthless idiot", "get hurt")) and "plants" in t for t in harmless)
    assert all(len(t) <= 400 for t, _, _ in out) and min(len(t) for t, _, _ in out) > 60
    # not always at the end: a diluted insult can open a reply too
    assert any(t.startswith(("You are a worthless", "I hope you")) for t in toxic)
    assert any(t.endswith(("idiot.", "hurt.")) for t in toxic)
    assert diluted_rows(calm, 10, random.Random(0)) == []  # no short sentences to set: nothing made up


def test_anchor_trains_every_other_row_on_the_earlier_models_score_not_its_label():
    """Learning without forgetting: an anchored row asks the net to stay as it was. A harmless question given a
    wrong label (1) is pulled up when trained on its label, and stays where v21 had it when anchored; the new
    rows (exhortation_*) keep their labels either way."""
    from guardrails.toxicity_minilm import WEIGHTS_DIR, build_net
    from training.train_toxicity import anchored_targets, cache_lower_layers, predict, train_top_layers

    rows = [("What time does the bank open on Saturday?", 1, "clinc150"),
            ("Let's make the world a better place together.", 0, "exhortation_contrast")] * 8
    args = Namespace(max_length=64, batch_size=8, trainable_layers=6, layers=6, epochs=3.0, lr_scale=5.0, seed=0)

    def trained(anchor: bool) -> tuple[float, float]:
        torch.manual_seed(0)
        net, tokenizer = build_net(6, layers=6)
        init_weights(net, WEIGHTS_DIR, args)
        before = float(predict(net, tokenizer, [rows[0][0]], max_length=64)[0])
        targets = anchored_targets(net, tokenizer, rows, ("exhortation_",), args) if anchor else None
        if anchor:
            assert [i for i, t in enumerate(targets) if t is None] == list(range(1, len(rows), 2))
            assert targets[0] == pytest.approx(before, abs=1e-4)
        train_top_layers(net, cache_lower_layers(net, tokenizer, rows, args, targets), 0.5, args)
        return before, float(predict(net, tokenizer, [rows[0][0]], max_length=64)[0])

    before, on_label = trained(anchor=False)
    _, anchored = trained(anchor=True)
    assert before < 0.1
    assert on_label > 0.5 > anchored
