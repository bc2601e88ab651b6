using Backlinks.Cli.Output;

namespace Backlinks.Tests.Cli;

public class DisplayTests
{
    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("\u001b]0;title\u0007", @"\x1b]0;title\x07")]
    [InlineData("a\r\nb\tc", @"a\x0d\x0ab\x09c")]
    [InlineData("\u009b31m", @"\x9b31m")]
    [InlineData("abc\u202egnp.exe", @"abc\u202egnp.exe")]
    [InlineData("ünïcödé", "ünïcödé")]
    public void Safe_escapes_control_and_bidi_characters_only(string text, string shown) => Assert.Equal(shown, Display.Safe(text));

    [Fact]
    public void Markup_escapes_spectre_markup_too() => Assert.Equal(@"[[red]]\x1b", Display.Markup("[red]\u001b"));

    [Fact]
    public void A_submitted_line_longer_than_any_domain_is_shown_by_its_start_and_its_length()
    {
        var domain = new string('a', 250) + ".com";
        Assert.Equal(domain, Display.InputMarkup(domain));
        Assert.Equal(new string('x', 80) + "… (900,000 characters)", Display.InputMarkup(new string('x', 900_000)));
        Assert.Equal(@"\x1b" + new string('x', 79) + "… (300 characters)", Display.InputMarkup("\u001b" + new string('x', 299)));
    }
}
