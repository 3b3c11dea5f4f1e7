"""The examples run and teach what they claim: the side-by-side script prints the same per-step losses
under torch and under ``python -m torchlike``; the layer comparison agrees with torch; compiled and eager
training give the same losses; fine-tuning, the MNIST CNN and the character model learn. The whole-program
runs are marked slow (``--run-slow``). No test looks at a timing."""
import os
import re
import subprocess
import sys

import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")


def _run(args, cwd):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=900)


def _example(name, *args, cwd):
    out = _run([os.path.join(EXAMPLES, name), *args], cwd)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def _picture(path):
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] >= 300 and im.size[1] >= 100, (im.format, im.size)
        assert len(set(im.convert("L").getdata())) > 2  # more than a blank canvas


def test_side_by_side_losses_agree(tmp_path):
    script = os.path.join(EXAMPLES, "side_by_side.py")
    ref = _run([script], tmp_path)
    ours = _run(["-m", "torchlike", script], tmp_path)
    assert ref.returncode == 0, ref.stderr
    assert ours.returncode == 0, ours.stderr
    ref_losses = [float(v) for v in re.findall(r"loss ([0-9.]+)", ref.stdout)]
    our_losses = [float(v) for v in re.findall(r"loss ([0-9.]+)", ours.stdout)]
    assert len(ref_losses) == len(our_losses) == 5
    for a, b in zip(ref_losses, our_losses):
        assert abs(a - b) <= 1e-4 * max(1.0, abs(a))


@pytest.mark.slow
def test_main_example_learns(tmp_path):
    stdout = _example("mnist_cnn.py", "--epochs", "1", "--data", str(tmp_path / "none"), "--out",
                      str(tmp_path / "out"), cwd=tmp_path)
    acc = float(re.findall(r"accuracy[^0-9]*([0-9.]+)", stdout)[-1])
    assert acc > 50.0, stdout  # chance is 10%
    _picture(tmp_path / "out" / "loss_curve.png")


@pytest.mark.slow
def test_layer_comparison_with_torch_agrees(tmp_path):
    stdout = _example("compare_with_torch.py", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert "initial weights drawn after manual_seed(0): 0.0" in stdout
    import csv
    rows = list(csv.DictReader(open(tmp_path / "out" / "layers.csv")))
    assert [r["layer"] for r in rows][:3] == ["conv1", "bn1", "relu"] and len(rows) == 12
    for r in rows:
        assert float(r["max |output diff|"]) <= 1e-5 * max(1.0, float(r["max |output|"])), r
        if r["max |grad diff|"]:
            assert float(r["max |grad diff|"]) <= 1e-5, r
    table = open(tmp_path / "out" / "layers.md").read()
    steps = re.findall(r"^\| (\d) \| ([0-9.]+) \| ([0-9.]+) \|$", table, re.MULTILINE)
    assert len(steps) == 3 and all(abs(float(a) - float(b)) < 1e-4 for _, a, b in steps), steps


def test_layer_comparison_without_torch_says_so(tmp_path):
    code = ("import runpy, sys\nsys.modules['torch'] = None  # as if torch were not installed\n"
            f"sys.argv = ['compare_with_torch.py', '--out', {str(tmp_path / 'out')!r}]\n"
            f"runpy.run_path({os.path.join(EXAMPLES, 'compare_with_torch.py')!r}, run_name='__main__')\n")
    out = _run(["-c", code], tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "PyTorch is not installed" in out.stdout and "download.pytorch.org/whl/cpu" in out.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_compiled_training_matches_eager(tmp_path):
    stdout = _example("compile_speedup.py", "--steps", "60", "--out", str(tmp_path / "out"), cwd=tmp_path)
    for run in ("eager", "compiled"):
        assert re.search(rf"{run}: .* then [0-9.]+ ms/step", stdout), stdout
    diff = float(re.search(r"largest difference over all steps ([0-9.e+-]+)", stdout).group(1))
    assert diff < 1e-4, stdout
    _picture(tmp_path / "out" / "ms_per_step.png")
    _picture(tmp_path / "out" / "losses.png")
    assert "torchlike.compile" in open(tmp_path / "out" / "timings.md").read()


@pytest.mark.slow
def test_resnet_fine_tuning_learns_new_digits(tmp_path):
    import torch
    stdout = _example("finetune_resnet_digits.py", "--epochs", "1", "--out", str(tmp_path / "out"), cwd=tmp_path)
    acc = float(re.search(r"fine-tuned accuracy on held-out digits 5-9: ([0-9.]+)%", stdout).group(1))
    assert acc > 60.0, stdout  # chance is 20%
    _picture(tmp_path / "out" / "predictions.png")
    state = torch.load(tmp_path / "out" / "resnet_digits_5_9.pt")  # real torch reads the checkpoint
    assert tuple(state["fc.weight"].shape) == (5, 512) and "layer4.0.conv2.weight" in state


@pytest.mark.slow
def test_character_model_learns_and_samples(tmp_path):
    stdout = _example("char_lm.py", "--steps", "100", "--out", str(tmp_path / "out"), cwd=tmp_path)
    md = open(tmp_path / "out" / "samples.md").read()
    first, last = map(float, re.search(r"Loss: ([0-9.]+) nats/character at step 1, ([0-9.]+)", md).groups())
    assert last < first / 3, md
    assert md.count("## after step") == 5 and "Beautiful" in stdout
    _picture(tmp_path / "out" / "loss_curve.png")
