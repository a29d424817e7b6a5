using System.Diagnostics;
using System.Text.Json;
using Liberterra.Command.Contracts;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Bench;

/// <summary>One display on the live hub: records when each sequence number arrived, and repeats.</summary>
internal sealed class WallClient : IAsyncDisposable
{
    private readonly HubConnection _hub;
    private readonly Dictionary<long, long> _arrivals = new(100_000);
    private long _duplicates;

    private WallClient(HubConnection hub)
    {
        _hub = hub;
        // Only the sequence number is read: the rest of each delta is parsed and skipped, as cheaply as the client allows.
        hub.On<SeqOnly[]>(HubMessages.Deltas, batch =>
        {
            var now = Stopwatch.GetTimestamp();
            lock (_arrivals)
            {
                foreach (var d in batch)
                    if (!_arrivals.TryAdd(d.Seq, now)) _duplicates++;
            }
        });
    }

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public bool Has(long seq)
    {
        lock (_arrivals) return _arrivals.ContainsKey(seq);
    }

    public long? Received(long seq)
    {
        lock (_arrivals) return _arrivals.TryGetValue(seq, out var at) ? at : null;
    }

    /// <summary>
    /// Waits (ten seconds at most) until every wall has every acknowledged report (seq → its POST's start), then gives
    /// the report-to-wall latencies of all (report, wall) pairs, the pairs that never arrived, and the repeats.
    /// </summary>
    public static async Task<(Stats ToWall, long Lost, long Duplicated)> CompletenessAsync(
        IReadOnlyList<WallClient> walls, IReadOnlyDictionary<long, long> sent, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10) && walls.Any(w => sent.Keys.Any(s => !w.Has(s))))
            await Task.Delay(100, ct);

        var toWall = new List<double>(sent.Count * walls.Count);
        long lost = 0, duplicated = 0;
        foreach (var w in walls)
        {
            duplicated += w.Duplicates;
            foreach (var (seq, at) in sent)
            {
                if (w.Received(seq) is { } got) toWall.Add(Stopwatch.GetElapsedTime(at, got).TotalMilliseconds);
                else lost++;
            }
        }

        return (Stats.Of(toWall), lost, duplicated);
    }

    public static async Task<WallClient> ConnectAsync(Uri hubUrl, string token, string operation, CancellationToken ct)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(hubUrl, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var wall = new WallClient(hub);
        await hub.StartAsync(ct);
        await hub.InvokeAsync<JsonElement>("JoinOperation", operation, ct);
        return wall;
    }

    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}

internal sealed record SeqOnly(long Seq);
