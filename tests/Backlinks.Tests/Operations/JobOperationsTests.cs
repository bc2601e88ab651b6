using Backlinks.Jobs;
using Backlinks.Operations;
using Backlinks.Sandbox;
using Backlinks.Tests.Infrastructure;
using Backlinks.Throttling;

namespace Backlinks.Tests.Operations;

/// <summary>Retry, cancel and resume against Azurite and the fake API, on the fake clock.</summary>
public sealed class JobOperationsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TestPipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await TestPipeline.StartAsync(azurite);

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    private JobOperations Operations => _pipeline.Get<JobOperations>();

    private Task<JobEntity?> RowAsync(JobId id) => _pipeline.Get<JobStore>().GetAsync(id, CancellationToken.None);

    private async Task<int> DepthAsync(Azure.Storage.Queues.QueueClient queue) => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    private async Task<JobId> SubmitOneAsync(string domain, bool force = false) =>
        JobId.TryParse((await _pipeline.SubmitAsync([domain], force: force)).Response!.Accepted.Single().JobId, out var id) ? id : throw new InvalidOperationException();

    [Fact]
    public async Task A_failed_job_is_retried_as_a_new_attempt_of_the_same_job_without_force()
    {
        var id = await SubmitOneAsync("refused.com");
        _pipeline.Api.Script(SandboxAnswer.BadRequest());
        await new QueueHostEmulator(_pipeline).DrainAsync();
        Assert.Equal(JobStatus.Failed, (await RowAsync(id))!.Status);

        _pipeline.Time.Advance(TimeSpan.FromHours(1));
        var result = await Operations.RetryAsync(id, CancellationToken.None);

        Assert.Equal(JobOperationOutcome.Done, result.Outcome);
        var row = (await RowAsync(id))!;
        Assert.Equal((JobStatus.Queued, 1, false, (DateTimeOffset?)null), (row.Status, row.Retries, row.Force, row.CompletedAtUtc));
        Assert.Equal(_pipeline.Time.GetUtcNow(), row.RetriedAtUtc);
        var message = Assert.Single((await _pipeline.Storage.JobsQueue.PeekMessagesAsync(32)).Value);
        Assert.True(JobMessage.TryParse(message.Body.ToString(), out var sent, out _));
        Assert.Equal((id.ToString(), false, row.MessageSeq, row.MessageToken), (sent.JobId, sent.Force, sent.Seq, sent.Token));

        await new QueueHostEmulator(_pipeline).DrainAsync();
        var done = (await RowAsync(id))!;
        Assert.Equal((JobStatus.Succeeded, 2), (done.Status, done.Attempts));
        Assert.Equal(2, _pipeline.Api.Calls.Count);
    }

    [Fact]
    public async Task A_retried_job_takes_over_the_claim_an_earlier_delivery_left_without_waiting_out_its_lease()
    {
        // A delivery that reserved the call and then lost storage until its message went to poison leaves its claim.
        var id = await SubmitOneAsync("stuck.com");
        var job = (await RowAsync(id))!;
        Assert.IsType<CallReserved>(await _pipeline.Get<CallReservations>().TryReserveAsync(
            job.JobId, "the-poisoned-message", null, job.Domain, job.OnePerDomain, null, CancellationToken.None));
        await _pipeline.Get<PoisonedJobs>().FailAsync(JobMessage.For(job).ToJson(), CancellationToken.None);
        Assert.Equal(JobStatus.Failed, (await RowAsync(id))!.Status);

        _pipeline.Time.Advance(TimeSpan.FromMinutes(1)); // well within the claim's lease
        await Operations.RetryAsync(id, CancellationToken.None);
        await new QueueHostEmulator(_pipeline).DrainAsync();

        // The retry's message is new, yet it does not wait as another copy of the job would: the retry ended that delivery.
        Assert.Equal(JobStatus.Succeeded, (await RowAsync(id))!.Status);
        Assert.Single(_pipeline.Api.Calls);
    }

    [Fact]
    public async Task A_retried_job_waits_anew_from_its_retry_not_from_its_creation()
    {
        var id = await SubmitOneAsync("late.com");
        _pipeline.Api.Script(SandboxAnswer.BadRequest());
        await new QueueHostEmulator(_pipeline).DrainAsync();
        _pipeline.Time.Advance(TimeSpan.FromDays(5)); // beyond Backoff:MaxWait (72 h) since the job was created

        await Operations.RetryAsync(id, CancellationToken.None);
        _pipeline.Api.Script(SandboxAnswer.RateLimited("60"));
        var outcome = await _pipeline.RunJobAsync(id);

        Assert.Equal(JobOutcomeKind.Deferred, outcome.Kind);
    }

    [Fact]
    public async Task Retrying_a_job_that_is_not_failed_is_a_conflict_and_an_unknown_id_is_not_found()
    {
        var queued = await _pipeline.CreateJobAsync("queued.com");

        var conflict = await Operations.RetryAsync(queued, CancellationToken.None);
        var unknown = await Operations.RetryAsync(JobId.New(TestPipeline.Start), CancellationToken.None);

        Assert.Equal(JobOperationOutcome.Conflict, conflict.Outcome);
        Assert.Equal($"job {queued} is queued and cannot be retried: only a failed job can be retried.", conflict.Message);
        Assert.Equal(JobOperationOutcome.NotFound, unknown.Outcome);
        Assert.Equal(0, (await RowAsync(queued))!.Retries);
        Assert.Equal(0, await DepthAsync(_pipeline.Storage.JobsQueue));
    }

    [Fact]
    public async Task A_poisoned_message_is_requeued_and_removed_from_the_poison_queue()
    {
        var id = await SubmitOneAsync("flaky.com");
        _pipeline.Api.Script(Enumerable.Repeat(SandboxAnswer.ServerError(), 6).ToArray());
        // The host moved the message to poison after 2 deliveries; its poison handler has not run yet.
        await new QueueHostEmulator(_pipeline, maxDequeueCount: 2).DrainAsync();
        Assert.Equal(1, await DepthAsync(_pipeline.Storage.PoisonQueue));
        Assert.Equal(JobStatus.Queued, (await RowAsync(id))!.Status);

        var result = await Operations.RetryFailedAsync(TestPipeline.Start.AddDays(-7), CancellationToken.None);

        Assert.Equal(id.ToString(), Assert.Single(result.Retried).JobId);
        Assert.Equal((1, 0), (result.PoisonMessagesRemoved, result.PoisonMessagesLeft));
        Assert.Equal(0, await DepthAsync(_pipeline.Storage.PoisonQueue));
        Assert.Equal(1, await DepthAsync(_pipeline.Storage.JobsQueue));
        var row = (await RowAsync(id))!;
        Assert.Equal((JobStatus.Queued, 1), (row.Status, row.Retries));

        var calls = _pipeline.Api.Calls.Count;
        await new QueueHostEmulator(_pipeline).DrainAsync();
        Assert.Equal(JobStatus.Succeeded, (await RowAsync(id))!.Status);
        Assert.Equal(calls + 1, _pipeline.Api.Calls.Count);
    }

    [Fact]
    public async Task Retrying_a_failed_job_removes_the_poison_message_the_local_worker_left_and_leaves_others()
    {
        var poisoned = await SubmitOneAsync("flaky.com");
        _pipeline.Api.Script(Enumerable.Repeat(SandboxAnswer.ServerError(), 6).ToArray());
        await new QueueHostEmulator(_pipeline, maxDequeueCount: 2).DrainAsync();
        // The local worker copies the message to poison and fails the job itself, leaving the poison message.
        var poisonBody = (await _pipeline.Storage.PoisonQueue.PeekMessageAsync()).Value.Body.ToString();
        await _pipeline.Get<PoisonedJobs>().FailAsync(poisonBody, CancellationToken.None);
        // A stray poison message of a job that succeeded stays where it is.
        var finished = await _pipeline.CreateJobAsync("fine.com");
        Assert.Equal(JobOutcomeKind.Succeeded, (await _pipeline.RunJobAsync(finished)).Kind);
        await _pipeline.Storage.PoisonQueue.SendMessageAsync(JobMessage.For((await RowAsync(finished))!).ToJson());
        Assert.Equal(JobStatus.Failed, (await RowAsync(poisoned))!.Status);

        var result = await Operations.RetryAsync(poisoned, CancellationToken.None);

        Assert.Equal((JobOperationOutcome.Done, 1), (result.Outcome, result.PoisonMessagesRemoved));
        var left = Assert.Single((await _pipeline.Storage.PoisonQueue.PeekMessagesAsync(32)).Value);
        Assert.Contains(finished.ToString(), left.Body.ToString());
    }

    [Fact]
    public async Task Retry_failed_takes_the_failed_jobs_since_its_date_only()
    {
        var old = await _pipeline.CreateJobAsync("old.com");
        _pipeline.Time.Advance(TimeSpan.FromDays(10));
        var recent = await _pipeline.CreateJobAsync("recent.com");
        foreach (var id in new[] { old, recent })
        {
            var row = (await RowAsync(id))!;
            row.MarkFailed("gave up", _pipeline.Time.GetUtcNow());
            await _pipeline.Get<JobStore>().TryReplaceAsync(row, CancellationToken.None);
        }

        var result = await Operations.RetryFailedAsync(_pipeline.Time.GetUtcNow().AddDays(-7), CancellationToken.None);

        Assert.Equal(recent.ToString(), Assert.Single(result.Retried).JobId);
        Assert.Equal(JobStatus.Failed, (await RowAsync(old))!.Status);
        Assert.Equal(JobStatus.Queued, (await RowAsync(recent))!.Status);
    }

    [Fact]
    public async Task A_cancelled_job_drops_its_message_when_it_arrives_without_a_call()
    {
        var id = await SubmitOneAsync("unwanted.com");

        var result = await Operations.CancelAsync(id, CancellationToken.None);

        Assert.Equal(JobOperationOutcome.Done, result.Outcome);
        Assert.Equal(JobStatus.Cancelled, (await RowAsync(id))!.Status);
        Assert.Equal(1, await new QueueHostEmulator(_pipeline).DrainAsync());
        Assert.Empty(_pipeline.Api.Calls);
        Assert.Equal(0, await DepthAsync(_pipeline.Storage.JobsQueue));
        var row = (await RowAsync(id))!;
        Assert.Equal((JobStatus.Cancelled, 0, _pipeline.Time.GetUtcNow()), (row.Status, row.Attempts, row.CompletedAtUtc));
        Assert.Equal(JobOutcomeKind.Cancelled, (await _pipeline.RunJobAsync(id)).Kind);
        Assert.Equal(0, _pipeline.Api.CreditsSpent);
    }

    [Fact]
    public async Task A_waiting_job_can_be_cancelled_a_final_one_cannot_and_a_cancelled_one_stays_cancelled()
    {
        var waiting = await _pipeline.CreateJobAsync("waiting.com");
        _pipeline.Api.Script(SandboxAnswer.RateLimited("60"));
        Assert.Equal(JobOutcomeKind.Deferred, (await _pipeline.RunJobAsync(waiting)).Kind);
        var done = await _pipeline.CreateJobAsync("done.com");
        _pipeline.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(JobOutcomeKind.Succeeded, (await _pipeline.RunJobAsync(done)).Kind);

        Assert.Equal(JobOperationOutcome.Done, (await Operations.CancelAsync(waiting, CancellationToken.None)).Outcome);
        var final = await Operations.CancelAsync(done, CancellationToken.None);
        var twice = await Operations.CancelAsync(waiting, CancellationToken.None);
        var retried = await Operations.RetryAsync(waiting, CancellationToken.None);

        Assert.Equal(JobOperationOutcome.Conflict, final.Outcome);
        Assert.Equal($"job {done} is succeeded and cannot be cancelled: only a queued or waiting job can be cancelled.", final.Message);
        Assert.Equal(JobOperationOutcome.Conflict, twice.Outcome);
        Assert.Equal(JobOperationOutcome.Conflict, retried.Outcome);
        Assert.Equal(JobStatus.Cancelled, (await RowAsync(waiting))!.Status);
        Assert.Throws<InvalidOperationException>(() => (new JobEntity { JobId = "x", Status = JobStatus.Cancelled }).MarkRunning(TestPipeline.Start));
    }

    [Fact]
    public async Task A_job_whose_call_is_under_way_cannot_be_cancelled_and_ends_with_its_answer()
    {
        var id = await SubmitOneAsync("inflight.com");
        var answer = new TaskCompletionSource();
        _pipeline.Api.Script(SandboxApi.Synthetic("inflight.com").HeldUntil(answer.Task));
        var run = _pipeline.RunJobAsync(id);
        await _pipeline.Api.WaitForCallsAsync(1);

        var refused = await Operations.CancelAsync(id, CancellationToken.None);
        answer.SetResult();

        Assert.Equal(JobOperationOutcome.Conflict, refused.Outcome);
        Assert.Equal($"job {id} is running and cannot be cancelled: its API call is under way, and the job ends when the answer is stored (should its worker have died, the job runs again once its message's lease ends).", refused.Message);
        Assert.Equal(JobOutcomeKind.Succeeded, (await run).Kind);
        Assert.Equal(JobStatus.Succeeded, (await RowAsync(id))!.Status);
    }

    [Fact]
    public async Task A_cancel_that_lands_between_the_jobs_read_and_its_call_stops_the_call_and_spends_nothing()
    {
        var id = await SubmitOneAsync("justintime.com");
        var cancelled = 0;
        // The cancel runs while the worker reserves its call: after it read the job row, before the call.
        _pipeline.StorageRequests.InjectWhen(request =>
        {
            if (request.Resource == $"$batch:{_pipeline.Storage.ControlTable.Name}" && Interlocked.Exchange(ref cancelled, 1) == 0)
            {
                Assert.Equal(JobOperationOutcome.Done, Task.Run(() => Operations.CancelAsync(id, CancellationToken.None)).GetAwaiter().GetResult().Outcome);
            }
            return null;
        });

        var outcome = await _pipeline.RunJobAsync(id);

        Assert.Equal(1, cancelled);
        Assert.Equal(JobOutcomeKind.Cancelled, outcome.Kind);
        Assert.Empty(_pipeline.Api.Calls);
        Assert.Equal(JobStatus.Cancelled, (await RowAsync(id))!.Status);
        // The reservation was given back: no credits on the ledger, and the pair is free for the next job.
        Assert.Equal(0, await _pipeline.Get<CreditLedger>().SpentAsync(_pipeline.Time.GetUtcNow(), CancellationToken.None));
        var next = await SubmitOneAsync("justintime.com", force: true);
        Assert.Equal(JobOutcomeKind.Succeeded, (await _pipeline.RunJobAsync(next)).Kind);
    }

    [Fact]
    public async Task Resume_with_credits_back_ends_the_pause_at_once()
    {
        await StartPauseAsync();
        _pipeline.Api.Credits = 1000;

        var result = await _pipeline.Get<PauseResumer>().ResumeAsync(CancellationToken.None);

        Assert.Equal((ResumeOutcome.Resumed, 1000L), (result.Outcome, result.BalanceUnits));
        Assert.Single(_pipeline.Api.BalanceCalls);
        Assert.False((await _pipeline.Get<AccountState>().ReadControlAsync(CancellationToken.None))!.PauseActive);
        Assert.True((await _pipeline.Get<ApiGate>().CheckAsync(CancellationToken.None)).MayCall);
    }

    [Fact]
    public async Task Resume_with_credits_back_queues_the_jobs_that_waited_for_the_pause_now_and_leaves_other_waits()
    {
        _pipeline.Api.Credits = 0;
        var refused = await _pipeline.CreateJobAsync("a.com");
        var paused = await _pipeline.CreateJobAsync("b.com");
        Assert.Equal(JobOutcomeKind.Deferred, (await _pipeline.RunJobAsync(refused)).Kind);   // 402: waits out_of_credits
        Assert.Equal(JobOutcomeKind.Deferred, (await _pipeline.RunJobAsync(paused)).Kind);    // no call: waits shared_pause
        var limited = await _pipeline.CreateJobAsync("c.com");
        var limitedRow = (await RowAsync(limited))!;
        limitedRow.MarkWaiting(WaitReason.RateLimited, _pipeline.Time.GetUtcNow().AddMinutes(5), "rate limited (HTTP 429)", _pipeline.Time.GetUtcNow());
        Assert.True(await _pipeline.Get<JobStore>().TryReplaceAsync(limitedRow, CancellationToken.None));
        _pipeline.Api.Credits = 1000;

        var result = await _pipeline.Get<PauseResumer>().ResumeAsync(CancellationToken.None);

        Assert.Equal((ResumeOutcome.Resumed, 2), (result.Outcome, result.JobsReleased));
        Assert.Equal("the balance is 1000 credits: the pause is over; 2 waiting jobs were queued again and run now.", result.Message);
        Assert.Equal((JobStatus.Queued, JobStatus.Queued, JobStatus.Waiting),
            ((await RowAsync(refused))!.Status, (await RowAsync(paused))!.Status, (await RowAsync(limited))!.Status));
        // Their new messages are visible now; the delayed ones they waited with are stale when they come.
        Assert.Equal(2, await new QueueHostEmulator(_pipeline).DrainAsync());
        Assert.Equal((JobStatus.Succeeded, JobStatus.Succeeded), ((await RowAsync(refused))!.Status, (await RowAsync(paused))!.Status));
    }

    [Fact]
    public async Task Resume_after_a_new_key_queues_the_jobs_that_waited_for_a_working_key()
    {
        await using var rejected = await TestPipeline.StartAsync(azurite, new Dictionary<string, string?> { ["DomDetailer:ApiKey"] = "revoked-key-123" });
        var id = await rejected.CreateJobAsync("example.com");
        Assert.Equal(JobOutcomeKind.Deferred, (await rejected.RunJobAsync(id)).Kind);
        // The operator sets the right key: the same storage, another pipeline. A new key is a new account, which is not paused.
        var fixedSettings = rejected.Settings.ToDictionary();
        fixedSettings["DomDetailer:ApiKey"] = TestPipeline.ApiKey;
        fixedSettings["DomDetailer:BaseUrl"] = rejected.Api.BaseUrl.ToString();
        await using var restarted = await TestPipeline.StartAsync(azurite, fixedSettings);

        var result = await restarted.Get<PauseResumer>().ResumeAsync(CancellationToken.None);

        Assert.Equal((ResumeOutcome.NotPaused, 1), (result.Outcome, result.JobsReleased));
        Assert.Equal("the app is not paused; 1 waiting job was queued again and runs now.", result.Message);
        Assert.Equal(1, await new QueueHostEmulator(restarted).DrainAsync());
        Assert.Equal(JobStatus.Succeeded, (await restarted.Get<JobStore>().GetAsync(id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Resume_while_still_out_of_credits_keeps_the_pause_and_says_the_balance()
    {
        await StartPauseAsync();
        _pipeline.Api.Credits = 2;

        var result = await _pipeline.Get<PauseResumer>().ResumeAsync(CancellationToken.None);

        Assert.Equal((ResumeOutcome.StillPaused, 2L, WaitReason.OutOfCredits), (result.Outcome, result.BalanceUnits, result.PauseReason));
        Assert.StartsWith("still out of credits: the balance is 2 credits and a call needs 3.", result.Message);
        var control = (await _pipeline.Get<AccountState>().ReadControlAsync(CancellationToken.None))!;
        Assert.True(control.PauseActive);
        Assert.Equal(control.PauseUntilUtc, result.NextProbeAtUtc);
        Assert.False((await _pipeline.Get<ApiGate>().CheckAsync(CancellationToken.None)).MayCall);
    }

    [Fact]
    public async Task A_resume_that_finds_no_credits_leaves_the_pause_schedule_as_it_was()
    {
        await StartPauseAsync();
        var before = (await _pipeline.Get<AccountState>().ReadControlAsync(CancellationToken.None))!;
        _pipeline.Api.Credits = 0;

        _pipeline.Time.Advance(TimeSpan.FromMinutes(1));
        await _pipeline.Get<PauseResumer>().ResumeAsync(CancellationToken.None);
        _pipeline.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await _pipeline.Get<PauseResumer>().ResumeAsync(CancellationToken.None);

        var after = (await _pipeline.Get<AccountState>().ReadControlAsync(CancellationToken.None))!;
        Assert.Equal(2, _pipeline.Api.BalanceCalls.Count);
        Assert.Equal((before.PauseUntilUtc, before.PauseIntervalSeconds), (after.PauseUntilUtc, after.PauseIntervalSeconds));
        Assert.Equal(before.PauseUntilUtc, second.NextProbeAtUtc);
    }

    [Fact]
    public async Task Resume_without_a_pause_changes_nothing_and_asks_nothing()
    {
        var result = await _pipeline.Get<PauseResumer>().ResumeAsync(CancellationToken.None);

        Assert.Equal(ResumeOutcome.NotPaused, result.Outcome);
        Assert.Empty(_pipeline.Api.BalanceCalls);
        Assert.Null(await _pipeline.Get<AccountState>().ReadControlAsync(CancellationToken.None));
    }

    /// <summary>A job meets a 402: the app-wide out-of-credits pause starts.</summary>
    private async Task StartPauseAsync()
    {
        _pipeline.Api.Credits = 0;
        var id = await _pipeline.CreateJobAsync("a.com");
        Assert.Equal(JobOutcomeKind.Deferred, (await _pipeline.RunJobAsync(id)).Kind);
        Assert.True((await _pipeline.Get<AccountState>().ReadControlAsync(CancellationToken.None))!.PauseActive);
    }
}
