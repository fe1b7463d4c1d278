"""`make bench` (`python -m bench [name] [--repeat N]`): run the benchmarks, rewrite RESULTS.md."""

import argparse
import os
import sys

from tributary import cli

from bench import harness

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make bench", description=harness.__doc__)
    parser.add_argument("only", nargs="?", default="", help="substring of the benchmark files to run")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT") or 1),
                        help="runs per benchmark; the table shows the median run and the spread "
                             "(BENCH_REPEAT)")
    ns = parser.parse_args()
    try:
        cli.prepare()
    except cli.environment.SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(harness.main(ns.only, repeat=ns.repeat))
