using Azure;
using Azure.Data.Tables;
using Backlinks.Storage;

namespace Backlinks.Throttling;

/// <summary>What asking to call the API for a job came to.</summary>
public abstract record Reservation
{
    private protected Reservation()
    {
    }
}

/// <summary>The job may call: the pair is claimed and the call's credits are on the ledger.</summary>
/// <param name="PreviousClaimAtUtc">Set when this same job had claimed the pair before: an earlier attempt may have stored an answer.</param>
public sealed record CallReserved(string LedgerRow, DateTimeOffset? PreviousClaimAtUtc) : Reservation;

/// <summary>Another job is calling for the same (domain, onePerDomain).</summary>
public sealed record CallShared : Reservation;

/// <summary>The daily budget has no room for another call.</summary>
public sealed record BudgetSpent : Reservation;

/// <summary>
/// Before a call, in one storage request: claim the (domain, onePerDomain) pair, so that one job at a
/// time calls for it across the app, and reserve the call's credits on the day's ledger. Both rows sit
/// in the account's partition of <c>backlinkcontrol</c>, so one entity-group transaction writes both,
/// or neither.
/// </summary>
public sealed class CallReservations(StorageClients storage, AccountState state, CreditLedger ledger, TimeProvider time)
{
    // Longer than any one call with its retries; a crashed leader stops blocking the pair after it.
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private const int MaxTries = 20;

    // Jobs of this instance reserve one after another: each then writes over the ledger ETag the previous
    // one left in the cache, instead of all racing for the same row and paying a conflict and a re-read each.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <param name="messageId">The queue message being delivered; null when the job runs without one.</param>
    /// <param name="retriedAtUtc">When an operator last retried the job: its claims from before are of attempts that are over.</param>
    /// <param name="pairSnapshotAtUtc">When the newest stored snapshot of the pair was fetched: a claim older than it is finished.</param>
    public async Task<Reservation> TryReserveAsync(string jobId, string? messageId, DateTimeOffset? retriedAtUtc, string domain, bool onePerDomain,
        DateTimeOffset? pairSnapshotAtUtc, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            return await ReserveAsync(jobId, messageId, retriedAtUtc, domain, onePerDomain, pairSnapshotAtUtc, cancellationToken);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<Reservation> ReserveAsync(string jobId, string? messageId, DateTimeOffset? retriedAtUtc, string domain, bool onePerDomain, DateTimeOffset? pairSnapshotAtUtc, CancellationToken cancellationToken)
    {
        var claimRow = CallClaimEntity.RowFor(domain, onePerDomain);
        CallClaimEntity? knownClaim = null;
        DateTimeOffset? previousClaim = null;
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var account = await state.GetAsync(cancellationToken);
            if (ledger.WouldExceed(account.Ledger))
            {
                return new BudgetSpent();
            }

            var claim = new CallClaimEntity
            {
                PartitionKey = state.Partition,
                RowKey = claimRow,
                LeaderJobId = jobId,
                ClaimedAtUtc = now,
                ExpiresAtUtc = now + Lease,
                ReservationId = Guid.NewGuid().ToString("N"),
                MessageId = messageId,
            };
            var reserved = new CreditLedgerEntity
            {
                PartitionKey = state.Partition,
                RowKey = account.LedgerRow,
                Credits = (account.Ledger?.Credits ?? 0) + CreditLedger.CreditsPerCall,
                Calls = (account.Ledger?.Calls ?? 0) + 1,
            };
            TableTransactionAction[] actions =
            [
                knownClaim is null
                    ? new(TableTransactionActionType.Add, claim)
                    : new(TableTransactionActionType.UpdateReplace, claim, knownClaim.ETag),
                account.Ledger is null
                    ? new(TableTransactionActionType.Add, reserved)
                    : new(TableTransactionActionType.UpdateReplace, reserved, account.Ledger.ETag),
            ];
            try
            {
                var responses = (await storage.ControlTable.SubmitTransactionAsync(actions, cancellationToken)).Value;
                reserved.ETag = responses[1].Headers.ETag ?? default;
                state.Remember(reserved);
                return new CallReserved(reserved.RowKey, previousClaim);
            }
            catch (TableTransactionFailedException e) when (attempt < MaxTries && e.Status is 409 or 412)
            {
                if (e.FailedTransactionActionIndex == 0)
                {
                    // The pair has a claim: take it over if it is finished, expired or this delivery's own.
                    knownClaim = await ReadClaimAsync(claimRow, cancellationToken);
                    if (knownClaim?.ReservationId == claim.ReservationId)
                    {
                        // This very transaction landed; its answer was lost and the SDK's retry of it conflicted with it.
                        return Landed(reserved, previousClaim);
                    }
                    if (knownClaim is not null)
                    {
                        var finished = pairSnapshotAtUtc is { } snapshotAt && snapshotAt >= knownClaim.ClaimedAtUtc;
                        var ownJob = knownClaim.LeaderJobId == jobId;
                        // This job's claim from a delivery of the same message: an earlier attempt that ended or died,
                        // since a queue hands a message to one runner at a time; or from before an operator's retry, whose
                        // new message ends the earlier ones. A claim of another copy of the job's message (a send the SDK
                        // repeated) may be a call in flight: the copies must not both pay.
                        var ownDelivery = ownJob && (knownClaim.MessageId is null || messageId is null || knownClaim.MessageId == messageId
                            || knownClaim.ClaimedAtUtc < retriedAtUtc);
                        if (!ownDelivery && !finished && knownClaim.ExpiresAtUtc > now)
                        {
                            return new CallShared();
                        }
                        // Taking over a claim of this job (its own or, once expired, another copy's): an earlier attempt may have stored an answer.
                        previousClaim = ownJob ? knownClaim.ClaimedAtUtc : previousClaim;
                    }
                }
                else
                {
                    // Another call changed the ledger since it was read: read it again.
                    state.Invalidate();
                }
            }
            catch (Exception e) when (e is not TableTransactionFailedException && StorageFaults.IsTransient(e))
            {
                // No answer: the transaction may have landed. Read the claim back rather than reserve the credits twice.
                if ((await ReadClaimAsync(claimRow, cancellationToken))?.ReservationId != claim.ReservationId)
                {
                    throw;
                }
                return Landed(reserved, previousClaim);
            }
        }
    }

    private CallReserved Landed(CreditLedgerEntity reserved, DateTimeOffset? previousClaim)
    {
        // Both rows were written in one transaction; the ledger's new ETag is unknown, so it is read again next time.
        state.Invalidate();
        return new CallReserved(reserved.RowKey, previousClaim);
    }

    /// <summary>Ends a claim whose call did not store a snapshot, so the pair's next job need not wait out the lease.</summary>
    public async Task ReleaseAsync(string jobId, string domain, bool onePerDomain, CancellationToken cancellationToken)
    {
        var claim = await ReadClaimAsync(CallClaimEntity.RowFor(domain, onePerDomain), cancellationToken);
        if (claim is null || claim.LeaderJobId != jobId)
        {
            return;
        }
        try
        {
            await storage.ControlTable.DeleteEntityAsync(claim.PartitionKey, claim.RowKey, claim.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Already gone, or taken over after the lease ran out.
        }
    }

    private async Task<CallClaimEntity?> ReadClaimAsync(string claimRow, CancellationToken cancellationToken)
    {
        var row = await storage.ControlTable.GetEntityIfExistsAsync<CallClaimEntity>(state.Partition, claimRow, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }
}
