using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Api.Tests;

/// <summary>Replays over SignalR: to the debriefer's own connection, at any speed, with seek and step; the live operation untouched.</summary>
[Collection(ServerCollection.Name)]
public class ReplayTests(ServerFixture server)
{
    /// <summary>What a replay client receives, in order.</summary>
    private sealed class Recorder
    {
        public readonly Channel<object> Messages = Channel.CreateUnbounded<object>();

        public Recorder(HubConnection hub)
        {
            hub.On<string, OperationView, DateTimeOffset>(ReplayMessages.Snapshot, (id, view, _) => Messages.Writer.TryWrite(view));
            hub.On<string, OperationDelta[]>(ReplayMessages.Deltas, (id, deltas) => { foreach (var d in deltas) Messages.Writer.TryWrite(d); });
            hub.On<ReplayStatus>(ReplayMessages.Status, s => Messages.Writer.TryWrite(s));
        }

        public async Task<T> Next<T>(Func<T, bool>? where = null, TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
            while (true)
            {
                var m = await Messages.Reader.ReadAsync(cts.Token);
                if (m is T t && (where is null || where(t))) return t;
            }
        }
    }

    private async Task<(string Op, OperationView Live)> ScenarioWithReports(int reports)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "scenarios", "liberterra-ii.json"));
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        var op = $"replay-{Guid.NewGuid():N}"[..20];
        node["id"] = op;
        Assert.Equal(HttpStatusCode.Created, (await server.Http.PutAsync($"/api/operations/{op}",
            new StringContent(node.ToJsonString(), System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        var teams = (await Api.Operation(server.Http, op)).Teams.Select(t => t.Id).ToArray();
        await Parallel.ForAsync(0, reports, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var response = await Api.PostReport(server.Http, op, teams[i % teams.Length], new { children = i % 3, women = i % 4, men = i % 2, arrested = i % 5 }, Api.NewKey());
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        });
        return (op, await Api.Operation(server.Http, op));
    }

    [Fact]
    public async Task replaying_the_whole_scenario_at_3600x_ends_on_exactly_the_live_totals()
    {
        var (op, live) = await ScenarioWithReports(400);
        await using var hub = await Hubs.Connect(server.Server.Address, TestAuth.Token(Roles.Debriefer), ReplayMessages.Path);
        var recorder = new Recorder(hub);
        var started = await hub.InvokeAsync<ReplayStarted>("StartReplay", new ReplayRequest(op, Speed: 3600));
        Assert.Equal(2, started.FirstSeq);                       // right after the definition
        Assert.Equal(live.LastSeq, started.LastSeq);
        Assert.Equal(0, started.Snapshot.Totals.Rescued);

        var seqs = new List<long>();
        var totals = started.Snapshot.Totals;
        while (true)
        {
            var m = await Messages(recorder);
            if (m is OperationDelta d) { seqs.Add(d.Seq); totals = d.Totals; }
            if (m is ReplayStatus { State: "ended" }) break;
        }

        Assert.Equal(Enumerable.Range(2, (int)live.LastSeq - 1).Select(i => (long)i), seqs);   // each event once, in order
        Assert.Equal(live.Totals, totals);
        Assert.Equal(live.LastSeq, (await Api.Operation(server.Http, op)).LastSeq);          // the live operation untouched
    }

    [Fact]
    public async Task several_replays_run_at_once_each_with_its_own_position()
    {
        var (op, live) = await ScenarioWithReports(80);
        await using var hub = await Hubs.Connect(server.Server.Address, TestAuth.Token(Roles.Debriefer), ReplayMessages.Path);
        var last = new ConcurrentDictionary<string, long>();
        var ended = new ConcurrentDictionary<string, TaskCompletionSource>();
        hub.On<string, OperationDelta[]>(ReplayMessages.Deltas, (id, deltas) => last[id] = deltas[^1].Seq);
        hub.On<ReplayStatus>(ReplayMessages.Status, s => { if (s.State == "ended") ended.GetOrAdd(s.ReplayId, _ => new()).TrySetResult(); });

        var fast = await hub.InvokeAsync<ReplayStarted>("StartReplay", new ReplayRequest(op, Speed: 3600));
        var slow = await hub.InvokeAsync<ReplayStarted>("StartReplay", new ReplayRequest(op, Speed: 1));
        await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(slow.ReplayId, "pause"));
        await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(slow.ReplayId, "seek", Seq: 30));
        await ended.GetOrAdd(fast.ReplayId, _ => new()).Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(live.LastSeq, last[fast.ReplayId]);
        var slowStatus = await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(slow.ReplayId, "pause"));
        Assert.Equal(30, slowStatus.Seq);                       // the paused one stayed where it was put
        Assert.Equal("paused", slowStatus.State);
    }

    private static async Task<object> Messages(Recorder r)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await r.Messages.Reader.ReadAsync(cts.Token);
    }

    [Fact]
    public async Task a_replay_started_paused_plays_nothing_until_told_to()
    {
        // The debrief starts paused: before, it started playing and paused a moment later, so the page briefly
        // showed the replay running ahead ("event 22 of 69") before jumping back to the start.
        var (op, _) = await ScenarioWithReports(30);
        await using var hub = await Hubs.Connect(server.Server.Address, TestAuth.Token(Roles.Debriefer), ReplayMessages.Path);
        var recorder = new Recorder(hub);
        var started = await hub.InvokeAsync<ReplayStarted>("StartReplay", new ReplayRequest(op, Speed: 3600, Paused: true));
        var status = await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "speed", Speed: 3600));
        Assert.Equal("paused", status.State);
        Assert.Equal(started.FirstSeq - 1, status.Seq);

        // Played, the first delta it sends is the first event: nothing was sent before.
        await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "resume"));
        var first = await recorder.Next<OperationDelta>();
        Assert.Equal(started.FirstSeq, first.Seq);
    }

    [Fact]
    public async Task a_paused_replay_seeks_backwards_and_steps_and_other_connections_hear_nothing()
    {
        var (op, _) = await ScenarioWithReports(60);
        var debriefer = TestAuth.Token(Roles.Debriefer);
        await using var hub = await Hubs.Connect(server.Server.Address, debriefer, ReplayMessages.Path);
        await using var other = await Hubs.Connect(server.Server.Address, debriefer, ReplayMessages.Path);
        var recorder = new Recorder(hub);
        var overheard = new Recorder(other);
        var started = await hub.InvokeAsync<ReplayStarted>("StartReplay", new ReplayRequest(op, Speed: 1));
        await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "pause"));

        // Jump to event 40, then back to 10: each time a snapshot equal to the state at that event.
        var http = server.Server.Client(debriefer);
        foreach (var seq in new long[] { 40, 10 })
        {
            var status = await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "seek", Seq: seq));
            Assert.Equal(seq, status.Seq);
            var snapshot = await recorder.Next<OperationView>(v => v.LastSeq == seq);
            var truth = await http.GetFromJsonAsync<OperationView>($"/api/operations/{op}/state?seq={seq}", Api.Json);
            Assert.Equal(JsonSerializer.Serialize(truth, Api.Json), JsonSerializer.Serialize(snapshot, Api.Json));
        }

        // One event forward, one back.
        var forward = await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "step"));
        Assert.Equal(11, forward.Seq);
        Assert.Equal("paused", forward.State);
        Assert.Equal(11, (await recorder.Next<OperationDelta>()).Seq);
        var back = await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "step", Seq: -1));
        Assert.Equal(10, back.Seq);
        Assert.Equal(10, (await recorder.Next<OperationView>(v => v.LastSeq == 10)).LastSeq);

        // Faster, then resumed: it plays on to the end.
        await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "speed", Speed: 3600));
        await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "resume"));
        var end = await recorder.Next<ReplayStatus>(s => s.State == "ended");
        Assert.Equal(started.LastSeq, end.Seq);
        Assert.False(overheard.Messages.Reader.TryRead(out _), "another connection received this replay");

        var refused = await Record.ExceptionAsync(() => hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "speed", Speed: 0)));
        Assert.Contains("speed", refused!.Message);
        var tooFast = await Record.ExceptionAsync(() => hub.InvokeAsync<ReplayStarted>("StartReplay", new ReplayRequest(op, Speed: 10_000)));
        Assert.IsType<HubException>(tooFast);
        Assert.Contains("speed", tooFast.Message);
        var stopped = await hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "stop"));
        Assert.Equal("stopped", stopped.State);
        Assert.Contains("No such replay", (await Record.ExceptionAsync(() =>
            hub.InvokeAsync<ReplayStatus>("ControlReplay", new ReplayControl(started.ReplayId, "pause"))))!.Message);
    }
}
