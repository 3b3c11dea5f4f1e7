"""``emit(out)``: print this process's ``RESULT {json}`` line for the test to collect.

The ranks share one pipe. ``print`` writes the newline as a second write when Python runs unbuffered
(``PYTHONUNBUFFERED``), so two ranks' lines could run together; one write of under 4 KiB (the pipe's
atomic size) keeps each line whole."""
import json
import os
import sys


def emit(out):
    data = f"RESULT {json.dumps(out)}\n".encode()
    assert len(data) < 4096, f"RESULT line of {len(data)} bytes could interleave with another rank's"
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), data)
