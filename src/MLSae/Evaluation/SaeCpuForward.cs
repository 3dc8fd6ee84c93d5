using System.Numerics.Tensors;
using MLSae.Models;

namespace MLSae.Evaluation;

/// <summary>
/// Plain C# SAE forward pass from <see cref="SaeWeights"/> (ReLU, JumpReLU, TopK). Rows are
/// processed in parallel; each row costs one m x d dot-product sweep for the encoder and a
/// sparse sum over firing features for the decoder, so it stays fast when codes are sparse.
/// </summary>
public sealed class SaeCpuForward : ISaeForward
{
    readonly SaeWeights _w;
    readonly int _maxDegreeOfParallelism;

    /// <summary>Wraps <paramref name="weights"/>; <paramref name="maxDegreeOfParallelism"/> &lt;= 0 means all cores.</summary>
    public SaeCpuForward(SaeWeights weights, int maxDegreeOfParallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _w = weights;
        _maxDegreeOfParallelism = maxDegreeOfParallelism <= 0 ? Environment.ProcessorCount : maxDegreeOfParallelism;
    }

    /// <inheritdoc />
    public int InputDim => _w.InputDim;

    /// <inheritdoc />
    public int FeatureCount => _w.FeatureCount;

    /// <inheritdoc />
    public void Run(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction)
    {
        int d = _w.InputDim, m = _w.FeatureCount;
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Row count must be non-negative.");
        if (x.Length < (long)rows * d) throw new ArgumentException($"x has {x.Length} values; {rows} rows of d={d} need {(long)rows * d}.", nameof(x));
        if (codes.Length < (long)rows * m) throw new ArgumentException($"codes has {codes.Length} values; {rows} rows of m={m} need {(long)rows * m}.", nameof(codes));
        if (reconstruction.Length < (long)rows * d) throw new ArgumentException($"reconstruction has {reconstruction.Length} values; {rows} rows of d={d} need {(long)rows * d}.", nameof(reconstruction));
        if (rows == 0) return;

        // Spans cannot cross into lambdas: copy the input once per call into a pooled array and
        // write outputs into arrays that are then copied back (the copies are O(rows * (d + m)),
        // negligible beside the O(rows * m * d) encoder).
        var xa = System.Buffers.ArrayPool<float>.Shared.Rent(rows * d);
        var fa = System.Buffers.ArrayPool<float>.Shared.Rent(rows * m);
        var ra = System.Buffers.ArrayPool<float>.Shared.Rent(rows * d);
        try
        {
            x[..(rows * d)].CopyTo(xa);
            int blocks = Math.Min(rows, _maxDegreeOfParallelism * 4);
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = _maxDegreeOfParallelism }, b =>
            {
                int start = (int)((long)rows * b / blocks), end = (int)((long)rows * (b + 1) / blocks);
                var centered = new float[d];
                var order = _w.Activation == SaeActivation.TopK ? new int[m] : null;
                var keys = _w.Activation == SaeActivation.TopK ? new float[m] : null;
                for (int r = start; r < end; r++)
                    RunRow(xa.AsSpan(r * d, d), fa.AsSpan(r * m, m), ra.AsSpan(r * d, d), centered, order, keys);
            });
            fa.AsSpan(0, rows * m).CopyTo(codes);
            ra.AsSpan(0, rows * d).CopyTo(reconstruction);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(xa);
            System.Buffers.ArrayPool<float>.Shared.Return(fa);
            System.Buffers.ArrayPool<float>.Shared.Return(ra);
        }
    }

    void RunRow(ReadOnlySpan<float> x, Span<float> f, Span<float> xHat, float[] centered, int[]? order, float[]? keys)
    {
        int d = _w.InputDim, m = _w.FeatureCount;
        TensorPrimitives.Subtract(x, _w.DecoderBias, centered);
        var enc = _w.EncoderWeights.AsSpan();
        for (int i = 0; i < m; i++)
            f[i] = TensorPrimitives.Dot(enc.Slice(i * d, d), centered) + _w.EncoderBias[i];

        switch (_w.Activation)
        {
            case SaeActivation.ReLU:
                TensorPrimitives.Max(f, 0f, f);
                break;
            case SaeActivation.JumpReLU:
                var th = _w.Thresholds!;
                for (int i = 0; i < m; i++)
                    if (!(f[i] > th[i])) f[i] = 0f;
                break;
            case SaeActivation.TopK:
                ApplyTopK(f, _w.K, order!, keys!);
                break;
            default:
                throw new NotSupportedException($"SAE activation {_w.Activation} is not supported by the CPU forward.");
        }

        _w.DecoderBias.CopyTo(xHat);
        var dec = _w.DecoderWeights.AsSpan();
        for (int i = 0; i < m; i++)
        {
            float fi = f[i];
            if (fi != 0f) TensorPrimitives.MultiplyAdd(dec.Slice(i * d, d), fi, xHat, xHat);
        }
    }

    /// <summary>Keeps max(0, pre) on the k largest pre-activations (ties broken by lower index), zero elsewhere.</summary>
    internal static void ApplyTopK(Span<float> f, int k, int[] order, float[] keys)
    {
        _ = order;
        int m = f.Length;
        f.CopyTo(keys);
        // Ascending sort: the k-th largest value is keys[m - k].
        Array.Sort(keys, 0, m);
        float kth = keys[m - k];
        int above = 0;
        for (int i = 0; i < m; i++) if (f[i] > kth) above++;
        int tiesLeft = k - above;
        for (int i = 0; i < m; i++)
        {
            float v = f[i];
            bool keep = v > kth || (v == kth && tiesLeft-- > 0);
            f[i] = keep && v > 0f ? v : 0f;
        }
    }
}
