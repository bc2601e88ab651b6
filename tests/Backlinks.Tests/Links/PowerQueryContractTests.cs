using System.Reflection;
using System.Text.RegularExpressions;
using Backlinks.Links;
using Backlinks.Storage;
using Backlinks.Tests.Infrastructure;

namespace Backlinks.Tests.Links;

/// <summary>The Power Query files expand and type exactly the columns the entities store (the Power BI contract).</summary>
public partial class PowerQueryContractTests
{
    public static TheoryData<string, Type> Tables => new()
    {
        { "backlinkrows", typeof(LinkRowEntity) },
        { "backlinkchanges", typeof(LinkChangeEntity) },
        { "backlinkrefdomains", typeof(RefDomainEntity) },
        { "backlinkmetrics", typeof(MetricsSnapshotEntity) },
        { "backlinkmetricslatest", typeof(MetricsSnapshotEntity) },
        { "backlinkwatchlist", typeof(Backlinks.Watching.WatchEntryEntity) },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public void Each_query_expands_every_stored_column_with_its_type(string table, Type entity)
    {
        var text = File.ReadAllText(RepoPaths.Combine("powerbi", table + ".pq"));
        var columns = entity.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name is not ("PartitionKey" or "RowKey" or "Timestamp" or "ETag"))
            .ToDictionary(p => p.Name, p => Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType);

        Assert.Contains($"Source{{[Name = \"{table}\"]}}[Data]", text);
        Assert.Contains("AzureStorage.Tables(TableEndpoint)", text);
        var expanded = ExpandedColumns().Match(text).Groups[1].Value.Split(',').Select(c => c.Trim().Trim('"')).ToList();
        Assert.Equal(columns.Keys.Order(), expanded.Order());

        var types = ColumnType().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        foreach (var (name, type) in columns)
        {
            var expected = type == typeof(string) ? "type text"
                : type == typeof(bool) ? "type logical"
                : type == typeof(DateTimeOffset) ? "type datetimezone"
                : type == typeof(int) || type == typeof(long) ? "Int64.Type"
                : type == typeof(double) ? "type number"
                : throw new InvalidOperationException($"no M type for {type}");
            Assert.True(types.TryGetValue(name, out var actual), $"{table}.{name} is not typed");
            Assert.Equal(expected, actual);
        }
    }

    [GeneratedRegex("""ExpandRecordColumn\(Table, "Content",\s*\{([^}]*)\}""")]
    private static partial Regex ExpandedColumns();

    [GeneratedRegex("""\{"(\w+)", (type \w+|Int64\.Type)\}""")]
    private static partial Regex ColumnType();
}
