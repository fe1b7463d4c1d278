"""`make demo` (`python -m include.demo [--verbose yes]`): every domain's demo, quietly."""

import sys

from include.demo import runner

if __name__ == "__main__":
    sys.exit(runner.main(sys.argv[1:]))
