namespace MLSae.Activations;

/// <summary>
/// The special tokens of a model's vocabulary; null where the model has none. Extraction never
/// stores rows for these ids (they are counted instead).
/// </summary>
/// <param name="Cls">[CLS] (BERT) prepended to every context.</param>
/// <param name="Sep">[SEP] (BERT) appended to every context.</param>
/// <param name="Pad">Padding id used after the last real token of a context.</param>
/// <param name="Bos">Beginning of sequence (causal models) prepended to every context.</param>
/// <param name="Eos">End of sequence placed between packed documents (causal models).</param>
/// <param name="Unk">Unknown-token id (a real token: it is stored).</param>
public sealed record SpecialTokenIds(int? Cls, int? Sep, int? Pad, int? Bos, int? Eos, int? Unk)
{
    /// <summary>True when <paramref name="id"/> is CLS, SEP, PAD, BOS or EOS.</summary>
    public bool IsSpecial(int id) => id == Cls || id == Sep || id == Pad || id == Bos || id == Eos;
}
