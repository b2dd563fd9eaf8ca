"""A reproduction report: parts run by the benchmark runner, then a renderer over the store.

A :class:`Reproduction` names its parts; each :class:`Part` turns the report's settings into
the jobs to run (a :class:`~benchmarks.suites.Suite` or a list of
:class:`~benchmarks.jobs.Job`). ``edge-bench reproduce NAME`` expands the selected parts,
runs every job not yet stored with :func:`benchmarks.runner.run_jobs` (so it resumes after a
kill, runs in a process pool or on Ray, and jobs shared by two parts run once), then expands
*every* part again and hands the stored rows of each to the reproduction's renderer, which
writes the Markdown report and its figures from those rows alone.

Special protocols (a fixed layout, a test-reward curve during training, extra measurements)
are agent factories, env options and ``TrainResult.extra`` entries of the reproduction's own
module: a job's ``factory`` may be any ``module:attr``. See ``docs/benchmark.md``,
"Reproductions".

Where results live: a full run stores them in ``docs/reproduction/<name>/results.sqlite``
(small, committed, so a report can be finished over several sessions) with the learned models
under ``docs/reproduction/<name>/models/`` (git-ignored); ``--fast`` runs store in
``results/reproduce/<name>-fast/`` and write their report there too.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.jobs import Job, canonical_json

DOCS_DIR = Path("docs/reproduction")
FAST_DIR = Path("results/reproduce")
# Key fields that name the code rather than the experiment.
CODE_FIELDS = ("code_fingerprint", "code_version")


@dataclass(frozen=True)
class Part:
    """One section of a report: ``jobs(settings)`` returns a Suite or a list of Jobs."""

    name: str
    jobs: Callable[[Any], Any]
    title: str = ""


@dataclass(frozen=True)
class Reproduction:
    """A report: its parts, its full and ``--fast`` settings and its renderer.

    ``full`` and ``fast`` are instances of one frozen dataclass; ``--set FIELD=VALUE`` changes
    a field for one run. ``render(ctx)`` returns the report's Markdown (a :class:`Context`
    gives it the stored rows of each part and saves its figures).
    """

    name: str
    title: str
    parts: tuple[Part, ...]
    full: Any
    fast: Any
    render: Callable[[Context], str]
    description: str = ""

    def part(self, name: str) -> Part:
        for p in self.parts:
            if p.name == name:
                return p
        raise ValueError(f"unknown part {name!r}; valid: {', '.join(self.part_names)}")

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts)

    def results_dir(self, fast: bool) -> Path:
        return FAST_DIR / f"{self.name}-fast" if fast else DOCS_DIR / self.name

    def out_dir(self, fast: bool) -> Path:
        return self.results_dir(True) if fast else DOCS_DIR


# --------------------------------------------------------------------------- jobs
def part_jobs(part: Part, settings: Any) -> list[Job]:
    """The jobs of one part under ``settings`` (a Suite is expanded; warnings printed)."""
    from benchmarks.suites import Suite, expand

    built = part.jobs(settings)
    if isinstance(built, Suite):
        built, warnings = expand(built)
        for line in warnings:
            print(line, file=sys.stderr)
    return list(built)


def identity(job: Job) -> str:
    """The job's key fields without the code fingerprint: the same experiment on any code."""
    fields = {k: v for k, v in job.key_fields().items() if k not in CODE_FIELDS}
    return canonical_json(fields)


def select_rows(
    jobs: Sequence[Job], rows: Sequence[Mapping[str, Any]], older_code: bool = True
) -> list[dict[str, Any]]:
    """The stored row of each job: its own key, else (``older_code``) the newest row of the
    same experiment run by other code. Jobs with no row are left out."""
    by_key = {r["job_key"]: r for r in rows}
    by_identity: dict[str, dict[str, Any]] = {}
    if older_code:
        for r in rows:  # insertion order: the newest row of an experiment wins
            try:
                by_identity[identity(Job.from_dict(r["job"]))] = dict(r)
            except (TypeError, ValueError, KeyError):
                continue  # a row this code cannot read as a job matches by key only
    out = []
    for job in jobs:
        row = by_key.get(job.key) or by_identity.get(identity(job))
        if row is not None:
            out.append(dict(row))
    return out


