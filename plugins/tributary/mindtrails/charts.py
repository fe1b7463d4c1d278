"""The attrition chart: participants reaching each session, one line per website."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers
import matplotlib.pyplot as plt  # noqa: E402


def attrition_chart(rows: list[tuple[str, str, int, int, float]], path: Path) -> Path:
    """``rows``: (server, session_name, session_index, participants, percent_retained)."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for server in sorted({r[0] for r in rows}):
        mine = sorted((r for r in rows if r[0] == server), key=lambda r: r[2])
        ax.plot([r[1] for r in mine], [float(r[4] or 0) for r in mine], marker="o", label=server)
        for r in mine:
            ax.annotate(str(r[3]), (r[1], float(r[4] or 0)), textcoords="offset points",
                        xytext=(0, 6), ha="center", fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_ylabel("% of participants who started")
    ax.set_title("MindTrails attrition: participants reaching each session")
    if rows:  # an empty chart (nothing exported yet) has no lines to name
        ax.legend(title="server")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
