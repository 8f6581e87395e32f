"""Build data/common_passwords.txt, the list of common passwords that registration, password changes and
resets refuse (services/passwords.py), from the list zxcvbn ships.

    python -m cli.passwords            write data/common_passwords.txt
    python -m cli.passwords --check    rebuild in memory; exit 1 if the committed file differs

zxcvbn 4.5.0 (the `export` extra, build time only) holds the 30,000 most common passwords of its leaked
password corpus; only those of 8 characters or more can be chosen here (shorter ones fail the length rule
first), 11,611 of them, lowercased. The API reads the text file (~3 ms, ~1 MB) instead of importing
zxcvbn (~70 ms and ~17 MB per process, for five word lists it would not use).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "data" / "common_passwords.txt"
MIN_LENGTH = 8  # the shortest password accepted (api/schemas/auth.py NewPassword)
SOURCE = "zxcvbn 4.5.0, frequency_lists.FREQUENCY_LISTS['passwords']"


def build() -> str:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    words = sorted({w.strip().lower() for w in FREQUENCY_LISTS["passwords"] if len(w.strip()) >= MIN_LENGTH})
    header = [
        f"# Common passwords refused by InstaInstru: {len(words)} entries, lowercased, {MIN_LENGTH}+ characters.",
        f"# Made by `python -m cli.passwords` from {SOURCE}. Do not edit by hand.",
    ]
    return "\n".join(header + words) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.passwords", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs from a rebuild")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_text() == text
        print(f"{OUTPUT.relative_to(ROOT)}: {'up to date' if same else 'differs from a rebuild'}")
        return 0 if same else 1
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({text.count(chr(10)) - 2} passwords)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
