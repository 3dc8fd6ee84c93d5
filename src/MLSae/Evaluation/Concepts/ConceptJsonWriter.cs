using System.Text.Json;
using MLSae.Persistence;

namespace MLSae.Evaluation.Concepts;

/// <summary>Where an SCR or TPP result came from, for the JSON's eval_config.</summary>
public sealed record ConceptRunInfo
{
    /// <summary>Model spec.</summary>
    public string? ModelName { get; init; }
    /// <summary>Hook the activations are read (and ablated) at.</summary>
    public string? HookName { get; init; }
    /// <summary>The SAE's source.</summary>
    public string? SaeSource { get; init; }
    /// <summary>The labelled texts.</summary>
    public string? DataSource { get; init; }
    /// <summary>Tokens per context when the texts were run.</summary>
    public int ContextLength { get; init; }
    /// <summary>Texts read (before any were dropped for having no tokens).</summary>
    public int Texts { get; init; }
    /// <summary>SAE width m.</summary>
    public int FeatureCount { get; init; }
    /// <summary>Wall-clock seconds of the evaluation, model forward included.</summary>
    public double Seconds { get; init; }
}

/// <summary>
/// Writes SCR and TPP results in SAEBench's eval output shape (scr_and_tpp/eval_output.py: eval_type_id "scr" / "tpp",
/// eval_config, eval_id, datetime_epoch_millis, eval_result_metrics.scr_metrics / tpp_metrics, eval_result_details per
/// dataset, eval_result_unstructured), keys scr_dir1_threshold_N, scr_dir2_threshold_N, scr_metric_threshold_N and
/// tpp_threshold_N_total_metric / _intended_diff_only / _unintended_diff_only. Undefined values are null.
/// </summary>
public static class ConceptJsonWriter
{
    /// <summary>File name of the SCR result beside eval.json.</summary>
    public const string ScrFileName = "scr.json";
    /// <summary>File name of the TPP result beside eval.json.</summary>
    public const string TppFileName = "tpp.json";

    /// <summary>Writes <paramref name="result"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteScr(string path, ScrResult result, ConceptRunInfo info) => AtomicFile.Write(path, s => WriteScr(s, result, info));

    /// <summary>Writes <paramref name="result"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteTpp(string path, TppResult result, ConceptRunInfo info) => AtomicFile.Write(path, s => WriteTpp(s, result, info));

