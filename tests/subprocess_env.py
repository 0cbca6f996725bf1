"""The environment of the processes a test starts (console scripts, training children).

`ENV` gives a child the test process's own thread count, so it runs as the notebooks' kernels do.

`BITWISE_ENV` is for children whose weights a test compares bit for bit with another process's (kill and
resume against an uninterrupted run): one OpenMP thread and one MKL thread. With more than one, a reduction's
result depends on how its work was split between threads, and two processes of the same command do not always
split it alike: in CI, `test_cli_resume.py::test_second_sigint_stops_at_once` once trained an epoch-0 row that
differed from the uninterrupted run's before any signal was sent, and its train_loss was the value this machine
computes with `MKL_NUM_THREADS=1`. With one thread there is one split. Training done in the test process
itself (a reference run, an in-process resume) runs inside `acgan_nb.train.learner.num_threads(1)` for the
same reason."""
import os
import torch

ENV = {**os.environ, 'OMP_NUM_THREADS': str(torch.get_num_threads())}
BITWISE_ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}

