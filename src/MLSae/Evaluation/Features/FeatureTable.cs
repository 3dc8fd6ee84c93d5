using System.Text;
using System.Text.Json;
using MLSae.Persistence;

namespace MLSae.Evaluation.Features;

/// <summary>Per-feature frequency, mean activation and top activating rows, browsable in feature order.</summary>
/// <param name="Rows">Rows the table was built from.</param>
/// <param name="Features">One entry per feature, in index order.</param>
public sealed record FeatureTable(long Rows, FeatureEntry[] Features)
{
    /// <summary>
    /// The text around <paramref name="row"/>: up to <paramref name="window"/> rows either side from the
    /// same document, each token decoded by <paramref name="decode"/>, the activating token in [[ ]].
    /// </summary>
    public static string Context(ITokenMetadataSource tokens, long row, int window, Func<int, string> decode)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(decode);
        long first = Math.Max(0, row - window), last = Math.Min(tokens.RowCount - 1, row + window);
        int count = (int)(last - first + 1);
        var ids = new int[count];
        var docs = new long[count];
        var pos = new int[count];
        tokens.ReadTokens(first, count, ids, docs, pos);
        long doc = docs[row - first];
        var sb = new StringBuilder();
        for (int k = 0; k < count; k++)
        {
            if (docs[k] != doc) continue;
            if (sb.Length > 0) sb.Append(' ');
            var text = decode(ids[k]);
            if (first + k == row) sb.Append("[[").Append(text).Append("]]"); else sb.Append(text);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Writes the table as JSON lines (one feature per line: index, frequency, mean_activation, top
    /// with row, activation, document, position and context) to <paramref name="path"/>, atomically.
    /// Without <paramref name="tokens"/> the examples carry rows and activations only.
    /// </summary>
    public void WriteJsonLines(string path, ITokenMetadataSource? tokens = null, Func<int, string>? decode = null, int window = 8)
    {
        decode ??= id => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        AtomicFile.Write(path, stream =>
        {
            var ids = new int[1];
            var docs = new long[1];
            var pos = new int[1];
            foreach (var f in Features)
            {
                using (var w = new Utf8JsonWriter(stream))
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", f.Index);
                    w.WriteNumber("frequency", f.Frequency);
                    w.WriteNumber("mean_activation", f.MeanActivation);
                    w.WriteStartArray("top");
                    foreach (var e in f.Top)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("row", e.Row);
                        w.WriteNumber("activation", e.Activation);
                        if (tokens is not null)
                        {
                            tokens.ReadTokens(e.Row, 1, ids, docs, pos);
                            w.WriteNumber("token_id", ids[0]);
                            w.WriteNumber("document", docs[0]);
                            w.WriteNumber("position", pos[0]);
                            w.WriteString("context", Context(tokens, e.Row, window, decode));
                        }
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                stream.WriteByte((byte)'\n');
            }
        });
    }
}
