namespace Backlinks.Jobs;

/// <summary>
/// Fails the job of a message the queue gave up on (the host's poison queue, or the local worker's): the job ends
/// <c>failed</c> with its last error. It needs storage only, no API key.
/// </summary>
public sealed class PoisonedJobs(JobDelivery delivery)
{
    public Task<JobOutcome> FailAsync(string messageBody, CancellationToken cancellationToken) =>
        JobDelivery.TracedAsync(Telemetry.BacklinksTelemetry.Spans.PoisonedJob, messageBody, async () =>
        {
            var (job, skip) = await delivery.LoadCurrentJobAsync(messageBody, cancellationToken);
            if (job is null)
            {
                return skip!;
            }
            var attempts = job.Attempts == 1 ? "1 attempt" : $"{job.Attempts} attempts";
            return await delivery.FailAsync(job, $"gave up after {attempts}: {job.LastError ?? "the message could not be processed"}", cancellationToken);
        });
}
