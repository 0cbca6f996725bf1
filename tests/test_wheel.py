"""The built wheel is the package: every module of every subpackage is in it, and it imports from a clean venv.

The wheel is built from the checkout (`pip wheel --no-deps`), installed with `--no-deps` into a new virtual
environment, and every module is imported there by that venv's interpreter in isolated mode (`-I`: no
PYTHONPATH, no current directory), so a subpackage missing from `packages.find` fails here. The venv gets the
*dependencies* (torch, fastai, ...) from this environment's site-packages through a `.pth` line, after its own
site-packages, because installing torch again would take minutes; `acgan_nb` itself must come from the wheel."""
import json, os, shutil, site, subprocess, sys, venv, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_wheel_holds_and_imports_every_module(tmp_path):
    src = tmp_path/'src'   # a copy of what the build reads, so no build/ folder left in the checkout feeds stale modules into it
    shutil.copytree(ROOT/'acgan_nb', src/'acgan_nb', ignore=shutil.ignore_patterns('__pycache__'))
    for f in ('pyproject.toml', 'README.md', 'LICENSE'):
        if (ROOT/f).exists(): shutil.copy(ROOT/f, src/f)
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(tmp_path/'dist'), str(src)],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    whl = next((tmp_path/'dist').glob('acgan_nb-*.whl'))
    mods = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT/'acgan_nb').rglob('*.py'))
    in_wheel = {n for n in zipfile.ZipFile(whl).namelist() if n.startswith('acgan_nb/')}
    assert in_wheel == set(mods), f"not in the wheel: {sorted(set(mods) - in_wheel)}; in it but not in the checkout: {sorted(in_wheel - set(mods))}"

    env = tmp_path/'venv'
    venv.create(env, with_pip=False)
    py = env/'bin'/'python'
    own = Path(subprocess.check_output([str(py), '-I', '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], text=True).strip())
    clean = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}   # nothing of the checkout on the new venv's path
    r = subprocess.run([sys.executable, '-m', 'pip', '--python', str(py), 'install', '--no-deps', '--ignore-installed', '-q', str(whl)],
                       capture_output=True, text=True, cwd=tmp_path, env=clean)
    assert r.returncode == 0, r.stderr[-3000:]
    (own/'zz_dependencies.pth').write_text('\n'.join(site.getsitepackages()) + '\n')   # after the venv's own acgan_nb
    names = [m[:-3].replace('/', '.').removesuffix('.__init__') for m in mods]
    code = f"import importlib, json; ms = [importlib.import_module(n) for n in {names!r}]; print(json.dumps([m.__file__ for m in ms]))"
    r = subprocess.run([str(py), '-I', '-c', code], capture_output=True, text=True, cwd=tmp_path, env=clean)
    assert r.returncode == 0, r.stderr[-3000:]
    files = json.loads(r.stdout.strip().splitlines()[-1])
    assert all(Path(f).is_relative_to(own) for f in files), [f for f in files if not Path(f).is_relative_to(own)]
    assert (env/'bin'/'acgan-train-distributed').exists() and (env/'bin'/'acgan-train').exists()
