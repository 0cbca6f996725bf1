"""README.md is the home page, nbs/index.ipynb, in plain Markdown: this test keeps them identical.

Quarto (which `nbdev-readme` needs) is not available everywhere, so the README is rendered by
`readme_from_index` below: the notebook's markdown cells, joined by blank lines, with image paths
made relative to the repository root. Regenerate with `python tests/test_readme.py`.
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def readme_from_index(nb_path=ROOT/'nbs'/'index.ipynb') -> str:
    nb = json.loads(Path(nb_path).read_text())
    parts = [''.join(c['source']).strip() for c in nb['cells'] if c['cell_type'] == 'markdown']
    return '\n\n'.join(p for p in parts if p).replace('](images/', '](nbs/images/') + '\n'

def test_readme_matches_index():
    assert (ROOT/'README.md').read_text() == readme_from_index(), "README.md differs from nbs/index.ipynb: run `python tests/test_readme.py`"

def test_readme_commands_are_current():
    text = (ROOT/'README.md').read_text()
    assert 'acgan-train' in text and 'pytest --nbval-lax' in text

if __name__ == '__main__':
    (ROOT/'README.md').write_text(readme_from_index())
    print('README.md written from nbs/index.ipynb')
