"""Batch audit: run every output guard over stored replies or conversations (the batch deployment pattern).

    python -m guardrails.scan INPUT.jsonl -o OUTPUT.jsonl [--enqueue] [--text-field reply]

Each input line is a JSON object: a reply (`{"id": ..., "reply": "...", "user": "..."}`; the text is
read from --text-field, or the first of reply/text/content), or a conversation
(`{"id": ..., "messages": [{"role": "user", "content": ...}, {"role": "assistant", ...}]}`, whose
assistant turns are scanned). Each output line holds the input's line number and id, the verdict
(action, guards that fired, reasons) and every guard's scores and spans; a conversation's line has one
such entry per assistant turn.

The guards are the app's, configured by the same environment variables. A bad line (not JSON, no
text) is reported on stderr with its number, written to the output as an error line, and skipped.
Rerunning the same command after an interruption continues after the last line written (a partly
written last line is dropped first). `--enqueue` puts each held record into the review queue of
DATABASE_URL, as the app would have; the item id is written with the record.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

TEXT_FIELDS = ("reply", "text", "content")


class BadRecord(ValueError):
    """A line that cannot be scanned; the message says why."""


def parse_record(line: str, text_field: str | None) -> tuple[object, list[tuple[int | None, str, str]]]:
    """(record id, [(turn index or None, user message, text to scan)]) or BadRecord."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadRecord(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise BadRecord(f"expected a JSON object, got {type(record).__name__}")
    rid = record.get("id")
    if isinstance(record.get("messages"), list) and not text_field:
        texts, last_user = [], ""
        for i, m in enumerate(record["messages"]):
            if not isinstance(m, dict) or not isinstance(m.get("content"), str):
                raise BadRecord(f"message {i} has no text 'content'")
            if m.get("role") == "assistant":
                texts.append((i, last_user, m["content"]))
            elif m.get("role") == "user":
                last_user = m["content"]
        if not texts:
            raise BadRecord("the conversation has no assistant message to scan")
        return rid, texts
    fields = (text_field,) if text_field else TEXT_FIELDS
    for name in fields:
        if isinstance(record.get(name), str):
            if not record[name].strip():
                raise BadRecord(f"field '{name}' is empty")
            user = record.get("user") or record.get("prompt") or ""
            return rid, [(None, user if isinstance(user, str) else "", record[name])]
    raise BadRecord(f"no text field ({' or '.join(fields)}) holding a string")


def verdict_dict(verdict) -> dict:
    return {
        "action": verdict.action.value,
        "fired": verdict.fired,
        "reasons": verdict.reasons,
        "thresholds": verdict.thresholds,
        "results": [r.to_dict() for r in verdict.results],
    }


def lines_done(output: Path) -> set[int]:
    """Input line numbers already in `output`. A torn last line (the run was killed mid-write) is cut off."""
    if not output.exists():
        return set()
    done, keep = set(), 0
    with output.open("rb") as f:
        for raw in f:
            try:
                done.add(int(json.loads(raw)["line"]))
            except (ValueError, KeyError, TypeError):
                break  # only the last line can be torn; stop there and drop the rest
            keep += len(raw)
    if keep < output.stat().st_size:
        with output.open("r+b") as f:
            f.truncate(keep)
    if keep and not output.read_bytes().endswith(b"\n"):
        with output.open("ab") as f:
            f.write(b"\n")
    return done


