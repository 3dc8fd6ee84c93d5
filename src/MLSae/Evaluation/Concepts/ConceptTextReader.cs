using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

namespace MLSae.Evaluation.Concepts;

/// <summary>Reads texts with one or more label columns from JSON lines (.jsonl / .json / .ndjson) or CSV with a header (.csv).</summary>
public static class ConceptTextReader
{
    /// <summary>
    /// Reads <paramref name="path"/>: the text from <paramref name="textField"/>, the labels from <paramref name="labelFields"/>.
    /// A column missing from the file is an error naming it; rows with an empty text or label are skipped.
    /// </summary>
    public static List<ConceptText> Read(string path, IReadOnlyList<string> labelFields, string textField = "text")
    {
        ArgumentNullException.ThrowIfNull(labelFields);
        if (labelFields.Count == 0) throw new ArgumentException("Name at least one label column.", nameof(labelFields));
        if (!File.Exists(path)) throw new FileNotFoundException($"Concept data '{path}' does not exist. Pass a .jsonl or .csv file with '{textField}' and {string.Join(", ", labelFields.Select(f => $"'{f}'"))} fields.", path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".jsonl" or ".json" or ".ndjson" => ReadJsonLines(path, labelFields, textField),
            ".csv" => ReadCsv(path, labelFields, textField),
            _ => throw new ArgumentException($"Concept data '{path}': unknown extension '{ext}'. Use .jsonl (one JSON object per line) or .csv with a header.", nameof(path)),
        };
    }

    static List<ConceptText> ReadJsonLines(string path, IReadOnlyList<string> labelFields, string textField)
    {
        var result = new List<ConceptText>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (!root.TryGetProperty(textField, out var text))
                throw new FormatException($"{path}:{lineNo}: the object has no text field '{textField}'.");
            var labels = new string[labelFields.Count];
            for (int i = 0; i < labels.Length; i++)
            {
                if (!root.TryGetProperty(labelFields[i], out var label))
                    throw new FormatException($"{path}:{lineNo}: the object has no label column '{labelFields[i]}'.");
                labels[i] = (label.ValueKind == JsonValueKind.String ? label.GetString() : label.GetRawText()) ?? "";
            }
            var t = text.ValueKind == JsonValueKind.String ? text.GetString() : text.GetRawText();
            if (!string.IsNullOrEmpty(t) && labels.All(l => l.Length > 0)) result.Add(new ConceptText(t, labels));
        }
        return result;
    }

    static List<ConceptText> ReadCsv(string path, IReadOnlyList<string> labelFields, string textField)
    {
        var result = new List<ConceptText>();
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        if (!csv.Read() || !csv.ReadHeader())
            throw new FormatException($"{path}: no header row. The first line must name the columns.");
        var header = csv.HeaderRecord ?? [];
        foreach (var f in labelFields.Prepend(textField))
            if (!header.Contains(f))
                throw new FormatException($"{path}: there is no column '{f}' (columns: {string.Join(", ", header)}).");
        while (csv.Read())
        {
            var t = csv.GetField(textField);
            var labels = labelFields.Select(f => csv.GetField(f) ?? "").ToArray();
            if (!string.IsNullOrEmpty(t) && labels.All(l => l.Length > 0)) result.Add(new ConceptText(t, labels));
        }
        return result;
    }
}
