// The drawing page of `inkstone serve`: draw with mouse, pen or finger; the drawing is sent as a
// PNG to /v1/predict (one character) or /v1/read (a number) while you draw, and the reading and
// the top-3 probabilities are shown live. No external resources: it works offline.
#include "inkstone/serve/server.hpp"

namespace inkstone {

const std::string& web_page() {
  static const std::string page = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inkstone — draw a digit</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222;
         background: #f4f2ee; }
  main { max-width: 760px; margin: 0 auto; padding: 1.2em; }
  h1 { font-size: 1.4em; margin: 0 0 .2em; }
  p.sub { margin: 0 0 1em; color: #666; }
  .modes button, .actions button { font: inherit; padding: .4em 1em; border: 1px solid #999;
         background: #fff; border-radius: 6px; cursor: pointer; }
  .modes button.on { background: #223; color: #fff; border-color: #223; }
  #pad { background: #fff; border: 2px solid #223; border-radius: 8px; touch-action: none;
         cursor: crosshair; display: block; margin: .8em 0; max-width: 100%; }
  #reading { font-size: 3em; font-weight: 700; min-height: 1.3em; letter-spacing: .08em; }
  #detail { color: #666; min-height: 1.2em; }
  .bar { display: flex; align-items: center; gap: .6em; margin: .3em 0; }
  .bar .label { width: 2.5em; text-align: right; font-weight: 600; }
  .bar .track { flex: 1; background: #ddd; height: 1.1em; border-radius: 4px; overflow: hidden; }
  .bar .fill { background: #0072b2; height: 100%; }
  .bar .pct { width: 4.5em; font-variant-numeric: tabular-nums; }
  #error { color: #b00; min-height: 1.2em; }
  footer { color: #888; font-size: .85em; margin-top: 1.5em; }
</style>
</head>
<body data-state="idle">
<main>
  <h1>Inkstone</h1>
  <p class="sub" id="model">Draw a digit — the reading updates as you write.</p>
  <div class="modes">
    <button id="mode-digit" class="on" type="button">One digit</button>
    <button id="mode-number" type="button">A number</button>
    <span class="actions"><button id="clear" type="button">Clear</button></span>
  </div>
  <canvas id="pad" width="280" height="280" aria-label="drawing area"></canvas>
  <div id="reading" aria-live="polite"></div>
  <div id="detail"></div>
  <div id="bars"></div>
  <div id="error"></div>
  <footer>POST /v1/predict · POST /v1/read · GET /v1/model — see docs/serving.md</footer>
</main>
<script>
"use strict";
const pad = document.getElementById("pad");
const ctx = pad.getContext("2d");
let mode = "digit", drawing = false, inked = false, last = null;
let inFlight = false, again = false, pending = false, timer = null, seq = 0;

function reset() {
  clearTimeout(timer);
  pending = false;
  seq++;  // answers to earlier drawings are ignored
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  inked = false;
  document.getElementById("reading").textContent = "";
  document.getElementById("detail").textContent = "";
  document.getElementById("bars").innerHTML = "";
  document.getElementById("error").textContent = "";
  document.body.dataset.state = "idle";
}
function setMode(m) {
  mode = m;
  document.getElementById("mode-digit").classList.toggle("on", m === "digit");
  document.getElementById("mode-number").classList.toggle("on", m === "number");
  pad.width = m === "digit" ? 280 : 640;
  pad.height = m === "digit" ? 280 : 200;
  reset();
}
function point(e) {
  const r = pad.getBoundingClientRect();
  return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
}
pad.addEventListener("pointerdown", e => {
  drawing = true; last = point(e); pad.setPointerCapture(e.pointerId);
  ctx.beginPath(); ctx.arc(last.x, last.y, 9, 0, 2 * Math.PI); ctx.fillStyle = "#111"; ctx.fill();
  inked = true; schedule();
});
pad.addEventListener("pointermove", e => {
  if (!drawing) return;
  const p = point(e);
  ctx.strokeStyle = "#111"; ctx.lineWidth = 18; ctx.lineCap = "round"; ctx.lineJoin = "round";
  ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
  last = p; schedule();
});
for (const ev of ["pointerup", "pointercancel", "pointerleave"])
  pad.addEventListener(ev, () => { if (drawing) { drawing = false; schedule(0); } });

// At most one request in flight; the latest drawing is always sent once it completes.
// body[data-state] is "ready" only when the reading shown is that of the drawing as it is.
function schedule(delay = 120) {
  if (!inked) return;
  clearTimeout(timer);
  pending = true;
  document.body.dataset.state = "busy";
  timer = setTimeout(send, delay);
}
function send() {
  pending = false;
  if (inFlight) { again = true; return; }
  inFlight = true; again = false;
  document.body.dataset.state = "busy";
  const id = ++seq;
  pad.toBlob(async blob => {
    try {
      const url = mode === "digit" ? "/v1/predict" : "/v1/read";
      const res = await fetch(url, { method: "POST", headers: { "Content-Type": "image/png" }, body: blob });
      const j = await res.json();
      if (!res.ok) throw new Error(j.error || res.statusText);
      if (id === seq) show(j);
    } catch (err) {
      document.getElementById("error").textContent = String(err.message || err);
    } finally {
      inFlight = false;
      if (again) send(); else if (!pending) document.body.dataset.state = "ready";
    }
  }, "image/png");
}
function bars(top) {
  const box = document.getElementById("bars");
  box.innerHTML = "";
  for (const t of top) {
    const row = document.createElement("div"); row.className = "bar";
    const pct = (100 * t.probability).toFixed(1) + "%";
    row.innerHTML = '<span class="label"></span><span class="track"><span class="fill"></span></span><span class="pct"></span>';
    row.querySelector(".label").textContent = t.label;
    row.querySelector(".fill").style.width = pct;
    row.querySelector(".fill").style.display = "block";
    row.querySelector(".pct").textContent = pct;
    box.appendChild(row);
  }
}
function show(j) {
  document.getElementById("error").textContent = "";
  if (mode === "digit") {
    document.getElementById("reading").textContent = j.label;
    document.getElementById("detail").textContent = (100 * j.confidence).toFixed(1) + "% sure · " + j.ms.toFixed(1) + " ms";
    bars(j.top);
  } else {
    document.getElementById("reading").textContent = j.text;
    document.getElementById("detail").textContent = j.digits.length + " digits · lowest confidence " +
        (100 * j.min_confidence).toFixed(1) + "% · " + j.ms.toFixed(1) + " ms";
    bars(j.digits.length ? j.digits[j.digits.length - 1].top : []);
  }
}
document.getElementById("mode-digit").onclick = () => setMode("digit");
document.getElementById("mode-number").onclick = () => setMode("number");
document.getElementById("clear").onclick = reset;
fetch("/v1/model").then(r => r.json()).then(m => {
  let s = "Model " + m.name + " · " + m.parameters.toLocaleString() + " parameters";
  if (m.dataset) s += " · trained on " + m.dataset;
  if (m.test_accuracy) s += " · test accuracy " + (100 * m.test_accuracy).toFixed(2) + "%";
  document.getElementById("model").textContent = s + ". Draw a digit — the reading updates as you write.";
}).catch(() => {});
reset();
</script>
</body>
</html>
)HTML";
  return page;
}

}  // namespace inkstone
