using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

namespace MLSae.Evaluation.Probing;

/// <summary>Reads labelled texts from JSON lines (.jsonl / .json) or CSV with a header (.csv).</summary>
public static class LabeledTextReader
{
    /// <summary>
    /// Reads <paramref name="path"/>, taking the text from <paramref name="textField"/> and the label
    /// from <paramref name="labelField"/>. Rows with an empty text or label are skipped.
    /// </summary>
    public static List<LabeledText> Read(string path, string labelField = "label", string textField = "text")
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Probe data '{path}' does not exist. Pass a .jsonl or .csv file with '{textField}' and '{labelField}' fields.", path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".jsonl" or ".json" or ".ndjson" => ReadJsonLines(path, labelField, textField),
            ".csv" => ReadCsv(path, labelField, textField),
            _ => throw new ArgumentException($"Probe data '{path}': unknown extension '{ext}'. Use .jsonl (one JSON object per line) or .csv with a header.", nameof(path)),
        };
    }

    static List<LabeledText> ReadJsonLines(string path, string labelField, string textField)
    {
        var result = new List<LabeledText>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (!root.TryGetProperty(textField, out var text) || !root.TryGetProperty(labelField, out var label))
                throw new FormatException($"{path}:{lineNo}: the object has no '{textField}' or no '{labelField}' field. Name the fields with the textField argument and the labelField argument.");
            var t = text.ValueKind == JsonValueKind.String ? text.GetString() : text.GetRawText();
            var l = label.ValueKind == JsonValueKind.String ? label.GetString() : label.GetRawText();
            if (!string.IsNullOrEmpty(t) && !string.IsNullOrEmpty(l)) result.Add(new LabeledText(t, l));
        }
        return result;
    }

    static List<LabeledText> ReadCsv(string path, string labelField, string textField)
    {
        var result = new List<LabeledText>();
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        if (!csv.Read() || !csv.ReadHeader())
            throw new FormatException($"{path}: no header row. The first line must name the columns, including '{textField}' and '{labelField}'.");
        var header = csv.HeaderRecord ?? [];
        if (!header.Contains(textField) || !header.Contains(labelField))
            throw new FormatException($"{path}: columns are [{string.Join(", ", header)}]; '{textField}' and '{labelField}' are needed. Name them with the textField argument and the labelField argument.");
        while (csv.Read())
        {
            var t = csv.GetField(textField);
            var l = csv.GetField(labelField);
            if (!string.IsNullOrEmpty(t) && !string.IsNullOrEmpty(l)) result.Add(new LabeledText(t, l));
        }
        return result;
    }
}
