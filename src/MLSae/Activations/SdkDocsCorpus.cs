using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
namespace MLSae.Activations;

/// <summary>
/// English text every .NET SDK install carries: the &lt;summary&gt; sentences of the XML API documentation in
/// the reference pack (packs/Microsoft.NETCore.App.Ref/VERSION/ref/netX/*.xml), found from the running
/// runtime's folder. The experiment source "sdk-docs" and the examples read it, so they need no data download.
/// </summary>
public static partial class SdkDocsCorpus
{
    /// <summary>The source name recorded for each document.</summary>
    public const string SourceName = "sdk-docs";

    /// <summary>Version of the document order; part of an experiment cache's signature so a changed order is not mistaken for the old one.</summary>
    public const int OrderVersion = 2;

    /// <summary>Seed of the document shuffle (fixed: the corpus is the same everywhere).</summary>
    public const long ShuffleSeed = 20_241_124;

    /// <summary>
    /// Summaries of at least <paramref name="minWords"/> words, deduplicated, in a fixed shuffled order. The XML
    /// files go namespace by namespace; shuffling mixes them, so the first N tokens (what an extraction with a
    /// token limit keeps) cover every namespace and a held-out tail is drawn from the same text as the rest.
    /// </summary>
    public static IEnumerable<TextDocument> Documents(int minWords = 8)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var texts = new List<string>();
        foreach (var file in Directory.GetFiles(FindReferenceDocs(), "*.xml").Order(StringComparer.Ordinal))
            foreach (var summary in Summaries(file))
                if (summary.Split(' ').Length >= minWords && seen.Add(summary))
                    texts.Add(summary);
        var order = Enumerable.Range(0, texts.Count).ToArray();
        SplitMix64.ForStream(ShuffleSeed, 0, 0).Shuffle(order);
        for (int i = 0; i < order.Length; i++)
            yield return new TextDocument(i, texts[order[i]], SourceName);
    }

    /// <summary>The first <paramref name="count"/> summaries of at least <paramref name="minWords"/> words, deduplicated, in file order (unshuffled).</summary>
    public static IReadOnlyList<string> Sentences(int count, int minWords = 8)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>(count);
        foreach (var file in Directory.GetFiles(FindReferenceDocs(), "*.xml").Order(StringComparer.Ordinal))
            foreach (var summary in Summaries(file))
            {
                if (summary.Split(' ').Length < minWords || !seen.Add(summary)) continue;
                result.Add(summary);
                if (result.Count == count) return result;
            }
        return result;
    }

    /// <summary>The ref-pack folder holding the XML docs for this runtime (or the newest one present).</summary>
    public static string FindReferenceDocs()
    {
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();   // .../dotnet/shared/Microsoft.NETCore.App/10.0.x/
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var tfm = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        var candidates = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .OrderByDescending(d => Path.GetFileName(d) == Environment.Version.ToString())
                .ThenByDescending(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version())
                .Select(d => Path.Combine(d, "ref", tfm))
                .Where(d => Directory.Exists(d) && Directory.EnumerateFiles(d, "*.xml").Any())
            : [];
        return candidates.FirstOrDefault()
            ?? throw new DirectoryNotFoundException(
                $"No XML API documentation found under '{packs}' for the built-in text \"{SourceName}\". Install the .NET SDK " +
                "(not only the runtime), or set the experiment's source.text to a corpus file or folder.");
    }

    static IEnumerable<string> Summaries(string file)
    {
        using var reader = XmlReader.Create(file, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        while (reader.ReadToFollowing("summary"))
        {
            var text = Flatten(reader.ReadSubtree());
            if (text.Length > 0) yield return text;
        }
    }

    /// <summary>Inner text with &lt;see cref="T:System.String"/&gt; rendered as "String".</summary>
    static string Flatten(XmlReader subtree)
    {
        var sb = new StringBuilder();
        using (subtree)
        {
            while (subtree.Read())
            {
                if (subtree.NodeType is XmlNodeType.Text or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
                    sb.Append(subtree.Value);
                else if (subtree.NodeType == XmlNodeType.Element && subtree.IsEmptyElement)
                {
                    var reference = subtree.GetAttribute("cref") ?? subtree.GetAttribute("langword") ?? subtree.GetAttribute("name");
                    if (reference is not null) sb.Append(reference[(reference.LastIndexOfAny([':', '.']) + 1)..].Split('`', '(')[0]);
                }
            }
        }
        return Whitespace().Replace(sb.ToString(), " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
