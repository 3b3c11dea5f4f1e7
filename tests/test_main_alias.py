"""`python -m torchlike script.py` (and -m, -c, -): torch/torchvision imports resolve to torchlike; argv,
__name__, tracebacks and exit codes behave as with the same `python` command; --version and --help.
Also install_torch_alias()."""
import ast
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared/seed_programs beside the checkout (where CI and the developers' machines keep it)
SEEDS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                                      "seed_programs"))
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), JAX_PLATFORMS="cpu")


def run(args, cwd, timeout=240, stdin=None):
    return subprocess.run([sys.executable, *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=timeout, input=stdin)


SCRIPT = textwrap.dedent("""\
    import sys
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.utils.data import DataLoader
    import torchvision
    from torchvision import transforms
    import torchlike
    assert torch is torchlike and nn is torchlike.nn and torchvision is torchlike.vision
    assert sys.modules["torch.nn"] is torchlike.nn
    print("name", __name__)
    print("argv", sys.argv)
    print("file", __file__)
    print("path0", sys.path[0])
    x = torch.ones(2, 3)
    print("sum", float(x.sum()))
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "exit":
        sys.exit(int(sys.argv[2]))
    if mode == "raise":
        def inner():
            raise ValueError("boom from the script")
        inner()
    if mode == "torchraise":
        torch.ones(2, 3).view(4)
""")


INSTALL_ALIAS = ("import sys, torchlike\nassert 'torch' not in sys.modules\ntorchlike.install_torch_alias()\n"
                 "torchlike.install_torch_alias()\nimport torch, torch.nn as nn, torchvision.transforms as T\n"
                 "assert torch is torchlike and nn is torchlike.nn and T is torchlike.vision.transforms\n"
                 "from torchlike._alias import uninstall_torch_alias\nuninstall_torch_alias()\n"
                 "assert 'torch' not in sys.modules\nprint('ok')\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """All the small launcher runs, four at a time (each `-m torchlike` run pays a JAX import)."""
    d = tmp_path_factory.mktemp("launch")
    (d / "prog.py").write_text(SCRIPT)
    (d / "p.py").write_text("import torch.no_such_module_here\n")
    (d / "pkg").mkdir()
    (d / "pkg" / "__init__.py").write_text("")
    (d / "pkg" / "mod.py").write_text("import sys, torch\nprint(torch.__name__, __name__, sys.argv[1:])\n")
    cases = {"ok": ["-m", "torchlike", "prog.py", "a", "--flag"], "exit": ["-m", "torchlike", "prog.py", "exit", "3"],
             "raise": ["-m", "torchlike", "prog.py", "raise"], "torchraise": ["-m", "torchlike", "prog.py", "torchraise"],
             "usage": ["-m", "torchlike"], "nofile": ["-m", "torchlike", "nope.py"],
             "module": ["-m", "torchlike", "-m", "pkg.mod", "x"], "missing": ["-m", "torchlike", "p.py"],
             "alias": ["-c", INSTALL_ALIAS],
             "version": ["-m", "torchlike", "--version"], "help": ["-m", "torchlike", "--help"],
             "stdin": ["-m", "torchlike", "-", "q"]}
    (d / "pkg" / "show.py").write_text(SHOW)
    # the same command under python and under python -m torchlike (programs that do not import torch)
    for name, args in SAME_AS_PYTHON.items():
        cases[name] = args
        cases[name + "@torchlike"] = ["-m", "torchlike", *args]
    stdin = {"stdin": "import sys, torch\nprint(torch.__name__, sys.argv, repr(sys.path[0]))\n"}
    # a few at a time: on a busy machine, dozens of JAX imports at once would each take minutes
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = {k: pool.submit(run, v, d, 600, stdin.get(k)) for k, v in cases.items()}
        return d, {k: f.result() for k, f in futures.items()}


SHOW = "import sys\nprint(sys.argv, sys.path[0], __name__, __file__)\n"
SHOW_C = ("import sys; print(sys.argv, repr(sys.path[0]), __name__, '__file__' in globals(), "
          "sys.modules['__main__'].__name__)")
SAME_AS_PYTHON = {
    "c_argv": ["-c", SHOW_C, "a", "-b", "--c"],
    "c_glued": ["-c" + SHOW_C, "x"],
    "c_raise": ["-c", "def inner():\n    raise ValueError('boom')\ninner()\n"],
    "c_exit": ["-c", "import sys; sys.exit(7)"],
    "c_exit_message": ["-c", "import sys; sys.exit('stopped on purpose')"],
    "c_syntax_error": ["-c", "import\n"],
    "c_missing_argument": ["-c"],
    "m_argv": ["-m", "pkg.show", "x", "--y"],
    "m_missing_argument": ["-m"],
    "m_no_such_module": ["-m", "no_such_module_here_xyz"],
    "unknown_option": ["--bogus"],
}


def test_runs_script_with_torch_imports(runs):
    d, r = runs[0], runs[1]["ok"]
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert "name __main__" in out
    assert "argv ['prog.py', 'a', '--flag']" in out
    assert f"file {d / 'prog.py'}" in out
    assert f"path0 {d}" in out
    assert "sum 6.0" in out


def test_exit_codes_and_tracebacks(runs):
    d, res = runs
    script = d / "prog.py"
    assert res["exit"].returncode == 3
    r = res["raise"]
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: boom from the script"
    assert f'File "{script}", line 23, in <module>' in r.stderr
    assert f'File "{script}", line 22, in inner' in r.stderr
    assert "runpy" not in r.stderr and "__main__.py" not in r.stderr  # the launcher stays invisible
    r = res["torchraise"]
    assert r.returncode == 1 and r.stderr.strip().splitlines()[-1].startswith("RuntimeError: shape '[4]' is invalid")


def test_usage_and_missing_script(runs):
    r = runs[1]["usage"]
    assert r.returncode == 2 and "usage: python -m torchlike" in r.stderr
    r = runs[1]["nofile"]
    assert r.returncode == 2 and "can't open file" in r.stderr


def test_run_module_form(runs):
    r = runs[1]["module"]
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "torchlike __main__ ['x']"


def test_missing_torch_module_names_it(runs):
    r = runs[1]["missing"]
    assert r.returncode == 1
    assert "ModuleNotFoundError: No module named 'torch.no_such_module_here'" in r.stderr


def test_install_torch_alias_in_a_fresh_interpreter(runs):
    r = runs[1]["alias"]
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


@pytest.mark.parametrize("case", sorted(SAME_AS_PYTHON))
def test_dash_c_dash_m_and_errors_behave_as_python(runs, case):
    """-c/-m programs see the argv, sys.path[0], __name__ and exit status python gives them, and print
    the same output and tracebacks; usage errors give python's status 2 and first line."""
    ref, ours = runs[1][case], runs[1][case + "@torchlike"]
    assert ours.returncode == ref.returncode, (ref.returncode, ours.stderr)
    assert ours.stdout == ref.stdout
    if ref.returncode == 2:  # usage: the same complaint, then our own usage line
        assert ours.stderr.splitlines()[0] == ref.stderr.splitlines()[0]
        assert ours.stderr.splitlines()[1].startswith("usage: python -m torchlike")
    else:
        assert ours.stderr == ref.stderr


def test_program_on_stdin_imports_torch_as_torchlike(runs):
    r = runs[1]["stdin"]
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "torchlike ['-', 'q'] ''"


def test_version_names_the_torch_api_and_jax(runs):
    import jax
    import jaxlib
    import torch
    import torchlike
    r = runs[1]["version"]
    assert r.returncode == 0 and r.stderr == "", r.stderr
    py = ".".join(map(str, sys.version_info[:3]))
    versions = f"jax {jax.__version__}, jaxlib {jaxlib.__version__}, Python {py}"
    assert r.stdout == f"torchlike {torchlike.__version__} ({versions})\n"
    assert torchlike.__version__.split("+")[0] == torch.__version__.split("+")[0]  # the torch API it follows


def test_help_explains_the_alias_environment_and_exit_codes(runs):
    r = runs[1]["help"]
    assert r.returncode == 0 and r.stderr == "", r.stderr
    text = r.stdout
    assert text.startswith("usage: python -m torchlike")
    assert "`import torch` and `import torchvision`" in text
    for option in ("-c cmd", "-m mod", "--version", "-h, --help"):
        assert option in text, option
    for var in ("TORCHLIKE_X64=0", "TORCHLIKE_KEEP_HOST_MEMORY=0", "TORCHLIKE_CACHE_DIR=DIR"):
        assert var in text, var
    assert "exit status" in text and "sys.exit(n)" in text


def test_alias_is_not_installed_by_plain_import():
    import torchlike  # noqa: F401
    from torchlike._alias import TorchAliasFinder
    assert not any(isinstance(f, TorchAliasFinder) for f in sys.meta_path)


# ------------------------------------------------------------------------------ seed programs

def _seed_programs():
    if not os.path.isdir(SEEDS):
        return []
    return sorted(f for f in os.listdir(SEEDS) if f.startswith("seed") and f.endswith(".py"))


def _missing_dependency(path):
    """Why a seed program cannot run here (an import torchlike cannot serve), or None."""
    from torchlike._alias import target_name
    import importlib.util
    tree = ast.parse(open(path).read())
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        for name in names:
            target = target_name(name) or name
            try:
                if importlib.util.find_spec(target) is None:
                    return f"needs {name} ({target}), not available"
            except ModuleNotFoundError:
                return f"needs {name} ({target}), not available"
    return None


def _header_exception(path):
    head = "".join(line for line in open(path).readlines()[:6] if line.startswith("#"))
    m = re.search(r"raises? (\w+(?:Error|Exception))", head)
    return m.group(1) if m else None


def _script_frames(stderr, name):
    return [int(n) for n in re.findall(rf'File "[^"]*{re.escape(name)}", line (\d+)', stderr)]


def _needs_own_process(path):
    """Programs that start worker processes (DataLoader workers re-import their ``__main__``) run alone."""
    return re.search(r"num_workers\s*=\s*[1-9]|multiprocessing", open(path).read()) is not None


@pytest.fixture(scope="module")
def seed_runs(tmp_path_factory):
    """Run every seed program under torchlike and under torch (minutes: the tests are slow). The programs
    run one after another in one interpreter per library (tests/_run_programs.py: each as ``__main__``
    with its own argv, output and exit status), which saves a JAX or torch import per program; those
    that start worker processes run in their own ``python [-m torchlike] PROGRAM``."""
    work = tmp_path_factory.mktemp("seeds")
    for f in os.listdir(SEEDS):
        if f.endswith(".py"):
            shutil.copy(os.path.join(SEEDS, f), work)
    r = run(["make_data.py"], cwd=work)
    assert r.returncode == 0, r.stderr
    alone = [p for p in _seed_programs() if _needs_own_process(os.path.join(SEEDS, p))]
    together = [p for p in _seed_programs() if p not in alone]
    batch = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_run_programs.py")
    launch = {"torchlike": ["-m", "torchlike"], "torch": []}
    # torchlike's share in two halves, so that both cores stay busy while torch's finishes early
    batches = [("torchlike", together[0::2]), ("torchlike", together[1::2]), ("torch", together)]
    runs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        started = [(lib, f"{lib}{i}.json", pool.submit(run, [*launch[lib], batch, f"{lib}{i}.json", *progs], work,
                                                       600 * len(progs)))
                   for i, (lib, progs) in enumerate(batches)]
        jobs = {(prog, lib): pool.submit(run, [*args, prog], work, 600) for prog in alone for lib, args in launch.items()}
        for lib, results, job in started:
            r = job.result()
            assert r.returncode == 0, r.stderr[-3000:]
            for prog, res in json.load(open(work / results)).items():
                runs[(prog, lib)] = types.SimpleNamespace(**res)
        runs.update({k: v.result() for k, v in jobs.items()})
    return work, runs


@pytest.mark.slow
@pytest.mark.parametrize("prog", _seed_programs())
def test_seed_program_runs_under_python_m_torchlike(prog, seed_runs):
    why = _missing_dependency(os.path.join(SEEDS, prog))
    if why:
        pytest.skip(why)
    work, runs = seed_runs
    r = runs[(prog, "torchlike")]
    missing = re.search(r"AttributeError: module 'torchlike[\w.]*' has no attribute '(\w+)'", r.stderr)
    if r.returncode != 0 and missing and "verbatim" not in prog:
        pytest.skip(f"torchlike does not provide {missing.group(1)!r} yet")
    if "verbatim" in prog:
        expected = _header_exception(os.path.join(SEEDS, prog))
        ref = runs[(prog, "torch")]
        assert r.returncode == 1, r.stdout + r.stderr
        last = r.stderr.strip().splitlines()[-1]
        assert last.split(":")[0] == expected, last
        if ref.returncode == 1:  # torch can run it here: same exception type, raised at the same line
            assert last.split(":")[0] == ref.stderr.strip().splitlines()[-1].split(":")[0]
            assert _script_frames(r.stderr, prog) == _script_frames(ref.stderr, prog)
    elif prog == "seed001_pretrained.py" and not os.path.exists(
            os.path.expanduser("~/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth")):
        assert r.returncode == 1 and "resnet18-f37072fd.pth" in r.stderr  # offline: names the file
    else:
        assert r.returncode == 0, r.stderr[-3000:]
        ref = runs[(prog, "torch")]
        if ref.returncode == 0:  # torch can run it here: same printed output, numbers within rounding
            _same_output(r.stdout, ref.stdout)


_NUM = re.compile(r"-?\d+\.\d*(?:e[-+]?\d+)?|-?\d+(?:e[-+]?\d+)?")


def _same_output(ours, theirs):
    assert _NUM.sub("#", ours) == _NUM.sub("#", theirs), (ours[-2000:], theirs[-2000:])
    a = [float(x) for x in _NUM.findall(ours)]
    b = [float(x) for x in _NUM.findall(theirs)]
    # printed after manual_seed with torch's stream: only float rounding may differ
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
