import threading

from guardrails.types import Finding
from guardrails.vault import Vault

TEXT = "I'm Jane Roe, mail jane@example.com or ask Jane Roe."


def spans():
    return [Finding("PERSON", 0.85, 4, 12), Finding("EMAIL_ADDRESS", 1.0, 19, 35), Finding("PERSON", 0.85, 43, 51)]


def test_mask_and_restore_round_trip():
    vault = Vault()
    masked = vault.mask(TEXT, spans())
    assert masked == "I'm [PERSON_1], mail [EMAIL_ADDRESS_1] or ask [PERSON_1]."
    assert "Jane" not in masked and "@" not in masked
    assert vault.restore("Hello [PERSON_1], I wrote to [EMAIL_ADDRESS_1].") == "Hello Jane Roe, I wrote to jane@example.com."


def test_a_private_persons_name_is_a_name_to_the_model():
    """The guard marks a name tied to an identifier PERSON_PRIVATE; its placeholder says only that a name was
    there, and the same name keeps one placeholder in both kinds of finding."""
    vault = Vault()
    first = vault.mask(TEXT, [Finding("PERSON_PRIVATE", 0.85, 4, 12), Finding("EMAIL_ADDRESS", 1.0, 19, 35)])
    assert first == "I'm [PERSON_1], mail [EMAIL_ADDRESS_1] or ask Jane Roe."
    assert vault.mask("Is Jane Roe in?", [Finding("PERSON", 0.85, 3, 11)]) == "Is [PERSON_1] in?"
    assert vault.restore("[PERSON_1]") == "Jane Roe"


def test_a_placeholder_that_is_not_this_persons_own_is_never_shown_raw():
    # The model invents them ("I am [PERSON_2], a compassionate...", issue 22): plain words instead.
    vault = Vault()
    vault.mask(TEXT, spans())
    assert vault.restore("Dear [PERSON_7], mail [EMAIL_ADDRESS_3]") == "Dear (a name), mail (an e-mail address)"
    assert vault.restore("[PERSON_1] and [SOMETHING_NEW_1]") == "Jane Roe and (personal data)"


def test_each_session_has_its_own_vault_even_under_concurrency():
    vaults = [Vault() for _ in range(20)]
    results = {}

    def work(i):
        text = f"My name is Person{i:02d} Smith."
        results[i] = vaults[i].mask(text, [Finding("PERSON", 0.9, 11, 25)])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, vault in enumerate(vaults):
        assert results[i] == "My name is [PERSON_1]."
        assert vault.restore("[PERSON_1]") == f"Person{i:02d} Smith"
