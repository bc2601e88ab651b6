namespace Backlinks.Queries;

/// <summary>
/// The API account whose shared state a status shows: its host and the account id (a prefix of the hash of
/// base URL and key), never the key. <see cref="NotConfigured"/> says why there is none.
/// </summary>
public sealed record AccountView(string? Host, string? Id, string? NotConfigured = null);
