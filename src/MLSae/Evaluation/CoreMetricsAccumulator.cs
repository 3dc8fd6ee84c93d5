namespace MLSae.Evaluation;

/// <summary>
/// Streaming sums for the core SAE metrics. Feed batches of (x, f, x_hat) rows with
/// <see cref="Add"/>; memory is O(d + m) whatever the token count. All sums are in double.
/// The per-dimension variance of x is combined batch by batch (Chan et al.'s parallel update),
/// so the explained-variance denominator does not suffer the cancellation of E||x||^2 - ||E x||^2
/// when activations have a large mean.
/// </summary>
public sealed class CoreMetricsAccumulator
{
    readonly double[] _mean;      // running mean of x per dimension
    readonly double[] _m2;        // running sum of squared deviations per dimension
    readonly double[] _batchMean; // scratch: this batch's mean per dimension
    readonly double[] _batchM2;   // scratch: this batch's sum of squared deviations per dimension
    readonly long[] _firing;
    readonly double[] _activationSum;

    double _sumSqErr, _sumCos, _sumNormIn, _sumNormOut, _sumRatio, _sumNormOutSq, _sumDot, _sumL0, _sumL1;
    double _sumLegacy, _sumMseLegacy;
    long _tokens, _ratioTokens, _cosTokens, _legacyTokens;

