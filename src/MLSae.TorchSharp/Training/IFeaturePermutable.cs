using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Training;

/// <summary>
/// An SAE module whose features can be permuted: every tensor that is indexed by feature,
/// with the dimension along which features lie. Reordering permutes all of them (and the
/// optimizer state of the parameters) by the same permutation.
/// </summary>
public interface IFeaturePermutable
{
    /// <summary>m, the number of features.</summary>
    int FeatureCount { get; }

    /// <summary>Trainable feature-indexed tensors, e.g. (W_enc [m,d], 0), (b_enc [m], 0), (W_dec [m,d], 0), (threshold [m], 0).</summary>
    IEnumerable<(Parameter Parameter, long FeatureDim)> FeatureParameters();

    /// <summary>Non-trainable feature-indexed state kept by the module (e.g. steps since a feature last fired).</summary>
    IEnumerable<(Tensor Buffer, long FeatureDim)> FeatureBuffers();
}
