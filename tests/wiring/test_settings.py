"""The typed settings: one list, validated with messages that name the variable, documented from itself."""

from pathlib import Path

import pytest

from guardrails.types import Action
from wiring.settings import END, START, Settings, documented_variables, markdown_table

ROOT = Path(__file__).resolve().parents[2]


def test_values_are_typed_from_the_environment():
    s = Settings.from_env({"MAX_NEW_TOKENS": "64", "TOXICITY_THRESHOLD": "0.7", "PII_ACTION": "Redact",
                           "REASON_CODES": "spam, other ,", "PII_ENTITY_ACTIONS": "person=hold, PHONE_NUMBER=redact"})
    assert s.max_new_tokens == 64 and s.toxicity_threshold == 0.7 and s.pii_action is Action.REDACT
    assert s.reason_codes == ["spam", "other"]
    assert s.pii_entity_actions == {"PERSON": Action.HOLD, "PHONE_NUMBER": Action.REDACT}
    defaults = Settings.from_env({})
    assert defaults.max_new_tokens == 256 and defaults.moderators == "" and "PERSON" in defaults.pii_entities


def test_the_process_environment_is_read_when_none_is_given(monkeypatch):
    monkeypatch.setenv("CLAIM_MINUTES", "3.5")
    assert Settings.from_env().claim_minutes == 3.5


@pytest.mark.parametrize("env, message", [
    ({"INJECTION_THRESHOLD": "1.5"}, "INJECTION_THRESHOLD must be at most 1; not '1.5'"),
    ({"GUARD_TIMEOUT_S": "0"}, "GUARD_TIMEOUT_S must be more than 0; not '0'"),
    ({"INPUT_PII": "mask"}, "INPUT_PII must be 'replace' or 'off'; not 'mask'"),
    ({"INPUT_PII_NAMES": "some"}, "INPUT_PII_NAMES must be 'private' or 'all'; not 'some'"),
    ({"PII_ENTITY_ACTIONS": "PERSON"}, "PII_ENTITY_ACTIONS: write each entry as ENTITY=action"),
    ({"PII_ENTITY_ACTIONS": "PERSON=shred"}, "PII_ENTITY_ACTIONS must be one of allow, redact, hold; not 'shred'"),
    ({"TOXICITY_MODEL": "perspective"}, "TOXICITY_MODEL must be one of detoxify, minilm, profanity-check"),
])
def test_a_bad_value_names_the_variable_and_what_it_must_be(env, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_each_setting_is_its_variable_in_capitals_with_help():
    names = [name for name, _, _ in documented_variables()]
    assert names == [n.upper() for n in Settings.model_fields] and len(set(names)) == len(names)
    assert all(meaning for _, _, meaning in documented_variables())


def test_the_configuration_page_is_generated_from_the_settings():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    generated = page.split(START, 1)[1].split(END, 1)[0].strip()
    assert generated == markdown_table().strip(), (
        "docs/configuration.md is out of step with wiring/settings.py: run "
        "`.venv/bin/python -m wiring.settings --write docs/configuration.md`")


def test_switches_read_true_and_false_in_the_usual_spellings():
    assert Settings.from_env({"PII_PLAIN_MARKDOWN": "off", "PII_PRIVATE_NAMES": "0"}).pii_plain_markdown is False
    assert Settings.from_env({"PII_ALLOW_EXAMPLE_VALUES": "yes"}).pii_allow_example_values is True
    with pytest.raises(ValueError, match="PII_PLAIN_MARKDOWN must be true or false; not 'maybe'"):
        Settings.from_env({"PII_PLAIN_MARKDOWN": "maybe"})


def test_the_pii_rule_takes_the_per_entity_defaults_and_the_settings_overrides():
    from guardrails.registry import pii_rule

    rule = pii_rule(Settings.from_env({"PII_ENTITY_ACTIONS": "PHONE_NUMBER=redact", "PII_ACTION": "hold"}))
    assert rule.for_category("PERSON") == (0.5, Action.ALLOW)  # a name on its own is only recorded
    assert rule.for_category("PERSON_PRIVATE")[1] is Action.HOLD
    assert rule.for_category("PHONE_NUMBER")[1] is Action.REDACT
    assert rule.for_category("SOMETHING_NEW")[1] is Action.HOLD  # types in neither table take PII_ACTION


def test_the_input_mask_leaves_names_on_their_own_by_default_and_masks_them_all_when_asked():
    from guardrails.input import masks
    from guardrails.registry import spec
    from guardrails.types import Finding

    name, phone, private = (Finding(category=c, score=0.85, start=0, end=4) for c in ("PERSON", "PHONE_NUMBER", "PERSON_PRIVATE"))
    default = spec("pii").input_mask(Settings.from_env({}))
    assert (masks(default, name), masks(default, phone), masks(default, private)) == (False, True, True)
    every = spec("pii").input_mask(Settings.from_env({"INPUT_PII_NAMES": "ALL"}))
    assert (masks(every, name), masks(every, phone), masks(every, private)) == (True, True, True)
    assert spec("pii").input_mask(Settings.from_env({"INPUT_PII": "off"})) is None