    /// <summary>Creates an empty accumulator for rows of width <paramref name="inputDim"/> and codes of width <paramref name="featureCount"/>.</summary>
    public CoreMetricsAccumulator(int inputDim, int featureCount)
    {
        if (inputDim <= 0) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "d must be positive.");
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "m must be positive.");
        InputDim = inputDim;
        FeatureCount = featureCount;
        _mean = new double[inputDim];
        _m2 = new double[inputDim];
        _batchMean = new double[inputDim];
        _batchM2 = new double[inputDim];
        _firing = new long[featureCount];
        _activationSum = new double[featureCount];
    }

    /// <summary>d.</summary>
    public int InputDim { get; }
    /// <summary>m.</summary>
    public int FeatureCount { get; }
    /// <summary>Tokens added so far.</summary>
    public long Tokens => _tokens;
    /// <summary>Per-feature count of tokens with f_i != 0.</summary>
    public ReadOnlySpan<long> FiringCounts => _firing;
    /// <summary>Per-feature sum of f_i over all tokens.</summary>
    public ReadOnlySpan<double> ActivationSums => _activationSum;

    /// <summary>
    /// Adds one batch of <paramref name="rows"/> tokens: x and x_hat are [rows, d], f is [rows, m].
    /// The batch is also the unit of <c>explained_variance_legacy</c> and <c>mse_legacy</c>, whose values depend on batch size.
    /// </summary>
    public void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> f, ReadOnlySpan<float> xHat, int rows)
    {
        int d = InputDim, m = FeatureCount;
        if (rows <= 0) return;
        if (x.Length < rows * d || xHat.Length < rows * d || f.Length < rows * m)
            throw new ArgumentException($"Batch of {rows} rows needs x and x_hat of {rows * d} values and f of {rows * m}; got {x.Length}, {xHat.Length}, {f.Length}.");

        // Batch mean per dimension (for the legacy form and the variance merge).
        Array.Clear(_batchMean);
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * d, d);
            for (int j = 0; j < d; j++) _batchMean[j] += xr[j];
        }
        for (int j = 0; j < d; j++) _batchMean[j] /= rows;

        double batchErr = 0;
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * d, d);
            var yr = xHat.Slice(r * d, d);
            double err = 0, nx = 0, ny = 0, dot = 0, dev = 0;
            for (int j = 0; j < d; j++)
            {
                double a = xr[j], b = yr[j];
                double e = a - b;
                err += e * e;
                nx += a * a;
                ny += b * b;
                dot += a * b;
                double c = a - _batchMean[j];
                dev += c * c;
                _batchM2[j] += c * c;
            }
            double normIn = Math.Sqrt(nx), normOut = Math.Sqrt(ny);
            _sumSqErr += err;
            batchErr += err;
            _sumNormIn += normIn;
            _sumNormOut += normOut;
            _sumNormOutSq += ny;
            _sumDot += dot;
            if (normIn > 0) { _sumRatio += normOut / normIn; _ratioTokens++; }
            if (normIn > 0 && normOut > 0) { _sumCos += dot / (normIn * normOut); _cosTokens++; }
            if (dev > 0) { _sumLegacy += 1 - err / dev; _legacyTokens++; }

            var fr = f.Slice(r * m, m);
            double l0 = 0, l1 = 0;
            for (int i = 0; i < m; i++)
            {
                float v = fr[i];
                if (v != 0f)
                {
                    l0++;
                    l1 += Math.Abs(v);
                    _firing[i]++;
                    _activationSum[i] += v;
                }
            }
            _sumL0 += l0;
            _sumL1 += l1;
        }

        // SAEBench's mse: each token's squared error divided by its batch's token count (rows), averaged over tokens;
        // summed here as sum_t err_t / rows and divided by the token count in ToMetrics.
        _sumMseLegacy += batchErr / rows;

        // Chan's merge of (n_a, mean_a, M2_a) with the batch (n_b, mean_b, M2_b).
        double na = _tokens, nb = rows, n = na + nb;
        for (int j = 0; j < d; j++)
        {
            double delta = _batchMean[j] - _mean[j];
            _m2[j] += _batchM2[j] + delta * delta * na * nb / n;
            _mean[j] += delta * nb / n;
            _batchM2[j] = 0;
        }
        _tokens += rows;
    }

    /// <summary>Turns the sums into <see cref="SaeMetrics"/>; <paramref name="options"/> sets the dead/dense thresholds and histogram.</summary>
    public SaeMetrics ToMetrics(MetricsEvaluatorOptions options)
    {
        if (_tokens == 0) throw new InvalidOperationException("No tokens were added: the activation source is empty, so no metric can be computed.");
        double n = _tokens;
        double totalVariance = 0; // E||x - E x||^2
        for (int j = 0; j < InputDim; j++) totalVariance += _m2[j];
        totalVariance /= n;
        double meanSqErr = _sumSqErr / n; // E||x - x_hat||^2

        var frequencies = new double[FeatureCount];
        var meanActivation = new double[FeatureCount];
        for (int i = 0; i < FeatureCount; i++)
        {
            frequencies[i] = _firing[i] / n;
            meanActivation[i] = _firing[i] == 0 ? 0 : _activationSum[i] / _firing[i];
        }
        var density = FeatureDensity.Summarize(frequencies, options);

        return new SaeMetrics
        {
            Tokens = _tokens,
            Mse = meanSqErr / InputDim,
            MseLegacy = _sumMseLegacy / n,
            SummedSquaredError = meanSqErr,
            CosineSimilarity = _cosTokens == 0 ? double.NaN : _sumCos / _cosTokens,
            ExplainedVariance = totalVariance > 0 ? 1 - meanSqErr / totalVariance : double.NaN,
            ExplainedVarianceLegacy = _legacyTokens == 0 ? double.NaN : _sumLegacy / _legacyTokens,
            L2NormIn = _sumNormIn / n,
            L2NormOut = _sumNormOut / n,
            L2Ratio = _ratioTokens == 0 ? double.NaN : _sumRatio / _ratioTokens,
            RelativeReconstructionBias = _sumDot == 0 ? double.NaN : (_sumNormOutSq / n) / (_sumDot / n),
            L0 = _sumL0 / n,
            L1 = _sumL1 / n,
            FeatureFrequencies = frequencies,
            FeatureMeanActivations = meanActivation,
            FracAlive = density.FracAlive,
            DeadFraction = density.DeadFraction,
            DenseFraction = density.DenseFraction,
            FreqOver1Percent = density.FreqOver1Percent,
            FreqOver10Percent = density.FreqOver10Percent,
            DensityHistogram = density.Histogram,
            LegacyBatchSize = options.BatchSize,
        };
    }
}
