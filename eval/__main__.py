"""Evaluation command line: ``python -m eval <command> [options]``.

A thin dispatcher. Each subcommand lives in its own module, imported only when
that subcommand runs, so a missing dependency of one evaluation (e.g. the
parser for ``parse``) never breaks the others. To add a command, add one line
to ``COMMANDS``: the module must expose ``main(argv: list[str]) -> int``.
"""

from __future__ import annotations

import importlib
import sys

# name -> (module, one-line description)
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("eval.parse_eval", "score nls.parse against the judged golden / holdout sets"),
    "search": ("eval.search_eval", "run the judged search set through hybrid / trigram / vector; report"),
    "compare": ("eval.compare", "compare two runs: metric deltas, paired randomization p, wins / losses"),
    "judge": ("eval.judge", "(re)write the graded qrels from the judging rule over the eval database"),
    "snapshot": ("eval.snapshot", "write what a student sees (public pages, search responses) for the rubric grader"),
    "dataset": ("eval.dataset_cli", "build the eval database (1,000 instructors, seed 42, fixed dates)"),
    "online": ("eval.online", "online search quality from recorded impressions and clicks: report.md and plots"),
    "session": ("eval.online_session", "a scripted session of students (searches, clicks, bookings) on the demo"),
    "experiment": ("eval.experiment", "a simulated interleaving experiment between two ranker configs"),
    "mine": ("eval.mine", "the worst online queries (no results, no click, reformulated) as a judging queue"),
}


def _usage() -> str:
    lines = ["usage: python -m eval <command> [options]", "", "commands:"]
    width = max(len(name) for name in COMMANDS)
    for name, (_, desc) in sorted(COMMANDS.items()):
        lines.append(f"  {name.ljust(width)}  {desc}")
    lines.append("")
    lines.append("run `python -m eval <command> --help` for a command's options")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"error: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
