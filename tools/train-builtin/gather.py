#!/usr/bin/python3
"""Gathers English text from installed Debian packages into one plain-text file per source.

Each output line is one paragraph (or one dictionary sense / one WordNet synset), with markup
removed and whitespace collapsed. Only files that the named package owns (`dpkg -L`) are read, so
the corpus is exactly "what these packages ship" and nothing else on the machine leaks in.

Usage: gather.py OUT_DIR [--only SOURCE,SOURCE,...]
--only restricts the corpus to the named sources (e.g. the permissive ones: PERMISSIVE below).
Writes OUT_DIR/<source>.txt and OUT_DIR/sources.json (package, version, licence, lines, bytes).
"""

import gzip
import html
import json
import os
import re
import subprocess
import sys

# Licences as read from /usr/share/doc/<pkg>/copyright (summarised; the copyright file is the
# authority). The order is the order of the corpus.
SOURCES = [
    ('wordnet', 'wordnet-base', 'WordNet 3.0 licence (BSD-like, permissive)'),
    ('gcide', 'dict-gcide', 'GPL-2+ (GNU Collaborative International Dictionary of English)'),
    ('python-doc', 'python3.11-doc', 'PSF-2.0 (Python Software Foundation licence)'),
    ('postgresql-doc', 'postgresql-doc-15', 'PostgreSQL licence (permissive)'),
    ('manpages', 'manpages', 'per page: mostly Linux-man-pages-copyleft; some GPL-2+, BSD, Expat'),
    ('manpages-dev', 'manpages-dev', 'per page: mostly Linux-man-pages-copyleft; some GPL-2+, BSD, Expat'),
    ('linux-doc', 'linux-doc-6.1', 'GPL-2 (Linux kernel documentation)'),
    ('debian-reference', 'debian-reference-en', 'GPL-2+'),
    ('fortunes', 'fortunes', 'BSD (fortune-mod); cookies are quotations of mixed provenance'),
    ('kjv', 'bible-kjv-text', 'public domain text (King James Version, 1611); read with bible-kjv (GPL-2+)'),
    ('devil', 'dict-devil', "public domain (Ambrose Bierce, The Devil's Dictionary)"),
    ('jargon', 'jargon-text', 'public domain (The Jargon File 4.4.7)'),
]

# Sources whose licence puts no copyleft condition on the text.
PERMISSIVE = ['wordnet', 'python-doc', 'postgresql-doc', 'fortunes', 'kjv', 'devil', 'jargon']

WS = re.compile(r'\s+')


def collapse(text):
    return WS.sub(' ', text).strip()


def package_files(pkg):
    out = subprocess.run(['dpkg', '-L', pkg], check=True, capture_output=True, text=True).stdout
    return sorted(p for p in out.splitlines() if os.path.isfile(p))


def package_version(pkg):
    out = subprocess.run(
        ['dpkg-query', '-W', '-f=${Version}', pkg], check=True, capture_output=True, text=True
    )
    return out.stdout


def read_text(path):
    opener = gzip.open if path.endswith('.gz') or path.endswith('.dz') else open
    with opener(path, 'rb') as f:
        return f.read().decode('utf-8', errors='replace')


def paragraphs(text):
    """Splits on blank lines; each paragraph becomes one line."""
    for block in re.split(r'\n\s*\n', text):
        line = collapse(block)
        if line:
            yield line


# --- per-source extractors -------------------------------------------------------------------


def wordnet(files):
    """One line per synset: its lemmas, then its gloss (definitions and quoted examples).

    Putting the synonyms next to each other and next to their definition is what makes a tiny
    corpus teach that 'car' and 'automobile' are close.
    """
    for path in files:
        if not re.search(r'/data\.(noun|verb|adj|adv)$', path):
            continue
        for raw in read_text(path).splitlines():
            if raw.startswith('  '):  # licence header
                continue
            head, _, gloss = raw.partition(' | ')
            fields = head.split()
            count = int(fields[3], 16)
            lemmas = [re.sub(r'\(.*\)$', '', w).replace('_', ' ') for w in fields[4 : 4 + 2 * count : 2]]
            yield collapse(', '.join(lemmas) + ': ' + gloss.replace(';', '.'))


def gcide(files):
    """Dictionary senses: drops the headword pronunciation and the source tags."""
    for path in files:
        if not path.endswith('.dict.dz'):
            continue
        text = read_text(path)
        # Entries start after the database header entries ("00-database-...").
        text = text[text.find('\nA \\A\\') :]
        for para in paragraphs(text):
            para = re.sub(r'\\[^\\]{0,80}\\', ' ', para)  # \pron\ after headwords
            para = re.sub(r'\[(?:[^\]]*(?:Webster|WordNet|PJC|Century|Obs|R\.)[^\]]*)\]', ' ', para)
            para = re.sub(r'\{|\}', '', para)
            para = collapse(para)
            if len(para) > 20:
                yield para


RST_SKIP = re.compile(r'^\s*(\.\. |:[a-z-]+:|[=\-~^*#+`\'"]{3,}\s*$)')


