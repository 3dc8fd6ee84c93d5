using System.Text.Json;
using MLSae.Persistence;

namespace MLSae.Evaluation;

/// <summary>
/// Writes an <see cref="EvalReport"/> as eval.json in SAEBench's result schema (the "core" eval
/// shape: eval_type_id, eval_config, eval_id, datetime_epoch_millis, eval_result_metrics grouped by
/// category, eval_result_details per feature), with sparse probing (llm / sae) and absorption (mean)
/// added as further groups of eval_result_metrics. Values that are undefined (NaN) or not measured are null.
/// </summary>
public static class EvalJsonWriter
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, EvalReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        AtomicFile.Write(path, stream => Write(stream, report));
    }

    /// <summary>Writes <paramref name="report"/> as indented UTF-8 JSON to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, EvalReport report)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var m = report.Core;
        w.WriteStartObject();
        w.WriteString("eval_type_id", "core");

        w.WriteStartObject("eval_config");
        WriteStringOrNull(w, "model_name", report.ModelName);
        WriteStringOrNull(w, "hook_name", report.HookName);
        WriteStringOrNull(w, "sae_source", report.SaeSource);
        WriteStringOrNull(w, "activations_source", report.ActivationsSource);
        w.WriteNumber("batch_size_tokens", report.CoreOptions.BatchSize);
        w.WriteNumber("max_tokens", report.CoreOptions.MaxTokens);
        w.WriteNumber("dead_frequency_threshold", report.CoreOptions.DeadFrequencyThreshold);
        w.WriteNumber("dense_frequency_threshold", report.CoreOptions.DenseFrequencyThreshold);
        w.WriteString("mse_definition", "mean over tokens of ||x - x_hat||^2 / d (per element; SAEBench's mse is mse_legacy)");
        w.WriteString("mse_legacy_definition", "SAEBench core: mean over tokens of ||x - x_hat||^2 / (tokens in the token's batch of batch_size_tokens)");
        w.WriteString("explained_variance_definition", "1 - E||x - x_hat||^2 / (E||x||^2 - ||E x||^2)");
        w.WriteString("explained_variance_legacy_definition", "mean over tokens of 1 - ||x - x_hat||^2 / ||x - mean_batch x||^2");
        if (report.SparseProbing is { } sp)
        {
            w.WriteStartObject("sparse_probing");
            w.WriteStartArray("k_values");
            foreach (var k in sp.Options.KValues) w.WriteNumberValue(k);
            w.WriteEndArray();
            w.WriteNumber("test_fraction", sp.Options.TestFraction);
            w.WriteNumber("random_seed", sp.Options.Seed);
            w.WriteNumber("l2_penalty", sp.Options.L2);
            WriteStringOrNull(w, "positive_class", sp.Options.PositiveClass);
            w.WriteEndObject();
        }
        if (report.Downstream is { } ds) WriteDownstreamConfig(w, ds, report.DownstreamSource);
        w.WriteEndObject();

        w.WriteString("eval_id", report.EvalId);
        w.WriteNumber("datetime_epoch_millis", report.Timestamp.ToUnixTimeMilliseconds());

        w.WriteStartObject("eval_result_metrics");
        var p = report.Downstream?.LanguageModel ?? m.Preservation;
        w.WriteStartObject("model_behavior_preservation");
        Num(w, "kl_div_score", p?.KlDivScore);
        Num(w, "kl_div_with_ablation", p?.KlDivWithAblation);
        Num(w, "kl_div_with_sae", p?.KlDivWithSae);
        if (report.Downstream?.Embedding is { } e)
        {
            Num(w, "embedding_cosine_score", e.CosineScore);
            Num(w, "embedding_cosine_distance_with_ablation", e.CosineDistanceWithAblation);
            Num(w, "embedding_cosine_distance_with_sae", e.CosineDistanceWithSae);
        }
        w.WriteEndObject();
        w.WriteStartObject("model_performance_preservation");
        Num(w, "ce_loss_score", p?.CeLossScore);
        Num(w, "ce_loss_with_ablation", p?.CeLossWithAblation);
        Num(w, "ce_loss_with_sae", p?.CeLossWithSae);
        Num(w, "ce_loss_without_sae", p?.CeLossWithoutSae);
        w.WriteEndObject();
        w.WriteStartObject("reconstruction_quality");
        Num(w, "explained_variance", m.ExplainedVariance);
        Num(w, "explained_variance_legacy", m.ExplainedVarianceLegacy);
        Num(w, "mse", m.Mse);
        Num(w, "mse_legacy", m.MseLegacy);
        Num(w, "cossim", m.CosineSimilarity);
        w.WriteEndObject();
        w.WriteStartObject("shrinkage");
        Num(w, "l2_norm_in", m.L2NormIn);
        Num(w, "l2_norm_out", m.L2NormOut);
        Num(w, "l2_ratio", m.L2Ratio);
        Num(w, "relative_reconstruction_bias", m.RelativeReconstructionBias);
        w.WriteEndObject();
        w.WriteStartObject("sparsity");
        Num(w, "l0", m.L0);
        Num(w, "l1", m.L1);
        w.WriteEndObject();
        w.WriteStartObject("token_stats");
        w.WriteNumber("total_tokens_eval_reconstruction", m.Tokens);
        w.WriteNumber("total_tokens_eval_sparsity_variance", m.Tokens);
        if (report.Downstream is { } dt) w.WriteNumber("total_tokens_eval_preservation", dt.Tokens);
        else if (p is not null) w.WriteNumber("total_tokens_eval_preservation", p.Tokens);
        w.WriteEndObject();
        w.WriteStartObject("misc_metrics");
        Num(w, "frac_alive", m.FracAlive);
        Num(w, "dead_fraction", m.DeadFraction);
        Num(w, "dense_fraction", m.DenseFraction);
        Num(w, "freq_over_1_percent", m.FreqOver1Percent);
        Num(w, "freq_over_10_percent", m.FreqOver10Percent);
        w.WriteStartObject("feature_density_histogram_log10");
        w.WriteNumber("min", m.DensityHistogram.Min);
        w.WriteNumber("bin_width", m.DensityHistogram.BinWidth);
        w.WriteStartArray("counts");
        foreach (var c in m.DensityHistogram.Counts) w.WriteNumberValue(c);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        if (report.SparseProbing is { } probing) WriteProbing(w, probing);
        if (report.Absorption is { } a)
        {
            w.WriteStartObject("absorption");
            w.WriteStartObject("mean");
            Num(w, "mean_absorption_fraction_score", a.MeanAbsorptionFractionScore);
            Num(w, "mean_full_absorption_score", a.MeanFullAbsorptionScore);
            Num(w, "mean_num_split_features", a.MeanNumSplitFeatures);
            Num(w, "std_dev_absorption_fraction_score", a.StdDevAbsorptionFractionScore);
            Num(w, "std_dev_full_absorption_score", a.StdDevFullAbsorptionScore);
            Num(w, "std_dev_num_split_features", a.StdDevNumSplitFeatures);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndObject();

        w.WriteStartArray("eval_result_details");
        if (report.IncludeFeatureDetails)
        {
            for (int i = 0; i < m.FeatureFrequencies.Length; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("index", i);
                Num(w, "feature_density", m.FeatureFrequencies[i]);
                Num(w, "mean_activation", m.FeatureMeanActivations.Length > i ? m.FeatureMeanActivations[i] : double.NaN);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteNull("eval_result_unstructured");
        w.WriteEndObject();
        w.Flush();
    }

    static void WriteDownstreamConfig(Utf8JsonWriter w, Preservation.DownstreamPreservationResult d, string? source)
    {
        w.WriteStartObject("downstream_preservation");
        w.WriteString("model_kind", d.Kind == Preservation.DownstreamModelKind.Encoder ? "encoder" : "causal_lm");
        WriteStringOrNull(w, "texts_source", source);
        w.WriteString("hook_tensor", d.HookTensor);
        w.WriteString("output_name", d.OutputName);
        w.WriteNumber("context_size", d.Options.ContextLength);
        w.WriteNumber("max_tokens", d.Options.MaxTokens);
        w.WriteNumber("contexts", d.Contexts);
        w.WriteBoolean("exclude_special_tokens_from_reconstruction", !d.Options.ReconstructSpecialTokens);
        w.WriteString("ablation", "zeros at the hook, every position");
        if (d.Kind == Preservation.DownstreamModelKind.Encoder)
            w.WriteString("embedding_cosine_definition", "e = final hidden state mean-pooled over a context's attended tokens; D_x = mean over contexts of 1 - cos(e_orig, e_x); score = (D_ablation - D_sae) / D_ablation");
        else
            w.WriteString("kl_ce_definition", "per text-token position: KL(p_orig || p_x); next-token CE where the next position holds a token; means over positions");
        w.WriteEndObject();
    }

    static void WriteProbing(Utf8JsonWriter w, Probing.SparseProbingResult r)
    {
        w.WriteStartObject("sparse_probing");
        w.WriteStartObject("llm");
        Num(w, "llm_test_accuracy", r.LlmTestAccuracy);
        foreach (var (k, acc) in r.LlmTopK.OrderBy(kv => kv.Key)) Num(w, $"llm_top_{k}_test_accuracy", acc);
        w.WriteEndObject();
        w.WriteStartObject("sae");
        Num(w, "sae_test_accuracy", r.SaeTestAccuracy);
        foreach (var (k, acc) in r.SaeTopK.OrderBy(kv => kv.Key)) Num(w, $"sae_top_{k}_test_accuracy", acc);
        w.WriteEndObject();
        w.WriteStartArray("tasks");
        foreach (var t in r.Tasks)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Name);
            w.WriteNumber("train_per_class", t.TrainPerClass);
            w.WriteNumber("test_per_class", t.TestPerClass);
            Num(w, "llm_test_accuracy", t.LlmTestAccuracy);
            Num(w, "sae_test_accuracy", t.SaeTestAccuracy);
            foreach (var (k, acc) in t.LlmTopK.OrderBy(kv => kv.Key)) Num(w, $"llm_top_{k}_test_accuracy", acc);
            foreach (var (k, acc) in t.SaeTopK.OrderBy(kv => kv.Key)) Num(w, $"sae_top_{k}_test_accuracy", acc);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static void Num(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }
}
