namespace MLSae.Evaluation.Concepts;

/// <summary>SAEBench's SCR and TPP arithmetic (scr_and_tpp/main.py: get_scr_plotting_dict, create_tpp_plotting_dict).</summary>
public static class ConceptScores
{
    /// <summary>(ablated - original) / (oracle - original), or 0 when oracle - original &lt; 0.001.</summary>
    public static double Scr(double ablated, double original, double oracle) =>
        oracle - original < ConceptEvalDefaults.MinAccuracyGap ? 0 : (ablated - original) / (oracle - original);

    /// <summary>
    /// 1 when the biased probe is worse on A than on B (so removing B's latents should help it on A), 2 when worse on B, 0 on a tie.
    /// </summary>
    public static int ScrMetricDirection(double biasedOnA, double biasedOnB) =>
        biasedOnA < biasedOnB ? 1 : biasedOnA > biasedOnB ? 2 : 0;

    /// <summary>
    /// TPP for ablated class <paramref name="i"/>: intended = clean[i] - ablated[i]; unintended = mean over j != i of
    /// clean[j] - ablated[j]; total = intended - unintended, where ablated[j] is probe j's accuracy with class i's latents ablated.
    /// </summary>
    public static (double Intended, double Unintended, double Total) Tpp(int i, IReadOnlyList<double> clean, IReadOnlyList<double> ablated)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(ablated);
        if (clean.Count != ablated.Count || clean.Count < 2) throw new ArgumentException($"TPP needs at least 2 classes and one ablated accuracy per clean one (got {clean.Count} and {ablated.Count}).");
        double intended = clean[i] - ablated[i], sum = 0;
        for (int j = 0; j < clean.Count; j++) if (j != i) sum += clean[j] - ablated[j];
        double unintended = sum / (clean.Count - 1);
        return (intended, unintended, intended - unintended);
    }
}
