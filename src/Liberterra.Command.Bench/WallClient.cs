using System.Diagnostics;
using System.Text.Json;
using Liberterra.Command.Contracts;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Bench;

/// <summary>One display on the live hub: records when each sequence number (or, for the TAK benchmark, each team position) arrived, and repeats.</summary>
internal sealed class WallClient : IAsyncDisposable
{
    private readonly HubConnection _hub;
    private readonly Dictionary<long, long> _arrivals = new(100_000);
    private long _duplicates;

    private WallClient(HubConnection hub, Func<string, PositionView, long?>? positionKey = null)
    {
        _hub = hub;
        if (positionKey is not null)
        {
            // A TAK benchmark's wall: each team's position change, under the key the benchmark gives it (its device and
            // the number of that report, read back from the position); the rest of each delta is skipped.
            hub.On<PositionOnly[]>(HubMessages.Deltas, batch =>
            {
                var now = Stopwatch.GetTimestamp();
                lock (_arrivals)
                {
                    foreach (var d in batch)
                        if (d is { Kind: "PositionReported", TeamId: { } team, Team.Position: { } at } && positionKey(team, at) is { } key && !_arrivals.TryAdd(key, now))
                            _duplicates++;
                }
            });
            return;
        }

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

    public static Task<WallClient> ConnectAsync(Uri hubUrl, string token, string operation, CancellationToken ct) =>
        ConnectAsync(hubUrl, token, operation, null, ct);

    /// <summary>
    /// A wall that records when each team's position arrives (PositionReported deltas) instead of sequence numbers:
    /// <paramref name="positionKey"/> gives the key of a team's position (null: none of the benchmark's).
    /// </summary>
    public static async Task<WallClient> ConnectAsync(Uri hubUrl, string token, string operation, Func<string, PositionView, long?>? positionKey, CancellationToken ct)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(hubUrl, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var wall = new WallClient(hub, positionKey);
        await hub.StartAsync(ct);
        await hub.InvokeAsync<JsonElement>("JoinOperation", operation, ct);
        return wall;
    }

    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}

internal sealed record SeqOnly(long Seq);

/// <summary>What a TAK benchmark's wall reads of a delta: its kind, its team and the team's position.</summary>
internal sealed record PositionOnly(string Kind, string? TeamId, TeamPositionOnly? Team);

internal sealed record TeamPositionOnly(PositionView? Position);
