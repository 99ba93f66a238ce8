"""Dependencies point one way: app -> wiring -> guardrails, review, models. A library module that imports
the app would drag Gradio into every command-line tool and let the copies drift apart again."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("guardrails", "review", "models", "training", "wiring")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_library_module_imports_the_app():
    offenders = []
    for package in LIBRARIES:
        for path in sorted((ROOT / package).rglob("*.py")):
            bad = sorted(m for m in imported_modules(path) if m == "app" or m.startswith("app."))
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {', '.join(bad)}")
    assert not offenders, "library code imports the app:\n" + "\n".join(offenders)


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from app.main import main\n    import app.service\n")
    assert imported_modules(module) == {"app.main", "app.service"}