def scan_file(input_path: Path, output_path: Path, policy, text_field: str | None = None, queue=None,
              progress: bool = True, log=print) -> dict:
    """Scan every line not yet in `output_path`; returns counts and throughput."""
    from tqdm import tqdm

    done = lines_done(output_path)
    total = sum(1 for _ in input_path.open("rb"))
    counts = {"lines": total, "already_done": len(done), "scanned": 0, "texts": 0, "held": 0, "redacted": 0,
              "bad": 0, "enqueued": 0}
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    with input_path.open(encoding="utf-8", errors="replace") as src, output_path.open("a", encoding="utf-8") as out, \
            tqdm(total=total, initial=len(done), unit="record", disable=not progress, file=sys.stderr) as bar:
        for number, line in enumerate(src, start=1):
            if number in done:
                continue
            if not line.strip():
                entry = {"line": number, "error": "empty line"}
            else:
                try:
                    rid, texts = parse_record(line, text_field)
                    entry = {"line": number, "id": rid, **scan_texts(texts, policy, queue, counts)}
                except BadRecord as exc:
                    entry = {"line": number, "error": str(exc)}
            if "error" in entry:
                counts["bad"] += 1
                log(f"{input_path}:{number}: {entry['error']}; skipped", file=sys.stderr)
            else:
                counts["scanned"] += 1
            # One line per record, flushed at once: a killed run loses at most the record in flight.
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            out.flush()
            bar.update(1)
    wall = time.perf_counter() - started_wall
    counts["seconds"] = round(wall, 3)
    counts["cpu_seconds"] = round(time.process_time() - started_cpu, 3)
    counts["records_per_second"] = round(counts["scanned"] / wall, 2) if wall > 0 else None
    counts["texts_per_second"] = round(counts["texts"] / wall, 2) if wall > 0 else None
    return counts


def scan_texts(texts, policy, queue, counts) -> dict:
    turns = []
    for index, user, text in texts:
        verdict = policy.check(text)
        counts["texts"] += 1
        counts["held"] += verdict.held
        counts["redacted"] += verdict.action.value == "redact"
        turn = verdict_dict(verdict)
        if verdict.action.value == "redact":
            turn["redacted_text"] = verdict.text
        if queue is not None and verdict.held:
            conversation = queue.start_conversation()
            turn["item_id"] = queue.hold(conversation, user, text, verdict)
            counts["enqueued"] += 1
        if index is not None:
            turn["message"] = index
        turns.append(turn)
    if len(turns) == 1 and texts[0][0] is None:
        return turns[0]
    severity = {"allow": 0, "redact": 1, "hold": 2}
    return {"action": max((t["action"] for t in turns), key=severity.__getitem__), "turns": turns}


def open_queue():
    """The app's review queue on DATABASE_URL, with its sealer, as app/main.py builds it."""
    from wiring.build import build_queue
    from wiring.settings import Settings

    return build_queue(Settings.from_env())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m guardrails.scan", description=__doc__.split("\n\n")[0])
    p.add_argument("input", type=Path, help="JSONL file of replies or conversations")
    p.add_argument("-o", "--output", type=Path, required=True, help="JSONL file of verdicts (appended to when resuming)")
    p.add_argument("--text-field", help="field holding the reply (default: the first of reply, text, content; or messages)")
    p.add_argument("--enqueue", action="store_true", help="put held records into the review queue of DATABASE_URL")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if not args.input.is_file():
        print(f"error: {args.input}: no such file", file=sys.stderr)
        return 2
    if args.output.resolve() == args.input.resolve():
        print("error: the output must be a different file from the input", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import logging

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    from wiring.build import build_guards, build_output_policy, toxicity_fallback
    from wiring.settings import Settings

    try:
        settings = Settings.from_env()
        queue = open_queue() if args.enqueue else None
        guards = build_guards(settings, ["toxicity", "pii"])
        policy, fallback = build_output_policy(settings, guards), toxicity_fallback(guards)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if fallback:
        print(f"note: {fallback}; using {policy.guard('toxicity').model_name}", file=sys.stderr)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        counts = scan_file(args.input, args.output, policy, args.text_field, queue, progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"\ninterrupted; run the same command again to continue after the last line in {args.output}", file=sys.stderr)
        return 130
    print(f"scanned {counts['scanned']} record(s) ({counts['texts']} text(s)) in {counts['seconds']:.1f}s: "
          f"{counts['texts_per_second']} texts/s; held {counts['held']}, redacted {counts['redacted']}, "
          f"bad lines {counts['bad']}, enqueued {counts['enqueued']}, skipped as already done {counts['already_done']}",
          file=sys.stderr)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
