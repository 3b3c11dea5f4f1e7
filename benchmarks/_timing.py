"""Shared timing helper for the benchmarks: median seconds per call over repeated blocks."""
import statistics
import time


def median_time(fn, repeat=7, number=None, warmup=3, sync=None):
    """Median seconds per call of ``fn`` (after warm-up); ``sync(result)`` waits for async work."""
    for _ in range(warmup):
        r = fn()
        if sync:
            sync(r)
    if number is None:
        t0 = time.perf_counter()
        r = fn()
        if sync:
            sync(r)
        one = max(time.perf_counter() - t0, 1e-7)
        number = max(1, int(0.05 / one))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            r = fn()
        if sync:
            sync(r)
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def table(rows, cols, ref_col):
    """Print rows of {col: seconds} with each column as microseconds and a ratio to ``ref_col``."""
    head = f"{'workload':34s}" + "".join(f"{c:>16s}" for c in cols) + "".join(f"{c + '/' + ref_col:>22s}" for c in cols if c != ref_col)
    print(head)
    for name, res in rows:
        line = f"{name:34s}" + "".join(f"{res[c] * 1e6:14.1f}us" if c in res else f"{'-':>16s}" for c in cols)
        line += "".join(f"{res[c] / res[ref_col]:21.2f}x" if c in res and ref_col in res else f"{'-':>22s}"
                        for c in cols if c != ref_col)
        print(line)
