using Backlinks.Domains;

namespace Backlinks.Tests.Domains;

public class DomainNameTests
{
    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("  Example.COM  ", "example.com")]
    [InlineData("https://www.example.com/path?q=1#frag", "example.com")]
    [InlineData("http://user:pass@Example.com:8080/x", "example.com")]
    [InlineData("example.com.", "example.com")]
    [InlineData("www.example.co.uk", "example.co.uk")]
    [InlineData("//cdn.example.com/lib.js", "cdn.example.com")]
    [InlineData("example.com:443", "example.com")]
    [InlineData("bücher.de", "xn--bcher-kva.de")]
    [InlineData("https://www.BÜCHER.de/", "xn--bcher-kva.de")]
    [InlineData("xn--bcher-kva.de", "xn--bcher-kva.de")]
    [InlineData("sub-domain.my-site.io", "sub-domain.my-site.io")]
    [InlineData("www.www.example.com", "example.com")]
    public void Normalizes_to_the_bare_lower_case_ascii_domain(string input, string expected)
    {
        var result = DomainName.Normalize(input);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(expected, result.Domain);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("https://", "empty")]
    [InlineData("192.168.1.10", "IP addresses")]
    [InlineData("http://[2001:db8::1]/", "IP addresses")]
    [InlineData("localhost", "localhost")]
    [InlineData("api.localhost", "localhost")]
    [InlineData("intranet", "single-label")]
    [InlineData("www.com", "single-label")]
    [InlineData("exa_mple.com", "character '_'")]
    [InlineData("exa mple.com", "character ' '")]
    [InlineData("bad domain", "character ' '")]           // a bad character, not "single-label"
    [InlineData("\u001b[2J", "U+001B")]
    [InlineData("-example.com", "starts or ends with '-'")]
    [InlineData("example-.com", "starts or ends with '-'")]
    [InlineData("example..com", "empty label")]
    [InlineData("example.123", "all digits")]
    [InlineData("example.com:http", "port")]
    public void Rejects_with_a_specific_reason(string input, string reasonFragment)
    {
        var result = DomainName.Normalize(input);

        Assert.False(result.IsValid);
        Assert.Contains(reasonFragment, result.Error);
    }

    /// <summary>default(char) is NUL: a check that looked for "the first bad character or default" let these through.</summary>
    [Theory]
    [InlineData("nul\0inside.com", "U+0000")]
    [InlineData("\0.com", "U+0000")]
    [InlineData("example.com\0", "U+0000")]
    [InlineData("exa\0\r\nmple.com", "U+0000")]
    [InlineData("exa\0<script>.com", "U+0000")]
    [InlineData("exa\0|pipe.com", "U+0000")]
    [InlineData("exa\0%41.com", "U+0000")]
    [InlineData("exa\0\u001b[31m.com", "U+0000")]
    [InlineData("exa\0\0.com", "U+0000")]
    [InlineData("exa\rmple.com", "U+000D")]
    [InlineData("exa\u007fmple.com", "U+007F")]
    public void Rejects_a_nul_and_any_control_character_anywhere_in_a_label(string input, string reasonFragment)
    {
        var result = DomainName.Normalize(input);

        Assert.False(result.IsValid, $"accepted as {result.Domain}");
        Assert.Contains(reasonFragment, result.Error);
        Assert.DoesNotContain('\0', result.Error!);
    }

    [Fact]
    public void Rejects_a_label_over_63_characters()
    {
        var result = DomainName.Normalize(new string('a', 64) + ".com");

        Assert.Contains("longer than 63", result.Error);
        Assert.True(DomainName.Normalize(new string('a', 63) + ".com").IsValid);
    }

    [Fact]
    public void Rejects_a_name_over_253_characters()
    {
        var label = new string('a', 60);
        var name = string.Join('.', Enumerable.Repeat(label, 4)) + ".com"; // 4 * 61 + 3 = 247
        Assert.True(DomainName.Normalize(name).IsValid);

        var tooLong = "abcdefgh." + name; // 256
        Assert.Contains("longer than 253", DomainName.Normalize(tooLong).Error);
    }

    [Fact]
    public void Rejects_null()
    {
        Assert.Contains("empty", DomainName.Normalize(null).Error);
    }
}
