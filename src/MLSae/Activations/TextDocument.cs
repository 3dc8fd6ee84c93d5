namespace MLSae.Activations;

/// <summary>One document of a corpus.</summary>
/// <param name="Id">Index in corpus order (0, 1, ...), stored beside every token row.</param>
/// <param name="Text">The text.</param>
/// <param name="Source">Where it came from ("file.jsonl:12"), for error messages.</param>
public readonly record struct TextDocument(long Id, string Text, string Source);
