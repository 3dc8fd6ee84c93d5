using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using MLSae.Cli.Commands;

namespace MLSae.Tests.Readme;

/// <summary>
/// Every <c>mlsae ...</c> command line in README.md, docs/**/*.md and examples/*/README.md names a real command and
/// real options of it, with values of the option's type. Lines in ```bash blocks written out in full must parse with
/// no error at all, as the CLI would run them; notation (optional [groups], a|b alternatives, placeholders such as
/// N or RUNDIR, "..." for elided options, inline fragments) is checked for names and value types only.
/// </summary>
public partial class DocsCommandLineTests(Xunit.Abstractions.ITestOutputHelper output)
{
    sealed record DocCommand(string File, int Line, string Text, bool Complete);

    static RootCommand Cli()
    {
        var root = new RootCommand();
        foreach (var c in CommandCatalog.All()) root.Add(c);
        return root;
    }

    [Fact]
    public void EveryDocumentedCommandLineParsesWithTheCurrentCli()
    {
        var commands = DocumentedCommands().ToList();
        Assert.True(commands.Count >= 30, $"found only {commands.Count} mlsae command lines; the extraction is broken");
        var root = Cli();
        var problems = new List<string>();
        foreach (var c in commands)
        {
            output.WriteLine($"{c.File}:{c.Line} {(c.Complete ? "full " : "names")} {c.Text}");
            foreach (var p in Check(root, c))
                problems.Add($"{c.File}:{c.Line}: `{c.Text}`: {p}");
        }
        output.WriteLine($"{commands.Count} command lines checked, {commands.Count(c => c.Complete)} parsed in full.");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData("mlsae scroe --sae run --out x", true, "unknown command")]
    [InlineData("mlsae score --sae run --activations a --out x --top 3", true, "unknown option")]
    [InlineData("mlsae train --activations acts --steps many --out run", false, "is not a")]
    [InlineData("mlsae export --sae run --format parquet --out x", true, "parquet")]
    [InlineData("mlsae score --out x.csv", true, "--sae")]
    [InlineData("mlsae score --sae run --out x.csv", true, "")]
    public void TheCheckRejectsWhatTheCliRejects(string line, bool complete, string expected)
    {
        var problems = Check(Cli(), new DocCommand("test.md", 1, line, complete)).ToList();
        if (expected.Length == 0)
        {
            Assert.Empty(problems);
            return;
        }
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TheExtractionFindsBlockLinesContinuationsAndInlineFragments()
    {
        const string md = "Run `mlsae reorder --prefix-curves` or\n\n```bash\nmlsae doctor   # check\nmlsae train --activations a \\\n   --steps 5 --out r\n```\n\nthen `mlsae eval ...\n--top-examples 3`.\n";
        var found = Extract("x.md", md).ToList();
        Assert.Equal(
            [("mlsae doctor", true), ("mlsae train --activations a --steps 5 --out r", true), ("mlsae reorder --prefix-curves", false), ("mlsae eval ... --top-examples 3", false)],
            found.Select(c => (c.Text, c.Complete)).ToList());
        Assert.Equal([4, 5, 1, 9], found.Select(c => c.Line).ToList());
    }

    static IEnumerable<DocCommand> DocumentedCommands()
    {
        var root = RepoPaths.Root;
        var files = new List<string> { Path.Combine(root, "README.md") };
        files.AddRange(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories));
        files.AddRange(Directory.EnumerateFiles(Path.Combine(root, "examples"), "README.md", SearchOption.AllDirectories));
        return files.Order(StringComparer.Ordinal).SelectMany(f => Extract(Path.GetRelativePath(root, f), File.ReadAllText(f)));
    }

