"""The code's own rules, checked on its source: WeasyPrint's internals are read in one adapter
(pdf/boxes.py) and patched in one module (pdf/weasy_patch.py); no import cycles."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import weasyprint

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "huozi"
ADAPTERS = {PACKAGE / "pdf" / "boxes.py", PACKAGE / "pdf" / "weasy_patch.py"}
# WeasyPrint's public API: the top-level package (HTML, CSS, Document…) and its URL fetching.
PUBLIC_MODULES = {"weasyprint", "weasyprint.urls"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _weasyprint_private_names() -> set[str]:
    """Every `_name` WeasyPrint defines or sets on an object (dunder names aside)."""
    names: set[str] = set()
    for path in Path(weasyprint.__file__).parent.rglob("*.py"):
        names |= set(re.findall(r"\b(_[a-z][a-z0-9_]*)\b", path.read_text(encoding="utf-8")))
    return names


def _private_uses(tree: ast.AST, private: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in private:
            # Our own objects' private attributes (self._x) are not WeasyPrint's.
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("weasyprint"):
            if node.module not in PUBLIC_MODULES:
                found.append((node.lineno, node.module))
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name.startswith("weasyprint") and a.name not in PUBLIC_MODULES]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("getattr", "setattr", "hasattr") and len(node.args) > 1
              and isinstance(node.args[1], ast.Constant) and node.args[1].value in private):
            found.append((node.lineno, node.args[1].value))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args and isinstance(node.args[0], ast.Constant)
              and str(node.args[0].value).startswith("weasyprint")
              and node.args[0].value not in PUBLIC_MODULES):
            found.append((node.lineno, node.args[0].value))
    return found


def test_the_private_name_list_is_real():
    private = _weasyprint_private_names()
    assert {"_page_box", "_profile", "_tags", "_get_pdf_tag"} <= private


def test_only_the_adapters_name_weasyprint_internals():
    private = _weasyprint_private_names()
    offences = []
    for path in _modules():
        if path in ADAPTERS:
            continue
        for line, name in _private_uses(ast.parse(path.read_text(encoding="utf-8")), private):
            offences.append(f"{path.relative_to(PACKAGE)}:{line}: {name}")
    assert offences == [], "WeasyPrint internals outside pdf/boxes.py and pdf/weasy_patch.py:\n" + "\n".join(offences)


def _imported_names(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_only_the_figure_drawing_module_imports_matplotlib():
    """figures/plot.py is matplotlib's one adapter: it imports it, when a figure must be drawn,
    without the help text its import would build (plot._import_matplotlib)."""
    importers = sorted(str(path.relative_to(PACKAGE)) for path in _modules()
                       if any(name.split(".")[0] in ("matplotlib", "mpl_toolkits")
                              for name in _imported_names(ast.parse(path.read_text(encoding="utf-8")))))
    assert importers == ["figures/plot.py"]


def test_the_check_catches_a_private_read():
    private = _weasyprint_private_names()
    sample = ast.parse("def f(page):\n    from weasyprint.formatting_structure import boxes\n"
                       "    return page._page_box, getattr(page, '_page_box')\n")
    assert [name for _, name in _private_uses(sample, private)] == [
        "weasyprint.formatting_structure", "_page_box", "_page_box"]


def test_the_adapters_do_read_the_internals():
    private = _weasyprint_private_names()
    boxes = ast.parse((PACKAGE / "pdf" / "boxes.py").read_text(encoding="utf-8"))
    assert {"_page_box", "_profile", "weasyprint.formatting_structure"} <= {n for _, n in _private_uses(boxes, private)}


# --- the import graph ----------------------------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """The huozi modules `path` imports, at module level or inside functions.

    `from package import submodule` is an edge to the submodule alone: a package's __init__
    runs first, but importing a package from its own submodule is the ordinary Python idiom.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Imports for type checkers alone (`if TYPE_CHECKING:`) never run.
    typing_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
                   for statement in node.body for inner in ast.walk(statement)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith("huozi"):
                for alias in node.names:
                    found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("huozi")}
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _modules()}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(path, name, set(modules)) if m in modules and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 60 and "huozi.pipeline" in graph
    assert _cycle(graph) is None, "import cycle: " + " -> ".join(_cycle(graph) or [])


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


# --- one home per rule ---------------------------------------------------------------------------

def _strings(path: Path) -> list[tuple[int, str]]:
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_the_cache_folder_is_named_once():
    named = [f"{path.relative_to(PACKAGE)}:{line}" for path in _modules() for line, text in _strings(path)
             if ".huozi-cache" in text and not text.lstrip().startswith(("A ", "The ", "An "))]
    assert named == ["cache.py:" + str(next(line for line, text in _strings(PACKAGE / "cache.py")
                                            if text == ".huozi-cache"))]


def test_zero_width_characters_are_defined_once():
    """The break controls (U+200B, U+2060) are written as characters only in text/chars.py."""
    found = [f"{path.relative_to(PACKAGE)}:{line}" for path in _modules() if path.name != "chars.py"
             for line, text in _strings(path) if "\u200b" in text or "\u2060" in text]
    assert found == []


def test_did_you_mean_is_said_by_one_helper():
    offences = [f"{path.relative_to(PACKAGE)}:{line}" for path in _modules() if path.name != "errors.py"
                for line, text in _strings(path) if text.startswith("did you mean")]
    assert offences == []
