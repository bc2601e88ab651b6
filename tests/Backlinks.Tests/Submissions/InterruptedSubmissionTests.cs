using Azure;
using Backlinks.Jobs;
using Backlinks.Submissions;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Submissions;

/// <summary>
/// Whatever stops a submission, no job stays queued without a message to run it: the message goes
/// first and carries the job, the row follows, and a job whose row is missing is rebuilt when it runs.
/// </summary>
public sealed class InterruptedSubmissionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private static IEnumerable<string> Domains(int count) => Enumerable.Range(0, count).Select(i => $"site{i}.example.com");

    [Fact]
    public async Task Storage_failing_part_way_lists_what_was_not_queued_and_leaves_no_row_without_a_message()
    {
        var sends = 0;
        _pipeline.StorageRequests.FailWhen(r => r.Method == "POST" && r.Resource == _pipeline.Storage.JobsQueue.Name && Interlocked.Increment(ref sends) > 40
            ? new RequestFailedException(503, "The server is busy.")
            : null);

        var outcome = await _pipeline.SubmitAsync(Domains(200));

        Assert.Equal(SubmissionStatus.Incomplete, outcome.Status);
        var response = outcome.Response!;
        Assert.Equal("storage_unavailable", response.Error);
        Assert.Equal(200, response.Accepted.Count + response.NotEnqueued.Count);
        Assert.InRange(response.Accepted.Count, 1, 40);
        _pipeline.StorageRequests.FailWhen(null);
        await AssertEveryRowHasItsMessageAsync(response.Accepted.Count);
    }

    [Fact]
    public async Task Row_writes_failing_leave_the_jobs_queued_and_each_is_rebuilt_from_its_message()
    {
        _pipeline.StorageRequests.FailWhen(r => r.Resource.StartsWith("$batch", StringComparison.Ordinal) || r.Resource == _pipeline.Storage.JobsTable.Name
            ? new RequestFailedException(500, "Internal error")
            : null);

        var outcome = await _pipeline.SubmitAsync(Domains(3));

        Assert.Equal(SubmissionStatus.Queued, outcome.Status);
        _pipeline.StorageRequests.FailWhen(null);
        Assert.Empty(await JobRowsAsync());

        var host = new QueueHostEmulator(_pipeline);
        Assert.Equal(3, await host.DrainAsync());
        var rows = await JobRowsAsync();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(JobStatus.Succeeded, r.Status));
        Assert.Equal(outcome.Response!.Accepted.Select(a => a.JobId).Order(), rows.Select(r => r.JobId).Order());
    }

    [Fact]
    public async Task A_cancelled_submission_reports_both_lists_and_strands_no_job()
    {
        using var stop = new CancellationTokenSource();
        var progress = new CancelAfter(25, stop);

        var outcome = await _pipeline.Get<SubmissionService>().SubmitAsync(
            new SubmissionInput(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Domains(500))), SubmissionFormat.Lines, false, false),
            stop.Token, progress);

        Assert.Equal(SubmissionStatus.Incomplete, outcome.Status);
        Assert.InRange(outcome.Response!.Accepted.Count, 25, 499);
        Assert.Equal(500, outcome.Response.Accepted.Count + outcome.Response.NotEnqueued.Count);
        await AssertEveryRowHasItsMessageAsync(outcome.Response.Accepted.Count);
    }

    [Fact]
    public async Task A_job_submitted_while_a_worker_already_rebuilt_its_row_keeps_the_worker_s_progress()
    {
        var outcome = await _pipeline.SubmitAsync(["example.com"]);
        var host = new QueueHostEmulator(_pipeline);
        await host.DrainAsync();

        // A late row write of the same job (a slow submission) must not reset it to queued.
        var id = new JobId(Guid.Parse(outcome.Response!.Accepted.Single().JobId));
        var late = JobEntity.NewQueued(id, "example.com", false, false, _pipeline.Time.GetUtcNow());
        Assert.False(await _pipeline.Get<JobStore>().TryAddAsync(late, CancellationToken.None));
        Assert.Equal(JobStatus.Succeeded, (await _pipeline.Get<JobStore>().GetAsync(id, CancellationToken.None))!.Status);
    }

    private async Task AssertEveryRowHasItsMessageAsync(int accepted)
    {
        var messages = new HashSet<string>();
        while (true)
        {
            var batch = (await _pipeline.Storage.JobsQueue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (batch.Length == 0)
            {
                break;
            }
            foreach (var message in batch)
            {
                Assert.True(JobMessage.TryParse(message.Body.ToString(), out var parsed, out _));
                messages.Add(parsed.JobId);
            }
        }
        Assert.Equal(accepted, messages.Count);
        var rows = await JobRowsAsync();
        Assert.All(rows, row => Assert.Contains(row.JobId, messages));
    }

    private async Task<List<JobEntity>> JobRowsAsync()
    {
        var rows = new List<JobEntity>();
        await foreach (var row in _pipeline.Storage.JobsTable.QueryAsync<JobEntity>())
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Stops the submission once this many messages are out, as Ctrl-C would.</summary>
    private sealed class CancelAfter(int sent, CancellationTokenSource stop) : IProgress<SubmissionProgress>
    {
        public void Report(SubmissionProgress value)
        {
            if (value.Sent >= sent)
            {
                stop.Cancel();
            }
        }
    }
}