    static IEnumerable<DocCommand> Extract(string file, string text)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        int LineOf(int index) => text.AsSpan(0, index).Count('\n') + 1;
        var inline = new System.Text.StringBuilder(text);
        foreach (Match block in FencedBlock().Matches(text))
        {
            // Blank the block out so its lines are not read again as inline code.
            for (int i = block.Index; i < block.Index + block.Length; i++) if (inline[i] != '\n') inline[i] = ' ';
            if (block.Groups[1].Value is not ("" or "bash" or "sh" or "shell" or "console")) continue;
            var lines = block.Groups[2].Value.Split('\n');
            int first = LineOf(block.Groups[2].Index);
            for (int i = 0; i < lines.Length; i++)
            {
                int start = i;
                var line = lines[i].TrimEnd();
                while (line.EndsWith('\\') && i + 1 < lines.Length) line = line[..^1] + " " + lines[++i].Trim();
                line = TrailingComment().Replace(line.Trim(), "");
                if (line.StartsWith("$ ", StringComparison.Ordinal)) line = line[2..];
                if (line.StartsWith("mlsae ", StringComparison.Ordinal) || line == "mlsae")
                    yield return new DocCommand(file, first + start, Spaces().Replace(line, " "), Complete: true);
            }
        }
        var rest = inline.ToString();
        foreach (Match span in InlineCommand().Matches(rest))
            yield return new DocCommand(file, LineOf(span.Index), Spaces().Replace(span.Groups[1].Value.Trim(), " "), Complete: false);
    }

    /// <summary>What is wrong with <paramref name="c"/> for the CLI; empty when nothing.</summary>
    static IEnumerable<string> Check(RootCommand root, DocCommand c)
    {
        var raw = c.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        if (raw.Count == 0 || raw[0].StartsWith('<')) yield break;   // "mlsae <command>": the notation for any command
        var command = root.Subcommands.FirstOrDefault(s => s.Name == raw[0] || s.Aliases.Contains(raw[0]));
        if (command is null)
        {
            yield return $"unknown command '{raw[0]}' (commands: {string.Join(", ", root.Subcommands.Select(s => s.Name))})";
            yield break;
        }
        // A command with subcommands ("cache merge"): descend while the next word names one.
        var path = new List<string> { command.Name };
        int words = 1;
        while (words < raw.Count && command.Subcommands.FirstOrDefault(s => s.Name == raw[words]) is { } sub)
        {
            command = sub;
            path.Add(sub.Name);
            words++;
        }

        // Notation: [optional] groups are checked as if given; "a | b" and "--x|--y" keep every alternative, "a|b" values keep the first.
        bool notation = raw.Any(t => t.Contains('[') || t.Contains('|') || t == "...");
        var tokens = new List<string>();
        foreach (var t in raw.Skip(words).Select(t => t.Replace("[", "", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal)))
        {
            if (t.Length == 0 || t == "|" || t == "...") continue;
            if (t.StartsWith('-') && t.Contains('|')) tokens.AddRange(t.Split('|'));
            else tokens.Add(t);
        }

        var args = new List<string>(path);
        for (int i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (!t.StartsWith('-'))
            {
                args.Add(t);   // a positional argument (the command's own parse below judges it)
                continue;
            }
            var name = t.Split('=')[0];
            if (name is "--help" or "-h" or "-?") { args.Add(t); continue; }
            var option = command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
            if (option is null)
            {
                yield return $"unknown option '{name}' for '{command.Name}' (options: {string.Join(", ", command.Options.Select(o => o.Name))})";
                continue;
            }
            args.Add(name);
            bool flag = option.ValueType == typeof(bool);   // a flag takes an optional true/false
            if (option.Arity.MaximumNumberOfValues == 0 || (flag && !(i + 1 < tokens.Count && bool.TryParse(tokens[i + 1], out _)))) continue;
            if (i + 1 >= tokens.Count || tokens[i + 1].StartsWith('-'))
            {
                if (c.Complete && !notation) yield return $"option '{name}' needs a value";
                continue;
            }
            var value = tokens[++i];
            if (value.Contains('|')) value = value.Split('|')[0];
            var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            if (Placeholder().IsMatch(value) && type != typeof(string)) value = PlaceholderValue(type);
            if (!Converts(value, type)) yield return $"'{value}' is not a {type.Name} value for option '{name}'";
            args.Add(value);
        }

        if (!c.Complete || notation) yield break;
        // Written out in full: the CLI's own parser must accept it (required options, arguments, value conversion).
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        try
        {
            foreach (var error in root.Parse(args).Errors) yield return "parse error: " + error.Message;
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    static string PlaceholderValue(Type type) =>
        type.IsEnum ? Enum.GetNames(type)[0] : type == typeof(bool) ? "true" : "1";

    static bool Converts(string value, Type type)
    {
        var inv = CultureInfo.InvariantCulture;
        if (type == typeof(string) || type == typeof(FileInfo) || type == typeof(DirectoryInfo)) return true;
        if (type == typeof(int)) return int.TryParse(value, NumberStyles.Integer, inv, out _);
        if (type == typeof(long)) return long.TryParse(value, NumberStyles.Integer, inv, out _);
        if (type == typeof(double)) return double.TryParse(value, NumberStyles.Float, inv, out _);
        if (type == typeof(float)) return float.TryParse(value, NumberStyles.Float, inv, out _);
        if (type == typeof(bool)) return bool.TryParse(value, out _);
        if (type.IsEnum) return Enum.TryParse(type, value, ignoreCase: true, out _);
        return true;   // lists and other types: the full parse of complete lines judges them
    }

    [GeneratedRegex(@"^```([A-Za-z]*)[^\n]*\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"`(mlsae(?:\s[^`]*)?)`")]
    private static partial Regex InlineCommand();

    [GeneratedRegex(@"\s+#.*$")]
    private static partial Regex TrailingComment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    // Upper-case names (N, S, RUNDIR, CACHE) stand for a value the reader supplies.
    [GeneratedRegex(@"^[A-Z][A-Z0-9_]*$")]
    private static partial Regex Placeholder();
}
