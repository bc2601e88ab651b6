using System.Text.Json;
using Backlinks.Jobs;

namespace Backlinks.Tests.Jobs;

public class JobIdAndMessageTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 23, 59, 59, 500, TimeSpan.Zero);

    [Fact]
    public void A_job_id_carries_its_creation_day_as_partition()
    {
        var id = JobId.New(Now);

        Assert.Equal(Now, id.CreatedAt);
        Assert.Equal("20261128", id.PartitionKey);
        Assert.True(JobId.TryParse(id.ToString(), out var parsed));
        Assert.Equal(id, parsed);
    }

    [Fact]
    public void Job_ids_sort_by_creation_time()
    {
        var earlier = JobId.New(Now).ToString();
        var later = JobId.New(Now.AddMilliseconds(1)).ToString();

        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("3f2504e0-4f89-41d3-9a0c-0305e82c3301")] // version 4: not one of ours
    [InlineData(null)]
    public void Only_version_7_uuids_are_job_ids(string? text)
    {
        Assert.False(JobId.TryParse(text, out _));
    }

    [Fact]
    public void The_message_is_small_versioned_json_that_carries_all_the_job_needs()
    {
        var id = JobId.New(Now);

        var json = JobMessage.ForNew(id, "example.com", onePerDomain: true, force: false, Now).ToJson();

        using var document = JsonDocument.Parse(json);
        Assert.Equal(2, document.RootElement.GetProperty("v").GetInt32());
        Assert.Equal(id.ToString(), document.RootElement.GetProperty("jobId").GetString());
        Assert.Equal("example.com", document.RootElement.GetProperty("domain").GetString());
        Assert.False(document.RootElement.TryGetProperty("token", out _));
        Assert.True(json.Length < 200);
        Assert.True(JobMessage.TryParse(json, out var parsed, out _));
        Assert.Equal(id, parsed.Id);

        // Enough to rebuild the job's row when the row was never written.
        var row = JobEntity.FromMessage(parsed);
        Assert.Equal((id.PartitionKey, "example.com", true, false, Now, JobStatus.Queued),
            (row.PartitionKey, row.Domain, row.OnePerDomain, row.Force, row.CreatedAtUtc, row.Status));
    }

    [Fact]
    public void A_version_1_message_with_only_the_job_id_is_still_read()
    {
        Assert.True(JobMessage.TryParse("""{"v":1,"jobId":"0193b1d2-7a00-7000-8000-000000000000"}""", out var message, out _));
        Assert.False(message.DescribesJob);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("""{"v":3,"jobId":"0193b1d2-7a00-7000-8000-000000000000"}""")]
    [InlineData("""{"v":2,"jobId":"0193b1d2-7a00-7000-8000-000000000000"}""")]
    [InlineData("""{"v":2,"jobId":"0193b1d2-7a00-7000-8000-000000000000","domain":"Example.COM","createdAtUtc":"2026-11-28T10:00:00Z"}""")]
    [InlineData("""{"v":2,"jobId":"0193b1d2-7a00-7000-8000-000000000000","domain":"a\u0000b.com","createdAtUtc":"2026-11-28T10:00:00Z"}""")]
    [InlineData("""{"v":1,"jobId":"nope"}""")]
    [InlineData("")]
    public void Unreadable_messages_are_refused_with_a_reason(string body)
    {
        Assert.False(JobMessage.TryParse(body, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
