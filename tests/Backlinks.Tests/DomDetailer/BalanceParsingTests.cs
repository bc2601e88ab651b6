using Backlinks.DomDetailer;

namespace Backlinks.Tests.DomDetailer;

public class BalanceParsingTests
{
    [Theory]
    [InlineData("""["UnitsLeft","49110"]""", 49110)]
    [InlineData("""["UnitsLeft",12]""", 12)]
    [InlineData("""["UnitsLeft","0"]""", 0)]
    public void The_balance_answer_public_clients_see_is_read(string body, long units)
    {
        Assert.Equal(units, Assert.IsType<BalanceKnown>(DomDetailerClient.ReadBalance(200, body)).UnitsLeft);
    }

    [Theory]
    [InlineData("Account Not Found")]
    [InlineData("account not found")]
    [InlineData("ACCOUNT NOT FOUND for key HX7f3a9c2e5b1d4aQZ")]
    [InlineData("Error: Account not found (apikey=HX7f3a9c2e5b1d4aQZ)\n")]
    public void Plain_text_account_not_found_in_any_case_means_a_bad_key_and_is_not_quoted(string body)
    {
        var badKey = Assert.IsType<BalanceInvalidApiKey>(DomDetailerClient.ReadBalance(200, body));

        Assert.Equal("HTTP 200 \"Account Not Found\"", badKey.Detail);
        Assert.IsType<BalanceInvalidApiKey>(DomDetailerClient.ReadBalance(401, "{}"));
        Assert.Equal("HTTP 403", Assert.IsType<BalanceInvalidApiKey>(DomDetailerClient.ReadBalance(403, "for key HX7f3a9c2e5b1d4aQZ")).Detail);
    }

    [Theory]
    [InlineData("<html>Bad gateway for /api/checkBalance.php?apikey=HX7f3a9c2e5b1d4aQZ</html>")]
    [InlineData("Maintenance: try /api/checkBalance.php?apikey=HX7f3a9c2e5b1d4aQZ later")]
    public void Other_plain_text_is_unknown_and_only_its_size_is_kept(string body)
    {
        var unknown = Assert.IsType<BalanceUnknown>(DomDetailerClient.ReadBalance(200, body));

        Assert.DoesNotContain("HX7f3a", unknown.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"{body.Length} bytes", unknown.Reason);
    }

    [Theory]
    [InlineData(500, "oops")]
    [InlineData(200, """{"units":5}""")]
    [InlineData(200, """["UnitsLeft","many"]""")]
    public void Anything_else_is_unknown(int status, string body)
    {
        Assert.IsType<BalanceUnknown>(DomDetailerClient.ReadBalance(status, body));
    }
}
