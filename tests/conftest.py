"""Every test process, and every process a test starts (console scripts, notebook kernels), runs Intel MKL, which
does PyTorch's CPU matrix products, in its conditional-numerical-reproducibility mode with a fixed thread count.
Without these, MKL may pick a different kernel or number of threads in one process than in the next (the number of
threads alone changes a smoke run's weights), and a resumed run can end a few float roundings away from the
uninterrupted one: it did once in CI, in `test_cli_resume.py::test_ensemble_member_killed_then_resumed`.
`AUTO` and not `AUTO,STRICT`: under the strict mode the healthy members of a vectorised ensemble no longer match a
clean run once another member's values turn NaN (`test_ensemble.py::test_vectorised_member_that_diverges_fails_alone`
fails with it and passes without it or with `AUTO`). A user's own setting wins."""
import os

os.environ.setdefault('MKL_CBWR', 'AUTO')      # the same code path for the same CPU and thread count, in every process
os.environ.setdefault('MKL_DYNAMIC', 'FALSE')  # the thread count asked for, not one MKL chooses per call
