namespace MLSae.Reporting.Browser;

/// <summary>The two HTML pages of the feature site. Everything they load is in the site folder (file:// safe: script tags, no fetch).</summary>
static class BrowserPages
{
    public const string Index = """
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MLSae feature browser</title>
<link rel="stylesheet" href="assets/browser.css"><link rel="icon" href="data:,"></head>
<body>
<header><h1>MLSae feature browser</h1><div id="meta"></div><div id="notes"></div><div id="comparelink"></div></header>
<div id="errors"></div>
<section class="panels">
  <div class="panel"><h2>Feature density <small>(log10 firing frequency)</small></h2><svg id="density" width="520" height="170"></svg></div>
  <div class="panel" id="prefixpanel"><h2>Prefix curves <small>(explained variance with the first n features)</small></h2><svg id="prefix" width="420" height="170"></svg><div id="prefixlegend" class="legend"></div></div>
  <div class="panel"><h2>Search by token</h2>
    <input id="tokensearch" placeholder="a token, e.g. whale" autocomplete="off">
    <div id="tokenresults" class="muted">Features that fire most on a token (estimated from each feature's reservoir of firings).</div></div>
</section>
<section>
  <div class="controls">
    <label>frequency &ge; <input id="minfreq" size="8" placeholder="0"></label>
    <label>frequency &le; <input id="maxfreq" size="8" placeholder="1"></label>
    <label>feature <input id="find" size="8" placeholder="index"></label>
    <label><input type="checkbox" id="dead"> dead only</label>
    <button id="prev">&larr;</button><span id="pageinfo"></span><button id="next">&rarr;</button>
  </div>
  <table id="features"><thead><tr>
    <th data-col="0" class="num">position</th><th data-col="1" class="num">original</th><th data-col="2" class="num">frequency</th>
    <th data-col="3" class="num">mean act</th><th data-col="4" class="num">max act</th><th data-col="5" class="num">decoder norm</th>
    <th>frequency over training</th></tr></thead><tbody></tbody></table>
</section>
<script src="assets/common.js"></script>
<script src="data/index.js"></script>
<script src="data/tokens.js"></script>
<script src="assets/index.js"></script>
</body></html>
""";

    public const string Feature = """
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MLSae feature</title>
<link rel="stylesheet" href="assets/browser.css"><link rel="icon" href="data:,"></head>
<body>
<header><a href="index.html">&larr; all features</a> <a id="prevf" href="#">previous</a> <a id="nextf" href="#">next</a>
<h1 id="title">Feature</h1><div id="stats"></div></header>
<div id="errors"></div>
<div id="loading" class="muted">loading&hellip;</div>
<section class="panels">
  <div class="panel"><h2>Activation histogram <small>(when firing, log bins)</small></h2><svg id="hist" width="400" height="140"></svg></div>
  <div class="panel"><h2>Top tokens</h2><table id="toptokens"><thead><tr><th>token</th><th class="num">est. firings</th><th class="num">mean act</th></tr></thead><tbody></tbody></table></div>
  <div class="panel"><h2>Nearest features <small>(decoder cosine)</small></h2><table id="nearest"><thead><tr><th>feature</th><th class="num">cosine</th></tr></thead><tbody></tbody></table></div>
  <div class="panel" id="logitpanel"><h2>Logit effect <small>(W_dec[i] &middot; W_U)</small></h2><table id="logits"><thead><tr><th>raises</th><th class="num"></th><th>lowers</th><th class="num"></th></tr></thead><tbody></tbody></table></div>
</section>
<section><h2>Top activating contexts</h2><div id="top"></div></section>
<section><h2>Contexts by activation quantile</h2><div id="quantiles"></div></section>
<section class="panels">
  <div class="panel"><h2>Frequency over training</h2><svg id="history" width="360" height="120"></svg></div>
  <div class="panel"><h2>Position in the order during training</h2><svg id="movechart" width="360" height="120"></svg><div id="moves" class="muted"></div></div>
</section>
<script src="assets/common.js"></script>
<script src="data/index.js"></script>
<script src="assets/feature.js"></script>
</body></html>
""";

    public const string Compare = """
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MLSae: two SAEs side by side</title>
<link rel="stylesheet" href="assets/browser.css"><link rel="icon" href="data:,"></head>
<body>
<header><a href="index.html">&larr; features of A</a> <a href="b/index.html">features of B</a>
<h1>Two SAEs side by side <small>(features matched by decoder cosine)</small></h1><div id="meta"></div><div id="summary" class="muted"></div></header>
<div id="errors"></div>
<div class="controls"><button id="prev">&larr;</button><span id="pageinfo"></span><button id="next">&rarr;</button></div>
<table id="pairs"><thead><tr>
  <th data-col="0" class="num">A feature</th><th data-col="4" class="num">A frequency</th><th>A top tokens</th><th data-col="2" class="num">cosine</th>
  <th data-col="1" class="num">B feature</th><th data-col="5" class="num">B frequency</th><th>B top tokens</th></tr></thead><tbody></tbody></table>
<script src="assets/common.js"></script>
<script src="data/compare.js"></script>
<script src="assets/compare.js"></script>
</body></html>
""";
}
