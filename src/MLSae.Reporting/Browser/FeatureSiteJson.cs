using System.Globalization;
using System.Text.Json;
using MLSae.Browsing;

namespace MLSae.Reporting.Browser;

/// <summary>The JSON documents of the site (layout in docs/browser.md): index, token search, feature chunks.</summary>
static class FeatureSiteJson
{
    internal static void WriteIndex(Utf8JsonWriter w, FeatureBrowserData data, string saeLabel, string? comparedWith)
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
        w.WriteString("comparedWith", comparedWith);
        w.WriteNumber("chunkSize", FeatureSiteWriter.ChunkSize);
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
    internal static void WriteTokens(Utf8JsonWriter w, FeatureBrowserData data)
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
            foreach (var (feature, est, mean) in list.OrderByDescending(e => e.Est).ThenBy(e => e.Feature).Take(FeatureSiteWriter.FeaturesPerToken))
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

    /// <summary>Features [64c, 64c + 64) and the text of every token id their contexts use.</summary>
    internal static void WriteChunk(Utf8JsonWriter w, FeatureBrowserData data, int chunk)
    {
        int size = FeatureSiteWriter.ChunkSize;
        w.WriteStartObject();
        w.WriteNumber("chunk", chunk);
        w.WriteNumber("first", chunk * size);
        var features = data.Features.Skip(chunk * size).Take(size).ToArray();
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
    }

    internal static void WriteFeature(Utf8JsonWriter w, FeatureReport f)
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
    internal static double Round(double v)
    {
        if (v == 0 || !double.IsFinite(v)) return 0;
        int digits = 3 - (int)Math.Floor(Math.Log10(Math.Abs(v)));
        return digits > 15 ? v : Math.Round(v, Math.Max(0, digits));
    }
}
