"""Builds a fuzz target and runs it.

    python -m tests.fuzz.run TARGET [--runs N] [--max-total-time S] [--replay]
    python -m tests.fuzz.run all --runs 1000000

TARGET is one of tests/fuzz/targets.py (serialization, expr, create_plugin, ds_parsers, checker)
or `all` (one after another). The seed corpus tests/fuzz/corpus/TARGET/ is read, never written:
inputs libFuzzer finds go to a working corpus under the build folder, crashes to
<build>/artifacts/TARGET/. --replay runs every seed once (the regression inputs among them) and
stops. The exit status is libFuzzer's: 0 when nothing was found.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .build import build_dir, build_target
from .targets import HERE, TARGETS, Target

MAX_LEN = 4096


def fuzz_command(target: Target, *, runs: int | None, max_total_time: int | None, replay: bool,
                 work: Path | None = None) -> list[str]:
    """The command line that runs `target` (a libFuzzer program or the atheris script)."""
    program = ([sys.executable, str(HERE / "fuzz_checker.py")] if target.python else [str(build_target(target))])
    artifacts = build_dir() / "artifacts" / target.name
    artifacts.mkdir(parents=True, exist_ok=True)
    options = [f"-artifact_prefix={artifacts}/", f"-max_len={MAX_LEN}", "-timeout=20", "-rss_limit_mb=4096",
               "-print_final_stats=1", *target.options]
    if replay:
        seeds = sorted(str(p) for p in target.corpus.iterdir() if p.is_file())
        return [*program, *options, *seeds]
    work = work or build_dir() / "corpus" / target.name
    work.mkdir(parents=True, exist_ok=True)
    if runs is not None:
        options.append(f"-runs={runs}")
    if max_total_time is not None:
        options.append(f"-max_total_time={max_total_time}")
    return [*program, *options, str(work), str(target.corpus)]


def run_target(target: Target, *, runs=None, max_total_time=None, replay=False, capture=False, work=None):
    """Runs `target` (see the module's help); `work`: the folder new inputs go to."""
    cmd = fuzz_command(target, runs=runs, max_total_time=max_total_time, replay=replay, work=work)
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1"),
               UBSAN_OPTIONS=os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"))
    return subprocess.run(cmd, env=env, capture_output=capture, text=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=[*TARGETS, "all"])
    parser.add_argument("--runs", type=int, help="stop after this many executions")
    parser.add_argument("--max-total-time", type=int, help="stop after this many seconds")
    parser.add_argument("--replay", action="store_true", help="run each seed of the corpus once and stop")
    args = parser.parse_args(argv)
    names = list(TARGETS) if args.target == "all" else [args.target]
    worst = 0
    for name in names:
        print(f"== fuzz target {name}: {TARGETS[name].summary}", flush=True)
        rc = run_target(TARGETS[name], runs=args.runs, max_total_time=args.max_total_time, replay=args.replay).returncode
        worst = worst or rc
    return worst


if __name__ == "__main__":
    sys.exit(main())
