using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Backlinks.Cli.Output;

/// <summary>
/// Text from outside (a submitted line, an anchor text, an error the API echoed) made safe to print:
/// a control character or a bidirectional override in it could clear the screen, retitle the
/// terminal or reorder what the reader sees, so each is shown as an escape such as <c>\x1b</c>.
/// </summary>
internal static class Display
{
    /// <summary>The text with every control and bidi-override character escaped.</summary>
    public static string Safe(string text)
    {
        if (!text.Any(NeedsEscape))
        {
            return text;
        }
        var safe = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!NeedsEscape(c))
            {
                safe.Append(c);
            }
            else if (c <= '\u00ff')
            {
                safe.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                safe.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
        }
        return safe.ToString();
    }

    /// <summary><see cref="Safe"/>, then escaped for Spectre markup: for text inside MarkupLine and table cells.</summary>
    public static string Markup(string text) => Spectre.Console.Markup.Escape(Safe(text));

    /// <summary>"1 job", "2 jobs": a count with its noun.</summary>
    public static string Count(int count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");

    /// <summary>The longest input line shown whole: a domain has at most 253 characters.</summary>
    public const int LongestInputShown = 260;

    /// <summary>
    /// <see cref="Markup"/> of a submitted line, its start only when it is longer than any domain: a rejected
    /// line of a megabyte is not printed whole (--json keeps it whole).
    /// </summary>
    public static string InputMarkup(string input) => input.Length <= LongestInputShown
        ? Markup(input)
        : Markup(input[..80]) + Spectre.Console.Markup.Escape($"… ({input.Length.ToString("N0", CultureInfo.InvariantCulture)} characters)");

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' or '\u200e' or '\u200f' or '\u061c';
}
