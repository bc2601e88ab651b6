using System.Text;

namespace Backlinks.Links;

/// <summary>
/// Text as stored in the link tables. Long values are cut, never rejected: a Table property holds up to
/// 32,768 UTF-16 characters, but a batch of 100 entities must stay under 4 MiB, and in the worst case
/// (every character escaped as <c>\uXXXX</c> on the wire) that leaves about 6,500 characters per entity.
/// So URLs keep <see cref="MaxUrlLength"/> characters and anchors and titles <see cref="MaxTextLength"/>.
/// Control characters are data and are kept; only lone surrogate halves (which cannot be encoded at
/// all) become U+FFFD.
/// </summary>
public static class LinkText
{
    public const int MaxUrlLength = 2_000;
    public const int MaxTextLength = 1_000;

    public static string Url(string? value) => Cut(value, MaxUrlLength);

    public static string Text(string? value) => Cut(value, MaxTextLength);

    public static string Cut(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        var length = value.Length;
        if (length > maxLength)
        {
            // Never split a surrogate pair at the cut.
            length = char.IsHighSurrogate(value[maxLength - 1]) ? maxLength - 1 : maxLength;
        }
        return WithoutLoneSurrogates(value.AsSpan(0, length));
    }

    private static string WithoutLoneSurrogates(ReadOnlySpan<char> text)
    {
        if (text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return text.ToString();
        }
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return builder.ToString();
    }
}
