using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Persistence.SafeTensors;
using MLSae.Scoring;
using static MLSae.Tests.Reliability.ReliabilityData;

namespace MLSae.Tests.Reliability;

/// <summary>Bad data is named where it is: NaN/Inf rows by shard and row, JSON lines by line.</summary>
public class NonFiniteAndCorpusTests
{
    [Theory]
    [InlineData(ActivationDType.Float32, float.NaN, "NaN")]
    [InlineData(ActivationDType.Float32, float.PositiveInfinity, "+infinity")]
    [InlineData(ActivationDType.BFloat16, float.NegativeInfinity, "-infinity")]
    public void ANonFiniteValue_IsNamedByShardRowAndColumn_OnlyWhenItsRowIsRead(ActivationDType dtype, float value, string named)
    {
        var dir = MakeCache(poison: (137, 5, value), dtype: dtype);
        using var cache = ActivationCache.Open(dir);
        var buffer = new float[400 * D];
        cache.ReadRows(0, 137, buffer);                    // rows before it read fine
        cache.ReadRows(138, 262, buffer);                  // and after it
        foreach (var (first, count) in new[] { (137, 1), (0, 400), (120, 30) })
        {
            var e = Assert.Throws<InvalidDataException>(() => cache.ReadRows(first, count, buffer));
            Assert.Contains($"shard 1 ('{Path.Combine(cache.Directory, "shard-00001.activations." + dtype.ToManifestName())}') row 37 (cache row 137) holds {named} in column 5", e.Message);
            Assert.Contains("activation data is at fault", e.Message);
        }
    }

    [Fact]
    public void NonFiniteDetection_FindsEveryPosition_AgainstAScalarLoop()
    {
        // The vectorised scan against a plain loop, for a bad value at each position of spans of several lengths.
        foreach (int n in new[] { 0, 1, 7, 8, 9, 31, 64, 100 })
            for (int at = -1; at < n; at++)
            {
                var x = Rows(1, n, seed: n + 3);
                if (at >= 0) x[at] = at % 3 == 0 ? float.NaN : at % 3 == 1 ? float.PositiveInfinity : float.NegativeInfinity;
                long expected = -1;
                for (int i = 0; i < n; i++) if (float.IsNaN(x[i]) || float.IsInfinity(x[i])) { expected = i; break; }
                Assert.Equal(expected, NonFiniteValues.IndexOfFirst(x));
            }
    }

    [Fact]
    public void ASafeTensorsFileWithInfinity_IsRefusedNamingTheRow()
    {
        var dir = RepoPaths.NewTempDir();
        var x = Rows(20);
        x[13 * D + 2] = float.PositiveInfinity;
        var path = Path.Combine(dir, "acts.safetensors");
        new SafeTensorsWriter().Add("activations", x, [20, D]).Save(path);
        var e = Assert.Throws<InvalidDataException>(() => ActivationSources.Open(path));
        Assert.Contains("tensor 'activations' row 13 holds +infinity in column 2", e.Message);
    }

    [Fact]
    public void JsonLines_ANumberTextIsAnErrorNamingTheLine_ANullTextIsSkippedAndCounted()
    {
        var dir = RepoPaths.NewTempDir();
        var number = Path.Combine(dir, "number.jsonl");
        File.WriteAllLines(number, ["""{"text": "fine"}""", """{"text": 42}"""]);
        var e = Assert.Throws<InvalidDataException>(() => CorpusReader.Read(number).ToList());
        Assert.Contains($"{number}:2: field 'text' is a number (42), not a string", e.Message);

        var nulls = Path.Combine(dir, "nulls.jsonl");
        File.WriteAllLines(nulls, ["""{"text": "a"}""", """{"text": null}""", """{"text": "b"}""", """{"text": null}"""]);
        var notes = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using (Diagnostics.MLSaeLog.Use(notes.Enqueue))
            Assert.Equal(["a", "b"], CorpusReader.Read(nulls).Select(d => d.Text));
        Assert.Contains(notes, m => m.Contains($"{nulls}: skipped 2 line(s) whose 'text' is null (first at line 2)", StringComparison.Ordinal));
    }
}
