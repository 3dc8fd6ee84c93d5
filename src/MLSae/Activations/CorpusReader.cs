using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Parquet;
using Parquet.Schema;

namespace MLSae.Activations;

/// <summary>
/// Streams documents from plain text (a document per paragraph: lines up to a blank line), JSON
/// lines, CSV (with header) and Parquet files, or from a folder of them (recursively, files in
/// ordinal path order). Nothing is loaded whole: text is read line by line, CSV record by record,
/// Parquet one row group at a time. Input must be UTF-8; other bytes are an error naming the file.
/// </summary>
public static class CorpusReader
{
    /// <summary>The text field used when none is given.</summary>
    public const string DefaultTextField = "text";

    /// <summary>File extensions read (plain text, JSON lines, CSV, Parquet).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".txt", ".text", ".md", ".jsonl", ".ndjson", ".json", ".csv", ".parquet"];

    /// <summary>
    /// The documents under <paramref name="path"/> (a file or folder), ids counted from 0 in order.
    /// <paramref name="textField"/> names the JSON/CSV/Parquet column holding text.
    /// </summary>
    public static IEnumerable<TextDocument> Read(string path, string textField = DefaultTextField) =>
        ReadFiles(Files(path), textField);

    /// <summary>The corpus files under <paramref name="path"/> (a file, or a folder searched recursively), in reading order.</summary>
    public static IReadOnlyList<string> Files(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
                throw new InvalidDataException($"Folder '{path}' holds no readable files ({string.Join(", ", Extensions)}).");
            return files;
        }
        if (File.Exists(path)) return [path];
        throw new FileNotFoundException($"Data path '{path}' is neither a file nor a folder.", path);
    }

    static IEnumerable<TextDocument> ReadFiles(IReadOnlyList<string> files, string textField)
    {
        long id = 0;
        foreach (var file in files)
            foreach (var (text, where) in ReadFile(file, textField))
                yield return new TextDocument(id++, text, where);
    }

    static IEnumerable<(string Text, string Where)> ReadFile(string file, string field) =>
        Path.GetExtension(file).ToLowerInvariant() switch
        {
            ".jsonl" or ".ndjson" or ".json" => Guard(file, JsonLines(file, field)),
            ".csv" => Guard(file, Csv(file, field)),
            ".parquet" => Parquet(file, field),
            _ => Guard(file, Paragraphs(file)),
        };

    static StreamReader OpenUtf8(string file) =>
        new(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);

    // Turns decoder failures into an error naming the file (the decoder throws mid-enumeration).
    static IEnumerable<(string, string)> Guard(string file, IEnumerable<(string, string)> source)
    {
        using var e = source.GetEnumerator();
        while (true)
        {
            try
            {
                if (!e.MoveNext()) yield break;
            }
            catch (DecoderFallbackException ex)
            {
                throw new InvalidDataException($"'{file}' is not valid UTF-8 (byte {ex.Index} of a read block is invalid). Convert it to UTF-8 first, e.g. `iconv -f latin1 -t utf-8`.", ex);
            }
            yield return e.Current;
        }
    }

    static IEnumerable<(string, string)> Paragraphs(string file)
    {
        using var reader = OpenUtf8(file);
        var sb = new StringBuilder();
        int lineNo = 0, start = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                if (sb.Length > 0) { yield return (sb.ToString(), $"{file}:{start}"); sb.Clear(); }
                start = lineNo + 1;
                continue;
            }
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(line.Trim());
        }
        if (sb.Length > 0) yield return (sb.ToString(), $"{file}:{start}");
    }

    static IEnumerable<(string, string)> JsonLines(string file, string field)
    {
        using var reader = OpenUtf8(file);
        int lineNo = 0, nulls = 0, firstNull = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? text;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException($"{file}:{lineNo} is not a JSON object; JSON lines input needs one object per line.");
                if (!doc.RootElement.TryGetProperty(field, out var value)
                    && !(Match(doc.RootElement.EnumerateObject().Select(p => p.Name), field) is { } alt && doc.RootElement.TryGetProperty(alt, out value)))
                    throw MissingField(file, field, doc.RootElement.EnumerateObject().Select(p => p.Name), $"line {lineNo}");
                // A number or object where text belongs is a wrong field or a broken export, not text to embed; null is a missing
                // value (common in datasets) and is skipped, counted and reported at the end of the file.
                if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                    throw new InvalidDataException($"{file}:{lineNo}: field '{field}' is {Kind(value.ValueKind)} ({Shorten(value.GetRawText())}), not a string. " +
                        "Pass the textField argument with the field that holds the text.");
                text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                if (text is null && nulls++ == 0) firstNull = lineNo;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{file}:{lineNo} is not valid JSON ({e.Message}).", e);
            }
            if (!string.IsNullOrWhiteSpace(text)) yield return (text, $"{file}:{lineNo}");
        }
        if (nulls > 0)
            Diagnostics.MLSaeLog.Info($"{file}: skipped {nulls} line(s) whose '{field}' is null (first at line {firstNull}).");
    }

    static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => kind.ToString().ToLowerInvariant(),
    };

    static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..40] + "...";

    static IEnumerable<(string, string)> Csv(string file, string field)
    {
        using var reader = OpenUtf8(file);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = true });
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is null)
            yield break;
        int column = Match(csv.HeaderRecord, field) is { } name ? Array.IndexOf(csv.HeaderRecord, name) : -1;
        if (column < 0) throw MissingField(file, field, csv.HeaderRecord, "the header");
        while (csv.Read())
        {
            var text = csv.GetField(column);
            if (!string.IsNullOrWhiteSpace(text)) yield return (text, $"{file}:row {csv.Parser.Row}");
        }
    }

    static IEnumerable<(string, string)> Parquet(string file, string field)
    {
        using var stream = File.OpenRead(file);
        ParquetReader reader;
        try { reader = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"'{file}' is not a readable Parquet file: {e.Message}", e);
        }
        try
        {
            var fields = reader.Schema.GetDataFields();
            var df = fields.FirstOrDefault(f => f.Name == Match(fields.Select(x => x.Name), field)) ?? throw MissingField(file, field, fields.Select(f => f.Name), "the schema");
            if (df.ClrType != typeof(string) && df.ClrType != typeof(ReadOnlyMemory<char>))
                throw new InvalidDataException($"Parquet column '{field}' in '{file}' holds {df.ClrType.Name}, not text. Pass the textField argument with a string column.");
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                string?[] texts;
                using (var rg = reader.OpenRowGroupReader(g))
                {
                    texts = new string?[checked((int)rg.RowCount)];
                    rg.ReadAsync(df, texts.AsMemory(), null).AsTask().GetAwaiter().GetResult();
                }
                for (int i = 0; i < texts.Length; i++)
                    if (texts[i] is { } text && !string.IsNullOrWhiteSpace(text)) yield return (text, $"{file}:group {g} row {i}");
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    // The field as named, else the one name equal ignoring case ("text" finds "Text").
    static string? Match(IEnumerable<string> names, string field)
    {
        var list = names.ToList();
        if (list.Contains(field)) return field;
        var loose = list.Where(n => n.Equals(field, StringComparison.OrdinalIgnoreCase)).ToList();
        return loose.Count == 1 ? loose[0] : null;
    }

    static InvalidDataException MissingField(string file, string field, IEnumerable<string> found, string where) =>
        new($"'{file}' has no text field '{field}' ({where} has: {string.Join(", ", found)}). Pass the textField argument with one of those.");
}
