"""Build the documentation site offline into `_docs/`, and check it in headless Chromium.

`python .ci/build_docs.py build --mathjax DIR` runs nbdev's processing (what `nbdev-proc-nbs` does, minus its
Quarto install and its `_modidx.py` rebuild) into `_proc/`, then turns each processed notebook into one HTML
page with nbconvert, in the sidebar's order, with a navigation to every page, the `show_doc` tables, the
figures (`nbs/images` and the outputs embedded in the notebooks) and the TeX typeset by a local MathJax 3
copied from DIR. It follows the Quarto cell options nbdev leaves in `_proc/` (`include`, `echo`, `output`,
`code-fold`), so a page shows what `nbdev-docs` would show.

`python .ci/build_docs.py check` serves `_docs/` on 127.0.0.1, opens every page in Chromium through
Debian's chromedriver (selenium), writes `_docs/screenshots/<page>.png`, and exits non-zero with one line per
problem: a blank page, a JavaScript error, raw directive or Quarto syntax on the page, a cell meant to be
hidden, a broken image or internal link, TeX that MathJax did not typeset, an external resource, or
notebook text that nbdev's processing drops.
"""
import argparse, base64, functools, html, http.server, json, os, re, shutil, sys, tempfile, threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS, PROC, NBS = ROOT/'_docs', ROOT/'_proc', ROOT/'nbs'
TEMPLATE = Path(__file__).resolve().parent/'docs_page.html.j2'
SITE_CSS = Path(__file__).resolve().parent/'docs_site.css'
MATHJAX_JS = 'mathjax/tex-chtml-full.js'
SHOT_W, SHOT_MAX_H = 1200, int(os.environ.get('DOCS_SHOT_MAX_H', 8000))   # screenshot width, height cap (px)

# ---------------------------------------------------------------- notebooks, directives, pages
_re_opt = re.compile(r'^\s*#\|\s*([\w-]+)\s*(?::\s*(.*?))?\s*$')

def split_options(src):
    "Leading `#|` lines of a code cell as {option: value} and the code after them"
    lines, opts = src.splitlines(), {}
    i = 0
    while i < len(lines) and _re_opt.match(lines[i]):
        k, v = _re_opt.match(lines[i]).groups()
        opts[k] = (v or '').strip().strip('"\'')
        i += 1
    return opts, '\n'.join(lines[i:]).strip('\n')

def src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def read_nb(p): return json.loads(Path(p).read_text(encoding='utf-8'))

def sidebar_pages():
    "Notebook names in nbdev's sidebar order (`nbs/sidebar.yml`)"
    import yaml
    side = yaml.safe_load((NBS/'sidebar.yml').read_text())['website']['sidebar']['contents']
    out = []
    def walk(items):
        for o in items:
            if isinstance(o, str): out.append(o)
            elif isinstance(o, dict) and 'contents' in o: walk(o['contents'])
            elif isinstance(o, dict) and 'href' in o: out.append(o['href'])
    walk(side)
    return [o for o in out if o.endswith('.ipynb')]

def frontmatter(nb):
    "The YAML frontmatter nbdev puts in the first raw cell of a processed notebook"
    import yaml
    for c in nb['cells']:
        if c['cell_type'] == 'raw':
            m = re.match(r'^---\s*\n(.*?)\n---\s*$', src(c).strip(), flags=re.S)
            if m: return yaml.safe_load(m.group(1)) or {}, c
    return {}, None

def pages():
    "[(notebook name, page file, title, description)] in sidebar order, from `_proc/`"
    res = []
    for name in sidebar_pages():
        fm, _ = frontmatter(read_nb(PROC/name))
        res.append((name, fm.get('output-file', Path(name).with_suffix('.html').name), fm.get('title', name), fm.get('description', '')))
    return res

# ---------------------------------------------------------------- build
def proc():
    "nbdev's `nbdev-proc-nbs` without `_ensure_quarto` (it downloads Quarto) and without rewriting `_modidx.py`"
    from nbdev.config import get_config
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.serve import proc_nbs
    cfg = get_config()
    os.chdir(cfg.config_path)
    shutil.rmtree(PROC, ignore_errors=True)         # proc_nbs skips notebooks older than their _proc copy: start clean, as CI does
    refresh_quarto_yml()                              # nbs/nbdev.yml (title, site-url, repo-url)
    nbdev_sidebar.__wrapped__(path=cfg.nbs_path)      # nbs/sidebar.yml
    proc_nbs(cfg.nbs_path, n_workers=min(2, os.cpu_count() or 1))
    return cfg

_re_attr_link = re.compile(r'\[([^\]]+)\]\(([^)\s]+)\)\{([^}]*)\}')

