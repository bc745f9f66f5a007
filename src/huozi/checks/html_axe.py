"""axe-core on the html edition: every page in headless Chromium, at a phone's width and a desktop's,
as DAISY Ace runs it on the EPUB. It runs when Chromium, Node.js, Puppeteer (from DAISY Ace's
node_modules) and axe-core are installed; otherwise a note says how to install them."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import SourceLocation
from .findings import Finding
from .validators import ACE_INSTALL, IMPACT_LEVELS, find_ace, find_chromium, find_tool

CHECK = "axe"
WIDTHS = (360, 1280)
AXE_VERSION = "4.14.1"
AXE_INSTALL = f"npm install --prefix .tools/axe axe-core@{AXE_VERSION}"
SCRIPT = Path(__file__).with_name("axe_site.cjs")


def find_axe(project: Path | None = None) -> Path | None:
    """axe.min.js: $HUOZI_AXE, .tools/axe in the project or huozi's checkout, or the copy inside
    DAISY Ace (its @daisy/axe-core-for-ace)."""
    found = find_tool("HUOZI_AXE", "axe/node_modules/axe-core/axe.min.js", project)
    if found is not None or os.environ.get("HUOZI_AXE"):
        return found
    modules = _node_modules(project)
    bundled = modules / "@daisy" / "axe-core-for-ace" / "axe.min.js" if modules else None
    return bundled if bundled is not None and bundled.is_file() else None


def _node_modules(project: Path | None) -> Path | None:
    """The node_modules folder DAISY Ace was installed in: Puppeteer is there too."""
    ace = find_ace(project)
    if ace is None:
        return None
    return next((f for f in [*ace.parents, *ace.resolve().parents]
                 if f.name == "node_modules" and (f / "puppeteer").is_dir()), None)


def run_axe(config: Config, folder: Path) -> list[Finding]:
    """axe-core's violations on every page of the site in `folder`, each at the manuscript line of
    the block it points at; the same violation at both widths is said once."""
    axe, modules, chromium = find_axe(config.root), _node_modules(config.root), find_chromium()
    if axe is None or modules is None or chromium is None or shutil.which("node") is None:
        missing = ("axe-core" if axe is None else "Chromium" if chromium is None else "Node.js"
                   if shutil.which("node") is None else "Puppeteer (from DAISY Ace)")
        return [Finding(CHECK, "note", f"{missing} is not installed, so the site was not checked with "
                        f"axe-core; install it with: {AXE_INSTALL if axe is None else ACE_INSTALL}",
                        SourceLocation(folder), not_run=True)]
    pages = sorted(str(p) for p in folder.glob("*.html"))
    with tempfile.TemporaryDirectory(prefix="huozi-axe-") as profile:
        env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium, "NODE_PATH": str(modules), "HOME": profile}
        try:
            proc = subprocess.run(["node", str(SCRIPT), profile, str(axe), ",".join(map(str, WIDTHS)), *pages],
                                  capture_output=True, text=True, env=env, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            return [Finding(CHECK, "error", "axe-core did not finish in 10 minutes", SourceLocation(folder))]
    if proc.returncode != 0:
        return [Finding(CHECK, "error", f"axe-core failed to run: {proc.stderr.strip()[-400:]}",
                        SourceLocation(folder))]
    return _findings(config, folder, json.loads(proc.stdout))


def _findings(config: Config, folder: Path, violations: list[dict[str, Any]]) -> list[Finding]:
    said: set[tuple[str, str, SourceLocation]] = set()
    findings: list[Finding] = []
    for violation in violations:
        page = violation["page"]
        for node in violation["nodes"]:
            source, line = node.get("source"), node.get("line")
            where = (SourceLocation(config.manuscript_dir / source, int(line) if line else None)
                     if source and Path(source).name == source else SourceLocation(folder / page))
            if (page, violation["id"], where) in said:   # the other width found it too
                continue
            said.add((page, violation["id"], where))
            findings.append(Finding(CHECK, IMPACT_LEVELS.get(violation["impact"], "warning"),
                                    f"{page} at {violation['width']} px: {violation['id']} ({violation['impact']}): "
                                    f"{violation['help']}: {node.get('html', '')}", where))
    return findings
