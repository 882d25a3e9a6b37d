"""Two videos played in step on their reps' phases: a small self-contained HTML player.

Rep A's video leads; rep B's follows the ``TimeMap`` knots (start, bottom,
lockout), so both reach the bottom together whatever their tempo: B's
playback rate is A's times the ratio of the two phases' durations, and B is
re-seeked when it drifts more than ``MAX_DRIFT_S`` from where the map puts it.
Playback loops over rep A from start to lockout. A slider scrubs both videos
to the same phase percentage. Videos are embedded as ``data:`` URLs, so the
HTML needs no server. ``window.hrPlayer.state()`` reports each video's phase
percentage (for tests and for the on-screen readout).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from html import escape

from pipeline.compare import PHASE_PCT, TimeMap

MAX_DRIFT_S = 0.12


@dataclass(frozen=True)
class PlayerVideo:
    """One video for the player: its bytes, MIME type and caption."""

    data: bytes
    mime: str
    label: str


def _src(v: PlayerVideo) -> str:
    return f"data:{v.mime};base64,{base64.b64encode(v.data).decode()}"


def player_html(a: PlayerVideo, b: PlayerVideo, time_map: TimeMap, *, video_height_px: int = 420) -> str:
    """HTML with both videos side by side, a play/pause button, a speed choice and a phase slider."""
    knots = json.dumps(
        {"pct": list(PHASE_PCT), "a": list(time_map.a.knots_s), "b": list(time_map.b.knots_s), "maxDrift": MAX_DRIFT_S}
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; font-family: sans-serif; font-size: 14px; color: #222; }}
.row {{ display: flex; gap: 12px; }} figure {{ flex: 1; margin: 0; text-align: center; }}
video {{ width: 100%; height: {video_height_px}px; background: #111; border-radius: 6px; }}
figcaption {{ margin-top: 4px; font-weight: 600; }} .a {{ color: #1f77b4; }} .b {{ color: #d62728; }}
.controls {{ display: flex; gap: 12px; align-items: center; margin-top: 8px; }}
#phase {{ flex: 1; }} button, select {{ font-size: 14px; padding: 3px 10px; }}
</style></head><body>
<div class="row">
 <figure><video id="va" src="{_src(a)}" muted playsinline preload="auto"></video>
  <figcaption class="a">{escape(a.label)}</figcaption></figure>
 <figure><video id="vb" src="{_src(b)}" muted playsinline preload="auto"></video>
  <figcaption class="b">{escape(b.label)}</figcaption></figure>
</div>
<div class="controls">
 <button id="play">▶ Play in step</button>
 <select id="speed" title="speed of rep A"><option value="0.25">¼×</option><option value="0.5" selected>½×</option>
  <option value="1">1×</option></select>
 <input id="phase" type="range" min="0" max="100" step="1" value="0" title="position in the rep (%)">
 <span id="readout">0 %</span>
</div>
<script>
const K = {knots};
const va = document.getElementById("va"), vb = document.getElementById("vb");
const btn = document.getElementById("play"), speed = document.getElementById("speed");
const phase = document.getElementById("phase"), readout = document.getElementById("readout");
function interp(x, xs, ys) {{
  if (x <= xs[0]) return ys[0];
  for (let i = 1; i < xs.length; i++) {{
    if (x <= xs[i]) {{ const s = xs[i] - xs[i - 1]; const w = s > 0 ? (x - xs[i - 1]) / s : 1;
      return ys[i - 1] + w * (ys[i] - ys[i - 1]); }}
  }}
  return ys[ys.length - 1];
}}
function segmentSlope(tA) {{  // seconds of B per second of A in A's current phase
  for (let i = 1; i < K.a.length; i++) {{
    if (tA <= K.a[i] || i === K.a.length - 1) {{ const da = K.a[i] - K.a[i - 1], db = K.b[i] - K.b[i - 1];
      return da > 0 ? db / da : 1; }}
  }}
  return 1;
}}
const pctA = () => interp(va.currentTime, K.a, K.pct), pctB = () => interp(vb.currentTime, K.b, K.pct);
function seekBoth(pct) {{ va.currentTime = interp(pct, K.pct, K.a); vb.currentTime = interp(pct, K.pct, K.b); }}
function follow() {{
  if (!va.paused && va.currentTime >= K.a[K.a.length - 1]) seekBoth(0);
  const target = interp(pctA(), K.pct, K.b);
  if (!va.paused) {{
    vb.playbackRate = Math.min(16, Math.max(0.0625, va.playbackRate * segmentSlope(va.currentTime)));
    if (vb.paused) vb.play();
  }}
  if (Math.abs(vb.currentTime - target) > (va.paused ? 0.02 : K.maxDrift)) vb.currentTime = target;
  const p = pctA();
  readout.textContent = Math.round(p) + " %";
  if (!va.paused) phase.value = p;
  requestAnimationFrame(follow);
}}
btn.onclick = () => {{
  if (va.paused) {{ if (pctA() >= 99.5) seekBoth(0); va.playbackRate = +speed.value; va.play();
    btn.textContent = "❚❚ Pause"; }}
  else {{ va.pause(); vb.pause(); btn.textContent = "▶ Play in step"; }}
}};
speed.onchange = () => {{ va.playbackRate = +speed.value; }};
phase.oninput = () => {{ va.pause(); vb.pause(); btn.textContent = "▶ Play in step"; seekBoth(+phase.value); }};
let ready = 0;
for (const v of [va, vb]) v.addEventListener("loadedmetadata", () => {{ if (++ready === 2) seekBoth(0); }});
window.hrPlayer = {{ state: () => ({{ pctA: pctA(), pctB: pctB(), tA: va.currentTime, tB: vb.currentTime,
  playing: !va.paused }}), knots: K }};
requestAnimationFrame(follow);
</script></body></html>"""
