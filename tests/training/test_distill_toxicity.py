"""Distilling the toxicity net: the student is built from the teacher's own layers and ships in the
format the app loads (real MiniLM encoder, real shipped weights)."""

import torch

from guardrails.toxicity_minilm import MiniLMToxicityModel, save_weights
from training.distill_toxicity import student_from

TEXTS = ["Have a lovely day!", "I will find you and hurt you, you worthless idiot.", "Muslims are my neighbours."]


def logits(net, tokenizer, texts):
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.inference_mode():
        return net(batch["input_ids"], batch["attention_mask"])


def test_a_student_with_all_the_teachers_layers_is_the_teacher():
    teacher = MiniLMToxicityModel(runtime="torch")
    student = student_from(teacher.net, list(range(len(teacher.net.encoder.encoder.layer))))
    student.eval()
    assert torch.allclose(logits(student, teacher.tokenizer, TEXTS), logits(teacher.net, teacher.tokenizer, TEXTS), atol=1e-5)


def test_a_shallower_student_keeps_the_chosen_layers_and_loads_as_the_app_loads_it(tmp_path):
    import json

    teacher = MiniLMToxicityModel(runtime="torch")
    student = student_from(teacher.net, [0, 2, 4, 5])
    student.eval()
    assert len(student.encoder.encoder.layer) == 4
    kept = student.encoder.encoder.layer[1].attention.self.query.weight
    assert torch.equal(kept, teacher.net.encoder.encoder.layer[2].attention.self.query.weight)
    assert not torch.equal(kept, teacher.net.encoder.encoder.layer[1].attention.self.query.weight)
    # The teacher is not changed by building (or training) the student.
    assert len(teacher.net.encoder.encoder.layer) == 6

    save_weights(student.shipped_state(), tmp_path)
    (tmp_path / "meta.json").write_text(json.dumps({"version": "test", "trainable_layers": 4, "layers": 4}))
    loaded = MiniLMToxicityModel(tmp_path, runtime="torch")
    assert len(loaded.net.encoder.encoder.layer) == 4
    # Shipped in float16, so equal to float16 rounding.
    assert torch.allclose(logits(loaded.net, loaded.tokenizer, TEXTS), logits(student, teacher.tokenizer, TEXTS), atol=2e-2)
    assert not torch.allclose(logits(loaded.net, loaded.tokenizer, TEXTS), logits(teacher.net, teacher.tokenizer, TEXTS), atol=2e-2)


def test_the_contrast_flags_give_the_student_the_teachers_contrast_rows_with_their_labels():
    from tests.shared_data import require
    from training.distill_toxicity import parser, training_rows
    from training.toxicity_templates import INSULT_CONTRAST, THREAT_CONTRAST

    # training_rows reads the teacher's unlabelled rows and the labelled sets the teacher was trained on.
    data = require("implicit_hate.csv", "davidson_labeled_data.csv", "benign_queries_clinc150.csv", "hatemoji_build.csv",
                   "convabuse.csv", "hatexplain_dev_test.csv", "benign_prompts_awesome_chatgpt.csv")
    plain_texts, _ = training_rows(data, parser().parse_args(["--out", "x", "--unlabelled", "30"]))
    texts, hard = training_rows(data, parser().parse_args(
        ["--out", "x", "--unlabelled", "30", "--contrast", "--contrast-groups", "4", "--insult-contrast", "--threat-contrast"]))
    label = {}
    for t, h in zip(texts, hard):
        label.setdefault(t, h)
    insult, negation, _ = INSULT_CONTRAST[0]
    threat, look_alike, _ = THREAT_CONTRAST[0]
    # The triples appear behind openers, so look for rows that contain them.
    def labels_of(fragment):
        return {h for t, h in label.items() if fragment in t}
    assert labels_of(insult) == {1.0} and labels_of(negation) == {0.0}
    assert labels_of(threat) == {1.0} and labels_of(look_alike) == {0.0}
    assert not any(insult in t for t in plain_texts)
    # The unlabelled rows come last, marked -1, in both.
    assert hard[-30:] == [-1.0] * 30 and -1.0 not in hard[:-30]
    assert len(texts) > len(plain_texts)
