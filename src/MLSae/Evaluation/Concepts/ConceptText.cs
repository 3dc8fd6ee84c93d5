namespace MLSae.Evaluation.Concepts;

/// <summary>One text with the values of the label columns SCR or TPP reads (in the order the columns were named).</summary>
public readonly record struct ConceptText(string Text, string[] Labels);
