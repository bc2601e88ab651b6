using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Backlinks.DomDetailer;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Backlinks.Tests.DomDetailer;

/// <summary>
/// The key echoed back in every shape a server, proxy or gateway could give it: any case, URL-encoded
/// (upper- or lower-case escapes, '+' for a space, twice), JSON-escaped, cut anywhere.
/// </summary>
public class SecretRedactorTests
{
    /// <summary>Like the key in issue #11, and one with characters that change when URL-encoded.</summary>
    public const string PlainKey = "HX7f3a9c2e5b1d4aQZ";
    public const string AwkwardKey = "Ab+c/d=e%f g&h#i?jK";

    private static readonly string[] AllKeys = [PlainKey, AwkwardKey];

    public static TheoryData<string> Keys => new(AllKeys);

    /// <summary>How an echo may write the key.</summary>
    public static readonly Func<string, string>[] Encodings =
    [
        k => k,
        k => k.ToUpperInvariant(),
        k => k.ToLowerInvariant(),
        Uri.EscapeDataString,
        k => LowerEscapes(Uri.EscapeDataString(k)),
        WebUtility.UrlEncode, // '+' for a space
        k => LowerEscapes(WebUtility.UrlEncode(k)),
        k => Uri.EscapeDataString(Uri.EscapeDataString(k)),
        k => LowerEscapes(Uri.EscapeDataString(Uri.EscapeDataString(k))),
        k => Uri.EscapeDataString(k).ToLowerInvariant(),
        k => JsonSerializer.Serialize(k)[1..^1], // \u002B for '+', \u0026 for '&'
        k => k.Replace(" ", "%20", StringComparison.Ordinal), // half encoded
    ];

