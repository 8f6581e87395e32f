"""python -m eval.rubric grade --responses FILE | compare A B"""

from .cli import main

raise SystemExit(main())
