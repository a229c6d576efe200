"""PCK curve plot (PNG) and a self-contained HTML report (PNG embedded as base64)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np

from s2hand.evaluation.evaluate import EvaluationResult
from s2hand.outputs import atomic_write_bytes, atomic_write_text

CURVE_TITLES = {
    "xyz": "PCK, keypoints (unaligned)",
    "xyz_al": "PCK, keypoints (Procrustes aligned)",
    "xyz_sc_tr_al": "PCK, keypoints (scale-translation aligned)",
    "mesh": "PCV, mesh vertices (unaligned)",
    "mesh_al": "PCV, mesh vertices (Procrustes aligned)",
}


def plot_pck(result: EvaluationResult, path: str | Path | None = None) -> bytes:
    """Plot every PCK/PCV curve of ``result`` in one figure (x in mm, as papers plot it).

    Writes the PNG to ``path`` when given; returns the PNG bytes.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    try:
        for name, (thr, pck) in result.curves.items():
            ax.plot(np.asarray(thr) * 1000.0, pck, label=CURVE_TITLES.get(name, name))
        ax.set_xlabel("error threshold (mm)")
        ax.set_ylabel("fraction of points within threshold")
        ax.set_xlim(0, 50)
        ax.set_ylim(0, 1.01)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
        ax.set_title(f"{result.dataset}: {result.num_samples} samples")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
    finally:
        plt.close(fig)
    data = buf.getvalue()
    if path is not None:
        atomic_write_bytes(path, data)
    return data


def render_html(result: EvaluationResult, png: bytes, title: str = "s2hand evaluation",
                meta: dict[str, object] | None = None) -> str:
    """A single HTML page: scores table, the PCK plot (embedded) and the raw curve data."""
    esc = html.escape
    rows = "\n".join(
        f"<tr><td><code>{esc(k)}</code></td><td>{v:.6f}</td></tr>"
        for k, v in result.scores.items())
    meta_rows = "\n".join(
        f"<tr><td>{esc(str(k))}</td><td>{esc(str(v))}</td></tr>" for k, v in (meta or {}).items())
    curves = "\n".join(
        f"<h3>{esc(CURVE_TITLES.get(name, name))}</h3>"
        f"<p>thresholds (cm): <small>{esc(np.array2string(np.asarray(thr) * 100, precision=4, max_line_width=10**6))}</small></p>"  # noqa: E501
        f"<p>PCK: <small>{esc(np.array2string(np.asarray(pck), precision=4, max_line_width=10**6))}</small></p>"  # noqa: E501
        for name, (thr, pck) in result.curves.items())
    b64 = base64.b64encode(png).decode("ascii")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}
td{{padding:0 1em}}small{{word-break:break-all}}</style></head>
<body>
<h1>{esc(title)}</h1>
<table>{meta_rows}
<tr><td>dataset</td><td>{esc(result.dataset)}</td></tr>
<tr><td>samples</td><td>{result.num_samples}</td></tr></table>
<h2>Scores</h2>
<p>Means in cm (official <code>scores.txt</code> units), AUC over 0-50 mm with 100 thresholds,
F-scores at 5 mm and 15 mm.</p>
<table>{rows}</table>
<h2>PCK curves</h2>
<img alt="PCK curves" src="data:image/png;base64,{b64}">
<h2>Raw curve data</h2>
{curves}
</body></html>
"""


def write_report(out_dir: str | Path, result: EvaluationResult, title: str = "s2hand evaluation",
                 meta: dict[str, object] | None = None) -> dict[str, Path]:
    """Write ``pck.png`` and the self-contained ``scores.html`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png_path, html_path = out / "pck.png", out / "scores.html"
    png = plot_pck(result, png_path)
    atomic_write_text(html_path, render_html(result, png, title, meta))
    return {"png": png_path, "html": html_path}
