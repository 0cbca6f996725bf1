"""Every test process, and every process a test starts (console scripts, notebook kernels), runs Intel MKL, which
does PyTorch's CPU matrix products, in its reproducible mode with a fixed thread count. Without these, MKL may pick
a different kernel or number of threads in one process than in the next (the number of threads alone changes a
smoke run's weights), and a resumed run can end a few float roundings away from the uninterrupted one: it did once in
CI, in `test_cli_resume.py::test_ensemble_member_killed_then_resumed`. A user's own setting wins."""
import os

os.environ.setdefault('MKL_CBWR', 'AUTO,STRICT')   # results independent of memory alignment and the CPU's code path
os.environ.setdefault('MKL_DYNAMIC', 'FALSE')      # the thread count asked for, not one MKL chooses per call