    public static TheoryData<string, int> KeysAndEncodings
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var key in AllKeys)
            {
                for (var e = 0; e < Encodings.Length; e++)
                {
                    data.Add(key, e);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(KeysAndEncodings))]
    public void The_key_is_masked_in_every_encoding_with_or_without_a_parameter_name(string key, int encoding)
    {
        var echoed = Encodings[encoding](key);
        string[] texts =
        [
            $"GET https://domdetailer.com/api2/backlinks.php?apikey={echoed}&app=BacklinksTests&domain=a.com failed",
            $"GET https://domdetailer.com/api2/backlinks.php?APIKEY={echoed}&app=BacklinksTests&domain=a.com failed",
            $"Account Not Found for key {echoed}",
            $"{{\"apikey\":\"{echoed}\",\"domain\":\"a.com\"}}",
            $"key:{echoed}",
            echoed,
        ];
        foreach (var text in texts)
        {
            var redacted = SecretRedactor.Redact(text, key);

            Assert.False(Leaks(redacted, key), $"{text} -> {redacted}");
            Assert.Equal(redacted, SecretRedactor.Redact(redacted, key));
        }
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void A_url_that_was_itself_encoded_loses_the_key_but_keeps_the_rest(string key)
    {
        var url = $"https://domdetailer.com/api2/backlinks.php?apikey={Uri.EscapeDataString(key)}&app=BacklinksTests&domain=a.com";
        foreach (var text in new[] { "https://gw.example/login?return=" + Uri.EscapeDataString(url), "https://gw.example/login?return=" + Uri.EscapeDataString(Uri.EscapeDataString(url)) })
        {
            var redacted = SecretRedactor.Redact(text, key);

            Assert.False(Leaks(redacted, key), redacted);
            Assert.Contains("app%", redacted);
        }
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void A_key_cut_at_any_position_is_masked_after_an_apikey_name_and_from_six_characters_anywhere(string key)
    {
        for (var cut = 1; cut <= key.Length; cut++)
        {
            foreach (var encode in Encodings)
            {
                var prefix = encode(key[..cut]);
                var suffix = encode(key[^cut..]);
                var named = SecretRedactor.Redact($"400: ...backlinks.php?apikey={prefix}", key);
                var prefixAlone = SecretRedactor.Redact($"...{prefix}", key);
                var suffixAlone = SecretRedactor.Redact($"{suffix}&app=x", key);

                Assert.Equal("400: ...backlinks.php?apikey=***", named);
                Assert.False(Leaks(prefixAlone, key), prefixAlone);
                Assert.False(Leaks(suffixAlone, key), suffixAlone);
            }
        }
    }

    [Fact]
    public void Every_apikey_parameter_value_is_masked_whoever_it_belongs_to()
    {
        Assert.Equal("?apikey=***&app=x", SecretRedactor.Redact("?apikey=someone-elses&app=x", PlainKey));
        Assert.Equal("?ApiKey=***&api_key=*** api-key: ***", SecretRedactor.Redact("?ApiKey=k1&api_key=k2 api-key: k3", PlainKey));
        Assert.Equal("return=%2F%3Fapikey%3D***%26app%3Dx", SecretRedactor.Redact("return=%2F%3Fapikey%3Dk1%26app%3Dx", PlainKey));
        Assert.Equal("return=%252F%253Fapikey%253D***%2526app", SecretRedactor.Redact("return=%252F%253Fapikey%253Dk1%2526app", PlainKey));
        Assert.Equal("{\"apikey\":\"***\"}", SecretRedactor.Redact("{\"apikey\":\"k1\"}", PlainKey));
    }

    [Fact]
    public void Text_without_the_key_is_left_alone()
    {
        foreach (var text in new[] { "domain is required", "API key not found or inactive", "Too many requests", "Grüße, 日本語 and 😀", "apikey=" })
        {
            Assert.Same(text, SecretRedactor.Redact(text, PlainKey));
        }
        // Five characters of the key are not enough to tell it from ordinary text.
        Assert.Equal("hash 7f3a9 ok", SecretRedactor.Redact("hash 7f3a9 ok", PlainKey));
        Assert.Equal("hash *** ok", SecretRedactor.Redact("hash 7f3a9c ok", PlainKey));
    }

    [Fact]
    public void Masking_comes_before_cutting_so_a_cut_at_byte_200_keeps_nothing()
    {
        var url = $"https://domdetailer.com/api2/backlinks.php?apikey={PlainKey}&app=BacklinksTests&domain=a.com";
        for (var pad = 150; pad < 210; pad++)
        {
            var page = new string('x', pad) + url;
            var redacted = SecretRedactor.Redact(page, PlainKey);
            var cut = redacted[..Math.Min(200, redacted.Length)];

            Assert.False(Leaks(cut, PlainKey, minimum: 2), cut);
        }
    }

    [Theory]
    [MemberData(nameof(KeysAndEncodings))]
    public void An_answer_that_holds_the_key_is_masked_in_its_bytes(string key, int encoding)
    {
        var echoed = Encodings[encoding](key);
        var body = Encoding.UTF8.GetBytes($$"""{"domain":"a.com","backlinks":[{"source":"https://x.com/?apikey={{echoed}}&x=1","anchor":"{{echoed}}"}]}""");

        var clean = SecretRedactor.RedactData(body, key);

        Assert.NotSame(body, clean);
        Assert.False(Leaks(Encoding.UTF8.GetString(clean), key, SecretRedactor.MinFragmentInData), Encoding.UTF8.GetString(clean));
        using var parsed = JsonDocument.Parse(clean);
        Assert.Equal("a.com", parsed.RootElement.GetProperty("domain").GetString());
    }

    [Fact]
    public void An_answer_without_the_key_is_the_same_array_even_when_short_runs_of_it_occur_by_chance()
    {
        var body = Encoding.UTF8.GetBytes("""{"backlinks":[{"source":"https://x.com/commit/7f3a9c2e5b00","anchor":"HX7f3a"}]}""");

        Assert.Same(body, SecretRedactor.RedactData(body, PlainKey));
    }

    /// <summary>Random keys, random cuts, random encodings, random surroundings: nothing of six characters or more survives.</summary>
    [Property(MaxTest = 3_000)]
    public Property No_run_of_six_key_characters_survives_in_any_encoding() =>
        Prop.ForAll(Echoes.ToArbitrary(), echo =>
        {
            var redacted = SecretRedactor.Redact(echo.Text, echo.Key);
            return (!Leaks(redacted, echo.Key) && SecretRedactor.Redact(redacted, echo.Key) == redacted)
                .Label($"key {echo.Key}: {echo.Text} -> {redacted}");
        });

    public sealed record Echo(string Key, string Text);

    private static Gen<Echo> Echoes =>
        from keyLength in Gen.Choose(8, 40)
        from key in Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=%&#? ~-_.!*'()".ToCharArray()).ArrayOf(keyLength)
        let k = new string(key)
        from start in Gen.Choose(0, k.Length - 6)
        from length in Gen.Choose(6, k.Length - start)
        from encoding in Gen.Choose(0, Encodings.Length - 1)
        from before in Gen.Elements("", "apikey=", "?apikey=", "key ", "\"message\":\"", "x", "é", "%", "%2", "+", "/", "\\").ListOf()
        from after in Gen.Elements("", "&app=x", "\"", " ", "%", "é", "z", "\n").ListOf()
        select new Echo(k, string.Concat(before) + Encodings[encoding](k.Substring(start, length)) + string.Concat(after));

    /// <summary>
    /// The test's own view of a leak, apart from the code: the text, and the text URL-decoded once, twice,
    /// three times, with '+' as a space and JSON escapes undone, holds no run of <paramref name="minimum"/>
    /// characters of the key, without regard to case.
    /// </summary>
    public static bool Leaks(string text, string key, int minimum = SecretRedactor.MinFragment)
    {
        var views = new List<string> { text };
        var json = Regex.Replace(text, @"\\u([0-9a-fA-F]{4})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString()).Replace("\\/", "/", StringComparison.Ordinal);
        views.Add(json);
        foreach (var start in new[] { text, json })
        {
            var decoded = start;
            for (var i = 0; i < 3; i++)
            {
                decoded = Uri.UnescapeDataString(decoded);
                views.Add(decoded);
                views.Add(decoded.Replace('+', ' '));
            }
        }
        var length = Math.Min(minimum, key.Length);
        var runs = Enumerable.Range(0, key.Length - length + 1).Select(i => key.Substring(i, length));
        return views.Any(v => runs.Any(r => v.Contains(r, StringComparison.OrdinalIgnoreCase)));
    }

    private static string LowerEscapes(string text) => Regex.Replace(text, "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant());
}
