namespace MLSae.Evaluation.Probing;

/// <summary>
/// Per-token activations of one text at the SAE's hook (special tokens excluded). The wiring
/// point between the extraction engine and sparse probing / absorption.
/// </summary>
public interface ITextActivationSource
{
    /// <summary>d, the width of one token row.</summary>
    int Dimension { get; }

    /// <summary>Tokenises and runs <paramref name="text"/>; returns [tokens, d] row-major and the token count.</summary>
    float[] GetTokenActivations(string text, out int tokens);
}