    /// <summary>Writes <paramref name="r"/> as indented JSON.</summary>
    public static void WriteScr(Stream stream, ScrResult r, ConceptRunInfo info)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(info);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("eval_type_id", "scr");
        w.WriteStartObject("eval_config");
        Config(w, info, true, r.Options.NValues!, r.Options.Seed, r.Options.TrainSetSize, r.Options.TestSetSize, r.Options.L2);
        w.WriteStartArray("column1_vals"); w.WriteStringValue(r.ValuesA.Positive); w.WriteStringValue(r.ValuesA.Negative); w.WriteEndArray();
        w.WriteStartArray("column2_vals"); w.WriteStringValue(r.ValuesB.Positive); w.WriteStringValue(r.ValuesB.Negative); w.WriteEndArray();
        w.WriteString("column1_name", r.ColumnA);
        w.WriteString("column2_name", r.ColumnB);
        w.WriteEndObject();
        Header(w);
        string dataset = $"{Path.GetFileNameWithoutExtension(info.DataSource ?? "data")}_scr_{r.ValuesA.Positive}_{r.ValuesA.Negative}_results";
        w.WriteStartObject("eval_result_metrics");
        w.WriteStartObject("scr_metrics");
        ScrKeys(w, r);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartArray("eval_result_details");
        w.WriteStartObject();
        w.WriteString("dataset_name", dataset);
        ScrKeys(w, r);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("eval_result_unstructured");
        w.WriteNumber("metric_direction", r.MetricDirection);
        w.WriteNumber("train_per_quadrant", r.TrainPerQuadrant);
        w.WriteNumber("test_per_quadrant", r.TestPerQuadrant);
        foreach (var dir in new[] { r.Dir1, r.Dir2 })
        {
            w.WriteStartObject($"dir{dir.Number}");
            w.WriteString("ablated_probe", dir.AblatedColumn);
            w.WriteString("measured_data", dir.MeasuredColumn);
            Num(w, "biased_probe_accuracy", dir.OriginalAccuracy);
            Num(w, "oracle_probe_accuracy", dir.OracleAccuracy);
            w.WriteStartObject("ablated_accuracy");
            foreach (var (n, v) in dir.AblatedAccuracy.OrderBy(kv => kv.Key)) Num(w, n.ToString(System.Globalization.CultureInfo.InvariantCulture), v);
            w.WriteEndObject();
            Latents(w, dir.Latents);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        Footer(w);
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Writes <paramref name="r"/> as indented JSON.</summary>
    public static void WriteTpp(Stream stream, TppResult r, ConceptRunInfo info)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(info);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("eval_type_id", "tpp");
        w.WriteStartObject("eval_config");
        Config(w, info, false, r.Options.NValues!, r.Options.Seed, r.Options.TrainSetSize, r.Options.TestSetSize, r.Options.L2);
        w.WriteString("label_column", r.Column);
        w.WriteStartArray("classes");
        foreach (var c in r.Classes) w.WriteStringValue(c.Class);
        w.WriteEndArray();
        w.WriteEndObject();
        Header(w);
        w.WriteStartObject("eval_result_metrics");
        w.WriteStartObject("tpp_metrics");
        TppKeys(w, r.TotalMetric, r.IntendedDiff, r.UnintendedDiff);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartArray("eval_result_details");
        w.WriteStartObject();
        w.WriteString("dataset_name", $"{Path.GetFileNameWithoutExtension(info.DataSource ?? "data")}_tpp_results");
        TppKeys(w, r.TotalMetric, r.IntendedDiff, r.UnintendedDiff);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("eval_result_unstructured");
        foreach (var c in r.Classes)
        {
            w.WriteStartObject(c.Class);
            TppKeys(w, c.TotalMetric, c.IntendedDiff, c.UnintendedDiff);
            Num(w, "clean_probe_accuracy", c.CleanAccuracy);
            Latents(w, c.Latents);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        Footer(w);
        w.WriteEndObject();
        w.Flush();
    }

    static void ScrKeys(Utf8JsonWriter w, ScrResult r)
    {
        var metric = r.Metric;
        foreach (var n in r.Options.NValues!)
        {
            Num(w, $"scr_dir1_threshold_{n}", r.Dir1.Scores[n]);
            Num(w, $"scr_metric_threshold_{n}", metric[n]);
            Num(w, $"scr_dir2_threshold_{n}", r.Dir2.Scores[n]);
        }
    }

    static void TppKeys(Utf8JsonWriter w, IReadOnlyDictionary<int, double> total, IReadOnlyDictionary<int, double> intended, IReadOnlyDictionary<int, double> unintended)
    {
        foreach (var n in total.Keys.Order())
        {
            Num(w, $"tpp_threshold_{n}_total_metric", total[n]);
            Num(w, $"tpp_threshold_{n}_intended_diff_only", intended[n]);
            Num(w, $"tpp_threshold_{n}_unintended_diff_only", unintended[n]);
        }
    }

    static void Config(Utf8JsonWriter w, ConceptRunInfo info, bool scr, int[] nValues, int seed, int train, int test, double l2)
    {
        w.WriteNumber("random_seed", seed);
        w.WriteStartArray("dataset_names");
        if (info.DataSource is { } src) w.WriteStringValue(src);
        w.WriteEndArray();
        w.WriteBoolean("perform_scr", scr);
        w.WriteNumber("train_set_size", train);
        w.WriteNumber("test_set_size", test);
        w.WriteNumber("context_length", info.ContextLength);
        w.WriteString("probe", $"logistic regression on standardised mean-pooled activations, Newton, L2 {l2} (SAEBench: torch linear probe, Adam)");
        w.WriteStartArray("n_values");
        foreach (var n in nValues) w.WriteNumberValue(n);
        w.WriteEndArray();
        Str(w, "model_name", info.ModelName);
        Str(w, "hook_name", info.HookName);
        Str(w, "sae_source", info.SaeSource);
        w.WriteNumber("d_sae", info.FeatureCount);
        w.WriteNumber("texts", info.Texts);
        w.WriteNumber("seconds", info.Seconds);
    }

    static void Header(Utf8JsonWriter w)
    {
        w.WriteString("eval_id", Guid.NewGuid().ToString());
        w.WriteNumber("datetime_epoch_millis", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    static void Footer(Utf8JsonWriter w)
    {
        w.WriteNull("sae_bench_commit_hash");
        w.WriteNull("sae_lens_id");
        w.WriteNull("sae_lens_release_id");
        w.WriteNull("sae_lens_version");
    }

    static void Latents(Utf8JsonWriter w, IReadOnlyDictionary<int, int[]> latents)
    {
        w.WriteStartObject("ablated_latents");
        foreach (var (n, list) in latents.OrderBy(kv => kv.Key))
        {
            w.WriteStartArray(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var j in list) w.WriteNumberValue(j);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    static void Num(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    static void Str(Utf8JsonWriter w, string name, string? v)
    {
        if (v is null) w.WriteNull(name); else w.WriteString(name, v);
    }
}
