"""Averaging toxicity models: each tensor is the mean of the ingredients, and mismatched nets are refused."""

import pytest
import torch

from training.average_weights import average


def test_each_tensor_is_the_mean_in_the_first_models_dtype():
    a = {"w": torch.tensor([1.0, 2.0], dtype=torch.float16), "b": torch.tensor([0.0])}
    b = {"w": torch.tensor([3.0, 6.0], dtype=torch.float16), "b": torch.tensor([1.0])}
    out = average([a, b])
    assert out["w"].dtype == torch.float16
    assert out["w"].tolist() == [2.0, 4.0] and out["b"].tolist() == [0.5]


def test_models_with_different_tensors_are_refused():
    with pytest.raises(ValueError, match="same tensors"):
        average([{"w": torch.zeros(2)}, {"v": torch.zeros(2)}])


@pytest.mark.slow
def test_the_command_names_a_folder_that_is_not_a_model(tmp_path):
    import subprocess
    import sys

    (tmp_path / "a").mkdir()
    run = subprocess.run([sys.executable, "-m", "training.average_weights", "--out", str(tmp_path / "o"), "--version", "x",
                          str(tmp_path / "a"), str(tmp_path / "a")], capture_output=True, text=True)
    assert run.returncode != 0 and "not a toxicity model folder" in run.stderr and "Traceback" not in run.stderr
