#!/usr/bin/python3
"""Writes the Gene Ontology's terms as English text, one line per term: its name, its exact
synonyms, then its definition (the same shape as the WordNet lines of gather.py).

Usage: go_terms.py OUT.txt
Reads the GO.sqlite that Debian's r-bioc-go.db ships (about 43,600 terms, 1.1M words of
molecular-biology prose; the Gene Ontology is CC BY 4.0). Used by extra_text.sh to measure
whether scientific text helps the learnt channel on scientific retrieval; it did not (see
limits.py, section 5), so train.sh does not use it.
"""

import re
import sqlite3
import sys

GO_DB = '/usr/lib/R/site-library/GO.db/extdata/GO.sqlite'


def main():
    out_path = sys.argv[1]
    try:
        db = sqlite3.connect(f'file:{GO_DB}?mode=ro', uri=True)
    except sqlite3.OperationalError:
        sys.exit(f'{GO_DB} not found: apt-get install r-bioc-go.db')
    synonyms = {}
    for term_id, synonym, like_id in db.execute('SELECT _id, synonym, like_go_id FROM go_synonym'):
        if synonym and not like_id:  # like_go_id rows are alternative GO ids, not words
            synonyms.setdefault(term_id, []).append(synonym)
    n = 0
    with open(out_path, 'w', encoding='utf-8') as out:
        for term_id, name, definition in db.execute('SELECT _id, term, definition FROM go_term ORDER BY go_id'):
            line = '; '.join([name, *synonyms.get(term_id, [])]) + '. ' + (definition or '')
            out.write(re.sub(r'\s+', ' ', line).strip() + '\n')
            n += 1
    print(f'{n} GO terms written to {out_path}', flush=True)


if __name__ == '__main__':
    main()
