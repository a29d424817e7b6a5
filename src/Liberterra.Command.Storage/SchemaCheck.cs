using Npgsql;

namespace Liberterra.Command.Storage;

/// <summary>
/// Checked before the silo starts: Orleans' ADO.NET providers read their SQL from <c>orleansquery</c> once at
/// start-up and fail obscurely when a query is missing, so the server stops first, saying which and how to fix it.
/// </summary>
public static class SchemaCheck
{
    /// <summary>The query keys the Orleans 10.4.2 ADO.NET clustering, persistence and reminder providers read.</summary>
    public static readonly IReadOnlyList<string> RequiredQueryKeys =
    [
        // clustering
        "MembershipReadAllKey", "MembershipReadRowKey", "InsertMembershipKey", "InsertMembershipVersionKey",
        "UpdateMembershipKey", "UpdateIAmAlivetimeKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey",
        // grain storage
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        // reminders
        "ReadReminderRowKey", "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "UpsertReminderRowKey",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    public const string Fix = "Apply the migrations: `liberterra db migrate --connection \"...\"` (deploy/run.sh does this).";

    /// <summary>Throws <see cref="SchemaNotReadyException"/> naming the first thing missing.</summary>
    public static async Task EnsureReadyAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        var applied = await SchemaMigrator.AppliedAsync(db, ct);
        if (applied.Count == 0)
            throw new SchemaNotReadyException($"The database has no Liberterra schema. {Fix}");
        if (applied[^1] < SchemaMigrator.LatestVersion)
            throw new SchemaNotReadyException(
                $"The database schema is at migration {applied[^1]:D4}; this server needs {SchemaMigrator.LatestVersion:D4}. {Fix}");

        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = db.CreateCommand("SELECT querykey FROM orleansquery"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) present.Add(reader.GetString(0));
        }

        var missing = RequiredQueryKeys.Where(k => !present.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new SchemaNotReadyException(
                $"Orleans query '{missing[0]}' is missing from table orleansquery" +
                (missing.Count > 1 ? $" (and {missing.Count - 1} more: {string.Join(", ", missing.Skip(1))})" : "") +
                ". The migrations are applied, so it was removed by hand: put it back with " +
                "`liberterra db migrate --repair --connection \"...\"` (re-runs every migration; data is untouched).");
    }
}