def nb2page(stem):
    "The page nbdev makes of notebook `stem` (numeric prefix dropped, as `nbpath2html` does)"
    from nbdev.config import nbpath2html
    return nbpath2html(Path(stem + '.ipynb')).name

def fix_md(s, doc_url):
    "Markdown that nbconvert renders as Quarto would: site links made relative, pandoc link attributes as HTML"
    s = s.replace(doc_url, '')
    s = re.sub(r'\]\((?:\./)?([\w-]+)\.ipynb(#[^)]*)?\)', lambda m: f'](' + nb2page(m.group(1)) + (m.group(2) or '') + ')', s)
    def attr_link(m):
        attrs = ' '.join(a for a in re.findall(r'[\w-]+="[^"]*"', m.group(3)))
        return f'<a href="{html.escape(m.group(2))}" {attrs}>{m.group(1)}</a>'
    return _re_attr_link.sub(attr_link, s)

def page_nb(nb, title, desc, doc_url):
    "A processed notebook as the cells its page shows"
    import nbformat
    cells = []
    for c in nb['cells']:
        s = src(c)
        if c['cell_type'] == 'raw': continue                     # frontmatter: becomes the title below
        if c['cell_type'] == 'markdown':
            if re.fullmatch(r'\s*<!--.*?-->\s*', s, flags=re.S): continue   # nbdev's "autogenerated" comment: an empty cell
            c['source'] = fix_md(s, doc_url); cells.append(c); continue
        opts, code = split_options(s)
        if opts.get('include') == 'false': continue
        outs = [] if opts.get('output') == 'false' else c.get('outputs', [])
        for o in outs:
            md = o.get('data', {}).get('text/markdown')
            if md is not None: o['data']['text/markdown'] = fix_md(''.join(md) if isinstance(md, list) else md, doc_url)
        c['outputs'] = outs
        c['source'] = code
        hide_src = opts.get('echo') == 'false' or not code.strip()
        if hide_src and not outs: continue
        c.setdefault('metadata', {})
        if hide_src: c['metadata']['transient'] = {'remove_source': True}
        if 'code-fold' in opts: c['metadata']['code_fold'] = [opts['code-fold'], opts.get('code-summary', 'Code')]
        cells.append(c)
    head = f'# {title}'
    if desc: head += f'\n\n<div class="description">\n\n{desc}\n\n</div>'
    cells.insert(0, {'cell_type': 'markdown', 'metadata': {}, 'source': head})
    keep = {'markdown': {'cell_type', 'metadata', 'source', 'id', 'attachments'},
            'code': {'cell_type', 'metadata', 'source', 'id', 'execution_count', 'outputs'}}
    for i, c in enumerate(cells): c.setdefault('id', f'docs-cell-{i}')
    for c in cells: c['metadata'] = {k: v for k, v in c.get('metadata', {}).items() if k in ('transient', 'code_fold', 'tags')}
    nb['cells'] = [{k: v for k, v in c.items() if k in keep[c['cell_type']]} for c in cells]   # nbdev's own marks (has_sd) out
    nb.setdefault('metadata', {})['title'] = title
    return nbformat.from_dict(nb)

def strip_tags(s): return html.unescape(re.sub(r'<[^>]+>', '', s))

