"""The tables exactly as `SQLModel.metadata.create_all` made them before migrations existed
(review/tables.py at that time, compiled for each database), to test that such a database is adopted."""

_DDL = """
CREATE TABLE conversation (
    id VARCHAR(32) NOT NULL, created_at {ts} NOT NULL, PRIMARY KEY (id));
CREATE TABLE message (
    id {serial} NOT NULL, conversation_id VARCHAR(32) NOT NULL, role VARCHAR(16) NOT NULL, content TEXT NOT NULL,
    status VARCHAR(16) NOT NULL, scores JSON, created_at {ts} NOT NULL,
    PRIMARY KEY (id), FOREIGN KEY(conversation_id) REFERENCES conversation (id));
CREATE INDEX ix_message_conversation_id ON message (conversation_id);
CREATE TABLE reviewitem (
    id {serial} NOT NULL, conversation_id VARCHAR(32) NOT NULL, message_id INTEGER NOT NULL, user_message TEXT NOT NULL,
    reply TEXT NOT NULL, guards VARCHAR(200) NOT NULL, reasons JSON NOT NULL, results JSON NOT NULL,
    status VARCHAR(16) NOT NULL, created_at {ts} NOT NULL, decided_at {ts},
    PRIMARY KEY (id), FOREIGN KEY(conversation_id) REFERENCES conversation (id), FOREIGN KEY(message_id) REFERENCES message (id));
CREATE INDEX ix_reviewitem_conversation_id ON reviewitem (conversation_id);
CREATE INDEX ix_reviewitem_created_at ON reviewitem (created_at);
CREATE INDEX ix_reviewitem_status ON reviewitem (status);
CREATE TABLE decision (
    id {serial} NOT NULL, item_id INTEGER NOT NULL, moderator VARCHAR(100) NOT NULL, outcome VARCHAR(16) NOT NULL,
    note TEXT NOT NULL, decided_at {ts} NOT NULL,
    PRIMARY KEY (id), FOREIGN KEY(item_id) REFERENCES reviewitem (id));
CREATE UNIQUE INDEX ix_decision_item_id ON decision (item_id);
"""

_TYPES = {
    "sqlite": {"ts": "DATETIME", "serial": "INTEGER"},
    "postgresql": {"ts": "TIMESTAMP WITH TIME ZONE", "serial": "SERIAL"},
}


def legacy_statements(dialect: str) -> list[str]:
    return [s.strip() for s in _DDL.format(**_TYPES[dialect]).split(";") if s.strip()]
