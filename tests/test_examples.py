"""The examples run: the main example trains to well above chance; the side-by-side script prints
the same per-step losses under torch and under ``python -m torchlike``."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(args, cwd):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_side_by_side_losses_agree(tmp_path):
    script = os.path.join(ROOT, "examples", "side_by_side.py")
    ref = _run([script], tmp_path)
    ours = _run(["-m", "torchlike", script], tmp_path)
    assert ref.returncode == 0, ref.stderr
    assert ours.returncode == 0, ours.stderr
    ref_losses = [float(v) for v in re.findall(r"loss ([0-9.]+)", ref.stdout)]
    our_losses = [float(v) for v in re.findall(r"loss ([0-9.]+)", ours.stdout)]
    assert len(ref_losses) == len(our_losses) == 5
    for a, b in zip(ref_losses, our_losses):
        assert abs(a - b) <= 1e-4 * max(1.0, abs(a))


def test_main_example_learns(tmp_path):
    out = _run([os.path.join(ROOT, "examples", "mnist_cnn.py"), "--epochs", "1", "--data", str(tmp_path / "none"),
                "--out", str(tmp_path / "out")], tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    acc = float(re.findall(r"accuracy[^0-9]*([0-9.]+)", out.stdout)[-1])
    assert acc > 50.0, out.stdout  # chance is 10%
    assert any(f.endswith(".png") for f in os.listdir(tmp_path / "out"))
