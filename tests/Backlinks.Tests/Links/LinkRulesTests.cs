using System.Text;
using Backlinks.DomDetailer;
using Backlinks.Links;

namespace Backlinks.Tests.Links;

/// <summary>The rules that need no storage: keys, hosts, text limits, nf spellings, repeated and skipped rows.</summary>
public class LinkRulesTests
{
    [Fact]
    public void The_link_key_is_the_lower_case_hex_sha256_of_source_newline_target()
    {
        Assert.Equal("d8a51b8200d19582b85bbc0387df6554459baf64a511574de95ef4427c9c7cd9", LinkKey.For("https://a.example/p", "https://example.com/"));
        Assert.NotEqual(LinkKey.For("https://a.example/p ", "https://example.com/"), LinkKey.For("https://a.example/p", "https://example.com/"));
    }

    [Theory]
    [InlineData("https://WWW.Example.COM/x?y=1", "example.com")]
    [InlineData("http://www.whitehouse.gov./", "whitehouse.gov")]
    [InlineData("https://user:pw@blog.example.org:8443/p", "blog.example.org")]
    [InlineData("http://bücher.de/", "xn--bcher-kva.de")]
    [InlineData("example.net/page", "example.net")]
    [InlineData("not a url at all", "")]
    [InlineData("mailto:someone@example.com", "")]
    [InlineData("https://www/", "www")]
    public void The_source_domain_is_the_host_lower_case_without_www(string source, string expected) =>
        Assert.Equal(expected, SourceHost.Of(source));

    [Theory]
    [InlineData("whitehouse.gov", "gov", true, false)]
    [InlineData("cs.stanford.edu", "edu", false, true)]
    [InlineData("gov.uk", "uk", false, false)]
    [InlineData("192.168.1.10", "", false, false)]
    [InlineData("", "", false, false)]
    public void Gov_and_edu_come_from_the_last_label(string host, string tld, bool gov, bool edu) =>
        Assert.Equal((tld, gov, edu), (SourceHost.Tld(host), SourceHost.IsGov(host), SourceHost.IsEdu(host)));

    [Fact]
    public void Long_text_is_cut_control_characters_kept_and_surrogates_never_split()
    {
        Assert.Equal(LinkText.MaxTextLength, LinkText.Text(new string('a', 50_000)).Length);
        Assert.Equal(LinkText.MaxUrlLength, LinkText.Url(new string('a', 50_000)).Length);
        Assert.Equal("a\u0000b\u001fc\n", LinkText.Text("a\u0000b\u001fc\n"));
        var emoji = new string('a', LinkText.MaxTextLength - 1) + "😀";
        Assert.Equal(new string('a', LinkText.MaxTextLength - 1), LinkText.Text(emoji));
        Assert.Equal("x\uFFFDy", LinkText.Text("x\uD800y"));
        Assert.Equal("", LinkText.Text(null));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("\"1\"", true)]
    [InlineData("\"0\"", false)]
    [InlineData("true", true)]
    [InlineData("\"true\"", true)]
    [InlineData("false", false)]
    [InlineData("null", false)]
    [InlineData("\"\"", false)]
    [InlineData("1.0", true)]
    public void Nf_is_read_from_numbers_strings_and_booleans(string nf, bool nofollow)
    {
        var json = $$"""{"metrics":{},"backlinks":[{"anchor":"a","title":"t","nf":{{nf}},"source":"https://s.example/","target":"https://t.example/"}]}""";

        Assert.True(BacklinksResponseParser.TryParse(Encoding.UTF8.GetBytes(json), out var response, out var error), error);
        Assert.Equal(nofollow, response!.Backlinks[0].IsNofollow);
    }

    [Fact]
    public void Repeated_rows_are_one_link_as_first_shown_and_rows_without_urls_are_skipped()
    {
        const string json = """
            {"metrics":{},"backlinks":[
              {"anchor":"first","title":"t","nf":1,"source":"https://s.example/","target":"https://t.example/"},
              {"anchor":"second","title":"t","nf":0,"source":"https://s.example/","target":"https://t.example/"},
              {"anchor":"","title":"the title","nf":0,"source":"https://s.example/2","target":"https://t.example/"},
              {"anchor":"x","title":"t","nf":0,"target":"https://t.example/"},
              {"anchor":"x","title":"t","nf":0,"source":"  ","target":"https://t.example/"},
              null
            ]}
            """;
        Assert.True(BacklinksResponseParser.TryParse(Encoding.UTF8.GetBytes(json), out var response, out _));

        var links = SnapshotLinks.From(response!);

        Assert.Equal((6, 2, 3), (links.Rows, links.Links.Count, links.SkippedRows));
        var first = links.Links[LinkKey.For("https://s.example/", "https://t.example/")];
        Assert.Equal(("first", true, "s.example"), (first.Anchor, first.Nofollow, first.SourceDomain));
        Assert.Equal("the title", links.Links[LinkKey.For("https://s.example/2", "https://t.example/")].Anchor);
    }
}
