namespace MLSae.Reporting.Browser;

/// <summary>assets/compare.js: the side-by-side table of matched features, sortable by cosine and by either SAE's index.</summary>
static class CompareScript
{
    public const string Source = """
"use strict";
(function () {
  var C = MLSAE.compare;
  if (!C) { MLSAE.report("data/compare.js did not load: is the site folder complete?"); return; }
  document.getElementById("meta").textContent = "A = " + C.a + " (m = " + C.mA + ") \u00B7 B = " + C.b + " (m = " + C.mB + ")";
  var s = C.summary;
  document.getElementById("summary").textContent = s
    ? "matched one-to-one by decoder cosine: mean " + MLSAE.fmt(s.assignedMeanCosine) + ", " + (100 * s.fractionAbove07).toFixed(1) + "% above 0.7, " +
      (100 * s.fractionAbove09).toFixed(1) + "% above 0.9 \u00B7 mean max cosine A\u2192B " + MLSAE.fmt(s.meanMaxCosine) + ", B\u2192A " + MLSAE.fmt(s.meanMaxCosineReverse)
    : "too many features for the one-to-one assignment: every A feature is shown with its nearest B feature";
  var rows = C.pairs, sortCol = 0, sortDir = 1, PAGE = 200, page = 0, view = rows.map(function (_, i) { return i; });
  function render() {
    view.sort(function (x, y) { var p = rows[x][sortCol], q = rows[y][sortCol]; return p === q ? x - y : (p < q ? -sortDir : sortDir); });
    var tb = document.querySelector("#pairs tbody"), pages = Math.max(1, Math.ceil(view.length / PAGE));
    page = Math.max(0, Math.min(page, pages - 1));
    tb.textContent = "";
    view.slice(page * PAGE, (page + 1) * PAGE).forEach(function (i) {
      var r = rows[i], tr = MLSAE.el("tr", { "class": "pair", "data-a": r[0], "data-b": r[1] });
      var ta = MLSAE.el("td", { "class": "num" }); ta.appendChild(MLSAE.el("a", { href: "feature.html#" + r[0] }, String(r[0]))); tr.appendChild(ta);
      tr.appendChild(MLSAE.el("td", { "class": "num" }, MLSAE.fmt(r[4])));
      tr.appendChild(MLSAE.el("td", { "class": "toks" }, r[6]));
      tr.appendChild(MLSAE.el("td", { "class": "num" + (r[3] ? "" : " muted"), title: r[3] ? "one-to-one match" : "nearest only" }, r[2].toFixed(3)));
      var tbb = MLSAE.el("td", { "class": "num" }); tbb.appendChild(MLSAE.el("a", { href: C.bSite + "feature.html#" + r[1] }, String(r[1]))); tr.appendChild(tbb);
      tr.appendChild(MLSAE.el("td", { "class": "num" }, MLSAE.fmt(r[5])));
      tr.appendChild(MLSAE.el("td", { "class": "toks" }, r[7]));
      tb.appendChild(tr);
    });
    document.getElementById("pageinfo").textContent = " " + view.length + " pairs, page " + (page + 1) + " / " + pages + " ";
    document.querySelectorAll("th[data-col]").forEach(function (th) {
      th.className = "num" + (+th.getAttribute("data-col") === sortCol ? (sortDir > 0 ? " sorted-asc" : " sorted-desc") : "");
    });
  }
  document.querySelectorAll("th[data-col]").forEach(function (th) {
    th.addEventListener("click", function () {
      var c = +th.getAttribute("data-col");
      if (c === sortCol) sortDir = -sortDir; else { sortCol = c; sortDir = c === 2 || c === 4 || c === 5 ? -1 : 1; }
      page = 0; render();
    });
  });
  document.getElementById("prev").addEventListener("click", function () { page--; render(); });
  document.getElementById("next").addEventListener("click", function () { page++; render(); });
  render();
  document.body.setAttribute("data-ready-ms", performance.now().toFixed(0));
})();
""";
}
