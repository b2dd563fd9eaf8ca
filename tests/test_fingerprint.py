"""Per-job code fingerprints: a job's key changes with the code it can run, and only with it.

Edits are made in a copy of the three packages (``roots``), never in the working tree.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import shutil
import subprocess

import pytest

from benchmarks import fingerprint, suites

D3QN_FACTORY = "agents.d3qn.agent:D3QNAgent"
WRAPPER = "benchmarks.reproduce.cluster_jobs:HeldOutCurveAgent"


@pytest.fixture
def fresh():
    """Clear the per-process caches before and after (tests point them at other trees)."""
    for cached in (fingerprint.code_fingerprint, fingerprint.git_commit):
        cached.cache_clear()
    yield
    for cached in (fingerprint.code_fingerprint, fingerprint.git_commit):
        cached.cache_clear()


@pytest.fixture
def roots(tmp_path, fresh):
    """A copy of the three packages, without byte code: their folders."""
    out = []
    for root in fingerprint.source_roots():
        shutil.copytree(root, tmp_path / root.name, ignore=shutil.ignore_patterns("__pycache__"))
        out.append(tmp_path / root.name)
    return tuple(out)


def job(env_id="EdgeCluster-v0", agent="d3qn", scenario=None):
    suite = suites.explicit_suite(env_id, scenario, [agent], (0,), (1000,), 10)
    return suites.expand(suite)[0][0]


def of(j, roots):
    """The fingerprint of job ``j`` computed on the tree ``roots``."""
    fingerprint.code_fingerprint.cache_clear()
    modules = fingerprint.agent_modules(j.factory or j.agent, j.build_config())
    return fingerprint.code_fingerprint(j.env_id, modules, roots)


def edit(roots, relative, data=b"\n_AN_EDIT = 1\n"):
    path = next(r for r in roots if r.name == relative.split("/")[0]).parent / relative
    assert path.is_file(), relative
    with open(path, "ab") as fh:
        fh.write(data)


# ----------------------------------------------------------------------------- real tree
def test_other_systems_and_agents_leave_an_edge_cluster_d3qn_job_unchanged(roots):
    d3qn, ppo = job(), job("LargeScaleMEC-v0", "sb3-ppo")
    before, ppo_before = of(d3qn, roots), of(ppo, roots)
    for relative in ("edge_envs/large_scale_mec/model.py", "agents/hyperparams/ppo.yml",
                     "agents/baselines/large_scale_mec.py", "agents/sb3.py",
                     "agents/catalog/sb3.py", "agents/dirs/agent.py",
                     "benchmarks/leaderboard.py", "benchmarks/suites.py",
                     "benchmarks/reproduce/cluster.py", "benchmarks/reproduce/base.py",
                     "benchmarks/fingerprint.py"):
        edit(roots, relative)
    assert of(d3qn, roots) == before
    # What the key code imports (the SB3 tables' module) is not a D3QN job's code either.
    tree = fingerprint.Tree(roots)
    modules = fingerprint.agent_modules(d3qn.factory or d3qn.agent, d3qn.build_config())
    start = fingerprint.start_modules(tree, d3qn.env_id, modules)
    assert "agents.hyperparams" not in tree.closure(start, skip=fingerprint.KEY_ONLY)
    # The same edits are the PPO job's code (its system, its agent, its yml): it changes.
    assert of(ppo, roots) != ppo_before


def test_what_an_edge_cluster_d3qn_job_runs_changes_it(roots):
    d3qn = job()
    for relative in ("agents/d3qn/network.py",  # its agent
                     "edge_envs/edge_cluster/render.py",  # its system, whole
                     "edge_envs/core/seeding.py", "edge_envs/registry.py",  # shared env code
                     "agents/registry.py"):  # how factories are loaded and configs merged
        before = of(d3qn, roots)
        edit(roots, relative)
        assert of(d3qn, roots) != before, relative


def test_a_module_imported_only_inside_a_function_is_part_of_the_job(roots):
    # benchmarks.runner imports the store only inside run_jobs/load_model.
    source = (roots[2] / "runner.py").read_text()
    assert "\nfrom benchmarks.store" not in source and "    from benchmarks.store" in source
    before = of(job(), roots)
    edit(roots, "benchmarks/store.py")
    assert of(job(), roots) != before


def test_package_data_the_job_reads_changes_it(roots):
    d3qn, ppo = job(), job("LargeScaleMEC-v0", "sb3-ppo")
    before, ppo_before = of(d3qn, roots), of(ppo, roots)
    edit(roots, "edge_envs/edge_cluster/data/warehouse_seed0.npz", b"\x00")
    assert of(d3qn, roots) != before and of(ppo, roots) == ppo_before
    set_entry(roots, "ppo", "LargeScaleMEC-v0", {"hyperparams": {"gamma": 0.5}})
    assert of(ppo, roots) != ppo_before


def set_entry(roots, algorithm, key, entry):
    """Replace entry ``key`` of ``agents/hyperparams/<algorithm>.yml`` in the copy."""
    import yaml

    path = next(r for r in roots if r.name == "agents") / "hyperparams" / f"{algorithm}.yml"
    table = yaml.safe_load(path.read_text())
    table[key] = entry
    path.write_text(yaml.safe_dump(table))


def test_a_hyperparameter_file_counts_by_the_jobs_env_entry_and_its_default(roots):
    ppo_lsm, ppo_cluster = job("LargeScaleMEC-v0", "sb3-ppo"), job(agent="sb3-ppo")
    before = of(ppo_lsm, roots), of(ppo_cluster, roots)
    # Comments and layout do not count (the file is rewritten without its comments).
    set_entry(roots, "ppo", "OffloadSAP-v0", __import__("yaml").safe_load(
        (next(r for r in roots if r.name == "agents") / "hyperparams" / "ppo.yml").read_text()
    ).get("OffloadSAP-v0"))
    assert (of(ppo_lsm, roots), of(ppo_cluster, roots)) == before
    # Tuning LargeScaleMEC (another algorithm's file too) leaves EdgeCluster's jobs as they are.
    for algorithm in ("ppo", "td3"):
        set_entry(roots, algorithm, "LargeScaleMEC-v0", {"hyperparams": {"gamma": 0.25}})
    assert of(ppo_cluster, roots) == before[1] and of(ppo_lsm, roots) != before[0]
    changed = of(ppo_lsm, roots)
    set_entry(roots, "dqn", "default", {"hyperparams": {"buffer_size": 5000}})
    assert of(ppo_cluster, roots) != before[1] and of(ppo_lsm, roots) != changed


def test_runner_and_evaluation_code_change_every_job(roots):
    import edge_envs

    jobs = [job(env_id, "random") for env_id in sorted(edge_envs.DISCOVERED)] + [job()]
    for relative in ("benchmarks/runner.py", "agents/evaluation.py", "benchmarks/jobs.py",
                     "agents/base.py"):
        before = [of(j, roots) for j in jobs]
        edit(roots, relative)
        after = [of(j, roots) for j in jobs]
        assert all(a != b for a, b in zip(after, before, strict=True)), relative


def test_wrapped_agents_count_the_wrapper_and_the_inner_agent(roots):
    d3qn = job()
    # Importing the wrapper runs benchmarks/reproduce/__init__.py, not its CLI dispatcher, so
    # the reports' code (base.py, suites.py) is not the job's.
    source = (roots[2] / "reproduce" / "__init__.py").read_text()
    assert "    from benchmarks.reproduce.base import" in source
    # What the cluster reproduction does: the wrapper as factory, the agent as "inner".
    wrapped = dataclasses.replace(d3qn, factory=WRAPPER,
                                  agent_config={"inner": D3QN_FACTORY, "curve_seed": 1000})
    assert fingerprint.agent_modules(WRAPPER, wrapped.build_config()) == (
        "agents.d3qn.agent", "benchmarks.reproduce.cluster_jobs")
    before, wrapped_before = of(d3qn, roots), of(wrapped, roots)
    assert wrapped_before != before
    for relative in ("benchmarks/reproduce/base.py", "benchmarks/suites.py",
                     "benchmarks/reproduce/cluster.py"):
        edit(roots, relative)
    assert of(wrapped, roots) == wrapped_before
    edit(roots, "benchmarks/reproduce/cluster_jobs.py")
    assert of(d3qn, roots) == before and of(wrapped, roots) != wrapped_before
    wrapped_before = of(wrapped, roots)
    edit(roots, "agents/d3qn/replay.py")
    assert of(wrapped, roots) != wrapped_before


def test_job_keys_follow_the_job_fingerprint(roots, monkeypatch):
    monkeypatch.setattr(fingerprint, "source_roots", lambda: list(roots))
    d3qn, ppo = job(), job("LargeScaleMEC-v0", "sb3-ppo")
    assert d3qn.code_fingerprint == ""  # computed, not pinned
    assert d3qn.fingerprint() == of(d3qn, roots)
    assert d3qn.key_fields()["code_fingerprint"] == d3qn.to_dict()["code_fingerprint"]
    keys, ppo_env = (d3qn.key, ppo.key), ppo.environment_fingerprint()
    assert ppo_env != ppo.fingerprint() and ppo.to_dict()["env_fingerprint"] == ppo_env
    edit(roots, "agents/sb3.py")
    fingerprint.code_fingerprint.cache_clear()
    assert job().key == keys[0] and job("LargeScaleMEC-v0", "sb3-ppo").key != keys[1]
    # The env side is unchanged by an agent's edit: PPO still shares tables with the others.
    assert job("LargeScaleMEC-v0", "sb3-ppo").environment_fingerprint() == ppo_env
    # A copy with another factory gets its own fingerprint (not the one of the original).
    assert dataclasses.replace(d3qn, factory=WRAPPER).fingerprint() != d3qn.fingerprint()
    # A stored job keeps the fingerprint it ran with, whatever the code is now.
    stored = type(d3qn).from_dict(d3qn.to_dict())
    edit(roots, "agents/d3qn/agent.py")
    fingerprint.code_fingerprint.cache_clear()
    assert stored.key == keys[0] and job().key != keys[0]


def test_same_bytes_elsewhere_give_the_same_fingerprint(roots, tmp_path):
    before = of(job(), roots)
    shutil.copytree(tmp_path, tmp_path.parent / f"{tmp_path.name}-b")
    assert of(job(), tuple(tmp_path.parent / f"{tmp_path.name}-b" / r.name for r in roots)) == (
        before)
    (tmp_path / "NOTES.md").write_text("outside the packages")
    assert of(job(), roots) == before


def test_each_file_is_parsed_once_per_version(roots):
    jobs = [job(), job("LargeScaleMEC-v0", "sb3-ppo")]
    [of(j, roots) for j in jobs]
    parsed = fingerprint._imported_names.cache_info().misses
    [of(j, roots) for j in jobs]
    assert fingerprint._imported_names.cache_info().misses == parsed
    edit(roots, "agents/d3qn/agent.py")  # a new version (size) of one file: parsed again
    of(jobs[0], roots)
    assert fingerprint._imported_names.cache_info().misses == parsed + 1


def test_agents_of_other_code_share_a_leaderboard_table_on_the_same_env_code(tmp_path,
                                                                            monkeypatch):
    from benchmarks.leaderboard import to_text
    from benchmarks.runner import run_jobs
    from benchmarks.stats import summarise
    from benchmarks.store import Store
    from tests import benchmark_toy

    project_random = "agents.baselines.generic:RandomAgent"  # project code: its own fingerprint
    with benchmark_toy.installed(monkeypatch):
        suite = suites.explicit_suite(benchmark_toy.ENV_ID, "tiny",
                                      ["random", "toy-greedy", project_random], (0,),
                                      (100, 101), 0)
        jobs = suites.expand(suite)[0]
        run_jobs(jobs, tmp_path, backend="serial", preload=("tests.benchmark_toy",),
                 progress=False)
        with Store(tmp_path) as store:
            rows = store.rows()
    by_agent = {r["agent"]: r for r in rows}
    assert by_agent[project_random]["code_fingerprint"] != by_agent["toy-greedy"][
        "code_fingerprint"]
    assert len({r["job"]["env_fingerprint"] for r in rows}) == 1
    summaries = summarise(rows)
    assert len({s.cell() for s in summaries}) == 1  # one table, normalised against random
    assert {s.agent: s.normalised for s in summaries}["random"] == 0.0
    assert all(s.normalised_against for s in summaries)
    assert to_text(summaries).count("BenchToy-v0 / tiny") == 1
    # Rows stored before the env fingerprint compare by their code fingerprint, as before.
    for r in rows:
        del r["job"]["env_fingerprint"]
    assert len({s.cell() for s in summarise(rows)}) == 2


def test_reports_call_the_rows_of_every_current_job_fingerprint_this_code(tmp_path):
    from benchmarks.reproduce.base import Context

    rows = [{"code_fingerprint": c * 64, "eval_seeds": [1000], "budget_steps": 0,
             "learns": False} for c in "abc"]
    ctx = Context(None, rows={"p": rows}, expected={"p": 3}, img_dir=tmp_path,
                  current_fingerprints=frozenset({"a" * 64, "b" * 64}))
    assert ("code `aaaaaaaaaaaa` (1 jobs, this code), `bbbbbbbbbbbb` (1 jobs, this code), "
            "`cccccccccccc` (1 jobs, not this code)") in ctx.provenance("p")[0]


# ----------------------------------------------------------------------------- tiny trees
def write(root, files):
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())


def test_closure_follows_every_import_and_nothing_else(tmp_path, monkeypatch):
    write(tmp_path, {
        "agents/__init__.py": "",
        "agents/a/__init__.py": "from .b import x\n",
        "agents/a/b.py": "import numpy\nx = 1\n",
        "agents/a/c.py": "def f():\n    from ..d import y\n    return y\n",
        "agents/a/table.yml": "k: 1\n",
        "agents/a/sub/__init__.py": "",
        "agents/a/sub/data.txt": "sub-package data: not a's\n",
        "agents/a/raw/t.npz": b"\x00",
        "agents/d.py": "try:\n    pass\nexcept ImportError:\n    import agents.e\ny = 2\n",
        "agents/e.py": "",
        "agents/f.py": "",
        "agents/g.py": "import importlib\nimportlib.import_module('agents.f')\n",
        "agents/h/__init__.py": "from agents import e\ndef cli():\n    import agents.f\n",
        "agents/h/i.py": "",
        "agents/j.py": "import agents.h\n",
    })
    tree = fingerprint.Tree([tmp_path / "agents"])
    assert tree.closure(["agents.a.c"]) == {"agents", "agents.a", "agents.a.b", "agents.a.c",
                                           "agents.d", "agents.e"}
    assert sorted(tree.files(["agents.a"])) == [
        "agents/a/__init__.py", "agents/a/raw/t.npz", "agents/a/table.yml"]
    assert tree.closure(["agents.g"]) == {"agents", "agents.g"}  # a string the AST cannot see
    monkeypatch.setitem(fingerprint.STRING_IMPORTS, "agents.g", ("agents.f",))
    assert tree.closure(["agents.g"]) == {"agents", "agents.g", "agents.f"}
    # A package run only as a parent: its module-level imports, not those of its functions.
    assert tree.closure(["agents.h.i"]) == {"agents", "agents.h", "agents.h.i", "agents.e"}
    assert tree.closure(["agents.j"]) == {"agents", "agents.h", "agents.j", "agents.e",
                                          "agents.f"}
    # A skipped module (the key code) is not counted and what it imports is not followed.
    assert tree.closure(["agents.j"], skip=("agents.h",)) == {"agents", "agents.j"}
    assert tree.package_modules("agents.a") == ["agents.a", "agents.a.b", "agents.a.c",
                                                "agents.a.sub"]


def test_hash_files_hand_computed(tmp_path):
    write(tmp_path, {"pkg/a.py": "x=1\n", "pkg/data/t.npz": b"\x00"})
    entries = {"pkg/data/t.npz": tmp_path / "pkg/data/t.npz", "pkg/a.py": tmp_path / "pkg/a.py"}
    tree = ast.dump(ast.parse("x=1"), include_attributes=False).encode()  # Python-version form
    assert tree.startswith(b"Module(body=[Assign(targets=[Name(id='x', ctx=Store())], "
                           b"value=Constant(value=1))]")
    stream = f"8:pkg/a.py{len(tree)}:".encode() + tree + b"14:pkg/data/t.npz1:\x00"
    assert fingerprint.hash_files(entries) == hashlib.sha256(stream).hexdigest()


def test_docstrings_comments_and_layout_do_not_count(tmp_path):
    body = 'def f(a):\n    return a + 1\n\n\nclass C:\n    x = 2\n'
    documented = ('"""Module doc."""\n# a comment\ndef f(a):  # why\n    """Doc."""\n'
                  '    return (a +\n            1)\n\n\nclass C:\n    """Doc."""\n\n    x = 2\n')
    write(tmp_path, {"a/m.py": body, "b/m.py": documented, "c/m.py": body.replace("1", "2"),
                     "d/m.py": 'def f(a):\n    a = 0\n    "not a docstring"\n    return a\n',
                     "e/m.py": 'def f(a):\n    a = 0\n    return a\n'})
    digest = {k: fingerprint.hash_files({"m.py": tmp_path / k / "m.py"}) for k in "abcde"}
    assert digest["a"] == digest["b"]  # only documentation and layout differ
    assert digest["c"] != digest["a"]  # code differs
    assert digest["d"] != digest["e"]  # a string statement after the first is code


def test_agent_modules_are_project_factories_in_the_config():
    config = {"inner": "agents.dirs.agent:DIRSAgent", "policy_kwargs": "dict(net_arch=[64])",
              "nested": {"f": ["benchmarks.reproduce.dirs_jobs:SlotAgent", "torch.nn:ReLU"]},
              "name": "a:b:c", "lr": 0.1}
    assert fingerprint.agent_modules("agents.sb3:SB3Agent", config) == (
        "agents.dirs.agent", "agents.sb3", "benchmarks.reproduce.dirs_jobs")
    assert fingerprint.agent_modules(fingerprint.hash_files, {}) == ("benchmarks.fingerprint",)
    assert fingerprint.agent_modules(dataclasses.replace, {}) == ()  # not project code


# ----------------------------------------------------------------------------- git commit
def _git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd,
                   check=True, capture_output=True)


def test_git_commit_is_recorded_with_a_dirty_mark(tmp_path, monkeypatch, fresh):
    pkg = tmp_path / "repo" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(fingerprint, "source_roots", lambda: [pkg])
    assert fingerprint.git_commit() is None  # not a git checkout: no commit, no error
    _git(pkg.parent, "init", "-q")
    _git(pkg.parent, "add", "pkg")
    _git(pkg.parent, "commit", "-q", "-m", "one")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=pkg, capture_output=True,
                          text=True, check=True).stdout.strip()
    fingerprint.git_commit.cache_clear()
    assert fingerprint.git_commit() == head
    (pkg.parent / "README.md").write_text("outside the packages: still clean")
    fingerprint.git_commit.cache_clear()
    assert fingerprint.git_commit() == head
    (pkg / "a.py").write_text("x = 2\n")
    fingerprint.git_commit.cache_clear()
    assert fingerprint.git_commit() == head + "+dirty"
