#!/usr/bin/env python3
"""Fails when the server log of the end-to-end run names a person of the database.

Usage: log-check.py DATABASE LOG

Every first and last name of the people table (4 letters or more, as a whole word) and the
first 24 characters of every note are searched in the log. The log must hold the run's
requests (at least 200 lines), so that an empty or missing log cannot pass.
"""
import re
import sqlite3
import sys


def main(database: str, log_path: str) -> int:
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    lines = log.count("\n")
    if lines < 200:
        print(f"log-check: the server log holds {lines} lines; the run's requests are missing")
        return 1
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    names = set()
    for first, last in db.execute("SELECT first_name, last_name FROM people"):
        for name in (first, last):
            if len(name) >= 4:
                names.add(name)
    snippets = {text[:24] for (text,) in db.execute("SELECT text FROM notes") if len(text) >= 24}
    if len(names) < 100:
        print(f"log-check: only {len(names)} names in the database; is it the run's?")
        return 1
    found = sorted(n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", log))
    found += sorted(s for s in snippets if s in log)
    if found:
        print(f"log-check: the server log names people or notes: {found[:10]}")
        return 1
    print(f"log-check: {lines} log lines, none of {len(names)} names or {len(snippets)} notes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
