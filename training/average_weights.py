"""Average the weights of toxicity models fine-tuned from the same base (a "model soup").

    python -m training.average_weights --out DIR --version V MODEL_DIR MODEL_DIR [...]

Runs that differ only in some of their training rows end near each other, and their average often
keeps what each learned (Wortsman et al., 2022, "Model soups"), at no cost per reply: the average is
one net of the same size. The script evaluates the average with the training script's own evaluate()
and writes meta.json beside the weights, with each ingredient's version and command.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from guardrails.toxicity_minilm import build_net, load_weights, save_weights, weight_files
from training.train_toxicity import evaluate


def average(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The mean of each tensor over the states, in the first state's dtype; the states must match."""
    keys = set(states[0])
    for state in states[1:]:
        if set(state) != keys:
            raise ValueError(f"the models do not have the same tensors ({sorted(keys ^ set(state))[:3]} ...)")
    return {k: (sum(s[k].float() for s in states) / len(states)).to(states[0][k].dtype) for k in states[0]}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("models", nargs="+", help="folders with meta.json and model-N.safetensors")
    p.add_argument("--out", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--data", default="../shared/data")
    args = p.parse_args()
    if len(args.models) < 2:
        p.error("give at least two models to average")

    missing = [m for m in args.models if not (Path(m) / "meta.json").exists() or not weight_files(Path(m))]
    if missing:
        raise SystemExit(f"not a toxicity model folder (needs meta.json and model-N.safetensors): {', '.join(missing)}")
    metas = [json.loads((Path(m) / "meta.json").read_text()) for m in args.models]
    shape = {(m["trainable_layers"], m.get("layers", 6)) for m in metas}
    if len(shape) != 1:
        raise SystemExit(f"the models differ in their layers {sorted(shape)}: only nets of one shape can be averaged")
    try:
        state = average([load_weights(weight_files(Path(m))) for m in args.models])
    except ValueError as exc:
        raise SystemExit(f"cannot average these models: {exc}") from None
    trainable, layers = shape.pop()
    net, tokenizer = build_net(trainable, layers=layers)
    net.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
    net.eval()
    out = Path(args.out)
    save_weights(state, out)  # usable (with the meta.json below, figures to follow) while the evaluation runs
    meta = {key: metas[0][key] for key in ("base", "trainable_layers", "layers", "max_length", "train_max_length", "epochs")
            if key in metas[0]}
    meta.update({
        "version": args.version,
        "trained": time.strftime("%Y-%m-%d"),
        "averaged_from": [{"version": m.get("version"), "command": m.get("command"),
                           "training_rows": m.get("training_rows"), "train_seconds": m.get("train_seconds")}
                          for m in metas],
        # What it took to make this net: every ingredient's training (averaging takes a second).
        "train_seconds": sum(m.get("train_seconds") or 0 for m in metas),
        "threshold": 0.5,
        "evaluation_at_0.5": {},
        "command": "python -m training.average_weights --out " + args.out + " --version " + args.version
                   + " " + " ".join(args.models),
    })
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    meta["evaluation_at_0.5"] = evaluate(net, tokenizer, Path(args.data))
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {out}", flush=True)


if __name__ == "__main__":
    main()
