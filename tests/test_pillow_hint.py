"""Without Pillow, image code says how to install it (torchvision's own error is a bare
ModuleNotFoundError: torchlike names the extra)."""
import subprocess
import sys
import textwrap


def test_missing_pillow_names_the_install_command(tmp_path):
    script = textwrap.dedent("""
        import sys
        sys.modules["PIL"] = None  # as if Pillow were not installed
        import numpy as np
        import torchlike
        from torchlike.vision.datasets import FakeData
        try:
            torchlike.vision.utils.save_image(torchlike.zeros(3, 4, 4), "x.png")
        except ModuleNotFoundError as e:
            print("ERR", e.name, e)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ERR PIL ") and "pip install 'torchlike[vision]'" in out.stdout
