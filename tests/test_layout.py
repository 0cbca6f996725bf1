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
    'data': set(),
    'nets': {'data'},
    'objectives': {'data'},
    'metrics': {'data', 'nets'},
    'train': {'data', 'nets', 'objectives', 'metrics'},
    'ensemble': {'data', 'nets', 'objectives', 'metrics', 'train'},
    'analyses': {'data', 'nets', 'objectives', 'metrics', 'train', 'ensemble'},
    'cli': {'data', 'nets', 'objectives', 'metrics', 'train', 'ensemble', 'analyses'},
    'test_utils': set(),  # fixtures for tests (97_test_utils); nothing of ours
}
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
    return parts[1] if len(parts) > 1 else None

def our_imports(mod:str, path:Path):
    "(line, imported module) for each import of one of our modules in `path`."
    pkg = mod if path.name == '__init__.py' else mod.rsplit('.', 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split('.')[0] == 'acgan_nb': yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split('.')[:len(pkg.split('.')) - (node.level - 1)]
                target = '.'.join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split('.')[0] == 'acgan_nb': target = node.module
            else: continue
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
