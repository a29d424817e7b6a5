using Liberterra.Command.Grains;
using Liberterra.Command.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Liberterra.Command.Durability.Tests;

/// <summary>Orleans' own ADO.NET reminder table, as the server configures it, against the schema our migrations create.</summary>
public class ReminderTableTests
{
    [Fact]
    public async Task a_reminder_row_is_written_read_and_removed_and_a_stale_version_removes_nothing()
    {
        await using var server = await InProcessServer.StartOnNewDatabaseAsync("reminders");
        var table = server.Services.GetRequiredService<IReminderTable>();
        var grain = server.Services.GetRequiredService<IGrainFactory>().GetGrain<IOperationGrain>("reminder-table-test").GetGrainId();
        var start = DateTime.UtcNow;

        var first = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "check-ins", StartAt = start, Period = TimeSpan.FromMinutes(1) })
            ?? throw new InvalidOperationException("no version returned");
        var second = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "check-ins", StartAt = start, Period = TimeSpan.FromMinutes(2) })
            ?? throw new InvalidOperationException("no version returned");
        Assert.NotEqual(first, second);
        var row = await table.ReadRow(grain, "check-ins");
        Assert.NotNull(row);
        Assert.Equal(TimeSpan.FromMinutes(2), row.Period);
        Assert.Equal(second, row.ETag);

        Assert.False(await table.RemoveRow(grain, "check-ins", first));     // someone changed it since: kept
        Assert.NotNull(await table.ReadRow(grain, "check-ins"));
        Assert.True(await table.RemoveRow(grain, "check-ins", second));
        Assert.Null(await table.ReadRow(grain, "check-ins"));
        Assert.False(await table.RemoveRow(grain, "check-ins", second));    // already gone
        Assert.Empty((await table.ReadRows(grain)).Reminders);
    }
}
