using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace Backlinks.DomDetailer;

/// <summary>
/// Removes the API key from text that may end up in a log, a table, a blob, a message or a response.
/// </summary>
/// <remarks>
/// <para>The key travels in the query string, so a server, a proxy or a gateway may echo it back in
/// any shape: raw, in another case, URL-encoded (upper- or lower-case escapes, <c>+</c> for a space,
/// encoded twice), JSON-escaped, or cut short. Two rules cover these:</para>
/// <list type="number">
/// <item>Every run of at least <see cref="MinFragment"/> consecutive characters of the key is masked,
/// compared without regard to ASCII case and with '+' taken for a space, as the text stands and in
/// each way of decoding it: JSON escapes (<c>\u002B</c>) undone or not, percent-escapes (<c>%2F</c>,
/// <c>%2f</c>) decoded once, twice or three times (<c>%252F</c>). A run shorter than that cannot be told
/// from ordinary text (it would mask words that merely share letters with the key) and tells little:
/// an 18-character key cut to 5 leaves 13 unknown. Keys are taken to be ASCII: escapes of other bytes
/// are not decoded.</item>
/// <item>Every value of an <c>apikey</c> parameter (any case; <c>api_key</c>, <c>api-key</c>; <c>=</c>,
/// <c>:</c>, <c>%3D</c> or <c>%253D</c> after it) is masked whatever it holds, so that even a cut key
/// shorter than the rule above allows, or another account's key, is not kept.</item>
/// </list>
/// <para>Mask first, cut after: a text is masked whole and only then shortened, so a cut cannot leave a
/// piece of the key that was too short to be recognised.</para>
/// <para>An answer's own data (<see cref="RedactData"/>) is masked by the first rule only, with runs of at
/// least <see cref="MinFragmentInData"/>: a 200 answer holds thousands of URLs with hashes and ids, and
/// six characters of a key would turn up in them by chance; twelve do not.</para>
/// </remarks>
public static partial class SecretRedactor
{
    public const string Mask = "***";

    /// <summary>Runs of the key at least this long are masked in free text (errors, exceptions, log details).</summary>
    public const int MinFragment = 6;

    /// <summary>Runs of the key at least this long are masked in an answer's data (the raw JSON of a 200).</summary>
    public const int MinFragmentInData = 12;

    private static readonly byte[] MaskBytes = Encoding.UTF8.GetBytes(Mask);

