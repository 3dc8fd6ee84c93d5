namespace MLSae.Models;

/// <summary>How an SAE was trained. Decides the training loss; <see cref="SaeActivation"/> decides inference.</summary>
public enum SaeArchitecture
{
    /// <summary>ReLU with an L1 penalty (dictionary_learning's StandardTrainer).</summary>
    Standard,
    /// <summary>JumpReLU with per-feature thresholds and an L0 penalty.</summary>
    JumpReLU,
    /// <summary>Keep the k largest pre-activations per token.</summary>
    TopK,
    /// <summary>Keep the k x batch largest pre-activations across a batch; a learned threshold at inference.</summary>
    BatchTopK,
    /// <summary>Nested dictionary prefixes that each reconstruct the input; feature order matters.</summary>
    Matryoshka,
    /// <summary>TopK codes; every prefix length of the dictionary reconstructs the input (ordered SAE); feature order matters.</summary>
    Ordered,
}

/// <summary>The activation function applied to pre-activations at inference time.</summary>
public enum SaeActivation
{
    /// <summary>f = max(0, pre).</summary>
    ReLU,
    /// <summary>f = pre where pre &gt; threshold_i, else 0 (BatchTopK at inference uses one threshold for all).</summary>
    JumpReLU,
    /// <summary>f = max(0, pre) on the k largest pre-activations of the token, 0 elsewhere.</summary>
    TopK,
}
