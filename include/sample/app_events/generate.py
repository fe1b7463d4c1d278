"""Regenerate the sample dimension files here, or write days of events elsewhere:

    .venv/bin/python include/sample/app_events/generate.py --out include/sample/app_events --days 0
    .venv/bin/python include/sample/app_events/generate.py --out /tmp/app --days 3 --events 5000

The generator itself is `tributary.app_events.sample` (importable by the demo, tests and bench).
"""

from tributary.app_events.sample import main

if __name__ == "__main__":
    main()
