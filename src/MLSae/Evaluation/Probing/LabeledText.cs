namespace MLSae.Evaluation.Probing;

/// <summary>One labelled text for sparse probing.</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">Its class label.</param>
public readonly record struct LabeledText(string Text, string Label);
