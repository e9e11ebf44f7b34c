#!/usr/bin/env python3
# A model, in plain SQLite, of the pages one audited commit writes under four
# ways of recording the audit trail's head (bench/RESULTS.md, 2026-12-01
# session 8). Not dsr: Python's sqlite3, 4 KiB pages, WAL, secure_delete, an
# audit table of dsr's columns holding 3,000 entries, then N commits of one
# entry each; pages per commit from the WAL's growth.
#   anchor: the head in a row of another table (audit_anchor k = 2, schema <= 15)
#   head:   the head as the table's last row (id 2^63 - 1, schema 16)
#   next:   entry N grown by a 33-byte next_hash when N + 1 comes
#   flag:   a flag column, 1 on the newest entry, set to 0 when the next comes
# usage: audit_pages_model.py [COMMITS]
import os
import sqlite3
import sys
import tempfile

MAX = 9223372036854775807
FIELDS = '["contact.email","identity.name","contact.phone","contact.zip","contact.address","identity.username","contact.contact_preference"]'


def run(mode, extra, commits, pre=3000):
    d = tempfile.mkdtemp()
    p = os.path.join(d, 'm.db')
    db = sqlite3.connect(p, isolation_level=None)
    for pragma in ('page_size=4096', 'journal_mode=WAL', 'wal_autocheckpoint=0', 'secure_delete=ON'):
        db.execute('PRAGMA ' + pragma)
    db.execute('CREATE TABLE audit (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, command TEXT NOT NULL, '
               'subjects TEXT NOT NULL, fields TEXT NOT NULL, request TEXT, outcome TEXT NOT NULL, prev_hash BLOB NOT NULL, '
               'hash BLOB NOT NULL, signer BLOB, sig BLOB, flag INTEGER NOT NULL DEFAULT 0)')
    db.execute('CREATE TABLE audit_anchor (k INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, hash BLOB NOT NULL)')
    if mode == 'head':
        db.execute("INSERT INTO audit VALUES (?, 0, '', 'head', '[]', '[]', NULL, 'head', x'', x'', NULL, NULL, 0)", (MAX,))

    def one(i):
        db.execute('INSERT INTO audit VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
                   (i, 1700000000 + i, 'admin', 'register', '["sub_06H34GC6DMDH2XP3"]', FIELDS, 'r' * extra or None, 'ok',
                    os.urandom(32), os.urandom(32), os.urandom(32), os.urandom(64), 1 if mode == 'flag' else 0))
        if mode == 'anchor':
            db.execute('INSERT INTO audit_anchor (k, last_id, hash) VALUES (2, ?, ?) ON CONFLICT (k) DO UPDATE SET '
                       'last_id = excluded.last_id, hash = excluded.hash', (i, os.urandom(32)))
        elif mode == 'head':
            db.execute('UPDATE audit SET at = ?, hash = ? WHERE id = ?', (i, os.urandom(32), MAX))
        elif mode == 'next':
            db.execute('UPDATE audit SET sig = sig || ? WHERE id = ?', (os.urandom(33), i - 1))
        elif mode == 'flag':
            db.execute('UPDATE audit SET flag = 0 WHERE id = ?', (i - 1,))

    db.execute('BEGIN')
    for i in range(1, pre + 1):
        one(i)
    db.execute('COMMIT')
    db.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    pages = []
    for i in range(pre + 1, pre + commits + 1):
        before = os.path.getsize(p + '-wal')
        db.execute('BEGIN')
        one(i)
        db.execute('COMMIT')
        pages.append((os.path.getsize(p + '-wal') - before - (32 if before == 0 else 0)) // (4096 + 24))
    db.close()
    pages.sort()
    return sum(pages) / len(pages), pages[len(pages) // 2], pages[-1]


commits = int(sys.argv[1]) if len(sys.argv) > 1 else 600
print('| design | ' + ' | '.join(f'+{e} B' for e in (0, 200, 400)) + ' |')
for mode in ('anchor', 'head', 'next', 'flag'):
    cells = []
    for extra in (0, 200, 400):
        mean, median, top = run(mode, extra, commits)
        cells.append(f'{mean:.2f} ({median}, max {top})')
    print(f'| {mode} | ' + ' | '.join(cells) + ' |')
