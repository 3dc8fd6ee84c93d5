using System.Globalization;
using System.Text;
using System.Text.Json;
using MLSae.Browsing;

namespace MLSae.Reporting.Browser;

/// <summary>
/// Writes <see cref="FeatureBrowserData"/> as a static site that opens from file:// (no server, no network): index.html,
/// feature.html, assets/, data/*.js (the JSON assigned to a global, loaded by script tags) and json/*.json (the same JSON,
/// for other tools; layout in docs/browser.md). The site is built in a temporary sibling folder and renamed into place,
/// so a crash never leaves a half-written site under the target name.
/// </summary>
public static class FeatureSiteWriter
{
    /// <summary>Features per chunk file.</summary>
    public const int ChunkSize = 64;
    /// <summary>Features listed per token in the token search index.</summary>
    public const int FeaturesPerToken = 20;

    /// <summary>
    /// Writes the site to <paramref name="siteDirectory"/>; refuses an existing path unless <paramref name="overwrite"/>.
    /// <paramref name="jsonExport"/> false leaves out json/ (the data/*.js files hold the same JSON behind a one-line prefix), halving the size.
    /// </summary>
    public static void Write(FeatureBrowserData data, string siteDirectory, string saeLabel, bool overwrite = false, bool jsonExport = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(siteDirectory);
        var target = Path.GetFullPath(siteDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (File.Exists(target)) throw new IOException($"--out '{target}' is a file; pass a folder for the site.");
        if (Directory.Exists(target) && !overwrite)
            throw new IOException($"The site folder '{target}' already exists; pass --overwrite to replace it or choose another --out.");
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var tmp = Path.Combine(parent, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            WriteTo(data, tmp, saeLabel, jsonExport);
            if (Directory.Exists(target))
            {
                var old = tmp + ".old";
                Directory.Move(target, old);
                Directory.Move(tmp, target);
                Directory.Delete(old, recursive: true);
            }
            else Directory.Move(tmp, target);
        }
        catch
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            throw;
        }
    }

    static void WriteTo(FeatureBrowserData data, string dir, string saeLabel, bool jsonExport)
    {
        Directory.CreateDirectory(Path.Combine(dir, "assets"));
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        if (jsonExport) Directory.CreateDirectory(Path.Combine(dir, "json"));
        File.WriteAllText(Path.Combine(dir, "index.html"), BrowserPages.Index);
        File.WriteAllText(Path.Combine(dir, "feature.html"), BrowserPages.Feature);
        File.WriteAllText(Path.Combine(dir, "assets", "browser.css"), BrowserScripts.Css);
        File.WriteAllText(Path.Combine(dir, "assets", "common.js"), BrowserScripts.Common);
        File.WriteAllText(Path.Combine(dir, "assets", "index.js"), BrowserScripts.Index);
        File.WriteAllText(Path.Combine(dir, "assets", "feature.js"), BrowserScripts.Feature);

        Emit(dir, "index", "MLSAE.index", w => WriteIndex(w, data, saeLabel));
        Emit(dir, "tokens", "MLSAE.tokens", w => WriteTokens(w, data));
        int chunks = (data.Features.Length + ChunkSize - 1) / ChunkSize;
        for (int c = 0; c < chunks; c++)
        {
            int chunk = c;
            Emit(dir, $"chunk-{c}", $"(MLSAE.chunks = MLSAE.chunks || {{}})[{c}]", w =>
            {
                w.WriteStartObject();
                w.WriteNumber("chunk", chunk);
                w.WriteNumber("first", chunk * ChunkSize);
                var features = data.Features.Skip(chunk * ChunkSize).Take(ChunkSize).ToArray();
                w.WriteStartArray("features");
                foreach (var f in features) WriteFeature(w, f);
                w.WriteEndArray();
                // Token text once per chunk, not once per occurrence: contexts carry ids only (half the site at m = 16,384).
                w.WriteStartObject("vocab");
                var seen = new HashSet<int>();
                foreach (var c in features.SelectMany(f => f.Top.Concat(f.Quantiles.SelectMany(q => q.Samples))))
                    for (int j = 0; j < c.TokenIds.Length; j++)
                        if (seen.Add(c.TokenIds[j]))
                        {
                            var key = c.TokenIds[j].ToString(CultureInfo.InvariantCulture);
                            if (c.Tokens[j] is { } text) w.WriteString(key, text); else w.WriteNull(key);
                        }
                w.WriteEndObject();
                w.WriteEndObject();
            });
        }
    }

