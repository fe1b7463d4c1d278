"""The params the MindTrails DAGs that walk servers and scales share (export, decode)."""

from __future__ import annotations


def selector_params(verb: str) -> dict:
    """`server` and `scales`, as the original exporter's selector: `verb` is what the DAG does to
    each pick ("exports", "decodes")."""
    from airflow.sdk import Param  # noqa: PLC0415

    return {
        "server": Param(".", type="string", title="Server",
                        description=f"'.' {verb} every ready server; or one server name "
                                    "(the connection mindtrails_<name>)."),
        "scales": Param(".", type="string", title="Scales",
                        description="'.' deleteable scales, 'all', 'static' (non-deleteable) "
                                    "or one scale name, e.g. OA.",
                        examples=[".", "all", "static", "OA"]),
    }
