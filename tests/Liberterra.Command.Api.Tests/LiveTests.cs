using System.Net;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Api.Tests;

/// <summary>The push pipeline over real WebSockets: snapshot, then deltas in order, from any silo to any silo.</summary>
public class LiveTests
{
    [Fact]
    public async Task a_wall_on_one_silo_sees_in_order_every_report_posted_through_another()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("live");
        var cluster = $"live-{Guid.NewGuid():N}";
        await using var a = await InProcessServer.StartAsync(connectionString, cluster);
        await using var b = await InProcessServer.StartAsync(connectionString, cluster);
        var op = await Api.DefineOperation(a.Http);

        await using var wallOnB = await Hubs.Connect(b.Address, TestAuth.Token(Roles.Wall));
        await using var wallOnA = await Hubs.Connect(a.Address, TestAuth.Token(Roles.Wall));
        var onB = Hubs.Deltas(wallOnB);
        var onA = Hubs.Deltas(wallOnA);
        var snapshotB = await wallOnB.InvokeAsync<OperationView>("JoinOperation", op);
        var snapshotA = await wallOnA.InvokeAsync<OperationView>("JoinOperation", op);
        Assert.Equal(1, snapshotB.LastSeq);
        Assert.Equal(1, snapshotA.LastSeq);

        // A cluster that has just formed settles first (its feed subscriptions renew every few seconds; a display
        // that misses a delta meanwhile sees the gap and resyncs): wait until one delta reaches both walls.
        var lead = a.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01", "MK-RAID-01"));
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, op, "MK-RAID-01", new { men = 1 }, Api.NewKey())).StatusCode);
        await SettledOn(onA, snapshotA.LastSeq + 1, wallOnA, op);
        await SettledOn(onB, snapshotB.LastSeq + 1, wallOnB, op);

        for (var i = 0; i < 30; i++)
        {
            var response = await Api.PostReport(lead, op, i % 2 == 0 ? "AR-RAID-01" : "MK-RAID-01", new { children = 1, note = "<script>alert(1)</script>" }, Api.NewKey());
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        foreach (var deltas in new[] { await Hubs.Take(onB, 30), await Hubs.Take(onA, 30) })
        {
            Assert.Equal(Enumerable.Range(3, 30).Select(i => (long)i), deltas.Select(d => d.Seq));
            Assert.Equal(30, deltas[^1].Totals.Children);
            Assert.Equal(15, deltas[^1].Region!.Totals.Children);
            Assert.Equal(15, deltas[^1].Team!.Totals.Children);
            Assert.Equal("<script>alert(1)</script>", deltas[0].Report!.Note);
        }
    }

    // Waits until the delta with seq reaches the wall; if the wall saw nothing in a while it rejoins (as walls do).
    private static async Task SettledOn(System.Threading.Channels.ChannelReader<OperationDelta> deltas, long seq, HubConnection wall, string op)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var d = (await Hubs.Take(deltas, 1, TimeSpan.FromSeconds(6)))[0];
                if (d.Seq >= seq) return;
            }
            catch (TimeoutException)
            {
                var snapshot = await wall.InvokeAsync<OperationView>("JoinOperation", op);
                if (snapshot.LastSeq >= seq) return;
            }
        }

        throw new TimeoutException($"delta {seq} never reached the wall");
    }

    [Fact]
    public async Task the_server_flags_a_silent_team_by_itself_and_every_wall_is_told()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("overdue");
        await using var server = await InProcessServer.StartAsync(connectionString, null, (Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>?)null,
            "--Silo:CheckInInterval=00:00:02", "--Silo:CheckInScan=00:00:01");
        var op = await Api.DefineOperation(server.Http);
        await using var wall = await Hubs.Connect(server.Address, TestAuth.Token(Roles.Wall));
        var deltas = Hubs.Deltas(wall);
        await wall.InvokeAsync<OperationView>("JoinOperation", op);

        var lead = server.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, op, "AR-RAID-01", new { status = "Briefed" }, Api.NewKey())).StatusCode);
        var received = await Hubs.Take(deltas, 2, TimeSpan.FromSeconds(20));
        Assert.Equal("FieldReported", received[0].Kind);
        Assert.Equal("CheckInOverdue", received[1].Kind);
        Assert.NotNull(received[1].Team!.OverdueSince);
        Assert.Equal(1, received[1].TeamsOverdue);
        Assert.Equal(1, (await Api.Operation(server.Http, op)).TeamsOverdue);

        // The check is a durable reminder in PostgreSQL too: it comes back on any silo, even with no display open.
        await using var db = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand("SELECT count(*) FROM orleansreminderstable WHERE remindername = 'check-ins' AND grainid LIKE $1");
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = $"%{op}%" });
        Assert.Equal(1L, await cmd.ExecuteScalarAsync());

        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, op, "AR-RAID-01", new { children = 2 }, Api.NewKey())).StatusCode);
        var cleared = (await Hubs.Take(deltas, 1))[0];
        Assert.Null(cleared.Team!.OverdueSince);
        Assert.Equal(0, cleared.TeamsOverdue);
    }

    [Fact]
    public async Task a_join_refused_leaves_the_connection_unsubscribed()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("join-refused");
        await using var server = await InProcessServer.StartAsync(connectionString);
        await using var wall = await Hubs.Connect(server.Address, TestAuth.Token(Roles.Wall));
        var deltas = Hubs.Deltas(wall);

        // Joined before it exists: refused. Once it is defined and reported to, nothing of it reaches this connection.
        var later = $"op-{Guid.NewGuid():N}"[..16];
        await Assert.ThrowsAsync<HubException>(() => wall.InvokeAsync<OperationView>("JoinOperation", later));
        await TestOperations.DefineAsync(server.Http, "op", "Defined after a refused join", true, TestOperations.TwoRegions, TestOperations.FourTeams, id: later);
        var watched = await Api.DefineOperation(server.Http);
        Assert.Equal(1, (await wall.InvokeAsync<OperationView>("JoinOperation", watched)).LastSeq);

        var lead = server.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, later, "AR-RAID-01", new { children = 1 }, Api.NewKey())).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, watched, "AR-RAID-01", new { children = 2 }, Api.NewKey())).StatusCode);
        var received = await Hubs.Take(deltas, 1);
        await Task.Delay(TimeSpan.FromMilliseconds(500));   // anything else on its way arrives meanwhile
        while (deltas.TryRead(out var more)) received.Add(more);
        Assert.Equal([watched], received.Select(d => d.OperationId).Distinct());
    }

    [Fact]
    public async Task an_event_whose_writer_never_published_it_reaches_the_walls_from_the_timelines_own_notice()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("notice");
        await using var server = await InProcessServer.StartAsync(connectionString);
        var op = await Api.DefineOperation(server.Http);
        await using var wall = await Hubs.Connect(server.Address, TestAuth.Token(Roles.Wall));
        var deltas = Hubs.Deltas(wall);
        Assert.Equal(1, (await wall.InvokeAsync<OperationView>("JoinOperation", op)).LastSeq);

        // As a writer whose silo died between its commit and its publish leaves it: in the timeline, sent to nobody.
        await using var db = Liberterra.Command.Storage.PostgresTimelineStore.CreateDataSource(connectionString);
        var report = new Liberterra.Command.Domain.FieldReported(new Liberterra.Command.Domain.FieldReport(
            null, new Liberterra.Command.Domain.Tally(2, 0, 0, 0), [], null, null));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await new Liberterra.Command.Storage.PostgresTimelineStore(db).AppendAsync(op,
            [new Liberterra.Command.Domain.TimelineEvent(2, op, DateTimeOffset.UtcNow, null, "lead", "AR-RAID-01", "orphan-0001", report)]);

        // No later commit shows the gap; PostgreSQL's notice of the commit does, and the relay reads the event back.
        var delta = Assert.Single(await Hubs.Take(deltas, 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(2, delta.Seq);
        Assert.Equal(2, delta.Totals.Children);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"arrived after {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task a_connection_closes_when_its_credential_expires()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("expiry");
        await using var server = await InProcessServer.StartAsync(connectionString);
        var token = TestAuth.Token(Roles.Wall, "short-lived-wall", [], null, TimeSpan.FromSeconds(3));
        await using var wall = await Hubs.Connect(server.Address, token);
        var closed = new TaskCompletionSource<Exception?>();
        wall.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };

        var finished = await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.Same(closed.Task, finished);
        Assert.Equal(HubConnectionState.Disconnected, wall.State);
    }

    [Fact]
    public async Task hub_invocations_are_rate_limited_per_principal_and_messages_are_size_limited()
    {
        await using var server = await InProcessServer.StartOnNewDatabaseAsync("hublimits", "--RateLimits:PermitsPerSecond=2", "--RateLimits:Burst=3");
        var op = await Api.DefineOperation(server.Http);
        await using var wall = await Hubs.Connect(server.Address, TestAuth.Token(Roles.Wall, "eager-wall", []));
        var errors = new List<Exception?>();
        for (var i = 0; i < 8; i++) errors.Add(await Record.ExceptionAsync(() => wall.InvokeAsync<OperationView>("JoinOperation", op)));
        Assert.Contains(errors, e => e is HubException h && h.Message.Contains("Too many requests", StringComparison.Ordinal));
        Assert.Contains(errors, e => e is null);

        await using var big = await Hubs.Connect(server.Address, TestAuth.Token(Roles.Wall, "big-wall", []));
        var closed = new TaskCompletionSource<Exception?>();
        big.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        await Record.ExceptionAsync(() => big.InvokeAsync("JoinOperation", new string('x', 64 * 1024)));
        Assert.Same(closed.Task, await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(15))));
    }
}
