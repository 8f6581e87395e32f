"""Location from lexicon matches.

A neighborhood sets its borough; a borough alone gives neighborhood null.
Ambiguous aliases: one borough for all candidates -> that borough only,
otherwise the first candidate. "nyc", "new york", "anywhere" give nothing.
The first place named wins.
"""

from __future__ import annotations

from typing import Any

from .lexicon import Lexicon


def resolve(matches: list[tuple[str, Any]], lex: Lexicon, out: dict[str, Any]) -> None:
    for kind, value in matches:
        if kind == "place":
            borough, hood = value
            out["location"] = {"borough": borough, "neighborhood": hood}
            return
        if kind == "ambig":
            cands = list(value)
            boroughs = {lex.neighborhood_borough.get(c) for c in cands}
            if len(boroughs) == 1:
                out["location"] = {"borough": boroughs.pop(), "neighborhood": None}
            else:
                first = cands[0]
                out["location"] = {"borough": lex.neighborhood_borough.get(first), "neighborhood": first}
            return
