using System.CommandLine;
using MLSae.Activations.Cache;
using MLSae.Cli.Rendering;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae cache merge A B ... --out M`: one logical cache over several (the shards of a sharded extraction), rows not copied.</summary>
static class CacheCommand
{
    public static Command Create()
    {
        var caches = new Argument<string[]>("caches") { Description = "Activation cache folders, e.g. the N shards of `mlsae extract --shard I/N` (any order; shards are put in shard order).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Folder of the merged cache (only a manifest.json that references the caches by relative path).", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a merged cache --out already holds." };
        var merge = new Command("merge", "Join activation caches into one logical cache without copying rows.") { caches, output, overwrite };
        merge.SetAction(parse => CliErrors.Guard("cache merge", () =>
        {
            var m = ActivationCache.Merge(parse.GetValue(caches)!, parse.GetValue(output)!, parse.GetValue(overwrite));
            AnsiConsole.MarkupLineInterpolated($"[green]merged[/] {m.Parts.Count} caches, {m.TotalRows:N0} rows (d {m.Dimension}, {m.DType}) -> {Path.GetFullPath(parse.GetValue(output)!)}");
            return 0;
        }));
        return new Command("cache", "Work with activation caches.") { merge };
    }
}
