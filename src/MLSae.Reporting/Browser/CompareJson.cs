using System.Text.Json;
using MLSae.Browsing;

namespace MLSae.Reporting.Browser;

/// <summary>compare.json: the two SAEs, the consistency summary and one row per feature of the first with its match.</summary>
static class CompareJson
{
    /// <summary>Top tokens shown per feature in the side-by-side table.</summary>
    public const int TokensPerFeature = 4;

    public static void Write(Utf8JsonWriter w, FeatureBrowserData a, string labelA, SiteComparison compare)
    {
        var b = compare.Other;
        var s = compare.Comparison.Summary;
        w.WriteStartObject();
        w.WriteString("a", labelA);
        w.WriteString("b", compare.OtherLabel);
        w.WriteString("bSite", FeatureSiteContent.OtherFolder + "/");
        w.WriteNumber("mA", a.Features.Length);
        w.WriteNumber("mB", b.Features.Length);
        if (s is null) w.WriteNull("summary");
        else
        {
            w.WriteStartObject("summary");
            w.WriteNumber("meanMaxCosine", FeatureSiteJson.Round(s.MeanMaxCosine));
            w.WriteNumber("meanMaxCosineReverse", FeatureSiteJson.Round(s.MeanMaxCosineReverse));
            w.WriteNumber("assignedMeanCosine", FeatureSiteJson.Round(s.AssignedMeanCosine));
            w.WriteNumber("fractionAbove07", FeatureSiteJson.Round(s.FractionAbove07));
            w.WriteNumber("fractionAbove09", FeatureSiteJson.Round(s.FractionAbove09));
            w.WriteEndObject();
        }
        w.WriteStartArray("columns");
        foreach (var c in new[] { "a", "b", "cosine", "oneToOne", "frequencyA", "frequencyB", "tokensA", "tokensB" }) w.WriteStringValue(c);
        w.WriteEndArray();
        w.WriteStartArray("pairs");
        foreach (var m in compare.Comparison.Matches)
        {
            w.WriteStartArray();
            w.WriteNumberValue(m.A);
            w.WriteNumberValue(m.B);
            w.WriteNumberValue(FeatureSiteJson.Round(m.Cosine));
            w.WriteBooleanValue(m.OneToOne);
            w.WriteNumberValue(FeatureSiteJson.Round(a.Features[m.A].Frequency));
            w.WriteNumberValue(FeatureSiteJson.Round(b.Features[m.B].Frequency));
            w.WriteStringValue(Tokens(a.Features[m.A]));
            w.WriteStringValue(Tokens(b.Features[m.B]));
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static string Tokens(FeatureReport f) =>
        string.Join(" ", f.TopTokens.Take(TokensPerFeature).Select(t => t.Token is { } text ? JsonSerializer.Serialize(text.Trim()) : $"<{t.TokenId}>"));
}