# --------------------------------------------------------------------------- rendering
@dataclass(frozen=True)
class Claim:
    """One claim of the paper, its number, ours and the verdict (``None``: not measured)."""

    claim: str
    paper: str
    ours: str
    holds: bool | None
    why: str = ""


def claims_table(claims: Sequence[Claim]) -> list[str]:
    """The claims as a Markdown table: claim, paper, ours, holds / does not hold here."""
    lines = ["| claim | paper | ours | verdict |", "|---|---|---|---|"]
    for c in claims:
        verdict = {True: "holds", False: "does not hold here", None: "not measured yet"}[
            c.holds]
        if c.why:
            verdict += f" ({c.why})"
        lines.append(f"| {c.claim} | {c.paper} | {c.ours} | {verdict} |")
    return lines + [""]


@dataclass
class Context:
    """What a renderer reads: the stored rows of each part and where figures go."""

    reproduction: Reproduction
    rows: dict[str, list[dict[str, Any]]]
    expected: dict[str, int]
    img_dir: Path
    img_link: str = "img"
    command: str = ""
    notes: list[str] = field(default_factory=list)
    # Code fingerprints of the jobs the parts expand to now (one per system and agent code).
    current_fingerprints: frozenset[str] = frozenset()
    settings: Any = None  # the settings the parts were expanded with

    def figure(self, name: str, draw: Callable[[Any], None], width: float = 7.0,
               height: float = 3.5) -> str:
        """Draw a figure with ``draw(fig)``, save it as ``<name>.png``; its Markdown link."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        draw(fig)
        fig.tight_layout()
        self.img_dir.mkdir(parents=True, exist_ok=True)
        fig.savefig(self.img_dir / f"{name}.png", dpi=100)
        return f"![{name}]({self.img_link}/{name}.png)"

    def notes_section(self) -> list[str]:
        """The report's "Notes" section (the ``--notes`` file's lines), or nothing."""
        if not self.notes:
            return []
        return ["## Notes", "", *[f"- {n}" for n in self.notes], ""]

    def shown(self, part: str) -> bool:
        """Whether a part belongs in the report: it has rows, or these settings run it."""
        return bool(self.rows.get(part)) or self.expected.get(part, 0) > 0

    def provenance(self, part: str) -> list[str]:
        """One line on where a part's numbers come from, read from its rows."""
        rows = self.rows.get(part, [])
        n, want = len(rows), self.expected.get(part, 0)
        if not rows:
            return [f"*Not run yet: 0 of {want} jobs stored.*", ""]
        learners = [r for r in rows if r.get("learns")]
        budgets = sorted({int(r["budget_steps"]) for r in learners})
        episodes = sorted({len(r["eval_seeds"]) for r in rows})
        prints: dict[str, int] = {}
        for r in rows:
            fp = str(r.get("code_fingerprint") or r.get("code_version") or "?")[:12]
            prints[fp] = prints.get(fp, 0) + 1
        train_min = sum(float(r.get("train_wall_s") or 0.0) for r in rows) / 60
        eval_min = sum(float(r.get("eval_wall_s") or 0.0) for r in rows) / 60
        wall = _span_min(rows)
        text = (f"{n} of {want} jobs stored; " if n < want else f"{n} jobs; ")
        if budgets:
            text += f"learners' budget {'/'.join(map(str, budgets))} env steps; "
        text += (f"{'/'.join(map(str, episodes))} test episode(s) per job; training "
                 f"{train_min:.1f} min and evaluation {eval_min:.1f} min in total"
                 f"{f' (first to last job {wall:.1f} min)' if wall is not None else ''}; "
                 "code " + ", ".join(f"`{fp}` ({k} jobs{self._this_code(fp)})"
                                     for fp, k in prints.items()))
        commits = sorted({_short_commit(r["git_commit"]) for r in rows if r.get("git_commit")})
        if commits:
            text += f", git {', '.join(commits)}"
        return [f"Jobs: {text}.", ""]

    def _this_code(self, fingerprint: str) -> str:
        if not self.current_fingerprints:
            return ""
        current = {str(f)[:12] for f in self.current_fingerprints}
        return ", this code" if fingerprint in current else ", not this code"


