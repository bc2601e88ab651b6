using System.Diagnostics;
using Backlinks.DomDetailer;
using Microsoft.Extensions.Options;

namespace Backlinks.Throttling;

/// <summary>
/// The request rate the API account allows, learned, because DomDetailer does not document it: each
/// 429 lowers the rate (multiplicative decrease), a stretch of answers without one raises it slowly
/// (additive increase), never above <see cref="DomDetailerOptions.MaxRequestsPerSecond"/>. Calls are
/// spaced at the rate (an async wait for the next slot: no thread is held), and no call goes out before
/// the account's "not before" time. The rate is stored with the account's state, so every instance follows
/// a decrease; see <see cref="ApiGate"/>. With <see cref="SharedCallSlots"/> (as the pipeline is wired) each call
/// also takes a slot of the account's shared schedule, so every instance together keeps to the rate; without
/// them the spacing is this process's own.
/// </summary>
public sealed class AdaptiveRate(IOptions<DomDetailerOptions> options, TimeProvider time, SharedCallSlots? slots = null)
{
    /// <summary>A 429 with no recent answers to measure keeps this share of the rate.</summary>
    public const double DecreaseFactor = 0.85;

    /// <summary>After a 429 the rate restarts just under what the API was seen to answer in the last second.</summary>
    public const double BelowObserved = 0.95;

    /// <summary>Calls per second added per second without a 429, while well under the rate of the last 429.</summary>
    public const double FastIncreasePerSecond = 0.05;

    /// <summary>Calls per second added per second near or above the rate of the last 429: a slow probe of the limit.</summary>
    public const double SlowIncreasePerSecond = 0.005;

    /// <summary>The rate never drops below one call a minute: the API stays probed.</summary>
    public const double MinimumPerSecond = 1.0 / 60;

    /// <summary>Calls are spaced 2 % wider than the rate: the API counts arrivals, which network and timers jitter.</summary>
    private const double SpacingMargin = 1.02;

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    private readonly double _maximum = options.Value.MaxRequestsPerSecond;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _turnstile = new(1, 1);
    private readonly Queue<DateTimeOffset> _answered = new();
    private double _rate = options.Value.MaxRequestsPerSecond;
    private double? _limitSeenAt;
    private double _storedRate = options.Value.MaxRequestsPerSecond;
    private long _epoch;
    private long? _lastSendTimestamp;
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset? _lastIncrease;
    private DateTimeOffset _lastStored = DateTimeOffset.MinValue;
    private DateTimeOffset _adoptedChangeAt = DateTimeOffset.MinValue;

    public double PerSecond
    {
        get
        {
            lock (_gate)
            {
                return _rate;
            }
        }
    }

