#!/usr/bin/env python3
"""The policy lab's benchmarks: `standing import` lines per second into the embedded store, and
`standing simulate` over a year of history, measured in one run.

Usage: python3 infra/measure_lab.py [--freelancers N] [--days D] [--seed S] [--no-build]

What it does, all on this machine:
1. builds `standing` with the workspace's release profile (skip with --no-build);
2. `standing generate --freelancers N --days D --seed S` into target/lab-bench/history.jsonl;
3. `standing import` of it into a fresh embedded store (target/lab-bench/data), timed from the
   process's start to its end (opening the store and the final evaluation of every freelancer
   included), and prints lines per second (goal: >= 10,000);
4. `standing simulate` of a candidate needing two distinct clients over those days, timed the
   same way, and prints the seconds (goal: a year of 100,000 freelancers in < 60 s).

The figures are wall time on whatever else the machine is doing; run it on a quiet machine.
"""
import argparse, json, os, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "lab-bench")
BINARY = os.path.join(ROOT, "target", "release", "standing")


def timed(args, **kwargs):
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    return time.monotonic() - started, done


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--freelancers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()

    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "standing-local"], cwd=ROOT, check=True)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    history = os.path.join(WORK, "history.jsonl")
    data = os.path.join(WORK, "data")

    started = time.monotonic()
    with open(history, "w") as out:
        subprocess.run([BINARY, "generate", "--freelancers", str(options.freelancers),
                        "--days", str(options.days), "--seed", str(options.seed),
                        "--start", "2025-01-01"], stdout=out, check=True)
    generated = time.monotonic() - started
    with open(history) as f:
        lines = sum(1 for _ in f)
    print(f"generate: {options.freelancers} freelancers, {options.days} days: {lines} lines in {generated:.1f} s")

    seconds, done = timed([BINARY, "import", history, "--data", data])
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        sys.exit("import failed")
    print(f"import: {lines} lines in {seconds:.1f} s = {lines / seconds:,.0f} lines/s (goal >= 10,000/s)")
    print(f"  {done.stdout.strip()}")

    candidate = os.path.join(WORK, "two-clients.json")
    with open(candidate, "w") as f:
        json.dump({"version": "two-clients", "quality_min_distinct_clients": 2}, f)
    end = time.strftime("%Y-%m-%d", time.gmtime(time.mktime(time.strptime("2025-01-01", "%Y-%m-%d")) + 86400 * (options.days - 1)))
    seconds, done = timed([BINARY, "simulate", "--policy", candidate, "--data", data,
                           "--from", "2025-01-01", "--to", end, "--json"])
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        sys.exit("simulate failed")
    summary = json.loads(done.stdout)["summary"]
    print(f"simulate: {summary['freelancers']} freelancers over {options.days} days in {seconds:.1f} s "
          f"({summary['evaluations']} evaluations; {summary['newly_blocked']} newly blocked, "
          f"{summary['newly_freed']} newly freed) (goal: 100,000 freelancers, a year, < 60 s)")


if __name__ == "__main__":
    main()
