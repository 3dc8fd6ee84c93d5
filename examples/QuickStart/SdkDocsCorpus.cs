using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace QuickStart;

/// <summary>
/// Real English text every .NET SDK install carries: the &lt;summary&gt; sentences of the XML API
/// documentation in the reference pack (packs/Microsoft.NETCore.App.Ref/VERSION/ref/netX/*.xml),
/// found from the running runtime's folder rather than a hard-coded path.
/// </summary>
static partial class SdkDocsCorpus
{
    public static IReadOnlyList<string> Sentences(int count, int minWords = 8)
    {
        var folder = FindReferenceDocs();
        var result = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(folder, "*.xml").Order(StringComparer.Ordinal))
        {
            foreach (var summary in Summaries(file))
            {
                if (summary.Split(' ').Length < minWords || !seen.Add(summary)) continue;
                result.Add(summary);
                if (result.Count == count) return result;
            }
        }
        return result;
    }

    /// <summary>The ref-pack folder holding the XML docs for this runtime (or the newest one present).</summary>
    static string FindReferenceDocs()
    {
        // .../dotnet/shared/Microsoft.NETCore.App/10.0.x/ -> .../dotnet
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var tfm = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        var candidates = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .OrderByDescending(d => Path.GetFileName(d) == Environment.Version.ToString())
                .ThenByDescending(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version())
                .Select(d => Path.Combine(d, "ref", tfm))
                .Where(d => Directory.EnumerateFiles(d, "*.xml").Any())
            : [];
        return candidates.FirstOrDefault()
            ?? throw new DirectoryNotFoundException(
                $"No XML API documentation found under '{packs}'. The QuickStart reads English text from the .NET SDK's " +
                "reference pack; install the .NET SDK (not only the runtime).");
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
