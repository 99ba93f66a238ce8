"""The batch audit: real guards over a JSONL file with good and bad lines, resumed after a torn write."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guardrails.scan import lines_done, scan_file

ROOT = Path(__file__).resolve().parents[2]

RECORDS = [
    json.dumps({"id": "clean", "user": "Capital of France?", "reply": "The capital of France is Paris."}),
    json.dumps({"id": "toxic", "reply": "You are a worthless idiot and everyone hates you."}),
    "{this is not json",
    json.dumps({"id": "pii", "text": "Sure, write to her at maria.gonzalez@mailbox.org today."}),
    json.dumps({"id": "no-text", "score": 3}),
    json.dumps({"id": "conv", "messages": [
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Insult me"}, {"role": "assistant", "content": "You are a pathetic, stupid loser."}]}),
    json.dumps(["a", "list"]),
    "",
]


@pytest.fixture
def input_file(tmp_path) -> Path:
    path = tmp_path / "replies.jsonl"
    path.write_text("\n".join(RECORDS) + "\n")
    return path


def read(path: Path) -> dict[int, dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    by_line = {r["line"]: r for r in rows}
    assert len(by_line) == len(rows), "a line was written twice"
    return by_line


def test_every_record_gets_a_verdict_and_bad_lines_are_reported(input_file, tmp_path, policy):
    out = tmp_path / "out.jsonl"
    messages = []
    counts = scan_file(input_file, out, policy, progress=False, log=lambda *a, **k: messages.append(a[0]))
    rows = read(out)
    assert sorted(rows) == list(range(1, len(RECORDS) + 1))
    assert rows[1]["action"] == "allow" and rows[1]["id"] == "clean"
    assert rows[2]["action"] == "hold" and "toxicity" in rows[2]["fired"]
    pii = rows[4]
    assert pii["action"] == "hold" and "pii" in pii["fired"]
    spans = [f for r in pii["results"] if r["guard"] == "pii" for f in r["findings"]]
    email = next(f for f in spans if f["category"] == "EMAIL_ADDRESS")
    assert "maria.gonzalez@mailbox.org" == json.loads(RECORDS[3])["text"][email["start"]:email["end"]]
    conv = rows[6]
    assert [t["message"] for t in conv["turns"]] == [1, 3]
    assert conv["turns"][0]["action"] == "allow" and conv["turns"][1]["action"] == "hold"
    assert conv["action"] == "hold"
    for bad in (3, 5, 7, 8):
        assert "error" in rows[bad]
    assert "not valid JSON" in rows[3]["error"] and "no text field" in rows[5]["error"]
    assert [m.split(":")[1] for m in messages] == ["3", "5", "7", "8"]
    assert counts["bad"] == 4 and counts["scanned"] == 4 and counts["texts"] == 5 and counts["held"] == 3


def test_an_interrupted_run_continues_where_it_stopped(input_file, tmp_path, policy):
    out = tmp_path / "out.jsonl"
    scan_file(input_file, out, policy, progress=False, log=lambda *a, **k: None)
    full = out.read_text().splitlines()
    # As if the run was killed while writing line 4: three whole lines and a torn one.
    out.write_text("\n".join(full[:3]) + "\n" + full[3][: len(full[3]) // 2])
    assert lines_done(out) == {1, 2, 3}
    assert out.read_text().endswith("\n")  # the torn line is gone, nothing is glued to it

    counts = scan_file(input_file, out, policy, progress=False, log=lambda *a, **k: None)
    assert counts["already_done"] == 3 and counts["scanned"] + counts["bad"] == len(RECORDS) - 3
    resumed = read(out)
    assert sorted(resumed) == list(range(1, len(RECORDS) + 1))
    assert resumed == {r["line"]: r for r in map(json.loads, full)}  # the same verdicts as one uninterrupted run

    again = scan_file(input_file, out, policy, progress=False, log=lambda *a, **k: None)
    assert again["scanned"] == 0 and again["already_done"] == len(RECORDS)


def test_enqueue_puts_held_records_into_the_review_queue(input_file, tmp_path, policy, queue):
    out = tmp_path / "out.jsonl"
    counts = scan_file(input_file, out, policy, queue=queue, progress=False, log=lambda *a, **k: None)
    pending = queue.pending()
    assert counts["enqueued"] == 3 and len(pending) == 3
    rows = read(out)
    assert {rows[2]["item_id"], rows[4]["item_id"], rows[6]["turns"][1]["item_id"]} == {i.id for i in pending}
    pii_item = queue.get(rows[4]["item_id"])
    assert "maria.gonzalez@mailbox.org" not in pii_item.reply and "[EMAIL_ADDRESS]" in pii_item.reply
    assert queue.get(rows[6]["turns"][1]["item_id"]).user_message == "Insult me"


@pytest.mark.slow
def test_command_line_prints_throughput_and_reports_bad_lines(input_file, tmp_path):
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOXICITY_MODEL": "minilm", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "guardrails.scan", str(input_file), "-o", str(out), "--no-progress"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{input_file}:3: not valid JSON" in done.stderr
    assert "texts/s" in done.stderr
    counts = json.loads(done.stdout.splitlines()[-1])
    assert counts["scanned"] == 4 and counts["texts_per_second"] > 0
    missing = subprocess.run([sys.executable, "-m", "guardrails.scan", str(tmp_path / "nope.jsonl"), "-o", str(out)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