    /// <summary>Masks the key (rule 1) and every <c>apikey</c> parameter value (rule 2).</summary>
    public static string Redact(string text, string? secret)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        if (!string.IsNullOrEmpty(secret))
        {
            text = MaskFragments(text, secret, MinFragment);
        }
        try
        {
            return ApiKeyParameter().Replace(text, m => m.Groups["lead"].Value + Mask);
        }
        catch (RegexMatchTimeoutException)
        {
            return Mask; // a text too odd to search in time is not kept at all
        }
    }

    /// <summary>
    /// Masks the key in the bytes of an answer (rule 1, runs of at least <see cref="MinFragmentInData"/>).
    /// Returns the same array when the key is not in it.
    /// </summary>
    public static byte[] RedactData(byte[] utf8, string? secret)
    {
        if (string.IsNullOrEmpty(secret) || utf8.Length == 0)
        {
            return utf8;
        }
        var ranges = FindFragments(utf8, Encoding.UTF8.GetBytes(secret), MinFragmentInData);
        return ranges.Count == 0 ? utf8 : Apply(utf8, ranges);
    }

    private static string MaskFragments(string text, string secret, int minLength)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var ranges = FindFragments(bytes, Encoding.UTF8.GetBytes(secret), minLength);
        return ranges.Count == 0 ? text : Encoding.UTF8.GetString(Apply(bytes, ranges));
    }

    /// <summary>Replaces each range by the mask; ranges are sorted, merged and widened to whole UTF-8 characters.</summary>
    private static byte[] Apply(byte[] text, List<(int Start, int End)> ranges)
    {
        var output = new ArrayBufferWriter<byte>(text.Length);
        var at = 0;
        foreach (var (start, end) in ranges)
        {
            output.Write(text.AsSpan(at, start - at));
            output.Write(MaskBytes);
            at = end;
        }
        output.Write(text.AsSpan(at));
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Where the text holds a run of at least <paramref name="minLength"/> bytes of the key (fewer when the
    /// key is shorter), as it stands and decoded. Sorted, merged ranges of the original bytes.
    /// </summary>
    private static List<(int Start, int End)> FindFragments(byte[] text, byte[] key, int minLength)
    {
        var found = new List<(int Start, int End)>();
        minLength = Math.Min(minLength, key.Length);
        var windows = WindowHashes(key, minLength);

        // Each reading of the text is scanned apart: a '%' in a key and an escaped escape look alike
        // ("%25" then "41" is "%41" decoded once and "A" decoded twice), so no one reading serves all.
        var json = text.AsSpan().IndexOf((byte)'\\') >= 0;
        for (var depth = 0; depth <= MaxEncodingDepth; depth++)
        {
            if (depth > 0 && text.AsSpan().IndexOf(depth == 1 ? "%"u8 : "%25"u8) < 0)
            {
                break;
            }
            Scan(text, new Reading(Json: false, depth), windows, minLength, found);
            if (json)
            {
                Scan(text, new Reading(Json: true, depth), windows, minLength, found);
            }
        }
        if (found.Count == 0)
        {
            return found;
        }

        found.Sort();
        var merged = new List<(int Start, int End)>();
        foreach (var (s, e) in found)
        {
            var (start, end) = (s, e);
            // Whole UTF-8 characters only: a masked range never leaves half a character behind.
            while (start > 0 && (text[start] & 0xC0) == 0x80)
            {
                start--;
            }
            while (end < text.Length && (text[end] & 0xC0) == 0x80)
            {
                end++;
            }
            if (merged.Count > 0 && start <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, end));
            }
            else
            {
                merged.Add((start, end));
            }
        }
        return merged;
    }

    /// <summary>Escapes encoded this many times over are still recognised (<c>%2F</c>, <c>%252F</c>, <c>%25252F</c>).</summary>
    private const int MaxEncodingDepth = 3;

    private const ulong HashBase = 0x100000001B3;

    /// <summary>The rolling hash of every window of the key, folded (<see cref="Fold"/>).</summary>
    private static HashSet<ulong> WindowHashes(byte[] key, int length)
    {
        var windows = new HashSet<ulong>();
        for (var at = 0; at + length <= key.Length; at++)
        {
            var hash = 0UL;
            for (var i = at; i < at + length; i++)
            {
                hash = (hash * HashBase) + Fold(key[i]);
            }
            windows.Add(hash);
        }
        return windows;
    }

    /// <summary>
    /// Every window of <paramref name="length"/> units of one reading that hashes like a window of the
    /// key is recorded; overlapping windows merge, so a longer run is masked whole.
    /// </summary>
    private static void Scan(byte[] text, Reading reading, HashSet<ulong> windows, int length, List<(int Start, int End)> found)
    {
        var power = 1UL; // HashBase^(length - 1)
        for (var i = 1; i < length; i++)
        {
            power *= HashBase;
        }
        var values = new byte[length]; // the last units of the window (a ring)
        var starts = new int[length];
        var slot = 0;
        var seen = 0;
        var hash = 0UL;
        for (var at = 0; at < text.Length;)
        {
            var (unit, size) = reading.Read(text, at);
            var value = Fold(unit);
            if (seen >= length)
            {
                hash -= values[slot] * power;
            }
            hash = (hash * HashBase) + value;
            values[slot] = value;
            starts[slot] = at;
            slot = slot + 1 == length ? 0 : slot + 1;
            at += size;
            if (++seen >= length && windows.Contains(hash))
            {
                Add(found, (starts[slot], at)); // starts[slot] is now the oldest unit of the window
            }
        }
    }

    private static void Add(List<(int Start, int End)> found, (int Start, int End) range)
    {
        if (found.Count > 0 && found[^1].Start <= range.Start && range.Start <= found[^1].End)
        {
            found[^1] = (found[^1].Start, Math.Max(found[^1].End, range.End));
            return;
        }
        found.Add(range);
    }

    /// <summary>
    /// One way to read the text: JSON escapes undone or not, then percent-escapes decoded
    /// <see cref="Depth"/> times. Only escapes of ASCII characters are decoded: a key is ASCII, and
    /// "%b9" read as a byte would swallow the "b9" of a key behind a stray '%' (URL decoders leave it, too).
    /// </summary>
    private readonly record struct Reading(bool Json, int Depth)
    {
        /// <summary>The byte the unit at <paramref name="at"/> stands for, and how many bytes of the text it takes.</summary>
        public (byte Value, int Size) Read(byte[] text, int at) => Read(text, at, Depth);

        private (byte Value, int Size) Read(byte[] text, int at, int depth)
        {
            if (depth == 0)
            {
                return Json ? ReadJson(text, at) : (text[at], 1);
            }
            var (value, size) = Read(text, at, depth - 1);
            if (value == '%' && at + size < text.Length)
            {
                var (high, highSize) = Read(text, at + size, depth - 1);
                if (char.IsAsciiHexDigit((char)high) && at + size + highSize < text.Length)
                {
                    var (low, lowSize) = Read(text, at + size + highSize, depth - 1);
                    var decoded = (HexDigit(high) << 4) | (char.IsAsciiHexDigit((char)low) ? HexDigit(low) : 0xFF);
                    if (decoded < 0x80)
                    {
                        return ((byte)decoded, size + highSize + lowSize);
                    }
                }
            }
            return (value, size);
        }

        /// <summary>
        /// <c>\\uXXXX</c> (ASCII only), <c>\\/</c> and <c>\\"</c>, as a JSON string writes them. An escaped
        /// backslash is read as two backslashes: "\\\\u002B" may be a '+' behind a stray backslash, and a key with a backslash is rare.
        /// </summary>
        private static (byte Value, int Size) ReadJson(byte[] text, int at)
        {
            if (text[at] == '\\' && at + 1 < text.Length)
            {
                if (text[at + 1] == 'u' && at + 5 < text.Length && text.AsSpan(at + 2, 4).IndexOfAnyExcept(HexDigits) < 0)
                {
                    var code = (HexDigit(text[at + 2]) << 12) | (HexDigit(text[at + 3]) << 8) | (HexDigit(text[at + 4]) << 4) | HexDigit(text[at + 5]);
                    if (code < 0x80)
                    {
                        return ((byte)code, 6);
                    }
                }
                else if (text[at + 1] is (byte)'/' or (byte)'"')
                {
                    return (text[at + 1], 2);
                }
            }
            return (text[at], 1);
        }
    }

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    private static int HexDigit(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>Compared without regard to ASCII case, and with '+' and ' ' alike: a <c>+</c> in a query may stand for a space.</summary>
    private static byte Fold(byte b) => b switch
    {
        >= (byte)'A' and <= (byte)'Z' => (byte)(b | 0x20),
        (byte)'+' => (byte)' ',
        _ => b,
    };

    /// <summary>
    /// An <c>apikey</c> parameter and its value: <c>apikey=v</c>, <c>"apikey":"v"</c>, and the parameter
    /// inside a URL that was itself encoded (<c>apikey%3Dv%26…</c>, <c>apikey%253Dv%2526…</c>).
    /// </summary>
    [GeneratedRegex("""
        (?<lead>api[-_\x20]?key(?:"?\s*[=:]\s*"?|%3D|%253D))
        (?<value>(?<=%253D)(?:(?!%2526)[^&\s"'<>\#])+|(?<=%3D)(?:(?!%26)[^&\s"'<>\#])+|(?<![%]3D|%253D)[^&\s"'<>\#]+)
        """, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.IgnorePatternWhitespace, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ApiKeyParameter();
}
