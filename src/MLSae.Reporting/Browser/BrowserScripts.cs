namespace MLSae.Reporting.Browser;

/// <summary>The site's stylesheet and scripts (plain ES2017, no libraries).</summary>
static class BrowserScripts
{
    public const string Css = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; }
h1 { font-size: 1.4em; margin: .3em 0; } h2 { font-size: 1.05em; margin: .4em 0; } small, .muted { color: #777; }
.panels { display: flex; flex-wrap: wrap; gap: 2em; margin: 1em 0; }
.panel { min-width: 200px; }
table { border-collapse: collapse; } th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; }
th[data-col] { cursor: pointer; user-select: none; } th.sorted-asc::after { content: " \25B2"; } th.sorted-desc::after { content: " \25BC"; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.controls { margin: .5em 0; } .controls label { margin-right: 1em; }
#errors:not(:empty) { background: #fdd; border: 1px solid #c00; padding: .5em; white-space: pre-wrap; }
.ctx { font-family: ui-monospace, monospace; white-space: pre-wrap; margin: 2px 0; padding: 2px 4px; border-left: 3px solid #eee; }
.ctx .val { color: #777; display: inline-block; min-width: 5em; }
.tok { border-radius: 2px; } .tok.center { outline: 1px solid #c40; } .tok.id { color: #06c; }
.band { margin-bottom: .8em; }
svg rect.bar { fill: #d9733b; } svg .axis { font-size: 10px; fill: #666; }
svg.spark polyline, svg polyline.line { fill: none; stroke: #36c; stroke-width: 1.2; }
svg polyline.curve { fill: none; stroke-width: 1.5; } .legend span { margin-right: 1em; font-size: 12px; }
a { color: #1558b0; text-decoration: none; } a:hover { text-decoration: underline; }
""";

    /// <summary>Helpers both pages use: error capture, number formats, token rendering, SVG bars and sparklines.</summary>
    public const string Common = """
"use strict";
window.MLSAE = window.MLSAE || {};
(function () {
  function report(msg) { var e = document.getElementById("errors"); if (e) e.textContent += msg + "\n"; }
  window.addEventListener("error", function (ev) { report("error: " + ev.message); });
  MLSAE.report = report;
  MLSAE.fmt = function (x, digits) {
    if (x === null || x === undefined) return "-";
    if (x === 0) return "0";
    var a = Math.abs(x);
    return (a >= 1e4 || a < 1e-3) ? x.toExponential(2) : x.toPrecision(digits || 3);
  };
  MLSAE.el = function (tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  var SVGNS = "http://www.w3.org/2000/svg";
  MLSAE.svg = function (tag, attrs) { var e = document.createElementNS(SVGNS, tag); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; };
  // Bars for counts; labels: an array of strings for the first, middle and last bin.
  MLSAE.bars = function (svg, counts, labels) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var w = +svg.getAttribute("width"), h = +svg.getAttribute("height") - 16, n = counts.length;
    var max = Math.max.apply(null, counts.concat([1])), bw = w / n;
    counts.forEach(function (c, i) {
      var bh = c > 0 ? Math.max(1, h * c / max) : 0;
      var r = MLSAE.svg("rect", { "class": "bar", x: i * bw, y: h - bh, width: Math.max(1, bw - 1), height: bh });
      var t = MLSAE.svg("title", {}); t.textContent = (labels && labels.bin ? labels.bin(i) + ": " : "") + c; r.appendChild(t);
      svg.appendChild(r);
    });
    if (labels && labels.ticks) labels.ticks.forEach(function (tk) {
      var t = MLSAE.svg("text", { "class": "axis", x: Math.min(w - 30, tk[0] * w), y: h + 12 }); t.textContent = tk[1]; svg.appendChild(t);
    });
  };
  MLSAE.spark = function (values, w, h) {
    var s = MLSAE.svg("svg", { width: w, height: h, "class": "spark" });
    if (!values || values.length < 2) return s;
    var max = Math.max.apply(null, values.concat([1e-12]));
    var pts = values.map(function (v, i) { return (i * (w - 2) / (values.length - 1) + 1).toFixed(1) + "," + (h - 1 - (h - 2) * v / max).toFixed(1); });
    s.appendChild(MLSAE.svg("polyline", { points: pts.join(" ") }));
    var t = MLSAE.svg("title", {}); t.textContent = "EMA frequency: first " + MLSAE.fmt(values[0]) + ", last " + MLSAE.fmt(values[values.length - 1]) + ", max " + MLSAE.fmt(max); s.appendChild(t);
    return s;
  };
  // Lines over shared axes: series = [{name, points: [[x, y], ...], color}]; xlog: log2 x axis. Ticks at both ends.
  MLSAE.lines = function (svg, series, opts) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var w = +svg.getAttribute("width"), h = +svg.getAttribute("height"), pad = 34, all = [];
    series.forEach(function (s) { s.points.forEach(function (p) { all.push(p); }); });
    if (all.length === 0) return;
    var fx = opts.xlog ? function (x) { return Math.log2(Math.max(1, x)); } : function (x) { return x; };
    var xs = all.map(function (p) { return fx(p[0]); }), ys = all.map(function (p) { return p[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = opts.y0 !== undefined ? Math.min(opts.y0, Math.min.apply(null, ys)) : Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (x1 === x0) x1 = x0 + 1; if (y1 === y0) y1 = y0 + 1;
    function X(x) { return pad + (fx(x) - x0) / (x1 - x0) * (w - pad - 6); }
    function Y(y) { var t = (y - y0) / (y1 - y0); return 4 + (opts.invert ? t : 1 - t) * (h - 22); }
    series.forEach(function (s) {
      var pl = MLSAE.svg("polyline", { "class": "curve", stroke: s.color, points: s.points.map(function (p) { return X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1); }).join(" ") });
      var t = MLSAE.svg("title", {}); t.textContent = s.name; pl.appendChild(t); svg.appendChild(pl);
    });
    [[x0, "start"], [x1, "end"]].forEach(function (e, k) {
      var t = MLSAE.svg("text", { "class": "axis", x: k === 0 ? pad : w - 6, y: h - 4, "text-anchor": e[1] });
      t.textContent = opts.xlabel(opts.xlog ? Math.pow(2, e[0]) : e[0]); svg.appendChild(t);
    });
    [[y1, opts.invert ? h - 18 : 12], [y0, opts.invert ? 12 : h - 18]].forEach(function (e) {
      var t = MLSAE.svg("text", { "class": "axis", x: 0, y: e[1] }); t.textContent = opts.ylabel(e[0]); svg.appendChild(t);
    });
  };
  // One context: every token shaded by this feature's activation relative to the feature's max.
  MLSAE.context = function (ctx, maxAct, vocab) {
    var div = MLSAE.el("div", { "class": "ctx" });
    div.appendChild(MLSAE.el("span", { "class": "val" }, MLSAE.fmt(ctx.act)));
    for (var i = 0; i < ctx.ids.length; i++) {
      var a = ctx.acts[i], text = vocab[ctx.ids[i]], cls = "tok";
      if (text === null || text === undefined) { text = " \u27E8" + ctx.ids[i] + "\u27E9"; cls += " id"; }
      if (a > 0) cls += " act";
      if (i === ctx.center) cls += " center";
      var span = MLSAE.el("span", { "class": cls, title: "activation " + MLSAE.fmt(a) + " (token id " + ctx.ids[i] + ")" }, text);
      if (a > 0) span.style.background = "rgba(230, 90, 20, " + Math.min(1, 0.08 + 0.92 * a / (maxAct || a)).toFixed(3) + ")";
      div.appendChild(span);
    }
    return div;
  };
})();
""";

    public const string Index = """
"use strict";
(function () {
  var D = MLSAE.index, T = (MLSAE.tokens || { tokens: {} }).tokens;
  if (!D) { MLSAE.report("data/index.js did not load: is the site folder complete?"); return; }
  var rows = D.features, hist = D.history, PAGE = 200, page = 0, sortCol = 0, sortDir = 1, view = [];
  document.getElementById("meta").textContent = (D.model || "unknown model") + " \u00B7 " + (D.hook || "unknown hook") + " \u00B7 d = " + D.d + " \u00B7 m = " + D.m +
    " \u00B7 " + D.rows.toLocaleString() + " tokens \u00B7 SAE " + D.sae;
  document.getElementById("notes").textContent = (D.notes || []).join(" ");
  if (D.comparedWith) { var cl = MLSAE.el("a", { href: "compare.html" }, "side by side with " + D.comparedWith); document.getElementById("comparelink").appendChild(cl); }

  // Density histogram of log10 frequency, dead features in their own first bin.
  (function () {
    var lo = -7, hi = 0, n = 28, counts = new Array(n + 1).fill(0);
    rows.forEach(function (r) { var f = r[2]; if (f <= 0) counts[0]++; else counts[1 + Math.max(0, Math.min(n - 1, Math.floor((Math.log10(f) - lo) / (hi - lo) * n)))]++; });
    MLSAE.bars(document.getElementById("density"), counts, {
      bin: function (i) { return i === 0 ? "dead" : "10^" + (lo + (i - 1) * (hi - lo) / n).toFixed(2) + " .. 10^" + (lo + i * (hi - lo) / n).toFixed(2); },
      ticks: [[0, "dead"], [0.08, "1e-7"], [0.5, "1e-3.5"], [0.96, "1"]]
    });
  })();

  // Prefix curves: a good order rises fastest (computed on the first rows of the cache).
  (function () {
    var curves = D.prefixCurves || [], colors = ["#d9733b", "#36c", "#999"];
    if (curves.length === 0) { document.getElementById("prefixpanel").style.display = "none"; return; }
    MLSAE.lines(document.getElementById("prefix"), curves.map(function (c, k) {
      return { name: c.name, color: colors[k % colors.length], points: c.points.map(function (p) { return [p[0], p[1]]; }) };
    }), { xlog: true, y0: 0, xlabel: function (x) { return "n = " + Math.round(x); }, ylabel: function (y) { return y.toFixed(2); } });
    var lg = document.getElementById("prefixlegend");
    curves.forEach(function (c, k) { var s = MLSAE.el("span", {}, "\u2014 " + c.name); s.style.color = colors[k % colors.length]; lg.appendChild(s); });
  })();

  function num(id) { var v = document.getElementById(id).value.trim(); return v === "" ? null : parseFloat(v); }
  function apply() {
    var minf = num("minfreq"), maxf = num("maxfreq"), find = num("find"), dead = document.getElementById("dead").checked;
    view = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (minf !== null && r[2] < minf) continue;
      if (maxf !== null && r[2] > maxf) continue;
      if (dead && r[2] > 0) continue;
      if (find !== null && r[0] !== find && r[1] !== find) continue;
      view.push(i);
    }
    view.sort(function (a, b) { var x = rows[a][sortCol], y = rows[b][sortCol]; return x === y ? a - b : (x < y ? -sortDir : sortDir); });
    page = 0; render();
  }
  function render() {
    var tb = document.querySelector("#features tbody"), pages = Math.max(1, Math.ceil(view.length / PAGE));
    page = Math.max(0, Math.min(page, pages - 1));
    tb.textContent = "";
    view.slice(page * PAGE, (page + 1) * PAGE).forEach(function (i) {
      var r = rows[i], tr = MLSAE.el("tr", { "class": "feat", "data-feature": r[0] });
      var a = MLSAE.el("a", { href: "feature.html#" + r[0] }, String(r[0]));
      var td = MLSAE.el("td", { "class": "num" }); td.appendChild(a); tr.appendChild(td);
      tr.appendChild(MLSAE.el("td", { "class": "num" }, String(r[1])));
      [2, 3, 4, 5].forEach(function (c) { tr.appendChild(MLSAE.el("td", { "class": "num" }, MLSAE.fmt(r[c]))); });
      var sp = MLSAE.el("td"); if (hist) sp.appendChild(MLSAE.spark(hist[i], 120, 20)); tr.appendChild(sp);
      tb.appendChild(tr);
    });
    document.getElementById("pageinfo").textContent = " " + view.length + " features, page " + (page + 1) + " / " + pages + " ";
    document.querySelectorAll("th[data-col]").forEach(function (th) {
      th.className = "num" + (+th.getAttribute("data-col") === sortCol ? (sortDir > 0 ? " sorted-asc" : " sorted-desc") : "");
    });
  }
  document.querySelectorAll("th[data-col]").forEach(function (th) {
    th.addEventListener("click", function () {
      var c = +th.getAttribute("data-col");
      if (c === sortCol) sortDir = -sortDir; else { sortCol = c; sortDir = c <= 1 ? 1 : -1; }
      apply();
    });
  });
  ["minfreq", "maxfreq", "find"].forEach(function (id) { document.getElementById(id).addEventListener("input", apply); });
  document.getElementById("dead").addEventListener("change", apply);
  document.getElementById("prev").addEventListener("click", function () { page--; render(); });
  document.getElementById("next").addEventListener("click", function () { page++; render(); });

  function search() {
    var q = document.getElementById("tokensearch").value.trim().toLowerCase(), out = document.getElementById("tokenresults");
    out.textContent = "";
    if (!q) return;
    var keys = T[q] ? [q] : Object.keys(T).filter(function (k) { return k.indexOf(q) === 0; }).sort().slice(0, 5);
    if (keys.length === 0) { out.textContent = "No feature fires on '" + q + "' in the sampled firings."; return; }
    keys.forEach(function (k) {
      out.appendChild(MLSAE.el("div", {}, "'" + k + "':"));
      var tbl = MLSAE.el("table", { "class": "tokenhits" });
      T[k].slice(0, 10).forEach(function (h) {
        var tr = MLSAE.el("tr"), td = MLSAE.el("td"); td.appendChild(MLSAE.el("a", { href: "feature.html#" + h[0] }, "feature " + h[0])); tr.appendChild(td);
        tr.appendChild(MLSAE.el("td", { "class": "num" }, "~" + MLSAE.fmt(h[1]) + " firings"));
        tr.appendChild(MLSAE.el("td", { "class": "num" }, "mean " + MLSAE.fmt(h[2])));
        tbl.appendChild(tr);
      });
      out.appendChild(tbl);
    });
  }
  document.getElementById("tokensearch").addEventListener("input", search);
  // index.html?sort=COLUMN&desc=1&token=TEXT opens sorted and searched (links can be shared; the browser test uses it).
  var params = new URLSearchParams(location.search), q = params.get("token");
  if (params.get("sort") !== null) { sortCol = +params.get("sort"); sortDir = params.get("desc") === "1" ? -1 : 1; }
  if (q) { document.getElementById("tokensearch").value = q; search(); }
  apply();
  // Milliseconds from navigation start to the first rendered table (docs/benchmarks.md reads it from a headless DOM dump).
  document.body.setAttribute("data-ready-ms", performance.now().toFixed(0));
})();
""";

    public const string Feature = """
"use strict";
(function () {
  var D = MLSAE.index;
  if (!D) { MLSAE.report("data/index.js did not load: is the site folder complete?"); return; }
  function show() {
    var f = parseInt(location.hash.slice(1), 10);
    if (!(f >= 0 && f < D.m)) f = 0;
    var chunk = Math.floor(f / D.chunkSize);
    MLSAE.chunks = MLSAE.chunks || {};
    if (MLSAE.chunks[chunk]) { render(MLSAE.chunks[chunk].features[f - chunk * D.chunkSize], MLSAE.chunks[chunk].vocab); return; }
    document.getElementById("loading").style.display = "";
    // file:// forbids fetch() in Chromium; a script tag that assigns MLSAE.chunks[N] works everywhere.
    var s = document.createElement("script");
    s.src = "data/chunk-" + chunk + ".js";
    s.onload = function () { render(MLSAE.chunks[chunk].features[f - chunk * D.chunkSize], MLSAE.chunks[chunk].vocab); };
    s.onerror = function () { MLSAE.report("could not load " + s.src + ": is the site folder complete?"); };
    document.body.appendChild(s);
  }
  function render(F, vocab) {
    document.getElementById("loading").style.display = "none";
    document.title = "Feature " + F.index + " \u00B7 MLSae";
    document.getElementById("title").textContent = "Feature " + F.index + (F.original !== F.index ? " (originally " + F.original + ")" : "");
    document.getElementById("prevf").href = "#" + Math.max(0, F.index - 1);
    document.getElementById("nextf").href = "#" + Math.min(D.m - 1, F.index + 1);
    document.getElementById("stats").textContent = "frequency " + MLSAE.fmt(F.frequency) + " (" + F.count.toLocaleString() + " of " + D.rows.toLocaleString() +
      " tokens) \u00B7 mean act " + MLSAE.fmt(F.mean) + " \u00B7 max act " + MLSAE.fmt(F.max) + " \u00B7 decoder norm " + MLSAE.fmt(F.decoderNorm);
    var E = D.histogramEdges;
    MLSAE.bars(document.getElementById("hist"), F.histogram, {
      bin: function (i) { return MLSAE.fmt(E[i]) + " .. " + MLSAE.fmt(E[i + 1]); },
      // One tick per decade of the log bins.
      ticks: (function () { var lo = Math.round(Math.log10(E[0])), hi = Math.round(Math.log10(E[E.length - 1])), t = [];
        for (var k = lo; k <= hi; k++) t.push([(k - lo) / (hi - lo), k === 0 ? "1" : "1e" + k]); return t; })()
    });
    var hsvg = document.getElementById("history");
    while (hsvg.firstChild) hsvg.removeChild(hsvg.firstChild);
    if (F.history && F.history.length > 1) hsvg.appendChild(MLSAE.spark(F.history, 360, 120)); else hsvg.style.display = "none";
    var msvg = document.getElementById("movechart");
    if (F.moves.length > 0) {
      msvg.style.display = "";
      // Before the first reorder the feature sat at its original index; position 0 is drawn at the top.
      var pts = [[0, F.original]].concat(F.moves.map(function (m) { return [m.step, m.position]; }));
      MLSAE.lines(msvg, [{ name: "position", color: "#36c", points: pts }], { invert: true, y0: 0,
        xlabel: function (x) { return "step " + Math.round(x); }, ylabel: function (y) { return "#" + Math.round(y); } });
    } else msvg.style.display = "none";
    var lb = document.querySelector("#logits tbody"); lb.textContent = "";
    document.getElementById("logitpanel").style.display = F.logits ? "" : "none";
    if (F.logits) for (var k = 0; k < Math.max(F.logits.top.length, F.logits.bottom.length); k++) {
      var tr = MLSAE.el("tr");
      [F.logits.top[k], F.logits.bottom[k]].forEach(function (t) {
        tr.appendChild(MLSAE.el("td", { "class": t && t.text === null ? "tok id" : "tok" }, !t ? "" : t.text === null ? "\u27E8" + t.id + "\u27E9" : JSON.stringify(t.text)));
        tr.appendChild(MLSAE.el("td", { "class": "num" }, t ? MLSAE.fmt(t.value) : ""));
      });
      lb.appendChild(tr);
    }
    document.getElementById("moves").textContent = F.moves.length ? "position after each reorder: " + F.moves.map(function (m) { return "step " + m.step + " \u2192 " + m.position; }).join(", ") : (F.history ? "" : "no feature history in the run folder (see the notes on the index page)");
    var tb = document.querySelector("#toptokens tbody"); tb.textContent = "";
    F.tokens.forEach(function (t) {
      var tr = MLSAE.el("tr");
      tr.appendChild(MLSAE.el("td", { "class": t.text === null ? "tok id" : "tok" }, t.text === null ? "\u27E8" + t.id + "\u27E9" : JSON.stringify(t.text)));
      tr.appendChild(MLSAE.el("td", { "class": "num" }, MLSAE.fmt(t.estimated)));
      tr.appendChild(MLSAE.el("td", { "class": "num" }, MLSAE.fmt(t.mean)));
      tb.appendChild(tr);
    });
    var nb = document.querySelector("#nearest tbody"); nb.textContent = "";
    F.nearest.forEach(function (n) {
      var tr = MLSAE.el("tr"), td = MLSAE.el("td"); td.appendChild(MLSAE.el("a", { href: "#" + n.feature }, "feature " + n.feature)); tr.appendChild(td);
      tr.appendChild(MLSAE.el("td", { "class": "num" }, n.cosine.toFixed(3))); nb.appendChild(tr);
    });
    var top = document.getElementById("top"); top.textContent = "";
    if (F.top.length === 0) top.appendChild(MLSAE.el("div", { "class": "muted" }, "This feature never fired on the cache."));
    F.top.forEach(function (c) { top.appendChild(MLSAE.context(c, F.max, vocab)); });
    var qs = document.getElementById("quantiles"); qs.textContent = "";
    F.quantiles.forEach(function (b) {
      var div = MLSAE.el("div", { "class": "band" });
      div.appendChild(MLSAE.el("h3", {}, "quantile " + Math.round(b.from * 100) + "\u2013" + Math.round(b.to * 100) + "% (activation " + MLSAE.fmt(b.low) + " \u2013 " + MLSAE.fmt(b.high) + ")"));
      b.samples.forEach(function (c) { div.appendChild(MLSAE.context(c, F.max, vocab)); });
      qs.appendChild(div);
    });
    window.scrollTo(0, 0);
  }
  window.addEventListener("hashchange", show);
  show();
})();
""";
}
