"""scripts/run_programs.py's output comparison on lines real programs print (imagenet's progress meter)."""
import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "run_programs", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "run_programs.py"))
run_programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_programs)

LINE = "Epoch: [0][     3/160146]\tTime {} ({})\tData  0.361 ( {})\tLoss {} (7.6344e+00)\tAcc@1   0.00 (  0.00)\n"


def test_imagenet_meters_times_are_ignored_and_losses_compared():
    ref = LINE.format(" 8.879", " 9.824", "0.540", "8.7849e+00")
    timings_only = run_programs.compare_outputs(ref, LINE.format("12.860", "20.157", "1.205", "8.7849e+00"), 1e-3, 1e-5)
    assert timings_only == ("close", "max rel diff 0.0e+00")
    verdict, detail = run_programs.compare_outputs(ref, LINE.format("2.860", "20.157", "1.205", "8.7795e+00"), 1e-3, 1e-5)
    assert verdict == "close" and detail == "max rel diff 6.1e-04"
    verdict, detail = run_programs.compare_outputs(ref, LINE.format("2.860", "20.157", "1.205", "9.7849e+00"), 1e-3, 1e-5)
    assert verdict == "differs" and detail == "8.7849 vs 9.7849"


def test_a_timing_does_not_swallow_the_number_after_it():
    ref = "step took 12 ms loss 0.5\n"
    assert run_programs.compare_outputs(ref, "step took 30 ms loss 0.7\n", 1e-3, 1e-5)[0] == "differs"
    assert run_programs.compare_outputs(ref, "step took 30 ms loss 0.5\n", 1e-3, 1e-5)[0] == "close"