def _short_commit(commit: str) -> str:
    sha, plus, mark = str(commit).partition("+")
    return sha[:12] + plus + mark


def _span_min(rows: Sequence[Mapping[str, Any]]) -> float | None:
    """Minutes from the first job's start to the last job's end (``None`` if unknown)."""
    from datetime import datetime

    try:
        start = min(datetime.fromisoformat(r["started_at"]) for r in rows)
        end = max(datetime.fromisoformat(r["finished_at"]) for r in rows)
    except (KeyError, TypeError, ValueError):
        return None
    return (end - start).total_seconds() / 60


def render_report(repro: Reproduction, settings: Any, results_dir: Path, out_dir: Path,
                  command: str = "", notes: Sequence[str] = (),
                  older_code: bool = True) -> Path:
    """Expand every part, read its rows from the store and write ``<out>/<name>.md``."""
    from benchmarks.store import Store

    jobs = {p.name: part_jobs(p, settings) for p in repro.parts}
    with Store(results_dir, readonly=True) as store:
        rows = store.rows()
    every = [job for js in jobs.values() for job in js]
    ctx = Context(
        reproduction=repro,
        rows={name: select_rows(js, rows, older_code) for name, js in jobs.items()},
        expected={name: len(js) for name, js in jobs.items()},
        img_dir=out_dir / "img",
        command=command,
        notes=list(notes),
        current_fingerprints=frozenset(job.fingerprint() for job in every),
        settings=settings,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{repro.name}.md"
    path.write_text(repro.render(ctx))
    return path


# --------------------------------------------------------------------------- settings
def apply_settings(settings: Any, assignments: Sequence[str]) -> Any:
    """``settings`` with ``FIELD=VALUE`` assignments; the value is parsed by the field's type
    (tuples: comma-separated, empty for none; booleans: true/false)."""
    changes: dict[str, Any] = {}
    names = [f.name for f in dataclasses.fields(settings)]
    for item in assignments:
        name, sep, text = item.partition("=")
        if not sep or name not in names:
            raise ValueError(f"--set expects FIELD=VALUE with FIELD one of {', '.join(names)}; "
                             f"got {item!r}")
        changes[name] = _parse(name, text, getattr(settings, name))
    return dataclasses.replace(settings, **changes)


def _parse(name: str, text: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text.lower() in ("true", "1", "yes")
        if isinstance(default, tuple):
            kind = type(default[0]) if default else str
            return tuple(kind(t.strip()) for t in text.split(",") if t.strip())
        return type(default)(text)
    except ValueError:
        raise ValueError(f"--set {name}: cannot read {text!r} as {type(default).__name__} "
                         f"(default {default!r})") from None


def describe_settings(repro: Reproduction) -> str:
    lines = ["settings (--set FIELD=VALUE; full / --fast):"]
    for f in dataclasses.fields(repro.full):
        full, fast = getattr(repro.full, f.name), getattr(repro.fast, f.name)
        lines.append(f"  {f.name}: {full!r} / {fast!r}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line
def build_parser(repro: Reproduction) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"edge-bench reproduce {repro.name}",
        description=repro.description or repro.title,
        epilog=describe_settings(repro),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--fast", action="store_true",
                        help="small settings, results and report under "
                             f"{FAST_DIR}/{repro.name}-fast/")
    parser.add_argument("--set", dest="assignments", action="append", default=[],
                        metavar="FIELD=VALUE", help="change one setting (repeatable)")
    parser.add_argument("--only", choices=repro.part_names, action="append",
                        help="run only these parts (repeatable); the report shows every "
                             "part found in the store")
    parser.add_argument("--workers", type=int, help="parallel jobs (default: CPU count)")
    parser.add_argument("--backend", choices=("serial", "process", "ray"),
                        help="serial, process (default for >1 worker) or ray")
    parser.add_argument("--address", help="Ray cluster address (with --backend ray)")
    parser.add_argument("--results", help="results folder (default: "
                        f"{DOCS_DIR}/{repro.name}/, with --fast {FAST_DIR}/{repro.name}-fast/)")
    parser.add_argument("--out", help=f"report folder (default: {DOCS_DIR}/, with --fast the "
                        "results folder): writes NAME.md and img/")
    parser.add_argument("--render-only", action="store_true",
                        help="run nothing: write the report from the stored results")
    parser.add_argument("--plan", action="store_true",
                        help="print the jobs of each part and how many are stored; run nothing")
    parser.add_argument("--notes", help="text file whose non-empty lines are the report's Notes "
                        "(default: notes.txt in the results folder, if present)")
    parser.add_argument("--same-code-only", action="store_true",
                        help="report only rows of the current code (default: a job not run by "
                             "this code shows its newest row from older code, which the report "
                             "names by fingerprint)")
    parser.add_argument("--tracebacks", action="store_true", help="print failed jobs' tracebacks")
    return parser


def main(repro: Reproduction, argv: Sequence[str] | None = None) -> int:
    """``edge-bench reproduce NAME [options]``: run the missing jobs, then write the report."""
    from benchmarks.runner import run_jobs
    from benchmarks.store import DB_NAME, Store

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(repro).parse_args(argv)
    settings = apply_settings(repro.fast if args.fast else repro.full, args.assignments)
    results_dir = Path(args.results) if args.results else repro.results_dir(args.fast)
    out_dir = Path(args.out) if args.out else repro.out_dir(args.fast)
    selected = [repro.part(n) for n in (args.only or repro.part_names)]
    failed = 0
    if args.plan:
        done: set[str] = set()
        if (results_dir / DB_NAME).exists():
            with Store(results_dir, readonly=True) as store:
                done = store.done_keys()
        for part in repro.parts:
            jobs = part_jobs(part, settings)
            stored = sum(j.key in done for j in jobs)
            print(f"{part.name}: {len(jobs)} jobs, {stored} stored")
        return 0
    if not args.render_only:
        jobs = [job for part in selected for job in part_jobs(part, settings)]
        unique = len({job.key for job in jobs})
        print(f"reproduce {repro.name}: {unique} jobs in {', '.join(p.name for p in selected)}"
              f"; results in {results_dir}", file=sys.stderr)
        report = run_jobs(jobs, results_dir, backend=args.backend, workers=args.workers,
                          address=args.address, tracebacks=args.tracebacks)
        failed = len(report.failed)
        for label, error in report.failed:
            print(f"failed: {label}: {error}", file=sys.stderr)
    notes_file = Path(args.notes) if args.notes else results_dir / "notes.txt"
    notes = [ln.strip() for ln in notes_file.read_text().splitlines() if ln.strip()] if (
        notes_file.exists()) else []
    if args.notes and not notes_file.exists():
        raise ValueError(f"--notes: {notes_file} does not exist")
    command = shlex.join(["edge-bench", "reproduce", repro.name, *argv])
    path = render_report(repro, settings, results_dir, out_dir, command, notes,
                         older_code=not args.same_code_only)
    print(f"wrote {path}", file=sys.stderr)
    return 1 if failed else 0
