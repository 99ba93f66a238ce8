"""The engine settings (ENGINE, MODEL_QUANTIZE, OPENAI_*) fail early with the variable named."""

import pytest

from models.engines import canonical_engine, load_chat_model
from wiring.settings import Settings


@pytest.mark.parametrize("env, message", [
    ({"ENGINE": "vllm"}, "ENGINE must be one of onnx, transformers, llama-cpp, openai"),
    ({"ENGINE": "openai"}, "ENGINE=openai needs OPENAI_BASE_URL and OPENAI_MODEL"),
    ({"ENGINE": "openai", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}, "needs OPENAI_BASE_URL and OPENAI_MODEL"),
    ({"OPENAI_TIMEOUT_S": "0"}, "OPENAI_TIMEOUT_S must be more than 0"),
])
def test_bad_engine_settings_fail_with_a_clear_message(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_the_onnx_engine_is_the_default():
    assert canonical_engine(Settings.from_env({}).engine) == "onnx"


@pytest.mark.parametrize("kwargs, message", [
    ({"engine": "vllm"}, "ENGINE must be one of onnx, transformers, llama-cpp, openai; not 'vllm'"),
    ({"quantize": "int3"}, "MODEL_QUANTIZE must be one of int4, int8, none; not 'int3'"),
    ({"engine": "openai"}, "OPENAI_BASE_URL is empty"),
])
def test_the_engine_loader_names_the_setting_it_refuses(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_chat_model(**kwargs)


def test_fast_is_an_old_name_of_the_onnx_engine():
    assert canonical_engine("fast") == canonical_engine("ONNX") == "onnx"
