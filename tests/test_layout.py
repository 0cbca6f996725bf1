"""The package's rooms and who may import whom (DESIGN.md, the README's notebook table).

Every module of `acgan_nb` belongs to one room; a room may import only the rooms listed for it (and itself).
The test reads each module's source (every `import` and `from ... import`, at any depth, relative ones
resolved) and fails on any other edge, naming the module, the line and the room it may not reach. It also
checks that the objective registry imports its objectives directly (no `importlib`), and that no function
has grown past 45 lines (read a long one as a few named steps)."""
import ast
from pathlib import Path
import pytest

PKG = Path(__file__).resolve().parent.parent/'acgan_nb'
ALLOWED = {
    'core': set(),  # ACGANError, atomic_write, smoke_mode, num_threads (00_core): every room may use it
    'data': {'core'},
    'nets': {'core', 'data'},
    'objectives': {'core', 'data'},
    'metrics': {'core', 'data', 'nets'},
    'train': {'core', 'data', 'nets', 'objectives', 'metrics'},
    'ensemble': {'core', 'data', 'nets', 'objectives', 'metrics', 'train'},
    'analyses': {'core', 'data', 'nets', 'objectives', 'metrics', 'train', 'ensemble'},
    'cli': {'core', 'data', 'nets', 'objectives', 'metrics', 'train', 'ensemble', 'analyses'},
    'test_utils': {'core', 'data', 'nets', 'objectives', 'train'},  # fixtures for tests (97_test_utils); no room imports it
}
# inside `train`, one room per concern (03_training to 03f_sampling): a module may import only those before it
TRAIN_ORDER = ['loop', 'checkpoint', 'guards', 'monitors', 'config', 'runs', 'sampling']
# inside `data` likewise (00_data, 00b_batches, 00c_images), and inside `cli` (90_cli to 94_cli_distributed)
DATA_ORDER = ['datasets', 'batches', 'images']
CLI_ORDER = ['common', 'train', 'sample', 'evaluate', 'distributed']
ORDERS = {'train': TRAIN_ORDER, 'data': DATA_ORDER, 'cli': CLI_ORDER}
CORE_NAMES = {'ACGANError', 'atomic_write', 'smoke_mode', 'num_threads'}  # defined once, in `acgan_nb.core`
MAX_FUNCTION_LINES = 45

def modules():
    "(dotted name, path) of every module of the package but nbdev's index."
    for p in sorted(PKG.rglob('*.py')):
        if p.name == '_modidx.py': continue
        parts = p.relative_to(PKG.parent).with_suffix('').parts
        yield '.'.join(parts[:-1] if parts[-1] == '__init__' else parts), p

def room(mod:str) -> str|None:
    "The room of a dotted module name of ours (None for the package root)."
    parts = mod.split('.')
    return parts[1].split('.')[0] if len(parts) > 1 else None

def package_of(mod:str, path:Path) -> str:
    "The package a module's relative imports start from."
    return mod if path.name == '__init__.py' else mod.rsplit('.', 1)[0]

def resolve_from(node:ast.ImportFrom, pkg:str) -> str|None:
    "The absolute module a `from ... import` names (relative ones resolved against `pkg`)."
    if not node.level: return node.module
    base = pkg.split('.')[:len(pkg.split('.')) - (node.level - 1)]
    return '.'.join(base + ([node.module] if node.module else []))

def our_imports(mod:str, path:Path):
    "(line, imported module) for each import of one of our modules in `path`."
    pkg = package_of(mod, path)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split('.')[0] == 'acgan_nb': yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            target = resolve_from(node, pkg)
            if not node.level and not (target and target.split('.')[0] == 'acgan_nb'): continue
            if node.module is None or target.count('.') == 0:   # `from . import a, b`: the submodules themselves
                for a in node.names: yield node.lineno, f'{target}.{a.name}'
            else: yield node.lineno, target

def test_every_module_has_a_room():
    rooms = {m: room(m) for m, _ in modules() if m != 'acgan_nb'}
    assert set(rooms.values()) <= set(ALLOWED), {m: r for m, r in rooms.items() if r not in ALLOWED}
    assert set(rooms.values()) == set(ALLOWED), f"rooms without a module: {set(ALLOWED) - set(rooms.values())}"

