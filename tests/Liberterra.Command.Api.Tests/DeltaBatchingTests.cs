using System.Collections.Concurrent;
using System.Net;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// Under load a display gets one message per <c>Live:FlushInterval</c> holding every delta that became ready meanwhile,
/// instead of one per report; a report after a quiet spell travels at once, alone. Nothing is lost, repeated or reordered.
/// </summary>
public class DeltaBatchingTests
{
    [Fact]
    public async Task deltas_that_follow_each_other_closely_travel_together_and_in_order()
    {
        // A long interval, so that the test does not depend on the machine's speed: a burst of reports fits in it.
        await using var server = await InProcessServer.StartOnNewDatabaseAsync("batching", "--Live:FlushInterval=00:00:01");
        var op = await Api.DefineOperation(server.Http);
        await using var wall = await Hubs.Connect(server.Address, TestAuth.Token(Roles.Wall));
        var messages = new BlockingCollection<OperationDelta[]>();
        wall.On<OperationDelta[]>(HubMessages.Deltas, messages.Add);
        var snapshot = await wall.InvokeAsync<OperationView>("JoinOperation", op);

        // The first report after a quiet spell: sent as soon as it is committed, in a message of its own.
        var lead = server.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, op, "AR-RAID-01", new { children = 1 }, Api.NewKey())).StatusCode);
        Assert.True(messages.TryTake(out var first, TimeSpan.FromSeconds(10)));
        Assert.Equal([snapshot.LastSeq + 1], first.Select(d => d.Seq));

        // A burst right behind it, posted one after the other: all of it waits for the interval, then goes in one message.
        const int burst = 20;
        for (var i = 0; i < burst; i++)
            Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, op, "AR-RAID-01", new { women = 1 }, Api.NewKey())).StatusCode);
        var received = new List<OperationDelta[]>();
        while (received.Sum(m => m.Length) < burst && messages.TryTake(out var next, TimeSpan.FromSeconds(10))) received.Add(next);

        Assert.Equal(Enumerable.Range(2, burst).Select(i => snapshot.LastSeq + i), received.SelectMany(m => m).Select(d => d.Seq));
        // One message if the burst fit in a second (it takes a few tens of milliseconds); never one per report.
        Assert.InRange(received.Count, 1, 3);
        var last = received[^1][^1];
        Assert.Equal(1, last.Totals.Children);
        Assert.Equal(burst, last.Totals.Women);
        Assert.False(messages.TryTake(out var extra, TimeSpan.FromMilliseconds(1500)), $"nothing more arrives (got seq {extra?.FirstOrDefault()?.Seq})");
    }
}
