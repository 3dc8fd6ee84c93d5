using System.Numerics.Tensors;

namespace MLSae.Models;

/// <summary>
/// Plain C# SAE forward pass from <see cref="SaeWeights"/> (ReLU, JumpReLU, TopK). Rows are
/// processed in parallel; each row costs one m x d dot-product sweep for the encoder and a
/// sparse sum over firing features for the decoder, so it stays fast when codes are sparse.
/// Used for evaluation, post-hoc ordering and tests; bulk scoring goes through ONNX Runtime.
/// Thread-safe: every call uses its own scratch.
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

    /// <summary>The weights used.</summary>
    public SaeWeights Weights => _w;

    /// <inheritdoc />
    public int InputDim => _w.InputDim;

    /// <inheritdoc />
    public int FeatureCount => _w.FeatureCount;

    /// <inheritdoc />
    public void Run(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction)
    {
        if (reconstruction.Length < (long)rows * _w.InputDim)
            throw new ArgumentException($"reconstruction has {reconstruction.Length} values; {rows} rows of d={_w.InputDim} need {(long)rows * _w.InputDim}.", nameof(reconstruction));
        Compute(x, rows, codes, reconstruction, decode: true);
    }

    /// <summary>Encode then decode (same as <see cref="Run"/>).</summary>
    public void Forward(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction) => Run(x, rows, codes, reconstruction);

    /// <summary>Codes only: <paramref name="rows"/> rows of <paramref name="x"/> ([rows, d]) into <paramref name="codes"/> ([rows, m]).</summary>
    public void Encode(ReadOnlySpan<float> x, int rows, Span<float> codes) => Compute(x, rows, codes, default, decode: false);

    /// <summary>Reconstructions x_hat ([rows, d]) from codes ([rows, m]); zero codes are skipped.</summary>
    public void Decode(ReadOnlySpan<float> codes, int rows, Span<float> reconstruction)
    {
        int d = _w.InputDim, m = _w.FeatureCount;
        if (codes.Length < (long)rows * m) throw new ArgumentException($"codes has {codes.Length} values; {rows} rows of m={m} need {(long)rows * m}.", nameof(codes));
        if (reconstruction.Length < (long)rows * d) throw new ArgumentException($"reconstruction has {reconstruction.Length} values; {rows} rows of d={d} need {(long)rows * d}.", nameof(reconstruction));
        for (int r = 0; r < rows; r++) DecodeRow(codes.Slice(r * m, m), reconstruction.Slice(r * d, d));
    }

    void Compute(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction, bool decode)
    {
        int d = _w.InputDim, m = _w.FeatureCount;
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Row count must be non-negative.");
        if (x.Length < (long)rows * d) throw new ArgumentException($"x has {x.Length} values; {rows} rows of d={d} need {(long)rows * d}.", nameof(x));
        if (codes.Length < (long)rows * m) throw new ArgumentException($"codes has {codes.Length} values; {rows} rows of m={m} need {(long)rows * m}.", nameof(codes));
        if (rows == 0) return;

        // Spans cannot cross into lambdas: copy the input once per call into a pooled array and
        // write outputs into arrays that are then copied back (the copies are O(rows * (d + m)),
        // negligible beside the O(rows * m * d) encoder).
        var xa = System.Buffers.ArrayPool<float>.Shared.Rent(rows * d);
        var fa = System.Buffers.ArrayPool<float>.Shared.Rent(rows * m);
        var ra = decode ? System.Buffers.ArrayPool<float>.Shared.Rent(rows * d) : [];
        try
        {
            x[..(rows * d)].CopyTo(xa);
            int blocks = Math.Min(rows, _maxDegreeOfParallelism * 4);
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = _maxDegreeOfParallelism }, b =>
            {
                int start = (int)((long)rows * b / blocks), end = (int)((long)rows * (b + 1) / blocks);
                var centered = new float[RowBlock * d];
                var keys = _w.Activation == SaeActivation.TopK ? new float[m] : null;
                for (int r = start; r < end; r += RowBlock)
                {
                    int count = Math.Min(RowBlock, end - r);
                    RunBlock(xa.AsSpan(r * d, count * d), count, fa.AsSpan(r * m, count * m), decode ? ra.AsSpan(r * d, count * d) : default, centered, keys);
                }
            });
            fa.AsSpan(0, rows * m).CopyTo(codes);
            if (decode) ra.AsSpan(0, rows * d).CopyTo(reconstruction);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(xa);
            System.Buffers.ArrayPool<float>.Shared.Return(fa);
            if (decode) System.Buffers.ArrayPool<float>.Shared.Return(ra);
        }
    }

    // Rows encoded together: each encoder row (d floats) is read once per block instead of once per
    // token, which turns the memory-bound m x d sweep into a cache-resident one.
    const int RowBlock = 8;

    void RunBlock(ReadOnlySpan<float> x, int count, Span<float> f, Span<float> xHat, float[] centered, float[]? keys)
    {
        int d = _w.InputDim, m = _w.FeatureCount;
        for (int r = 0; r < count; r++)
            TensorPrimitives.Subtract(x.Slice(r * d, d), _w.DecoderBias, centered.AsSpan(r * d, d));
        var enc = _w.EncoderWeights.AsSpan();
        var c = centered.AsSpan(0, count * d);
        for (int i = 0; i < m; i++)
        {
            var row = enc.Slice(i * d, d);
            float b = _w.EncoderBias[i];
            for (int r = 0; r < count; r++)
                f[r * m + i] = TensorPrimitives.Dot(row, c.Slice(r * d, d)) + b;
        }
        for (int r = 0; r < count; r++)
        {
            Activate(f.Slice(r * m, m), keys);
            if (!xHat.IsEmpty) DecodeRow(f.Slice(r * m, m), xHat.Slice(r * d, d));
        }
    }

    void Activate(Span<float> f, float[]? keys)
    {
        int m = _w.FeatureCount;
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
                ApplyTopK(f, _w.K, keys!);
                break;
            default:
                throw new NotSupportedException($"SAE activation {_w.Activation} is not supported by the CPU forward.");
        }
    }

    void DecodeRow(ReadOnlySpan<float> f, Span<float> xHat)
    {
        int d = _w.InputDim, m = _w.FeatureCount;
        _w.DecoderBias.CopyTo(xHat);
        var dec = _w.DecoderWeights.AsSpan();
        for (int i = 0; i < m; i++)
        {
            float fi = f[i];
            if (fi != 0f) TensorPrimitives.MultiplyAdd(dec.Slice(i * d, d), fi, xHat, xHat);
        }
    }

    /// <summary>Keeps max(0, pre) on the k largest pre-activations (ties broken by lower index), zero elsewhere.</summary>
    internal static void ApplyTopK(Span<float> f, int k, float[] keys)
    {
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
