"""ENGINE=transformers (any Hugging Face causal LM) on the embedded GGUF, checked against the default engine."""

import pytest

from models.chat import GenerationSettings, ModelError
from models.engines import load_chat_model

pytestmark = pytest.mark.slow  # transformers dequantizes the GGUF at every load (tens of seconds)

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def hf_model():
    return load_chat_model("transformers", settings=GenerationSettings(temperature=0.0, max_new_tokens=48))


def test_answers_and_streams(hf_model):
    pieces = list(hf_model.stream(QUESTION))
    assert len(pieces) > 3 and "Paris" in "".join(pieces)
    assert "SmolLM2-135M-Instruct" in hf_model.name and "transformers" in hf_model.name


def test_history_trimming_is_the_same_as_the_default_engine_s(hf_model, chat_model):
    """Same chat template, same tokenizer files: both engines keep the same turns."""
    history = [{"role": "user", "content": f"Question {i} about topic {i}."} if i % 2 == 0 else
               {"role": "assistant", "content": f"Answer {i}. " * 20} for i in range(41)]
    small = GenerationSettings(context_tokens=400, max_new_tokens=100)
    assert hf_model.with_settings(small).build_prompt(history) == chat_model.with_settings(small).build_prompt(history)


def test_a_seed_repeats_a_sampled_reply(hf_model):
    sampling = hf_model.with_settings(GenerationSettings(max_new_tokens=12, temperature=1.0))
    story = [{"role": "user", "content": "Tell me a story."}]
    assert sampling.reply(story, seed=3) == sampling.reply(story, seed=3)


def test_a_failing_generation_raises_model_error(hf_model):
    """Fault injection: generate raises mid-reply (a crash that cannot be caused for real)."""

    class Exploding:
        config = hf_model.model.config

        def generate(self, **kwargs):
            kwargs["streamer"].put(hf_model.tokenizer("Hello", return_tensors="pt")["input_ids"])
            raise RuntimeError("out of memory (simulated)")

    broken = hf_model.with_settings(hf_model.settings)
    broken.model = Exploding()
    with pytest.raises(ModelError, match="simulated"):
        list(broken.stream(QUESTION))
