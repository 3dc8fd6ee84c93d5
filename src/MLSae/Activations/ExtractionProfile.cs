using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MLSae.Activations;

/// <summary>
/// Where extraction's wall time goes, stage by stage (Stopwatch ticks). Off unless the environment
/// variable <see cref="EnvironmentVariable"/> is 1 (the extractor then logs one line per run) or a
/// caller passes one in (the benchmarks' timing mode). Each stage is timed on the thread that runs
/// it, so in the pipelined extractor the stages overlap and their sum exceeds the wall time; the
/// waits say which stage held the others up.
/// </summary>
internal sealed class ExtractionProfile
{
    /// <summary>Set to 1 to log a stage breakdown after each extraction.</summary>
    public const string EnvironmentVariable = "MLSAE_EXTRACT_PROFILE";

    /// <summary>A profile when <see cref="EnvironmentVariable"/> asks for one, else null.</summary>
    public static ExtractionProfile? FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) == "1" ? new ExtractionProfile() : null;

    /// <summary>Reading documents, tokenising and packing contexts (the packer's enumeration).</summary>
    public long Tokenise;
    /// <summary>Laying out the rows of each batch, planning the runs (sorting) and filling their ids, mask and positions.</summary>
    public long Fill;
    /// <summary>ONNX Runtime runs (OrtValue creation included).</summary>
    public long Forward;
    /// <summary>Copying the stored rows out of the output into their chunks.</summary>
    public long Gather;
    /// <summary>The sink's Write (cache: bf16 conversion, file writes, SHA-256, shard commits).</summary>
    public long Write;
    /// <summary>Progress reports.</summary>
    public long Progress;
    /// <summary>Model stage waiting for the next filled batch.</summary>
    public long ModelWaitedForInput;
    /// <summary>Model stage waiting for room in the writer's queue.</summary>
    public long ModelWaitedForWriter;
    /// <summary>Writer waiting for the next chunk.</summary>
    public long WriterWaitedForModel;
    /// <summary>Wall time of the whole extraction.</summary>
    public long Wall;
    /// <summary>ONNX Runtime runs.</summary>
    public int Batches;
    /// <summary>Context slots run (batch x width, padding included) and stored rows.</summary>
    public long Slots, Rows;

    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>Ticks since <paramref name="start"/>.</summary>
    public static long Since(long start) => Stopwatch.GetTimestamp() - start;

    static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>One line: each stage's milliseconds and share of the wall time.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"extraction profile: wall {Ms(Wall):F0} ms, {Batches} runs, {Rows:N0} rows stored of {Slots:N0} slots run ({(Slots == 0 ? 0 : 100.0 * Rows / Slots):F0}%)");
        void Part(string name, long ticks) => sb.Append(c, $"; {name} {Ms(ticks):F0} ms ({(Wall == 0 ? 0 : 100.0 * ticks / Wall):F0}%)");
        Part("read+tokenise+pack", Tokenise);
        Part("plan+fill inputs", Fill);
        Part("forward", Forward);
        Part("copy rows", Gather);
        Part("write", Write);
        Part("progress", Progress);
        Part("model waited for input", ModelWaitedForInput);
        Part("model waited for writer", ModelWaitedForWriter);
        Part("writer waited", WriterWaitedForModel);
        return sb.ToString();
    }
}
