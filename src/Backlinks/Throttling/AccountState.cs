using Azure.Data.Tables;
using Backlinks.Storage;

namespace Backlinks.Throttling;

/// <summary>The account's control row and today's ledger row, as read at one moment.</summary>
public sealed record AccountStateSnapshot(ApiControlEntity? Control, CreditLedgerEntity? Ledger, string LedgerRow, DateTimeOffset ReadAtUtc);

/// <summary>
/// Reads the account's shared state for the gates at most once per <see cref="MaxAge"/> per instance, in
/// one query. The gates tolerate state that old: a pause or "not before" seen a second late costs at most
/// one refused call, and every write that must not be lost (ledger, claims, pause) is ETag-conditional.
/// This instance's own writes are seen at once.
/// </summary>
public sealed class AccountState(StorageClients storage, ApiAccount account, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private AccountStateSnapshot? _cached;
    private AccountStateSnapshot? _lastRead;
    private Task<AccountStateSnapshot>? _reading;

    public string Partition => account.Id;

    /// <summary>The account's control row as stored now (not cached): for status pages.</summary>
    public async Task<ApiControlEntity?> ReadControlAsync(CancellationToken cancellationToken)
    {
        var row = await storage.ControlTable.GetEntityIfExistsAsync<ApiControlEntity>(Partition, ApiControlEntity.Row, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>The state as last read by this instance, however old; null before the first read. For telemetry, which must not read storage itself.</summary>
    public AccountStateSnapshot? LastRead
    {
        get
        {
            lock (_gate)
            {
                return _lastRead;
            }
        }
    }

    public Task<AccountStateSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_cached is { } cached && now - cached.ReadAtUtc < MaxAge && cached.LedgerRow == CreditLedgerEntity.RowFor(now))
            {
                return Task.FromResult(cached);
            }
            // Concurrent jobs share one read rather than each starting their own.
            if (_reading is null || _reading.IsCompleted)
            {
                _reading = ReadAsync(now, cancellationToken);
            }
            return _reading;
        }
    }

    /// <summary>Forgets the cached state: after a write of this instance, or a conflict that says it is stale.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _cached = null;
            _reading = null;
        }
    }

    /// <summary>Records the ledger row this instance just wrote, with its new ETag.</summary>
    public void Remember(CreditLedgerEntity ledger)
    {
        lock (_gate)
        {
            if (_cached is { } cached && cached.LedgerRow == ledger.RowKey)
            {
                _cached = cached with { Ledger = ledger };
                _lastRead = _cached;
            }
        }
    }

    private async Task<AccountStateSnapshot> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ledgerRow = CreditLedgerEntity.RowFor(now);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and (RowKey eq {ApiControlEntity.Row} or RowKey eq {ledgerRow})");
        ApiControlEntity? control = null;
        CreditLedgerEntity? ledger = null;
        await foreach (var row in storage.ControlTable.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.RowKey == ApiControlEntity.Row)
            {
                control = ApiControlEntity.From(row);
            }
            else
            {
                ledger = new CreditLedgerEntity
                {
                    PartitionKey = row.PartitionKey,
                    RowKey = row.RowKey,
                    ETag = row.ETag,
                    Credits = row.GetInt32(nameof(CreditLedgerEntity.Credits)) ?? 0,
                    Calls = row.GetInt32(nameof(CreditLedgerEntity.Calls)) ?? 0,
                };
            }
        }
        var snapshot = new AccountStateSnapshot(control, ledger, ledgerRow, now);
        lock (_gate)
        {
            _cached = snapshot;
            _lastRead = snapshot;
        }
        return snapshot;
    }
}
