"""Learning from moderators' decisions with DP-SGD: real guards, real review queue and database, real Opacus."""

import json

import numpy as np
import pytest

from guardrails.metrics import binary_metrics
from guardrails.toxicity_minilm import MiniLMToxicityModel
from review.crypto import Sealer, generate_key
from review.db import make_engine
from review.queue import ReviewQueue
from tests.shared_data import DATA, require
from training.learn_from_reviews import features, learn, load_decisions, main, no_worse, scores
from training.simulated_reviews import simulate


@pytest.fixture(scope="module")
def tox_model() -> MiniLMToxicityModel:
    # Learning reads the net's float32 features, so it compares heads on float32 (as learn_from_reviews does).
    return MiniLMToxicityModel(quantize="none")


def convabuse(split: str, n: int, seed: int = 0):
    import pandas as pd

    require("convabuse.csv")
    frame = pd.read_csv(DATA / "convabuse.csv").query("split == @split")
    # Both classes in every sample, so AUC is defined.
    frame = pd.concat([frame[frame.label == 1].sample(n // 3, random_state=seed),
                       frame[frame.label == 0].sample(n - n // 3, random_state=seed)])
    return frame.text.astype(str).tolist(), frame.label.astype(int).to_numpy()


def test_decisions_become_labels_from_the_redacted_text_only(database_url, policy):
    queue = ReviewQueue(make_engine(database_url), Sealer([generate_key()]))
    conv = queue.start_conversation()

    def held(reply):
        verdict = policy.check(reply)
        assert verdict.held, reply
        return queue.hold(conv, "q", reply, verdict), verdict

    toxic_pii, v = held("You stupid worthless idiot, email me at jo.smith@mailbox.org and I will hurt you.")
    assert {"toxicity", "pii"} <= set(v.fired)
    queue.decide(toxic_pii, "alice", approve=False, reason_code="toxic")
    harmless, v = held("You beautiful idiot, you did it!")  # affection, not abuse: the guard fires; the moderator approves
    queue.decide(harmless, "alice", approve=True, reason_code="false positive")
    pii_only, v = held("Call Maria Gonzalez on 212-555-2187.")
    assert v.fired == ["pii"]
    queue.decide(pii_only, "alice", approve=False, reason_code="personal data")
    for_pii, _ = held("You idiot, her address is jo.smith@mailbox.org.")
    queue.decide(for_pii, "alice", approve=False, reason_code="personal data")
    held("You are a moron.")  # still pending: no label yet
    message = queue.record(conv, "assistant", "People like you should be locked up, loser.")
    reported = queue.report(conv, message, "q", "People like you should be locked up, loser.")
    queue.decide(reported, "alice", approve=False, reason_code="toxic")

    examples = {e.item_id: e for e in load_decisions(queue.engine)}
    assert set(examples) == {toxic_pii, harmless, reported}
    assert (examples[toxic_pii].label, examples[harmless].label, examples[reported].label) == (1, 0, 1)
    assert examples[reported].source == "user_report"
    assert "jo.smith@mailbox.org" not in examples[toxic_pii].text and "[EMAIL_ADDRESS]" in examples[toxic_pii].text
    assert queue.reveal(toxic_pii, "alice", "test").count("jo.smith@mailbox.org") == 1  # the original exists, sealed


def test_the_features_and_head_score_exactly_as_the_shipped_model(tox_model):
    texts = ["You are an idiot.", "Thanks, that helped a lot!", "I will find you 🔪"]
    direct = np.array([p["toxicity"] for p in tox_model.predict(texts)])
    assert np.allclose(scores(tox_model.net.head, features(tox_model, texts)), direct, atol=1e-5)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory, toxicity_guard, pii_guard):
    from tests.conftest import make_policy

    url = f"sqlite:///{tmp_path_factory.mktemp('reviews') / 'reviews.db'}"
    texts, labels = convabuse("train", 240)
    counts = simulate(ReviewQueue(make_engine(url)), make_policy(toxicity_guard, pii_guard),
                      list(zip(texts, labels.tolist())), report_share=0.6)
    return url, counts


@pytest.mark.slow
def test_dp_training_spends_no_more_than_its_budget_and_measures_before_and_after(reviewed, tox_model):
    url, counts = reviewed
    assert counts["held_toxicity"] > 20 and counts["reported_missed"] >= 3
    dev = convabuse("dev", 150)
    report = learn(make_engine(url), tox_model, dev, target_epsilon=2.0, epochs=4, batch_size=32, log=lambda m: None)
    n = report["n_train"]
    assert 0 < report["epsilon"] <= 2.0 + 1e-6
    assert report["delta"] < 1 / n and report["noise_multiplier"] > 0.3
    assert report["n_heldback"] > 0 and n + report["n_heldback"] == len(load_decisions(make_engine(url)))
    # "before" is the shipped model, in float32 like the head being trained.
    shipped = np.array([p["toxicity"] for p in tox_model.predict(dev[0])])
    assert report["before"]["dev"]["auc"] == pytest.approx(binary_metrics(dev[1].astype(bool), shipped, 0.5)["auc"], abs=1e-6)
    assert report["promoted"] == no_worse(report["before"], report["after"], 0.01)[0]
    new = scores(report["head"], features(tox_model, dev[0]))
    assert not np.allclose(new, shipped)  # DP-SGD changed the head
    # A tighter budget means more noise.
    tight = learn(make_engine(url), tox_model, dev, target_epsilon=0.5, epochs=4, batch_size=32, log=lambda m: None)
    assert tight["noise_multiplier"] > report["noise_multiplier"] and tight["epsilon"] <= 0.5 + 1e-6


def test_promotion_needs_no_worse_on_every_set():
    before = {"dev": {"auc": 0.90, "f1": 0.70}, "held-back decisions": {"auc": 0.80, "f1": 0.60}}
    ok, _ = no_worse(before, {"dev": {"auc": 0.895, "f1": 0.71}, "held-back decisions": {"auc": 0.85, "f1": 0.60}}, 0.01)
    assert ok
    ok, why = no_worse(before, {"dev": {"auc": 0.85, "f1": 0.72}, "held-back decisions": {"auc": 0.9, "f1": 0.7}}, 0.01)
    assert not ok and "dev auc 0.900 → 0.850" in why
    ok, _ = no_worse({"s": {"auc": None, "f1": 0.5}}, {"s": {"auc": None, "f1": 0.5}}, 0.0)  # one class: F1 decides
    assert ok


def test_too_few_decisions_is_a_clear_error(engine, tox_model):
    with pytest.raises(ValueError, match="need at least 20 decisions"):
        learn(engine, tox_model, (["hi"], np.array([0])), log=lambda m: None)


@pytest.mark.slow
def test_command_promotes_only_when_no_worse_and_the_promoted_weights_load(reviewed, tmp_path, capsys, monkeypatch):
    url, _ = reviewed
    monkeypatch.setenv("TOXICITY_MODEL", "minilm")
    require("convabuse.csv")
    common = ["--database-url", url, "--dev", str(DATA / "convabuse.csv"), "--epochs", "2", "--target-epsilon", "1"]

    refused = tmp_path / "refused"
    assert main(common + ["--tolerance", "-1", "--out", str(refused), "--report", str(tmp_path / "r1.json")]) == 0
    r1 = json.loads((tmp_path / "r1.json").read_text())
    assert r1["promoted"] is False and not refused.exists()
    assert r1["epsilon"] <= 1 + 1e-6 and "python -m training.learn_from_reviews" in r1["command"]

    promoted = tmp_path / "promoted"
    assert main(common + ["--tolerance", "1", "--out", str(promoted), "--report", str(tmp_path / "r2.json")]) == 0
    assert json.loads((tmp_path / "r2.json").read_text())["promoted"] is True
    assert "PROMOTED" in capsys.readouterr().err
    loaded = MiniLMToxicityModel(promoted)
    assert loaded.meta["learned_from_reviews"]["epsilon"] <= 1 + 1e-6
    assert 0.0 <= loaded.predict(["You are an idiot."])[0]["toxicity"] <= 1.0
