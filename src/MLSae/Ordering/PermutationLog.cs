using MLSae.Models;

namespace MLSae.Ordering;

/// <summary>
/// Every reorder applied to an SAE's features, oldest first, and the composite mapping from
/// current feature index to the index the feature had at the start (<see cref="OriginalIndices"/>).
/// </summary>
public sealed class PermutationLog
{
    readonly List<PermutationRecord> _records = [];
    int[] _original;

    /// <summary>An empty log for <paramref name="featureCount"/> features.</summary>
    public PermutationLog(int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        _original = FeatureOrder.Identity(featureCount);
    }

    /// <summary>A log continuing <paramref name="info"/>'s recorded permutations (replays them).</summary>
    public static PermutationLog FromInfo(SaeInfo info, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(info);
        var log = new PermutationLog(featureCount);
        foreach (var r in info.Permutations) log.Append(r);
        if (info.OriginalIndices is { } oi && !oi.AsSpan().SequenceEqual(log._original))
        {
            // Older exports may carry only the composite mapping; trust it when no records explain it.
            if (info.Permutations.Count == 0 && oi.Length == featureCount)
            {
                FeatureOrder.Validate(oi, nameof(info.OriginalIndices));
                log._original = (int[])oi.Clone();
            }
            else
                throw new InvalidDataException("SaeInfo.OriginalIndices disagrees with SaeInfo.Permutations; the SAE's ordering metadata is inconsistent.");
        }
        return log;
    }

    /// <summary>m.</summary>
    public int FeatureCount => _original.Length;

    /// <summary>The reorders, oldest first.</summary>
    public IReadOnlyList<PermutationRecord> Records => _records;

    /// <summary>For each current feature index, its index before the first reorder.</summary>
    public ReadOnlySpan<int> OriginalIndices => _original;

    /// <summary>Records a reorder (new feature j was old feature order[j]).</summary>
    public void Append(long step, int[] order, string reason) => Append(new PermutationRecord(step, (int[])order.Clone(), reason));

    /// <summary>Records a reorder.</summary>
    public void Append(PermutationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Order.Length != FeatureCount)
            throw new ArgumentException($"Permutation has {record.Order.Length} entries; the SAE has {FeatureCount} features.", nameof(record));
        FeatureOrder.Validate(record.Order, nameof(record.Order));
        _original = FeatureOrder.Compose(_original, record.Order);
        _records.Add(record);
    }

    /// <summary><paramref name="info"/> with this log's permutations and original indices filled in.</summary>
    public SaeInfo ApplyTo(SaeInfo info) => info with { Permutations = [.. _records], OriginalIndices = (int[])_original.Clone() };

    /// <summary>Writes the log (binary, little-endian).</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(FeatureCount);
        writer.Write(_records.Count);
        foreach (var r in _records)
        {
            writer.Write(r.Step);
            writer.Write(r.Reason);
            foreach (var o in r.Order) writer.Write(o);
        }
    }

    /// <summary>Reads a log written by <see cref="Write"/>.</summary>
    public static PermutationLog Read(BinaryReader reader)
    {
        int m = reader.ReadInt32();
        int count = reader.ReadInt32();
        var log = new PermutationLog(m);
        for (int k = 0; k < count; k++)
        {
            long step = reader.ReadInt64();
            string reason = reader.ReadString();
            var order = new int[m];
            for (int j = 0; j < m; j++) order[j] = reader.ReadInt32();
            log.Append(new PermutationRecord(step, order, reason));
        }
        return log;
    }
}
