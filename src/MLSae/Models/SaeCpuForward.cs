using System.Numerics.Tensors;

namespace MLSae.Models;

/// <summary>
/// A plain C# CPU forward pass of an <see cref="SaeWeights"/>, batched over rows and vectorised with
/// <see cref="TensorPrimitives"/>: f = act(W_enc (x - b_dec) + b_enc), x_hat = W_dec^T f + b_dec.
/// For tests, post-hoc ordering and small evaluations; bulk scoring goes through ONNX Runtime.
/// Thread-safe: every call uses its own scratch.
/// </summary>
public sealed class SaeCpuForward
{
    readonly SaeWeights _w;

    /// <summary>A forward pass over <paramref name="weights"/> (not copied).</summary>
    public SaeCpuForward(SaeWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _w = weights;
    }

    /// <summary>The weights used.</summary>
    public SaeWeights Weights => _w;

    /// <summary>Codes for <paramref name="rows"/> rows of <paramref name="x"/> ([rows, d]) into <paramref name="codes"/> ([rows, m]).</summary>
    public void Encode(ReadOnlySpan<float> x, int rows, Span<float> codes)
    {
        int d = _w.InputDim, m = _w.FeatureCount;
        Check(x.Length, (long)rows * d, "x", $"[{rows}, d={d}]");
        Check(codes.Length, (long)rows * m, "codes", $"[{rows}, m={m}]");
        if (rows == 0) return;
        // Spans cannot cross into a parallel loop: pin to arrays only when large enough to matter.
        if (rows >= 8 && (long)rows * m * d >= 1 << 22)
        {
            var xa = x.ToArray();
            var ca = new float[(long)rows * m];
            Parallel.For(0, (rows + 7) / 8, block =>
            {
                int r0 = block * 8, n = Math.Min(8, rows - r0);
                EncodeRows(xa.AsSpan(r0 * d, n * d), n, ca.AsSpan(r0 * m, n * m));
            });
            ca.CopyTo(codes);
        }
        else
            EncodeRows(x, rows, codes);
    }

    /// <summary>Reconstructions x_hat ([rows, d]) from codes ([rows, m]); zero codes are skipped.</summary>
    public void Decode(ReadOnlySpan<float> codes, int rows, Span<float> reconstruction)
    {
        int d = _w.InputDim, m = _w.FeatureCount;
        Check(codes.Length, (long)rows * m, "codes", $"[{rows}, m={m}]");
        Check(reconstruction.Length, (long)rows * d, "reconstruction", $"[{rows}, d={d}]");
        for (int r = 0; r < rows; r++)
        {
            var f = codes.Slice(r * m, m);
            var xh = reconstruction.Slice(r * d, d);
            _w.DecoderBias.CopyTo(xh);
            for (int i = 0; i < m; i++)
                if (f[i] != 0f) TensorPrimitives.MultiplyAdd(_w.DecoderRow(i), f[i], xh, xh);
        }
    }

    /// <summary>Encode then decode.</summary>
    public void Forward(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction)
    {
        Encode(x, rows, codes);
        Decode(codes, rows, reconstruction);
    }

    void EncodeRows(ReadOnlySpan<float> x, int rows, Span<float> codes)
    {
        int d = _w.InputDim, m = _w.FeatureCount;
        Span<float> centered = d <= 4096 ? stackalloc float[d] : new float[d];
        float[]? scratch = _w.Activation == SaeActivation.TopK ? new float[m] : null;
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Subtract(x.Slice(r * d, d), _w.DecoderBias, centered);
            var f = codes.Slice(r * m, m);
            for (int i = 0; i < m; i++)
                f[i] = TensorPrimitives.Dot(_w.EncoderRow(i), centered) + _w.EncoderBias[i];
            Activate(f, scratch);
        }
    }

    void Activate(Span<float> pre, float[]? scratch)
    {
        switch (_w.Activation)
        {
            case SaeActivation.ReLU:
                TensorPrimitives.Max(pre, 0f, pre);
                break;
            case SaeActivation.JumpReLU:
                var th = _w.Thresholds!;
                for (int i = 0; i < pre.Length; i++) if (!(pre[i] > th[i])) pre[i] = 0f;
                break;
            case SaeActivation.TopK:
                KeepTopK(pre, _w.K, scratch!);
                break;
            default:
                throw new NotSupportedException($"Activation {_w.Activation} is not supported by the CPU forward.");
        }
    }

    // Keeps the k largest pre-activations (ties: lower index first), then applies ReLU.
    static void KeepTopK(Span<float> pre, int k, float[] scratch)
    {
        pre.CopyTo(scratch);
        float kth = SelectKthLargest(scratch.AsSpan(0, pre.Length), k);
        int above = 0;
        for (int i = 0; i < pre.Length; i++) if (pre[i] > kth) above++;
        int equalsToKeep = k - above;
        for (int i = 0; i < pre.Length; i++)
        {
            float v = pre[i];
            bool keep = v > kth || (v == kth && equalsToKeep-- > 0);
            pre[i] = keep && v > 0f ? v : 0f;
        }
    }

    // Quickselect (Hoare partition) for the k-th largest value; reorders values.
    static float SelectKthLargest(Span<float> values, int k)
    {
        int lo = 0, hi = values.Length - 1, target = k - 1;
        while (lo < hi)
        {
            float pivot = values[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[i] > pivot) i++;
                while (values[j] < pivot) j--;
                if (i <= j) { (values[i], values[j]) = (values[j], values[i]); i++; j--; }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return values[target];
        }
        return values[target];
    }

    static void Check(int actual, long expected, string name, string shape)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has {actual} values; expected {expected} for shape {shape}.", name);
    }
}
