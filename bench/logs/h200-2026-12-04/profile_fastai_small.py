import cProfile, pstats, sys, time, io
sys.path.insert(0, 'bench')
import torch
from train_step import PlainLoop, FastaiLoop, synthetic, timed
dev = torch.device('cuda'); data = synthetic(28, 1)
f = FastaiLoop(data, 'small', 64, dev); p = PlainLoop(data, 'small', 64, dev)
f.run(20); p.run(20)
print('plain img/s', timed(p, 200, 64, dev), 'fastai img/s', timed(f, 200, 64, dev))
pr = cProfile.Profile(); torch.cuda.synchronize(); pr.enable(); f.run(200); torch.cuda.synchronize(); pr.disable()
s = io.StringIO(); st = pstats.Stats(pr, stream=s); st.sort_stats('tottime').print_stats(30); print(s.getvalue()[:6000])
s = io.StringIO(); st = pstats.Stats(pr, stream=s); st.sort_stats('cumtime').print_stats(40); print(s.getvalue()[:7000])
