using System.CommandLine;
using MLSae.Cli.Rendering;
using System.Globalization;
using System.Text.Json;
using MLSae.Evaluation.Consistency;
using MLSae.Scoring;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae compare --sae A --sae B`: cross-seed consistency of two SAEs' dictionaries (<see cref="FeatureConsistency"/>).</summary>
static class CompareCommand
{
    public static Command Create()
    {
        var sae = new Option<string[]>("--sae") { Description = "Two SAEs (training run folder, .onnx, ML.NET zip, SAELens or sparsify folder): --sae A --sae B.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (for scripts)." };
        var command = new Command("compare", "Compare two SAEs' features by decoder direction: mean max cosine, optimal matching, index consistency.")
        {
            sae, json,
        };
        command.SetAction(parse => Run(parse.GetValue(sae)!, parse.GetValue(json)));
        return command;
    }

    static int Run(string[] paths, bool json)
    {
        try
        {
            if (paths.Length != 2) throw new ArgumentException($"--sae takes exactly two SAEs (got {paths.Length}): --sae A --sae B.");
            var result = FeatureConsistency.Compute(SaeLoader.Load(paths[0]), SaeLoader.Load(paths[1]));
            Console.Out.Write(json ? ToJson(result) : ToText(result, paths));
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("compare", e);
        }
    }

    static string ToJson(FeatureConsistencyResult r) => JsonSerializer.Serialize(new
    {
        feature_count_a = r.FeatureCountA, feature_count_b = r.FeatureCountB,
        mean_max_cosine = r.MeanMaxCosine, mean_max_cosine_reverse = r.MeanMaxCosineReverse,
        assignment_computed = r.AssignmentComputed,
        assigned_mean_cosine = r.AssignmentComputed ? r.AssignedMeanCosine : (double?)null,
        fraction_above_0_7 = r.AssignmentComputed ? r.FractionAbove07 : (double?)null,
        fraction_above_0_9 = r.AssignmentComputed ? r.FractionAbove09 : (double?)null,
        index_consistency = r.IndexConsistency.Select(p => new { features = p.Features, mean_cosine = p.MeanCosine }),
    }, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;

    static string ToText(FeatureConsistencyResult r, string[] paths)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            $"A: {paths[0]} ({r.FeatureCountA} features)",
            $"B: {paths[1]} ({r.FeatureCountB} features)",
            string.Create(c, $"mean max cosine     A->B {r.MeanMaxCosine:F4}   B->A {r.MeanMaxCosineReverse:F4}"),
            r.AssignmentComputed
                ? string.Create(c, $"optimal matching    mean cosine {r.AssignedMeanCosine:F4}   above 0.7: {r.FractionAbove07:P1}   above 0.9: {r.FractionAbove09:P1}")
                : $"optimal matching    skipped (more than {FeatureConsistency.MaxAssignmentFeatures} features)",
            "index consistency   (mean cos of feature i in A and feature i in B, i < n)",
        };
        lines.AddRange(r.IndexConsistency.Select(p => string.Create(c, $"  n = {p.Features,6}   {p.MeanCosine:F4}")));
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}