def nav_html(plist, current, body):
    "The sidebar: every page in notebook order, the current page's sections (its h2) below its title"
    items = []
    for name, out, title, _ in plist:
        if out != current: items.append(f'<li><a href="{out}">{html.escape(title)}</a></li>'); continue
        secs = [(m.group(1), strip_tags(m.group(2)).rstrip('¶').strip()) for m in re.finditer(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', body, flags=re.S)]
        toc = ''.join(f'<li><a href="#{i}">{html.escape(t)}</a></li>' for i, t in secs)
        items.append(f'<li><a class="active" aria-current="page" href="{out}">{html.escape(title)}</a>'
                     + (f'<ul class="docs-toc">{toc}</ul>' if toc else '') + '</li>')
    return '<nav class="docs-sidebar" aria-label="Pages"><ul>' + ''.join(items) + '</ul></nav>'

def lower_ids(body):
    "Quarto's heading ids are lower case and nbdev links to them: give each mixed-case heading its lower-case id too"
    ids = set(re.findall(r' id="([^"]+)"', body))
    def f(m):
        lo = m.group(2).lower()
        if lo == m.group(2) or lo in ids: return m.group(0)
        ids.add(lo)
        return m.group(0) + f'<span id="{lo}"></span>'
    return re.sub(r'<(h[1-4]) id="([^"]+)"[^>]*>', f, body)

def build(mathjax):
    cfg = proc()
    import nbformat
    from nbconvert import HTMLExporter
    doc_url = f"{cfg.doc_host}{cfg.doc_baseurl}".rstrip('/') + '/'
    if DOCS.exists(): shutil.rmtree(DOCS)
    DOCS.mkdir()
    for d in ('images',):
        if (PROC/d).exists(): shutil.copytree(PROC/d, DOCS/d)
    shutil.copy(SITE_CSS, DOCS/'site.css')
    if (NBS/'styles.css').exists(): shutil.copy(NBS/'styles.css', DOCS/'styles.css')
    shutil.copytree(mathjax, DOCS/'mathjax')
    ex = HTMLExporter(template_file=str(TEMPLATE), exclude_input_prompt=True, exclude_output_prompt=True,
                      mathjax_url=MATHJAX_JS, anchor_link_text='¶')
    plist = pages()
    for name, out, title, desc in plist:
        nb = page_nb(nbformat.read(PROC/name, as_version=4), title, desc, doc_url)   # nbformat joins multi-line strings
        body, _ = ex.from_notebook_node(nb, resources={'metadata': {'name': title, 'path': str(PROC)}})
        body = lower_ids(body)
        top = (f'<header class="docs-navbar"><a class="docs-brand" href="index.html">{html.escape(cfg.get("title", cfg.lib_name))}</a>'
               f'<a class="docs-repo" href="{cfg.git_url}">GitHub</a></header>')
        assert body.count('<main>') == 1, f'{name}: expected one <main> in the page'
        body = body.replace('<main>', top + nav_html(plist, out, body) + '<main class="docs-main">')
        (DOCS/out).write_text(body, encoding='utf-8')
        print(f'{name} -> _docs/{out}')

# ---------------------------------------------------------------- checks
def source_problems():
    "Notebook text that nbdev's processing drops: anything in the title cell besides `# title` and `> summary`"
    probs = []
    for name in sidebar_pages():
        nb = read_nb(NBS/name)
        md = next((c for c in nb['cells'] if c['cell_type'] == 'markdown'), None)
        if md is None or not re.search(r'^#\s+\S', src(md), flags=re.M): continue
        extra = [l for l in src(md).splitlines() if l.strip() and not re.match(r'^(#|>)\s', l)]
        if extra:
            probs.append(f'nbs/{name}: text lost: the title cell holds {len(extra)} more line(s) ("{extra[0][:60]}...") that nbdev drops '
                         'from the page (it keeps only "# title" and "> summary"); move them to a markdown cell of their own')
    return probs

def hidden_sources(name):
    "Sources of the cells of `nbs/name` that the page must not show (hide/export directives, include/echo false)"
    res = []
    for i, c in enumerate(read_nb(NBS/name)['cells']):
        if c['cell_type'] != 'code': continue
        opts, code = split_options(src(c))
        if opts.keys() & {'hide', 'export', 'exporti', 'default_exp'} or opts.get('include') == 'false' or opts.get('echo') == 'false':
            norm = ' '.join(code.split())
            if len(norm) >= 20: res.append((i, norm))
    return res

_JS_STATE = r"""
const txt = document.body ? document.body.innerText : '';
const imgs = Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src').slice(0, 80));
const pres = Array.from(document.querySelectorAll('pre')).map(p => p.textContent);
const ext = Array.from(document.querySelectorAll('script[src], link[href], img[src], iframe[src]'))
  .filter(e => !(e.tagName === 'LINK' && !/stylesheet|icon|preload|modulepreload/.test(e.rel)))
  .map(e => e.getAttribute('src') || e.getAttribute('href')).filter(u => /^(https?:)?\/\//.test(u));
const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href).filter(h => h.startsWith(location.origin));
const main = document.querySelector('main');
let prose = '';   // the page's text outside code and typeset math: TeX left here was not typeset
if (main) { const c = main.cloneNode(true); c.querySelectorAll('pre, code, mjx-container, script, style').forEach(e => e.remove()); prose = c.textContent; }
return {txt: txt, prose: prose, main: main ? main.innerText.trim().length : 0, imgs: imgs, pres: pres, ext: ext, links: links,
        nav: document.querySelectorAll('nav a').length, h1: document.querySelectorAll('main h1').length,
        mj: !!(window.MathJax && window.MathJax.startup && window.MathJax.version),
        mjx: document.querySelectorAll('mjx-container').length, merr: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.getAttribute('data-mjx-error') || e.textContent).slice(0, 3),
        height: Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)};
"""

def serve(root):
    "A localhost http server for `root` on a free port, in a thread"
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'

def driver(profile):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = os.environ.get('CHROMIUM', '/usr/bin/chromium')
    for a in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
              '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--hide-scrollbars',
              f'--user-data-dir={profile}', f'--window-size={SHOT_W},900'):
        o.add_argument(a)
    o.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    d = webdriver.Chrome(options=o, service=Service(os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')))
    d.set_page_load_timeout(60)
    return d

def check():
    probs = source_problems()
    plist = pages()
    shots = DOCS/'screenshots'
    if shots.exists(): shutil.rmtree(shots)
    shots.mkdir(parents=True)
    srv, base = serve(DOCS)
    profile = tempfile.mkdtemp(prefix='acgan-docs-chromium-')
    d = driver(profile)
    try:
        for name, out, title, _ in plist:
            page = Path(out).stem
            def bad(msg):
                if f'_docs/{out}: {msg}' not in probs: probs.append(f'_docs/{out}: {msg}')
            d.get_log('browser')                 # drain: messages logged late by the previous page are not this page's
            d.get(base + out)
            try: d.execute_async_script('const done = arguments[arguments.length-1];'
                                         'if (window.MathJax && MathJax.startup) MathJax.startup.promise.then(() => done(1), () => done(0)); else done(0);')
            except Exception as e: bad(f'MathJax did not finish: {type(e).__name__}')
            st = d.execute_script(_JS_STATE)
            if st['main'] < 200: bad(f"blank page ({st['main']} characters of text)")
            if st['h1'] != 1: bad(f"{st['h1']} page titles (h1), expected 1")
            if st['nav'] < len(plist): bad(f"navigation has {st['nav']} links, expected at least {len(plist)}")
            for l in st['txt'].splitlines():
                if re.match(r'^\s*#\|', l) or re.match(r'^\s*#\s*(export|exporti|exports|hide|default_exp\s+\S+)\s*$', l):
                    bad(f'raw directive shown: "{l.strip()[:80]}"')
            for pat, what in ((r'\{(target|style|\.[\w-]+)[=\s}]', 'pandoc attribute'), (r'^\s*:::', 'fenced div'), (r'<!--', 'HTML comment')):
                for l in st['txt'].splitlines():
                    if re.search(pat, l): bad(f'raw {what} shown: "{l.strip()[:80]}"'); break
            for p in st['pres']:
                if re.search(r"\\n', '", p): bad(f'output lines shown as a Python list: "{p.strip()[:60]}"'); break
            pres = [' '.join(p.split()) for p in st['pres']]
            allpre = '\n'.join(pres)
            for i, h in hidden_sources(name):
                if h in pres or (len(h) >= 60 and h in allpre): bad(f'shows hidden cell {i} of nbs/{name}: "{h[:60]}"')
            for s in st['imgs']: bad(f'broken image: {s}')
            for u in st['ext']: bad(f'loads an external resource (no network at check time): {u}')
            for h in st['links']:
                p = h[len(base):].split('#')[0].split('?')[0]
                if p and not (DOCS/p).exists(): bad(f'broken link: {p}')
            if not st['mj']: bad('MathJax did not load')
            elif st['merr']: bad(f"TeX errors: {st['merr']}")
            m = re.search(r'\$[^$\s][^$\n]{0,200}?\$|\\\(.{1,200}?\\\)', st['prose'])
            if m: bad(f'TeX left as text: "{m.group(0)[:80]}"')
            h = min(max(st['height'], 600), SHOT_MAX_H)
            shot = d.execute_cdp_cmd('Page.captureScreenshot', {'format': 'png', 'captureBeyondViewport': True,
                                     'clip': {'x': 0, 'y': 0, 'width': SHOT_W, 'height': h, 'scale': 1}})
            (shots/f'{page}.png').write_bytes(base64.b64decode(shot['data']))
            for e in d.get_log('browser'):      # read last, after MathJax and the screenshot: late errors count too
                if e['level'] == 'SEVERE': bad(f"JavaScript error: {e['message'][:200]}")
            print(f"checked _docs/{out}: {st['main']} characters, {st['mjx']} formulas, {len(st['pres'])} code blocks, height {st['height']} px")
    finally:
        d.quit(); srv.shutdown(); shutil.rmtree(profile, ignore_errors=True)
    for p in probs: print('DOCS PROBLEM:', p)
    print(f'{len(plist)} pages checked, {len(probs)} problem(s); screenshots in _docs/screenshots/')
    return 1 if probs else 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('cmd', choices=['build', 'check'])
    ap.add_argument('--mathjax', help="MathJax 3's es5 folder (npm package mathjax@3)")
    a = ap.parse_args()
    if a.cmd == 'build':
        if not a.mathjax or not (Path(a.mathjax)/'tex-chtml-full.js').exists(): sys.exit('build needs --mathjax DIR holding tex-chtml-full.js')
        build(a.mathjax)
    else: sys.exit(check())