    /// <summary>
    /// Waits (asynchronously) for this call's turn: one interval after the previous call actually went
    /// out (or, with shared slots, at this call's slot of the account's schedule), and not before the
    /// account's "not before". Returns the rate epoch the call is made in.
    /// </summary>
    public async ValueTask<long> WaitTurnAsync(CancellationToken cancellationToken)
    {
        await _turnstile.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                TimeSpan hold;
                TimeSpan spacingLeft;
                double perSecond;
                long epoch;
                lock (_gate)
                {
                    // The spacing between calls is a sub-second mechanical matter and runs on the system clock,
                    // so that a fake clock in tests never stalls a call; the API's "not before" is business time.
                    perSecond = _rate;
                    epoch = _epoch;
                    var spacing = TimeSpan.FromSeconds(SpacingMargin / _rate);
                    spacingLeft = slots is null && _lastSendTimestamp is { } last ? spacing - Stopwatch.GetElapsedTime(last) : TimeSpan.Zero;
                    hold = _notBefore - time.GetUtcNow();
                    if (hold <= TimeSpan.Zero && spacingLeft <= TimeSpan.Zero && slots is null)
                    {
                        // Spaced from the real send time, so a late timer never bunches two calls together.
                        _lastSendTimestamp = Stopwatch.GetTimestamp();
                        return _epoch;
                    }
                }
                if (hold > TimeSpan.Zero || slots is null)
                {
                    // A 429 seen meanwhile may move the turn: look again after the wait.
                    await (hold > TimeSpan.Zero
                        ? Task.Delay(hold, time, cancellationToken)
                        : Task.Delay(spacingLeft, TimeProvider.System, cancellationToken));
                    continue;
                }
                if (await TakeSharedSlotAsync(slots, perSecond, epoch, cancellationToken))
                {
                    return epoch;
                }
            }
        }
        finally
        {
            _turnstile.Release();
        }
    }

    /// <summary>Waits for this call's slot of the account's schedule; false when the turn moved meanwhile or the slot was missed.</summary>
    private async Task<bool> TakeSharedSlotAsync(SharedCallSlots shared, double perSecond, long epoch, CancellationToken cancellationToken)
    {
        var slot = await shared.NextAsync(perSecond, cancellationToken);
        var early = slot - TimeProvider.System.GetUtcNow();
        if (early > TimeSpan.Zero)
        {
            await Task.Delay(early, TimeProvider.System, cancellationToken);
        }
        lock (_gate)
        {
            // A 429 seen meanwhile moves the turn (and lowers the rate the slot was spaced for): the slot goes unused.
            if (_epoch != epoch || _notBefore > time.GetUtcNow())
            {
                return false;
            }
        }
        // A timer that fired late: sending now could crowd the next slot, which another instance may hold.
        return !shared.Missed(slot);
    }

    /// <summary>
    /// A call made in <paramref name="epoch"/> was answered 429. Lowers the rate once per epoch (calls still in
    /// flight at the old rate do not lower it again): to just under the rate the API answered in the last second.
    /// </summary>
    public void OnRateLimited(long epoch, TimeSpan? retryAfter)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (retryAfter is { } wait && now + wait > _notBefore)
            {
                _notBefore = now + wait;
            }
            if (epoch != _epoch)
            {
                return;
            }
            _epoch++;
            Forget(now);
            var observed = _answered.Count / Window.TotalSeconds;
            // The limit is what the API let through; without answers to measure, the rate it refused.
            _limitSeenAt = observed > 0 ? observed : _rate;
            var lowered = observed > 0 ? Math.Min(_rate * BelowObserved, observed * BelowObserved) : _rate * DecreaseFactor;
            _rate = Math.Max(MinimumPerSecond, lowered);
            _lastIncrease = now;
        }
    }

    /// <summary>A call was answered without a 429: the rate creeps up with the time since the last change.</summary>
    public void OnAnswered()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            _answered.Enqueue(now);
            Forget(now);
            _lastIncrease ??= now;
            var elapsed = (now - _lastIncrease.Value).TotalSeconds;
            if (elapsed <= 0 || _rate >= _maximum)
            {
                return;
            }
            var step = _limitSeenAt is { } limit && _rate >= limit * BelowObserved ? SlowIncreasePerSecond : FastIncreasePerSecond;
            _rate = Math.Min(_maximum, _rate + (step * elapsed));
            _lastIncrease = now;
        }
    }
    /// <summary>No call before <paramref name="notBefore"/> (the account's shared "not before", set by any instance).</summary>
    public void HoldUntil(DateTimeOffset notBefore)
    {
        lock (_gate)
        {
            _notBefore = Max(_notBefore, notBefore);
        }
    }

    /// <summary>
    /// The account's pause (out of credits, a rejected key) as this instance last saw it: a call that waited for its
    /// turn while the pause began is withheld when its turn comes (<see cref="IsPausedNow"/>), not sent.
    /// </summary>
    public void PausedUntil(DateTimeOffset until)
    {
        lock (_gate)
        {
            _pausedUntil = until;
        }
    }

    /// <summary>True while the pause this instance last saw is on.</summary>
    public bool IsPausedNow
    {
        get
        {
            lock (_gate)
            {
                return _pausedUntil > time.GetUtcNow();
            }
        }
    }

    /// <summary>Takes a rate another instance stored, if it is newer than the last one taken.</summary>
    public void Adopt(double perSecond, DateTimeOffset changedAt)
    {
        lock (_gate)
        {
            if (changedAt <= _adoptedChangeAt || changedAt <= _lastStored)
            {
                return;
            }
            _adoptedChangeAt = changedAt;
            _rate = Math.Clamp(perSecond, MinimumPerSecond, _maximum);
            _lastIncrease = time.GetUtcNow();
        }
    }

    /// <summary>True (with the rate) when the rate should be stored for the other instances: after a decrease at once, after increases every 10 s.</summary>
    public bool ShouldStore(bool decreased, out double perSecond)
    {
        lock (_gate)
        {
            perSecond = _rate;
            var now = time.GetUtcNow();
            if (!decreased && (_rate == _storedRate || now - _lastStored < TimeSpan.FromSeconds(10)))
            {
                return false;
            }
            _lastStored = now;
            _storedRate = _rate;
            return true;
        }
    }

    private void Forget(DateTimeOffset now)
    {
        while (_answered.Count > 0 && now - _answered.Peek() > Window)
        {
            _answered.Dequeue();
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
