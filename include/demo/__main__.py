"""`make demo` (`python -m include.demo`): prepare the environment, then run every domain's demo."""

import sys

from tributary import cli

from include.demo import runner

if __name__ == "__main__":
    try:
        cli.prepare()
    except cli.environment.SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(runner.main())
