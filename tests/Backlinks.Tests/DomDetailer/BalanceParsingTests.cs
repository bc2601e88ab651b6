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

    [Fact]
    public void Plain_text_such_as_account_not_found_means_a_bad_key()
    {
        Assert.Equal("Account Not Found", Assert.IsType<BalanceInvalidApiKey>(DomDetailerClient.ReadBalance(200, "Account Not Found")).Detail);
        Assert.IsType<BalanceInvalidApiKey>(DomDetailerClient.ReadBalance(401, "{}"));
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
