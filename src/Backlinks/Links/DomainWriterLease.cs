using Azure;
using Azure.Data.Tables;
using Backlinks.Storage;

namespace Backlinks.Links;

/// <summary>
/// The writer of one domain's link tables, in the control table (PartitionKey <c>linkwriter</c>, RowKey =
/// domain). Snapshots of a domain must apply one at a time and in order, across instances; the row also
/// names the snapshot being written, so that whoever takes the domain after a crash finishes it first.
/// </summary>
public sealed class DomainWriterEntity : ITableEntity
{
    public const string Partition = "linkwriter";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string OwnerJobId { get; set; } = "";
    public DateTimeOffset ExpiresAtUtc { get; set; }

    /// <summary>The raw blob of the snapshot being written; still set after a crash.</summary>
    public string RawBlobPath { get; set; } = "";
}

/// <summary>A domain could not be taken within the wait, or was taken over while being written.</summary>
public sealed class DomainBusyException(string domain, string reason)
    : Exception($"The link tables of {domain} are being written by another worker: {reason}. The job will be retried.");

/// <summary>Holds one domain's writer row while a snapshot is written.</summary>
public sealed class DomainWriterLease
{
    private readonly TableClient _control;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private string _rawBlobPath;
    private ETag _etag;
    private DateTimeOffset _expiresAtUtc;

    private DomainWriterLease(TableClient control, TimeProvider time, TimeSpan duration, string domain, string ownerJobId, string rawBlobPath, string? unfinished,
        ETag etag, DateTimeOffset expiresAtUtc)
    {
        _etag = etag;
        _expiresAtUtc = expiresAtUtc;
        _control = control;
        _time = time;
        _duration = duration;
        Domain = domain;
        OwnerJobId = ownerJobId;
        _rawBlobPath = rawBlobPath;
        Unfinished = unfinished;
    }

    public string Domain { get; }

    public string OwnerJobId { get; }

    /// <summary>The raw blob of a snapshot that a crashed writer left half-written, if it was another one.</summary>
    public string? Unfinished { get; }

    /// <summary>
    /// Takes the domain for this snapshot's job: free, already this job's (a redelivery or a retry of it),
    /// or expired (its writer crashed). Otherwise waits, up to one lease duration and a little more.
    /// </summary>
    public static async Task<DomainWriterLease> AcquireAsync(TableClient control, TimeProvider time, LinkOptions options,
        StoredSnapshot snapshot, CancellationToken cancellationToken)
    {
        // Waits on the wall clock, in short polls: the holder is another process that frees the domain
        // within seconds. Expiry is judged on the TimeProvider, as every lease in the app is.
        var polls = (int)Math.Ceiling(2 * options.LeaseDuration / options.LeasePollInterval);

        // Usually the domain is free (a writer deletes its row when done): one insert takes it.
        var fresh = new DomainWriterEntity { RowKey = snapshot.Domain, OwnerJobId = snapshot.JobId, ExpiresAtUtc = time.GetUtcNow() + options.LeaseDuration, RawBlobPath = snapshot.RawBlobPath };
        try
        {
            var added = await control.AddEntityAsync(fresh, cancellationToken);
            return new DomainWriterLease(control, time, options.LeaseDuration, snapshot.Domain, snapshot.JobId, snapshot.RawBlobPath, null,
                added.Headers.ETag ?? default, fresh.ExpiresAtUtc);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Held, or left behind by a writer that crashed: read it and decide below.
        }

        for (var poll = 0; ; poll++)
        {
            var now = time.GetUtcNow();
            DomainWriterEntity? previous = null;
            var taken = await OptimisticUpdate.UpdateAsync<DomainWriterEntity>(control, DomainWriterEntity.Partition, snapshot.Domain, current =>
            {
                previous = current;
                return current is null || current.OwnerJobId == snapshot.JobId || current.ExpiresAtUtc <= now
                    ? new DomainWriterEntity { OwnerJobId = snapshot.JobId, ExpiresAtUtc = now + options.LeaseDuration, RawBlobPath = snapshot.RawBlobPath }
                    : null;
            }, cancellationToken);
            if (taken is not null)
            {
                var unfinished = previous is { RawBlobPath.Length: > 0 } && previous.RawBlobPath != snapshot.RawBlobPath ? previous.RawBlobPath : null;
                return new DomainWriterLease(control, time, options.LeaseDuration, snapshot.Domain, snapshot.JobId, snapshot.RawBlobPath, unfinished,
                    taken.ETag, taken.ExpiresAtUtc);
            }
            if (poll >= polls)
            {
                throw new DomainBusyException(snapshot.Domain, $"job {previous?.OwnerJobId} holds it until {previous?.ExpiresAtUtc:u}");
            }
            await Task.Delay(options.LeasePollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// Records which snapshot is being written and extends the lease when it is past half its time; fails if
    /// another writer took the domain. One conditional write on the row this writer holds, or none.
    /// </summary>
    public async Task RenewAsync(string rawBlobPath, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (rawBlobPath == _rawBlobPath && _expiresAtUtc - now > _duration / 2)
        {
            return;
        }
        var renewed = new DomainWriterEntity { RowKey = Domain, OwnerJobId = OwnerJobId, ExpiresAtUtc = now + _duration, RawBlobPath = rawBlobPath };
        try
        {
            var response = await _control.UpdateEntityAsync(renewed, _etag, TableUpdateMode.Replace, cancellationToken);
            (_etag, _expiresAtUtc, _rawBlobPath) = (response.Headers.ETag ?? default, renewed.ExpiresAtUtc, rawBlobPath);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            throw new DomainBusyException(Domain, "another worker took it over after this one's lease ran out");
        }
    }

    /// <summary>Frees the domain. Only after a snapshot is fully written: after a failure the row stays, naming it.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _control.DeleteEntityAsync(DomainWriterEntity.Partition, Domain, _etag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or taken over: nothing of ours to free.
        }
    }
}
