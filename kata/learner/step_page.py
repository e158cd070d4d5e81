"""make step's page: a backward pass replayed call by call on the drawn graph, beside PyTorch's.

One self-contained file: the graph drawn by the kata's own layout (no Graphviz), the walk as
JSON, and a small script for the controls (next, previous, play, a slider, the arrow keys).
Nothing is fetched; a learner's labels reach the page as text, never as markup.
"""

from __future__ import annotations

import json

from kata.core.graph import TracedNode
from kata.core.sanitise import html_text
from kata.learner.layout import layout_svg
from kata.learner.step import Walk

GRAD_ROOM = "-0.0000e+00"  # the widest grad a box shows: its width is kept for the numbers that replace it

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 0.3em; }
.controls { display: flex; gap: 0.6em; align-items: center; margin: 0.6em 0; flex-wrap: wrap; }
.controls input[type=range] { width: 22em; }
.graph { overflow: auto; max-height: 60vh; border: 1px solid #ddd; padding: 4px; }
.note { color: #666; }
g.value rect { transition: fill 0.2s; }
g.value.accumulating rect { stroke: #ef6c00; stroke-dasharray: 4 3; stroke-width: 1.5; }
g.value.complete rect { stroke: #2e7d32; stroke-width: 1.5; }
g.value.receiving rect { fill: #e3f2fd; }
g.value.running rect { stroke: #1565c0; stroke-width: 3.5; stroke-dasharray: none; fill: #bbdefb; }
g.value.wrong rect, g.value.running.wrong rect, g.value.receiving.wrong rect { fill: #ffd6d6; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.differs { color: #b00020; font-weight: bold; }
.words { border-left: 4px solid #b00020; padding: 0.3em 0.8em; background: #fff5f5; }
.legend span { margin-right: 1.2em; }
"""

SCRIPT = """
const walk = JSON.parse(document.getElementById("walk").textContent);
const steps = walk.steps, graph = walk.graph;
const boxes = new Map([...document.querySelectorAll("g.value")].map(g => [Number(g.dataset.index), g]));
const slider = document.getElementById("slider"), panel = document.getElementById("panel");
const play = document.getElementById("play");
const close = (a, b) => Math.abs(a - b) <= Math.max(1e-7 * Math.max(Math.abs(a), Math.abs(b)), 1e-10);
const six = x => x === null ? "—" : Number(x.toPrecision(6)).toString();
const four = x => (x === 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6)) ? x.toFixed(4) : x.toExponential(4);
const name = i => `node ${i} (${graph[i][0] || "leaf"}${graph[i][1] ? " " + graph[i][1] : ""})`;
// The call after which each node's grad is complete (-1: from the start; null: never).
const completeAt = walk.completeAfter.map(k => k === null ? Infinity : k);
let current = 0, timer = null;

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
}

function pair(row, yours, theirs) {
  const differs = yours !== null && theirs !== null && !close(yours, theirs);
  cell(row, six(yours), differs ? "num differs" : "num");
  cell(row, six(theirs), "num");
}

function show(k) {
  current = Math.max(0, Math.min(steps.length - 1, k));
  const step = steps[current];
  slider.value = current + 1;
  const grads = walk.initial.slice();
  for (let i = 0; i <= current; i++) steps[i].shares.forEach(s => { grads[s.node] = s.after; });
  boxes.forEach((g, i) => {
    g.classList.toggle("complete", completeAt[i] <= current);
    g.classList.toggle("accumulating", completeAt[i] > current);  // never complete: still accumulating
    g.classList.toggle("running", i === step.node);
    g.classList.toggle("receiving", step.shares.some(s => s.node === i));
    g.classList.toggle("wrong", (step.wrong && (i === step.node || step.shares.some(s => s.node === i && s.wrong)))
      || (completeAt[i] <= current && !close(grads[i], walk.expected[i][1])));
    const texts = g.querySelectorAll("text");
    texts[texts.length - 1].textContent = "grad " + four(grads[i]);
  });
  panel.replaceChildren();
  const head = document.createElement("h2");
  head.textContent = `Call ${current + 1} of ${steps.length}: ${name(step.node)} runs its _backward`;
  panel.appendChild(head);
  const state = document.createElement("p");
  state.textContent = step.state;
  panel.appendChild(state);
  const table = document.createElement("table");
  const heads = ["", "yours", "PyTorch"];
  const top = table.insertRow();
  ["", "local derivative", "", "share added", "", "grad so far", ""].forEach(t => cell(top, t));
  const sub = table.insertRow();
  ["operand", ...heads.slice(1), ...heads.slice(1), ...heads.slice(1)].forEach(t => cell(sub, t));
  step.shares.forEach(s => {
    const row = table.insertRow();
    row.dataset.operand = s.node;
    cell(row, name(s.node));
    pair(row, s.local, s.expected_local);
    pair(row, s.share, s.expected_share);
    pair(row, s.after, s.expected_after);
  });
  const mine = document.createElement("table");
  const mineHead = mine.insertRow();
  ["", "yours", "PyTorch"].forEach(t => cell(mineHead, t));
  const gradRow = mine.insertRow();
  cell(gradRow, "its grad as it ran");
  pair(gradRow, step.grad, step.expected_grad);
  panel.appendChild(mine);
  panel.appendChild(table);
  const say = (box, text) => { const p = document.createElement("p"); p.textContent = text; box.appendChild(p); };
  const last = current === steps.length - 1 && walk.afterWords.length;
  if (step.seen.length || current === walk.firstWrong || last) {
    const words = document.createElement("div");
    words.className = "words";
    if (current === walk.firstWrong) say(words, "The first call that differs from PyTorch's numbers.");
    step.seen.forEach(line => say(words, line));
    if (current === walk.firstWrong && walk.words.length) {
      say(words, "make check's likely cause, from the whole graph:");
      walk.words.forEach(line => say(words, line));
    }
    if (last) walk.afterWords.forEach(line => say(words, line));
    panel.appendChild(words);
  }
  document.body.dataset.step = current + 1;
  document.body.dataset.node = step.node;
  // Bring the running node and its operands into view: they lie to its left, so start a little before them.
  const shown = [step.node, ...step.shares.map(s => s.node)].map(i => boxes.get(i)).filter(Boolean);
  const frame = document.querySelector(".graph"), origin = frame.getBoundingClientRect();
  const left = Math.min(...shown.map(b => b.getBoundingClientRect().left)) - origin.left + frame.scrollLeft;
  const right = Math.max(...shown.map(b => b.getBoundingClientRect().right)) - origin.left + frame.scrollLeft;
  const above = Math.min(...shown.map(b => b.getBoundingClientRect().top)) - origin.top + frame.scrollTop;
  frame.scrollTo({left: right - left < frame.clientWidth ? left - 30 : right - frame.clientWidth + 30,
                  top: above - 30});
}

function pause() { clearInterval(timer); timer = null; play.textContent = "Play"; }
document.getElementById("next").onclick = () => { pause(); show(current + 1); };
document.getElementById("previous").onclick = () => { pause(); show(current - 1); };
slider.oninput = () => { pause(); show(Number(slider.value) - 1); };
play.onclick = () => {
  if (timer) return pause();
  if (current === steps.length - 1) show(0);
  play.textContent = "Pause";
  timer = setInterval(() => { if (current === steps.length - 1) pause(); else show(current + 1); }, 900);
};
const keys = {ArrowRight: () => current + 1, ArrowLeft: () => current - 1, Home: () => 0,
              End: () => steps.length - 1};
document.addEventListener("keydown", e => {
  if (keys[e.key]) { pause(); show(keys[e.key]()); e.preventDefault(); }
});
show(walk.firstWrong === null ? 0 : walk.firstWrong);
"""


def as_html(walk: Walk, news: str) -> str:
    """The page for a walk; news is what make step says of it in the terminal (kata.learner.step.summary)."""
    # Each box shows its node's number, as the panel names nodes, and room for any grad.
    roomy = [TracedNode(n.op, f"#{i} {n.label}".strip(), n.data, GRAD_ROOM, n.operands)
             for i, n in enumerate(walk.graph)]
    svg = layout_svg(roomy).split("\n", 1)[1]  # without its XML declaration, inside the page
    data = json.dumps(walk.to_json()).replace("<", "\\u003c")  # nothing in it can end the script
    lines = [line for line in news.split("\n") if line.strip()]
    # The headline shows; where a call is marked the panel gives the rest at that call, so it folds away.
    kept = lines if walk.first_wrong is None else lines[:2]
    said = "".join(f"<p>{html_text(line)}</p>" for line in kept) + (
        "<details><summary>All that make step printed</summary>"
        + "".join(f"<p>{html_text(line)}</p>" for line in lines[len(kept):]) + "</details>"
        if lines[len(kept):] else "")
    return f"""<!DOCTYPE html>
<html lang=en><head><meta charset=utf-8><title>make step: {html_text(walk.title)}</title>
<style>{STYLE}</style></head><body>
<h1>Your backward pass, one _backward call at a time</h1>
<div class=news>{said}</div>
<div class=controls><button id=previous>Previous</button><button id=play>Play</button>
<button id=next>Next</button><input id=slider type=range min=1 max={len(walk.steps)} value=1
aria-label="call"><span class=note>or the ← → Home End keys</span></div>
<p class="legend note"><span>thick blue: the node whose _backward runs</span><span>light blue: its operands,
which receive a share</span><span>green outline: every share has come, each from a complete grad</span>
<span>dashed orange: a share still to come, or one that came too early</span><span>red: a share, or a
complete grad, that differs from PyTorch's</span></p>
<div class=graph>{svg}</div><p class=note>A picture wider or taller than the window scrolls; each call brings
the node that runs and its operands into view.</p>
<div id=panel></div>
<script type="application/json" id=walk>{data}</script>
<script>{SCRIPT}</script>
</body></html>
"""
