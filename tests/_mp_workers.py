"""Process targets for tests/test_multiprocessing.py. A spawned child imports this module to find them,
so it imports neither torch nor torchlike (children start fast)."""
import os
import signal
import time


def write_rank(i, out_dir, scale):
    with open(os.path.join(out_dir, f"{i}.txt"), "w") as f:
        f.write(str(i * scale))


def raise_in_one(i, bad):
    if i == bad:
        raise ValueError(f"boom from {i}")
    time.sleep(60)  # ended by spawn once the other process fails


def exit_in_one(i, bad, code):
    if i == bad:
        os._exit(code)
    time.sleep(60)


def killed(i):
    os.kill(os.getpid(), signal.SIGKILL)


def wait_for_file(i, path):
    """Run until the test creates ``path`` (a failsafe ends the wait after 120 s)."""
    for _ in range(12000):
        if os.path.exists(path):
            return
        time.sleep(0.01)
