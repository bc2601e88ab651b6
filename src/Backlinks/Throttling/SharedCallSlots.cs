using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Backlinks.Storage;

namespace Backlinks.Throttling;

/// <summary>
/// One request rate for the whole app, however many instances run: every call goes out in a slot of the
/// account's shared schedule (<see cref="CallSlotsEntity"/>), slots are spaced at the rate, and each slot is
/// used by one instance at most once. An instance claims a small batch of consecutive slots with one
/// ETag-conditional write (a conflict means another instance claimed first: read again, claim after it),
/// then spends them one by one. A slot not used in time expires: it is never made up later, so idle or slow
/// instances cannot let the others burst. Any one second holds at most the rate's worth of slots, and a call
/// leaves at most <see cref="Lateness"/> after its slot, which the spacing margin absorbs.
/// </summary>
/// <remarks>
/// Slots are wall-clock times: they are compared across processes and machines (whose clocks agree to a few
/// milliseconds), and they are a sub-second mechanical matter, like the spacing in <see cref="AdaptiveRate"/>,
/// so a fake clock in tests never stalls a call. Callers take slots one at a time (the pacer's turnstile).
/// </remarks>
public sealed class SharedCallSlots(StorageClients storage, ApiAccount account)
{
    /// <summary>
    /// Slots are spaced this much wider than the rate. A call that leaves late by d can share a 1-s window with the
    /// slots of the next 1 + d seconds: at most ceil((1 + d) × rate / margin) calls, which stays within the rate while
    /// d is under (margin − 1) s, here 50 ms, shared between <see cref="Lateness"/> and the network's jitter.
    /// </summary>
    public const double SpacingMargin = 1.05;

    /// <summary>A call may leave this long after its slot (a timer that fired late, a busy machine); later, the slot has expired.</summary>
    public static readonly TimeSpan Lateness = TimeSpan.FromMilliseconds(30);

    /// <summary>A batch is about this much of the rate, shared among the instances claiming: one write per batch.</summary>
    public static readonly TimeSpan BatchSpan = TimeSpan.FromSeconds(1);

    /// <summary>An instance counts as claiming (and so as sharing the rate) this long after its last claim.</summary>
    public static readonly TimeSpan ClaimantMemory = TimeSpan.FromSeconds(5);

    private const int MaxTries = 50;

    private static readonly TimeProvider Clock = TimeProvider.System;

    private readonly string _instance = Guid.NewGuid().ToString("N")[..8];
    private readonly Queue<DateTimeOffset> _batch = new();
    private double _batchRate;
    private CallSlotsEntity? _known;
    private long _claims;
    private long _expired;

    /// <summary>Batches this instance claimed (each one storage write).</summary>
    public long Claims => Interlocked.Read(ref _claims);

    /// <summary>Slots this instance claimed but let expire (no call was ready in time).</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>True when a call can no longer use <paramref name="slot"/> (it would leave too late); the slot counts as expired.</summary>
    public bool Missed(DateTimeOffset slot)
    {
        if (!Late(slot))
        {
            return false;
        }
        Interlocked.Increment(ref _expired);
        return true;
    }

    private static bool Late(DateTimeOffset slot) => Clock.GetUtcNow() > slot + Lateness;

    /// <summary>The next call's slot (wall clock) at <paramref name="perSecond"/>: from this instance's batch, or a new batch when it is spent.</summary>
    public async ValueTask<DateTimeOffset> NextAsync(double perSecond, CancellationToken cancellationToken)
    {
        if (perSecond < _batchRate)
        {
            // The rate went down (a 429): the slots in hand are spaced for the old one. Dropping slots is always safe.
            Drop(_batch.Count);
        }
        while (_batch.TryPeek(out var slot) && Late(slot))
        {
            Drop(1);
        }
        if (_batch.Count == 0)
        {
            await ClaimAsync(perSecond, cancellationToken);
        }
        return _batch.Dequeue();
    }

    /// <summary>How many slots to claim at once: about a second of the rate, split among the instances claiming, at least one.</summary>
    public static int BatchSize(double perSecond, int claimants) =>
        Math.Max(1, (int)Math.Floor(perSecond * BatchSpan.TotalSeconds / Math.Max(1, claimants)));

    private async Task ClaimAsync(double perSecond, CancellationToken cancellationToken)
    {
        var spacing = TimeSpan.FromSeconds(SpacingMargin / perSecond);
        var table = storage.ControlTable;
        for (var attempt = 1; ; attempt++)
        {
            var current = _known ?? await ReadAsync(cancellationToken);
            var now = Clock.GetUtcNow();
            var claimants = RecentClaimants(current?.Claimants, now);
            claimants[_instance] = now;
            var size = BatchSize(perSecond, claimants.Count);
            // After the slots others hold; slots already past are expired, never made up.
            var start = current is not null && current.NextSlotUtc > now ? current.NextSlotUtc : now;
            var row = new CallSlotsEntity
            {
                PartitionKey = account.Id,
                NextSlotUtc = WholeMillisecondUp(start + (spacing * size)),
                RatePerSecond = perSecond,
                LastBatch = size,
                Claimants = Format(claimants),
            };
            try
            {
                var response = current is null
                    ? await table.AddEntityAsync(row, cancellationToken)
                    : await table.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Replace, cancellationToken);
                row.ETag = response.Headers.ETag ?? default;
                // Alone, the next claim writes over this ETag at once; with others claiming, the row will have moved: read first.
                _known = claimants.Count == 1 ? row : null;
                for (var i = 0; i < size; i++)
                {
                    _batch.Enqueue(start + (spacing * i));
                }
                _batchRate = perSecond;
                Interlocked.Increment(ref _claims);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxTries)
            {
                // Another instance claimed first: read where its batch ends, and claim after it.
                _known = null;
            }
        }
    }

    // Stored to the millisecond (rounded up, so a store that keeps less precision never moves a slot earlier).
    private static DateTimeOffset WholeMillisecondUp(DateTimeOffset at) =>
        new(at.Ticks + ((TimeSpan.TicksPerMillisecond - (at.Ticks % TimeSpan.TicksPerMillisecond)) % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private async Task<CallSlotsEntity?> ReadAsync(CancellationToken cancellationToken)
    {
        var row = await storage.ControlTable.GetEntityIfExistsAsync<CallSlotsEntity>(account.Id, CallSlotsEntity.Row, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    private void Drop(int count)
    {
        for (var i = 0; i < count && _batch.Count > 0; i++)
        {
            _batch.Dequeue();
            Interlocked.Increment(ref _expired);
        }
    }

    private static Dictionary<string, DateTimeOffset> RecentClaimants(string? stored, DateTimeOffset now)
    {
        var claimants = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var entry in (stored ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = entry.IndexOf('@', StringComparison.Ordinal);
            if (at > 0 && long.TryParse(entry.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                && now - DateTimeOffset.FromUnixTimeMilliseconds(ms) < ClaimantMemory)
            {
                claimants[entry[..at]] = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            }
        }
        return claimants;
    }

    private static string Format(Dictionary<string, DateTimeOffset> claimants) =>
        string.Join(',', claimants.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key}@{c.Value.ToUnixTimeMilliseconds()}")));
}
