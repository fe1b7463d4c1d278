"""The params every traffic DAG takes (rendered as the trigger form)."""

from __future__ import annotations


def stage_params() -> dict:
    from airflow.sdk import Param  # noqa: PLC0415

    return {
        "force": Param(False, type="boolean", title="Force",
                       description="Redo every item of the run's days, even those the target "
                                   "stage already has."),
        "simulate": Param(False, type="boolean", title="Simulate",
                          description="Write nothing (lake, catalog, metrics, portal); log what "
                                      "would have been written."),
        "local_copy": Param("", type="string", title="Local copy folder",
                            description="Also write every object under this local folder: "
                                        "relative to the first output root "
                                        "(TRIBUTARY_OUTPUT_ROOTS, default .local/exports) or "
                                        "absolute under one; empty: no copy. Works with "
                                        "simulate for a dry run."),
    }
