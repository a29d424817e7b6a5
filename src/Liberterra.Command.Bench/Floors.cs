using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace Liberterra.Command.Bench;

internal static class Floors
{
    public static async Task EnsureRawTable(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var create = db.CreateCommand(
            "CREATE TABLE IF NOT EXISTS bench_raw_insert (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), payload jsonb NOT NULL)");
        await create.ExecuteNonQueryAsync(ct);
    }

    public static async Task<Stats> RawInsertFloor(NpgsqlDataSource db, int rate, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        var measuring = false;
        await Load.OpenLoop(rate, warmup, duration, m => measuring = m, async _ =>
        {
            var measured = Volatile.Read(ref measuring);
            var started = Stopwatch.GetTimestamp();
            await using var cmd = db.CreateCommand("INSERT INTO bench_raw_insert (payload) VALUES ($1::jsonb)");
            cmd.Parameters.Add(new NpgsqlParameter { Value = RawPayload });
            await cmd.ExecuteNonQueryAsync(ct);
            if (measured) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }, null, ct);
        return Stats.Of(latencies);
    }

    public static readonly string RawPayload = JsonSerializer.Serialize(new
    {
        kind = "FieldReported", report = new { status = (string?)null, counts = new { children = 1, women = 0, men = 0, arrested = 1 }, exploitationTypes = Array.Empty<string>(), position = (object?)null, note = (string?)null },
    });

    // About the size of a delta as walls receive it (the event, its team, its region and the totals).
    public static readonly string BroadcastPayload = new('x', 1200);

    public static async Task<Stats> BroadcastFloor(Uri echo, int rate, int walls, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        var listeners = new List<HubConnection>();
        var arrivals = new ConcurrentDictionary<long, ConcurrentBag<long>>();
        await using var publisher = new HubConnectionBuilder().WithUrl(new Uri(echo, EchoHubServer.Path)).Build();
        try
        {
            for (var i = 0; i < walls; i++)
            {
                var listener = new HubConnectionBuilder().WithUrl(new Uri(echo, EchoHubServer.Path)).Build();
                listener.On<long, string>("m", (seq, _) => arrivals.GetOrAdd(seq, _ => []).Add(Stopwatch.GetTimestamp()));
                await listener.StartAsync(ct);
                await listener.InvokeAsync("Listen", ct);
                listeners.Add(listener);
            }

            await publisher.StartAsync(ct);
            var sent = new ConcurrentDictionary<long, long>();
            var measuring = false;
            await Load.OpenLoop(rate, warmup, duration, m => measuring = m, async i =>
            {
                var measured = Volatile.Read(ref measuring);
                var started = Stopwatch.GetTimestamp();
                if (measured) sent[i] = started;
                await publisher.SendAsync("Publish", i, BroadcastPayload, ct);
            }, null, ct);
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(5) && sent.Keys.Any(s => !arrivals.TryGetValue(s, out var a) || a.Count < walls))
                await Task.Delay(50, ct);
            return Stats.Of(sent.SelectMany(s => arrivals.TryGetValue(s.Key, out var a)
                ? a.Select(at => Stopwatch.GetElapsedTime(s.Value, at).TotalMilliseconds)
                : []));
        }
        finally
        {
            foreach (var l in listeners) await l.DisposeAsync();
        }
    }

}