@pytest.mark.parametrize('mod,path', list(modules()), ids=lambda x: x if isinstance(x, str) else '')
def test_imports_follow_the_layout(mod, path):
    src = room(mod)
    if src is None: return
    bad = [f"{path.relative_to(PKG.parent)}:{line} imports {target} ({room(target)})"
           for line, target in our_imports(mod, path) if room(target) not in ALLOWED[src] | {src, None}]
    assert not bad, f"{src} may import only {sorted(ALLOWED[src])}:\n" + '\n'.join(bad)

def test_the_registry_imports_its_objectives_directly():
    for p in (PKG/'objectives').glob('*.py'):
        assert 'importlib' not in p.read_text(), p
    from acgan_nb.objectives import OBJECTIVES
    assert {'acgan', 'acgan_star', 'acgan_star_plus', 'amgan', 'cagan', 'gan_star', 'labelgan', 'modified_acgan'} <= set(OBJECTIVES)

def test_the_checker_sees_a_forbidden_edge(tmp_path):
    "The walk itself, on a module written for the test: a metric that imports the training loop."
    p = tmp_path/'metrics.py'; p.write_text("import os\nfrom .train.runs import train\ndef f():\n    from acgan_nb.cli import acgan_train\n")
    found = [(l, t, room(t)) for l, t in our_imports('acgan_nb.metrics', p)]
    assert found == [(2, 'acgan_nb.train.runs', 'train'), (4, 'acgan_nb.cli', 'cli')]
    assert all(r not in ALLOWED['metrics'] for *_, r in found)

def test_functions_read_as_named_steps():
    long = [f"{path.relative_to(PKG.parent)}: {n.name} ({n.end_lineno - n.lineno + 1} lines)"
            for _, path in modules() for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, '\n'.join(long)

def sub_part(mod:str) -> tuple|None:
    "(room, concern) of a module inside a room split by concern (`train`, `data`, `cli`); None for any other module."
    parts = mod.split('.')
    return (parts[1], parts[2]) if len(parts) > 2 and parts[1] in ORDERS else None

@pytest.mark.parametrize('split', sorted(ORDERS))
def test_every_split_module_has_a_place(split):
    parts = {sub_part(m)[1] for m, _ in modules() if sub_part(m) and sub_part(m)[0] == split}
    assert parts == set(ORDERS[split]), f"{split} modules not in its order: {parts ^ set(ORDERS[split])}"

@pytest.mark.parametrize('mod,path', [(m, p) for m, p in modules() if sub_part(m)], ids=lambda x: x if isinstance(x, str) else '')
def test_split_modules_import_only_earlier_ones(mod, path):
    split, part = sub_part(mod)
    order = ORDERS[split]
    mine = order.index(part)
    bad = [f"{path.relative_to(PKG.parent)}:{line} imports {target}" for line, target in our_imports(mod, path)
           if sub_part(target) and sub_part(target)[0] == split and order.index(sub_part(target)[1]) >= mine
           and target != mod]
    assert not bad, f"{mod} may import only {order[:mine]} of {split}:\n" + '\n'.join(bad)

def test_core_names_come_from_core():
    "`ACGANError` and the other shared helpers are imported from `acgan_nb.core`, never through `data` or training."
    bad = []
    for mod, path in modules():
        pkg = package_of(mod, path)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom): continue
            target = resolve_from(node, pkg)
            names = {a.name for a in node.names} & CORE_NAMES
            if names and target != 'acgan_nb.core': bad.append(f"{path.relative_to(PKG.parent)}:{node.lineno} imports {sorted(names)} from {target}")
            if target == 'acgan_nb.train.learner': bad.append(f"{path.relative_to(PKG.parent)}:{node.lineno} imports the old acgan_nb.train.learner")
    defined = [f"{p.relative_to(PKG.parent)}: {n.name}" for m, p in modules() if m != 'acgan_nb.core'
               for n in ast.parse(p.read_text()).body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in CORE_NAMES]
    assert not bad and not defined, '\n'.join(bad + defined)