    // The same bytes go to json/NAME.json and, wrapped in an assignment, to data/NAME.js.
    static void Emit(string dir, string name, string global, Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default })) write(w);
        var json = ms.ToArray();
        if (Directory.Exists(Path.Combine(dir, "json"))) File.WriteAllBytes(Path.Combine(dir, "json", name + ".json"), json);
        using var js = File.Create(Path.Combine(dir, "data", name + ".js"));
        js.Write(Encoding.UTF8.GetBytes("window.MLSAE = window.MLSAE || {};\n" + global + " = "));
        js.Write(json);
        js.Write(";\n"u8);
    }

    static void WriteIndex(Utf8JsonWriter w, FeatureBrowserData data, string saeLabel)
    {
        w.WriteStartObject();
        w.WriteString("format", "mlsae-feature-browser");
        w.WriteNumber("formatVersion", 1);
        w.WriteString("model", data.Model);
        w.WriteString("hook", data.Hook);
        w.WriteNumber("d", data.InputDim);
        w.WriteNumber("m", data.Features.Length);
        w.WriteNumber("rows", data.Rows);
        w.WriteString("sae", saeLabel);
        w.WriteNumber("chunkSize", ChunkSize);
        w.WriteStartArray("histogramEdges");
        foreach (var e in ActivationHistogram.Edges()) w.WriteNumberValue(Round(e));
        w.WriteEndArray();
        w.WriteStartArray("notes");
        foreach (var n in data.Notes) w.WriteStringValue(n);
        w.WriteEndArray();
        w.WriteStartArray("columns");
        foreach (var c in new[] { "index", "original", "frequency", "mean", "max", "decoderNorm", "count" }) w.WriteStringValue(c);
        w.WriteEndArray();
        w.WriteStartArray("features");
        foreach (var f in data.Features)
        {
            w.WriteStartArray();
            w.WriteNumberValue(f.Index);
            w.WriteNumberValue(f.OriginalIndex);
            w.WriteNumberValue(Round(f.Frequency));
            w.WriteNumberValue(Round(f.MeanActivation));
            w.WriteNumberValue(Round(f.MaxActivation));
            w.WriteNumberValue(Round(f.DecoderNorm));
            w.WriteNumberValue(f.Count);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteStartArray("prefixCurves");
        foreach (var c in data.PrefixCurves)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteStartArray("points");
            foreach (var p in c.Points)
            {
                w.WriteStartArray();
                w.WriteNumberValue(p.Features);
                w.WriteNumberValue(double.IsFinite(p.ExplainedVariance) ? Math.Round(p.ExplainedVariance, 5) : 0);
                w.WriteNumberValue(Round(p.Mse));
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (data.HistoryTokens is null) w.WriteNull("historyTokens");
        else
        {
            w.WriteStartArray("historyTokens");
            foreach (var t in data.HistoryTokens) w.WriteNumberValue(t);
            w.WriteEndArray();
        }
        if (data.HistoryTokens is null) w.WriteNull("history");
        else
        {
            w.WriteStartArray("history");
            foreach (var f in data.Features) WriteFloats(w, f.History ?? []);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>token display text (trimmed, lower-case; "#id" when not decodable) -> features firing most on it.</summary>
    static void WriteTokens(Utf8JsonWriter w, FeatureBrowserData data)
    {
        var byToken = new Dictionary<string, List<(int Feature, double Est, double Mean)>>(StringComparer.Ordinal);
        foreach (var f in data.Features)
            foreach (var t in f.TopTokens)
            {
                var key = t.Token is null ? "#" + t.TokenId.ToString(CultureInfo.InvariantCulture) : t.Token.Trim().ToLowerInvariant();
                if (key.Length == 0) continue;
                if (!byToken.TryGetValue(key, out var list)) byToken[key] = list = [];
                list.Add((f.Index, t.EstimatedFirings, t.MeanActivation));
            }
        w.WriteStartObject();
        w.WriteStartObject("tokens");
        foreach (var (key, list) in byToken.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.WriteStartArray(key);
            foreach (var (feature, est, mean) in list.OrderByDescending(e => e.Est).ThenBy(e => e.Feature).Take(FeaturesPerToken))
            {
                w.WriteStartArray();
                w.WriteNumberValue(feature);
                w.WriteNumberValue(Round(est));
                w.WriteNumberValue(Round(mean));
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    static void WriteFeature(Utf8JsonWriter w, FeatureReport f)
    {
        w.WriteStartObject();
        w.WriteNumber("index", f.Index);
        w.WriteNumber("original", f.OriginalIndex);
        w.WriteNumber("count", f.Count);
        w.WriteNumber("frequency", Round(f.Frequency));
        w.WriteNumber("mean", Round(f.MeanActivation));
        w.WriteNumber("max", Round(f.MaxActivation));
        w.WriteNumber("decoderNorm", Round(f.DecoderNorm));
        w.WriteStartArray("histogram");
        foreach (var c in f.Histogram) w.WriteNumberValue(c);
        w.WriteEndArray();
        w.WriteStartArray("top");
        foreach (var c in f.Top) WriteContext(w, c);
        w.WriteEndArray();
        w.WriteStartArray("quantiles");
        foreach (var q in f.Quantiles)
        {
            w.WriteStartObject();
            w.WriteNumber("from", q.FromQuantile);
            w.WriteNumber("to", q.ToQuantile);
            w.WriteNumber("low", Round(q.Low));
            w.WriteNumber("high", Round(q.High));
            w.WriteStartArray("samples");
            foreach (var c in q.Samples) WriteContext(w, c);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("tokens");
        foreach (var t in f.TopTokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", t.TokenId);
            w.WriteString("text", t.Token);
            w.WriteNumber("samples", t.Samples);
            w.WriteNumber("estimated", Round(t.EstimatedFirings));
            w.WriteNumber("mean", Round(t.MeanActivation));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("nearest");
        foreach (var n in f.Nearest)
        {
            w.WriteStartObject();
            w.WriteNumber("feature", n.Feature);
            w.WriteNumber("cosine", Round(n.Cosine));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (f.History is null) w.WriteNull("history");
        else { w.WritePropertyName("history"); WriteFloats(w, f.History); }
        if (f.Logits is null) w.WriteNull("logits");
        else
        {
            w.WriteStartObject("logits");
            WriteLogits(w, "top", f.Logits.Top);
            WriteLogits(w, "bottom", f.Logits.Bottom);
            w.WriteEndObject();
        }
        w.WriteStartArray("moves");
        foreach (var mv in f.Moves)
        {
            w.WriteStartObject();
            w.WriteNumber("step", mv.Step);
            w.WriteNumber("position", mv.Position);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static void WriteLogits(Utf8JsonWriter w, string name, TokenLogit[] tokens)
    {
        w.WriteStartArray(name);
        foreach (var t in tokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", t.TokenId);
            w.WriteString("text", t.Token);
            w.WriteNumber("value", Round(t.Value));
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    static void WriteContext(Utf8JsonWriter w, BrowserContext c)
    {
        w.WriteStartObject();
        w.WriteNumber("row", c.Row);
        w.WriteNumber("act", Round(c.Activation));
        w.WriteNumber("doc", c.Document);
        w.WriteNumber("center", c.Center);
        w.WriteStartArray("ids");
        foreach (var id in c.TokenIds) w.WriteNumberValue(id);
        w.WriteEndArray();
        WriteFloatsNamed(w, "acts", c.Activations);
        w.WriteEndObject();
    }

    static void WriteFloatsNamed(Utf8JsonWriter w, string name, float[] values)
    {
        w.WritePropertyName(name);
        WriteFloats(w, values);
    }

    static void WriteFloats(Utf8JsonWriter w, float[] values)
    {
        w.WriteStartArray();
        foreach (var v in values) w.WriteNumberValue(Round(v));
        w.WriteEndArray();
    }

    // Four significant digits: plenty for display and shading, and it keeps the site small.
    // Tiny positive values stay as they are (Math.Round takes at most 15 digits), so a firing token never rounds to 0.
    static double Round(double v)
    {
        if (v == 0 || !double.IsFinite(v)) return 0;
        int digits = 3 - (int)Math.Floor(Math.Log10(Math.Abs(v)));
        return digits > 15 ? v : Math.Round(v, Math.Max(0, digits));
    }
}
