namespace MLSae.Persistence.Export;

/// <summary>The formats <see cref="SaeExporter"/> writes.</summary>
public enum SaeExportFormat
{
    /// <summary>An SAELens 6 folder: cfg.json, sae_weights.safetensors and (with known frequencies) sparsity.safetensors.</summary>
    SaeLens,
    /// <summary>An EleutherAI sparsify save directory: one hook-point folder holding cfg.json and sae.safetensors (TopK SAEs only).</summary>
    Sparsify,
    /// <summary>An MLSae ONNX graph (encoder and decoder, the SAE's description in metadata_props).</summary>
    Onnx,
    /// <summary>An ML.NET model zip holding the SAE transformer ("Activation" -&gt; "Features", "Reconstruction").</summary>
    MLNet,
}

/// <summary>Options of <see cref="SaeExporter.Export"/>.</summary>
public sealed record SaeExportOptions
{
    /// <summary>Replace an existing output (the old one is removed only after the new one is complete).</summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// sparsify only: the hook-point folder name under the output folder. Default: the SAE's hook name
    /// (<see cref="Models.SaeInfo.HookName"/>).
    /// </summary>
    public string? HookPoint { get; init; }
}
