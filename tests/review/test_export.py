import csv
import json
import tempfile

import pytest

from guardrails.types import Action, Finding, GuardResult, Verdict
from review import audit
from review.export import DECISION_FIELDS, export, export_bytes
from review.export import main as export_main

REPLY = "Write to jane.doe@example.com or call Jane Doe."


def pii_verdict() -> Verdict:
    start = REPLY.index("jane.doe")
    findings = [Finding("EMAIL_ADDRESS", 1.0, start, start + len("jane.doe@example.com")),
                Finding("PERSON", 0.4, REPLY.index("Jane Doe"), REPLY.index("Jane Doe") + 8)]  # below threshold: still masked
    result = GuardResult("pii", "presidio", {"EMAIL_ADDRESS": 1.0, "PERSON": 0.4}, findings)
    tox = GuardResult("toxicity", "minilm", {"toxicity": 0.1})
    return Verdict(Action.HOLD, "", [result, tox], ["pii: EMAIL_ADDRESS 1.00 >= 0.50 (hold)"], ["pii"],
                   thresholds={"pii": 0.5, "toxicity": 0.5})


@pytest.fixture
def decided(queue):
    conv = queue.start_conversation()
    first = queue.hold(conv, "how do I reach her?", REPLY, pii_verdict())
    second = queue.hold(conv, "and now?", REPLY, pii_verdict())
    queue.decide(first, "alice", approve=False, note="personal data")
    queue.decide(second, "bob", approve=True)
    return first, second


def test_decisions_csv(engine, decided, tmp_path):
    result = export(engine, "decisions", "csv", tmp_path / "d.csv", actor="root")
    rows = list(csv.DictReader(open(result.path, newline="")))
    assert result.rows == 2 and list(rows[0]) == DECISION_FIELDS
    first = rows[0]
    assert (first["item_id"], first["outcome"], first["moderator"], first["note"]) == (str(decided[0]), "rejected", "alice", "personal data")
    assert (first["guards"], first["categories"], float(first["top_score"])) == ("pii", "EMAIL_ADDRESS", 1.0)
    assert first["reply_redacted"] == "Write to [EMAIL_ADDRESS] or call [PERSON]."
    text = result.path.read_text()
    assert "jane.doe@example.com" not in text and "Jane Doe" not in text and "how do I reach her" not in text
    [event] = audit.browse(engine, action="exported")
    assert event.actor == "root"
    assert (event.detail["kind"], event.detail["format"], event.detail["rows"]) == ("decisions", "csv", 2)


def test_decisions_jsonl(engine, decided, tmp_path):
    path = export(engine, "decisions", "jsonl", tmp_path / "d.jsonl", actor="root").path
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["moderator"] for r in rows] == ["alice", "bob"] and rows[1]["outcome"] == "approved"
    assert rows[0]["decided_at"] and "reason_code" in rows[0]


def test_audit_export_both_formats(engine, decided, tmp_path):
    audit.record_now(engine, "alice", "viewed", item_id=decided[0], seconds=3)
    audit.record_now(engine, "bob", "viewed", item_id=decided[1])
    path = export(engine, "audit", "jsonl", tmp_path / "a.jsonl", actor="root", action="viewed").path
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["actor"], r["item_id"]) for r in rows] == [("alice", decided[0]), ("bob", decided[1])]
    assert rows[0]["detail"] == {"seconds": 3}
    csv_path = export(engine, "audit", "csv", tmp_path / "a.csv", actor="root").path
    rows = list(csv.DictReader(open(csv_path, newline="")))
    assert {r["action"] for r in rows} >= {"viewed", "exported"}  # the first export is in the log too
    assert json.loads(next(r for r in rows if r["action"] == "viewed")["detail"]) == {"seconds": 3}


def test_the_uis_export_leaves_no_file_behind(engine, decided, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the private folder is made
    name, data, rows = export_bytes(engine, "decisions", "csv", actor="root")
    assert name.startswith("decisions-") and name.endswith(".csv") and rows == 2
    assert len(data.decode().splitlines()) == 3
    assert list(scratch.iterdir()) == []  # the file and its folder are gone once the bytes are read


def test_bad_requests_are_clear(engine, tmp_path):
    with pytest.raises(ValueError, match="kind must be one of"):
        export(engine, "users", "csv", tmp_path / "x", actor="root")
    with pytest.raises(ValueError, match="format must be one of"):
        export(engine, "audit", "xlsx", tmp_path / "x", actor="root")
    assert audit.browse(engine, action="exported") == []


def test_cli(engine, database_url, decided, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "decisions.jsonl"
    assert export_main(["decisions", "--format", "jsonl", "-o", str(out)]) == 0
    assert "wrote 2 decisions rows" in capsys.readouterr().out and len(out.read_text().splitlines()) == 2
    assert export_main(["audit", "-o", str(tmp_path / "missing-dir" / "a.csv")]) == 2
    assert "error:" in capsys.readouterr().err
    assert [e.actor for e in audit.browse(engine, action="exported")][0].startswith("cli")


def test_no_export_is_left_behind_without_its_audit_entry(engine, decided, tmp_path):
    """A real fault: the audit table is gone, so the entry cannot be written; the file must go too."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE auditevent")
    with pytest.raises(Exception):  # noqa: B017 - whichever error: the point is that no file is left
        export(engine, "decisions", "csv", tmp_path / "d.csv", actor="root")
    assert not (tmp_path / "d.csv").exists()
