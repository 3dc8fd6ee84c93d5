namespace MLSae.Cli.Commands;

/// <summary>Parses enum options written the CLI way ("mean-activation", "topk") with errors listing the valid values.</summary>
static class CliEnums
{
    public static T Parse<T>(string? value, string option, T fallback) where T : struct, Enum
    {
        if (value is null) return fallback;
        var key = value.Replace("-", "").Replace("_", "");
        foreach (var name in Enum.GetNames<T>())
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
                return Enum.Parse<T>(name);
        throw new ArgumentException($"{option} '{value}' is not one of: {string.Join(" | ", Enum.GetNames<T>().Select(Kebab))}.");
    }

    // "MeanActivation" -> "mean-activation"; names with an acronym or a one-letter word ("JumpReLU", "TopK") are
    // written as one word ("jumprelu", "topk"), as the options' descriptions show them.
    static string Kebab(string name) =>
        name.Where((c, i) => char.IsUpper(c) && i > 0 && char.IsUpper(name[i - 1])).Any() || char.IsUpper(name[^1])
        ? name.ToLowerInvariant()
        : string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 && !char.IsUpper(name[i - 1]) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
