"""dist/build-report.json: what was built, from what, how long it took, and what went wrong."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .cache import output_size, tool_versions
from .events import BuildWarning, StageEvent
from .output import write_bytes_atomic
from .state import EditionState
from .version import __version__

REPORT_NAME = "build-report.json"


@dataclass(frozen=True)
class ReportOutput:
    edition: str
    path: Path
    state: EditionState
    rebuilt: bool


def write_report(out_dir: Path, outputs: list[ReportOutput], timings: list[StageEvent],
                 warnings: list[BuildWarning]) -> Path:
    """Write the report atomically and return its path."""
    target = out_dir / REPORT_NAME
    write_bytes_atomic(target, report_bytes(out_dir, outputs, timings, warnings))
    return target


def report_bytes(out_dir: Path, outputs: list[ReportOutput], timings: list[StageEvent],
                 warnings: list[BuildWarning]) -> bytes:
    """The report's contents (a build with nothing to do writes them without timings or warnings)."""
    data = {
        "huozi": __version__,
        "versions": tool_versions(),
        "outputs": [
            {
                "edition": o.edition,
                "path": os.path.relpath(o.path, out_dir),
                "size": output_size(o.path),
                "sha256": o.state.sha256,
                "pages": o.state.pages,
                "rebuilt": o.rebuilt,
                **({"typography": o.state.typography} if o.state.typography else {}),
                **({"lint": o.state.lint["findings"]} if o.state.lint else {}),
            }
            for o in outputs
        ],
        "timings": [
            {"stage": t.stage, "edition": t.edition, "seconds": round(t.seconds, 4)} for t in timings
        ],
        "warnings": [
            {"message": w.message, "location": str(w.where) if w.where else None, "edition": w.edition}
            for w in warnings
        ],
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
