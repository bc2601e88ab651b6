using System.Globalization;
using System.Text;

namespace Backlinks.Cli.Output;

/// <summary>
/// RFC 4180 CSV: a header row, CRLF line ends, and a field quoted (quotes doubled) when it holds a comma,
/// a quote, CR or LF. Values are written as they are stored, control characters included; times are
/// ISO 8601 UTC, booleans <c>true</c>/<c>false</c>.
/// </summary>
internal static class Csv
{
    public static void Write<T>(TextWriter writer, IReadOnlyList<string> header, IEnumerable<T> rows, Func<T, IEnumerable<object?>> fields)
    {
        writer.Write(Line(header));
        foreach (var row in rows)
        {
            writer.Write(Line(fields(row)));
        }
        writer.Flush();
    }

    private static string Line(IEnumerable<object?> fields)
    {
        var line = new StringBuilder();
        foreach (var field in fields)
        {
            if (line.Length > 0)
            {
                line.Append(',');
            }
            line.Append(Field(field));
        }
        return line.Append("\r\n").ToString();
    }

    public static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            bool b => b ? "true" : "false",
            DateTimeOffset time => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
