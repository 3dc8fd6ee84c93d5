namespace Microsoft.ML;

/// <summary>One token row of <see cref="SaeTransformsCatalog.FlattenActivations(TransformsCatalog, string, string, int)"/>, read with <c>mlContext.Data.CreateEnumerable</c>.</summary>
public sealed class ActivationTokenRow
{
    /// <summary>d activations.</summary>
    public float[] Activation { get; set; } = [];
    /// <summary>Vocabulary id.</summary>
    public int TokenId { get; set; }
    /// <summary>Row index of the document.</summary>
    public long DocumentId { get; set; }
    /// <summary>Index among the document's stored tokens.</summary>
    public int Position { get; set; }
}
