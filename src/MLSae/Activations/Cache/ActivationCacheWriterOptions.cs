namespace MLSae.Activations.Cache;

/// <summary>What an <see cref="ActivationCacheWriter"/> writes and how it treats an existing folder.</summary>
public sealed record ActivationCacheWriterOptions
{
    /// <summary>Options with the defaults of <see cref="ActivationCacheDefaults"/>.</summary>
    public ActivationCacheWriterOptions() { }

    /// <summary>The model source name (e.g. "minilm-l6" or an ONNX file name). Required.</summary>
    public string Model { get; init; } = "";
    /// <summary>The hook point (e.g. "blocks.3.hook_resid_post" or a raw tensor name). Required.</summary>
    public string Hook { get; init; } = "";
    /// <summary>d, floats per row. Required (&gt; 0).</summary>
    public int Dimension { get; init; }
    /// <summary>Stored element type.</summary>
    public ActivationDType DType { get; init; } = ActivationCacheDefaults.DType;
    /// <summary>Tokens per context window used by extraction (recorded; part of the cache identity).</summary>
    public int Context { get; init; } = ActivationCacheDefaults.Context;
    /// <summary>Rows per shard; every shard but the last holds exactly this many.</summary>
    public int RowsPerShard { get; init; } = ActivationCacheDefaults.RowsPerShard;
    /// <summary>Corpus files the activations come from; each is hashed (SHA-256) into the manifest and checked on resume.</summary>
    public IReadOnlyList<string>? SourceFiles { get; init; }
    /// <summary>Free-form notes recorded in the manifest (tokenizer, text field, ...); not part of the cache identity.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    /// <summary>Continue a cache that holds the same model, hook, d, dtype, context, rows per shard and sources.</summary>
    public bool Resume { get; init; }
    /// <summary>Delete an existing cache in the folder (its manifest, shards and temp files) and start again.</summary>
    public bool Overwrite { get; init; }
}
