"""The engine settings (ENGINE, MODEL_QUANTIZE, OPENAI_*) fail early with the variable named."""

import pytest

from app.config import Settings


@pytest.mark.parametrize("env, message", [
    ({"ENGINE": "vllm"}, "ENGINE must be one of fast, transformers, llama-cpp, openai"),
    ({"MODEL_QUANTIZE": "int4"}, "MODEL_QUANTIZE must be 'int8' or 'none'"),
    ({"ENGINE": "openai"}, "ENGINE=openai needs OPENAI_BASE_URL and OPENAI_MODEL"),
    ({"ENGINE": "openai", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}, "needs OPENAI_BASE_URL and OPENAI_MODEL"),
    ({"OPENAI_TIMEOUT_S": "0"}, "OPENAI_TIMEOUT_S must be more than 0"),
])
def test_bad_engine_settings_fail_with_a_clear_message(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_the_fast_int8_engine_is_the_default():
    s = Settings.from_env({})
    assert (s.engine, s.model_quantize) == ("fast", "int8")
