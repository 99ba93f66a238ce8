"""A clone without ../shared/data skips the tests that need it, with the reason, instead of failing."""

import pytest

import tests.shared_data as shared


def test_a_missing_data_file_skips_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(shared, "DATA", tmp_path)
    with pytest.raises(pytest.skip.Exception, match="needs convabuse.csv from the shared data folder"):
        shared.require("convabuse.csv")
    (tmp_path / "convabuse.csv").write_text("text,label\n")
    assert shared.require("convabuse.csv") == tmp_path
