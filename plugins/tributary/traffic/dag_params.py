"""The params every traffic DAG takes (rendered as the trigger form)."""

from __future__ import annotations

from tributary.traffic.run_window import MAX_WINDOW_DAYS


def stage_params(*, intraday: bool = False) -> dict:
    """Run window, force, simulate, local copy; ``intraday`` for sources whose data arrives
    during the day (see `tributary.traffic.run_window`)."""
    from airflow.sdk import Param  # noqa: PLC0415

    params = {
        "start_date": Param(None, type=["null", "string"], title="Start date",
                            description="First collection day (YYYY-MM-DD) of the window this "
                                        "run processes. Empty: a manual run processes every day "
                                        "from the last fully processed day (catalog) to the run's "
                                        "day; a scheduled run its own day."),
        "end_date": Param(None, type=["null", "string"], title="End date",
                          description="Last collection day (YYYY-MM-DD, inclusive); empty: the "
                                      f"start date. At most {MAX_WINDOW_DAYS} days per run."),
        "force": Param(False, type="boolean", title="Force",
                       description="Redo every item of the run's days, even those the target "
                                   "stage already has."),
        "simulate": Param(False, type="boolean", title="Simulate",
                          description="Write nothing (lake, catalog, metrics, portal); log what "
                                      "would have been written, and write the rows the publish "
                                      "stage would stage as CSV files to the lake under "
                                      "socrata/simulate/<dataset>/."),
        "local_copy": Param("", type="string", title="Local copy folder",
                            description="Also write every object under this local folder: "
                                        "relative to the first output root "
                                        "(TRIBUTARY_OUTPUT_ROOTS, default .local/exports) or "
                                        "absolute under one; empty: no copy. Works with "
                                        "simulate for a dry run."),
    }
    if intraday:
        params["intraday"] = Param(False, type="boolean", title="Intraday",
                                   description="Process what arrived since the last run (from "
                                               "the high-water mark in the catalog to today), "
                                               "for runs several times a day; not with dates.")
    return params
