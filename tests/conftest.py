"""Every test process, and every process a test starts (console scripts, notebook kernels), runs Intel MKL, which
does PyTorch's CPU matrix products, in its conditional-numerical-reproducibility mode with a fixed thread count.
Without these, MKL may pick a different kernel or number of threads in one process than in the next (the number of
threads alone changes a smoke run's weights), and a resumed run can end a few float roundings away from the
uninterrupted one: it did once in CI, in `test_cli_resume.py::test_ensemble_member_killed_then_resumed`.
`AUTO` and not `AUTO,STRICT`: under the strict mode the healthy members of a vectorised ensemble no longer match a
clean run once another member's values turn NaN (`test_ensemble.py::test_vectorised_member_that_diverges_fails_alone`
fails with it and passes without it or with `AUTO`). A user's own setting wins."""
import os, signal

os.environ.setdefault('MKL_CBWR', 'AUTO')      # the same code path for the same CPU and thread count, in every process
os.environ.setdefault('MKL_DYNAMIC', 'FALSE')  # the thread count asked for, not one MKL chooses per call

# Ctrl-C as a terminal delivers it. A shell starts a background job (`cmd &`, `nohup`, some CI runners) with SIGINT
# ignored, and an ignored signal stays ignored in every process started from it: `acgan-train` then keeps SIGINT
# ignored on purpose (`stop_on_signals`), and the tests that stop a run with SIGINT would see it train to the end.
# A process that handles SIGINT passes the default on to the processes it starts, as a user's shell does.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN: signal.signal(signal.SIGINT, signal.default_int_handler)
