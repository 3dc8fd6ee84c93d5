using System.CommandLine;
using MLSae.Cli.Commands;

namespace MLSae.Tests.Training;

/// <summary>`mlsae train` rejects a sparsity flag the chosen architecture would ignore, before it reads any data.</summary>
public class TrainCommandOptionTests
{
    [Theory]
    [InlineData("standard", "--k", "8", "--k applies to topk")]
    [InlineData("jumprelu", "--k", "8", "--k applies to topk")]
    [InlineData("topk", "--l1", "0.1", "--l1 applies to standard")]
    [InlineData(null, "--l1", "0.1", "--l1 applies to standard")]   // the default architecture is TopK
    [InlineData("matryoshka", "--l1", "0.1", "--l1 applies to standard")]
    public void SparsityFlagsTheArchitectureIgnoresAreErrors(string? arch, string flag, string value, string expected)
    {
        var dir = RepoPaths.NewTempDir();
        var args = new List<string> { "--activations", Path.Combine(dir, "no-cache"), "--out", Path.Combine(dir, "run"), flag, value };
        if (arch is not null) args.AddRange(["--arch", arch]);
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int rc;
        try { rc = TrainCommand.Create().Parse(args.ToArray()).Invoke(); }
        finally { Console.SetError(previous); }
        Assert.Equal(1, rc);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "run")));
    }
}