def rst(files, suffix):
    """reStructuredText sources: drops directives, under-lines and literal (indented code) blocks."""
    for path in files:
        if not path.endswith(suffix):
            continue
        kept = []
        for line in read_text(path).splitlines():
            if RST_SKIP.match(line):
                kept.append('')
                continue
            if line.startswith('    ') or line.startswith('\t'):
                # Indented text in these trees is mostly code samples or option tables.
                kept.append('')
                continue
            line = re.sub(r':[a-z:]+:`([^`<]*)(<[^>]*>)?`', r'\1', line)
            line = line.replace('``', '').replace('**', '').replace('`_', '').replace('`', '')
            kept.append(line)
        yield from paragraphs('\n'.join(kept))


class _HtmlText:
    TAG = re.compile(r'<(script|style|pre)\b.*?</\1>', re.S | re.I)
    BLOCK = re.compile(r'</?(p|div|li|dd|dt|h[1-6]|tr|td|th|table|br|title)\b[^>]*>', re.I)
    ANY = re.compile(r'<[^>]+>')


def html_text(files, suffix):
    for path in files:
        if not path.endswith(suffix):
            continue
        text = read_text(path)
        text = _HtmlText.TAG.sub(' ', text)
        text = _HtmlText.BLOCK.sub('\n\n', text)
        text = html.unescape(_HtmlText.ANY.sub('', text))
        for para in paragraphs(text):
            if len(para) > 30:
                yield para


ROFF_TEXT_MACROS = re.compile(r'^\.(B|I|BR|RB|IR|RI|BI|IB|SH|SS|TP|IP|HP)\b\s*')


def manpages(files):
    """man(7) roff: keeps the text of font macros, drops every other request and escapes."""
    for path in files:
        if '/man/' not in path or not path.endswith('.gz'):
            continue
        kept = []
        nofill = False
        for line in read_text(path).splitlines():
            if line.startswith('.nf') or line.startswith('.EX'):
                nofill = True
            elif line.startswith('.fi') or line.startswith('.EE'):
                nofill = False
                continue
            if nofill or line.startswith('.\\"') or line.startswith("'\\\""):
                continue
            if line.startswith('.'):
                m = ROFF_TEXT_MACROS.match(line)
                if not m:
                    kept.append('')
                    continue
                line = line[m.end() :].replace('"', '')
            line = re.sub(r'\\f[BIRP]|\\f\(..|\\\(..|\\[&|^~]', '', line)
            line = line.replace('\\-', '-').replace('\\e', '\\')
            kept.append(line)
        yield from paragraphs('\n'.join(kept))


def fortunes(files):
    for path in files:
        if '/fortunes/' not in path or os.path.splitext(path)[1] in ('.dat', '.u8'):
            continue
        if os.path.basename(path) in ('art', 'ascii-art'):
            continue
        for cookie in read_text(path).split('\n%\n'):
            line = collapse(cookie)
            if len(line) > 20:
                yield line


def kjv(files):
    """The package holds a compressed verse database; its reader `bible` prints it verse by verse."""
    out = subprocess.run(
        ['bible', '-l', '100000', 'Gen1:1-Rev22:21'], check=True, capture_output=True, text=True
    ).stdout
    for line in out.splitlines():
        m = re.match(r'^\s*\d+ (.*)$', line)
        if m:
            yield collapse(m.group(1))


def dict_db(files):
    for path in files:
        if path.endswith('.dict.dz'):
            for para in paragraphs(read_text(path)):
                if len(para) > 20 and not para.startswith('00-database'):
                    yield para


EXTRACT = {
    'wordnet': wordnet,
    'gcide': gcide,
    'python-doc': lambda f: rst(f, '.rst.txt'),
    'postgresql-doc': lambda f: html_text(f, '.html'),
    'manpages': manpages,
    'manpages-dev': manpages,
    # The kernel tree also holds Chinese, Japanese, Korean, Italian and Spanish translations.
    'linux-doc': lambda f: rst([p for p in f if '/translations/' not in p], '.rst.txt'),
    'debian-reference': lambda f: paragraphs(
        ''.join(read_text(p) for p in f if p.endswith('.en.txt.gz'))
    ),
    'fortunes': fortunes,
    'kjv': kjv,
    'devil': dict_db,
    'jargon': lambda f: paragraphs(''.join(read_text(p) for p in f if p.endswith('jargon.txt.gz'))),
}


def main():
    out_dir = sys.argv[1]
    only = None
    if len(sys.argv) > 3 and sys.argv[2] == '--only':
        only = sys.argv[3].split(',')
        unknown = set(only) - {name for name, _, _ in SOURCES}
        if unknown:
            sys.exit(f'unknown sources {sorted(unknown)}; known: {[n for n, _, _ in SOURCES]}')
    os.makedirs(out_dir, exist_ok=True)
    meta = []
    for name, pkg, licence in SOURCES:
        if only is not None and name not in only:
            continue
        files = package_files(pkg)
        n_lines = 0
        n_words = 0
        with open(os.path.join(out_dir, name + '.txt'), 'w', encoding='utf-8') as out:
            for line in EXTRACT[name](files):
                out.write(line + '\n')
                n_lines += 1
                n_words += line.count(' ') + 1
        meta.append(
            {
                'source': name,
                'package': pkg,
                'version': package_version(pkg),
                'licence': licence,
                'lines': n_lines,
                'words': n_words,
            }
        )
        print(f'{name:18s} {pkg:22s} {n_lines:9d} lines {n_words:11d} words', flush=True)
    with open(os.path.join(out_dir, 'sources.json'), 'w') as f:
        json.dump(meta, f, indent=1)


if __name__ == '__main__':
    main()
