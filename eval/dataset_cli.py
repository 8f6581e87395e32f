"""`python -m eval dataset [--instructors N]`: build (or reuse) the eval database."""

from __future__ import annotations

import argparse


def main(argv: list[str]) -> int:
    from eval.dataset import INSTRUCTORS, database_name, eval_engine

    ap = argparse.ArgumentParser(prog="python -m eval dataset", description=__doc__)
    ap.add_argument("--instructors", type=int, default=INSTRUCTORS)
    args = ap.parse_args(argv)
    eval_engine(args.instructors, quiet=False)
    print(f"eval database {database_name(args.instructors)} ready")
    return 0
