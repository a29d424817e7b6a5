using System.CommandLine;
using Liberterra.Command.Contracts;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Cli;

/// <summary>
/// <c>liberterra watch</c>: a live text wall. It follows the protocol every display follows: a snapshot on join, then
/// deltas applied in sequence order; a gap, a definition change or a reconnect makes it join again for a fresh
/// snapshot; reconnection never gives up; while disconnected it says since when it has been stale.
/// </summary>
internal static class WatchCommand
{
    public static System.CommandLine.Command Create()
    {
        var operation = new Option<string>("--operation") { Description = "The operation to watch.", Required = true };
        var seconds = new Option<int?>("--seconds") { Description = "Stop after this many seconds (default: until Ctrl-C)." };
        var plain = new Option<bool>("--plain") { Description = "Print each frame below the last instead of redrawing in place." };
        var watch = new System.CommandLine.Command("watch", "A live text wall of an operation, redrawn in place.") { operation, seconds, plain };
        watch.SetAction(async (parse, ct) =>
        {
            var wall = new TextWall(parse.GetValue(operation)!, parse.GetValue(plain));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (parse.GetValue(seconds) is { } s) stop.CancelAfter(TimeSpan.FromSeconds(s));
            return await wall.Run(parse.GetValue(ServerOptions.Server)!, ServerOptions.TokenOf(parse), stop.Token);
        });
        return watch;
    }

    private sealed class TextWall(string operationId, bool plain)
    {
        private readonly Lock _gate = new();
        private readonly List<string> _ticker = [];
        private OperationView? _view;
        private DateTimeOffset? _staleSince;
        private DateTimeOffset _lastChange = DateTimeOffset.UtcNow;
        private bool _resyncWanted;
        private bool _dirty = true;
        private DateTimeOffset _lastRender;

        public async Task<int> Run(Uri server, string? token, CancellationToken stop)
        {
            await using var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(server, HubMessages.Path), o => o.AccessTokenProvider = () => Task.FromResult(token))
                .WithAutomaticReconnect(new ForeverRetry())
                .Build();
            hub.On<OperationDelta[]>(HubMessages.Deltas, Apply);
            hub.Reconnecting += _ => { Stale(); return Task.CompletedTask; };
            hub.Reconnected += _ => { lock (_gate) _resyncWanted = true; return Task.CompletedTask; };
            hub.Closed += _ => { Stale(); return Task.CompletedTask; };

            try
            {
                await hub.StartAsync(stop);
                await Join(hub, stop);
            }
            catch (Exception e) when (e is HttpRequestException or HubException)
            {
                await Console.Error.WriteLineAsync($"liberterra: {e.Message}");
                return e.Message.Contains("401", StringComparison.Ordinal) || e is HubException ? 1 : 3;
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            while (!stop.IsCancellationRequested)
            {
                bool resync;
                lock (_gate) resync = _resyncWanted;
                if (resync && hub.State == HubConnectionState.Connected)
                {
                    try
                    {
                        await Join(hub, stop);
                    }
                    catch (Exception e) when (e is HubException or InvalidOperationException)
                    {
                        lock (_gate) _ticker.Insert(0, $"resync failed: {e.Message}");
                    }
                }

                Render();
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250), stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            _dirty = true;
            Render();
            return 0;
        }

        private async Task Join(HubConnection hub, CancellationToken stop)
        {
            var snapshot = await hub.InvokeAsync<OperationView>("JoinOperation", operationId, stop);
            lock (_gate)
            {
                // Deltas already applied above the snapshot stay; older snapshots never replace newer pictures.
                if (_view is null || snapshot.LastSeq >= _view.LastSeq) _view = snapshot;
                _staleSince = null;
                _resyncWanted = false;
                _dirty = true;
            }
        }

        private void Apply(OperationDelta[] deltas)
        {
            lock (_gate)
            {
                foreach (var d in deltas)
                {
                    if (_view is null || _resyncWanted || d.Seq <= _view.LastSeq) continue;
                    if (d.Seq != _view.LastSeq + 1 || d.Kind == "OperationDefined")
                    {
                        _resyncWanted = true;
                        continue;
                    }

                    _view = _view with
                    {
                        LastSeq = d.Seq,
                        LastEventAt = d.ServerTime,
                        Totals = d.Totals,
                        TeamsActive = d.TeamsActive,
                        TeamsCompleted = d.TeamsCompleted,
                        RaidsCompleted = d.RaidsCompleted,
                        TeamsOverdue = d.TeamsOverdue,
                        Teams = d.Team is null ? _view.Teams : [.. _view.Teams.Select(t => t.Id == d.Team.Id ? d.Team : t)],
                        Regions = d.Region is null ? _view.Regions : [.. _view.Regions.Select(r => r.Id == d.Region.Id
                            ? r with { Totals = d.Region.Totals, ExploitationFound = d.Region.ExploitationFound, LastSeq = d.Region.LastSeq }
                            : r)],
                        Distress = d.Distress is null ? _view.Distress
                            : [.. (_view.Distress ?? []).Where(x => x.Seq != d.Distress.Seq), d.Distress],
                        Orders = d.Order is null ? _view.Orders : [.. (_view.Orders ?? []).Where(x => x.Seq != d.Order.Seq), d.Order],
                    };
                    // A change the credential's agency sees only in the totals (need-to-know) has no line of its own.
                    // Nor does a device's position (it moves the team; the map shows it).
                    if (d.Kind is not ("OperationDefined" or "Withheld" or "PositionReported")) _ticker.Insert(0, Line(d));
                    if (_ticker.Count > 8) _ticker.RemoveRange(8, _ticker.Count - 8);
                    _lastChange = DateTimeOffset.UtcNow;
                    _dirty = true;
                }
            }
        }

        // The server's words for the event (the wall's), and the note when this credential may read it.
        private static string Line(OperationDelta d)
        {
            var note = d.Report?.Note is { Length: > 0 } n ? "  \u201c" + Tables.Printable(n, 80) + "\u201d" : "";
            return $"#{d.Seq} {d.ServerTime:HH:mm:ss} {d.TeamId}  {Tables.Printable(d.Summary, 160)}{note}";
        }

        private void Stale()
        {
            lock (_gate)
            {
                _staleSince ??= DateTimeOffset.UtcNow;
                _dirty = true;
            }
        }

        private void Render()
        {
            string frame;
            lock (_gate)
            {
                var now = DateTimeOffset.UtcNow;
                // Redraw on a change, and every second anyway so that the clock and "N s ago" stay true.
                if (!_dirty && now - _lastRender < TimeSpan.FromSeconds(1)) return;
                _dirty = false;
                _lastRender = now;
                var w = new StringWriter();
                // A distress call nobody has taken comes first, above everything, as on the wall.
                foreach (var call in _view?.Distress?.Where(x => x.Open) ?? [])
                    w.WriteLine($"!!! {OrderCommands.Describe(call)} !!!  (liberterra distress take --operation {operationId} --call {call.Seq})");
                var orders = _view?.Orders?.Where(o => o.Open).ToList() ?? [];
                if (orders.Count > 0) w.WriteLine($"{orders.Count} order(s) awaiting answers{(orders.Any(o => o.Overdue.Count > 0) ? ", some OVERDUE" : "")}: liberterra orders --operation {operationId} --open");
                w.Write(_view is null ? $"joining {operationId}...\n" : Tables.Operation(_view, now, regions: 12));
                w.WriteLine();
                w.WriteLine("LATEST REPORTS");
                foreach (var line in _ticker) w.WriteLine("  " + line);
                w.WriteLine();
                w.WriteLine(_staleSince is { } since
                    ? $"*** STALE: disconnected since {since:HH:mm:ss} UTC ({(now - since).TotalSeconds:0} s), reconnecting ***"
                    : $"live  {now:HH:mm:ss} UTC  (last change {(now - _lastChange).TotalSeconds:0} s ago)");
                frame = w.ToString();
            }

            if (plain) Console.WriteLine(frame + "----");
            else Console.Write("\u001b[H\u001b[2J" + frame);
        }
    }

    /// <summary>Never gives up: 0, 1, 2, 4 s, then every 5 s.</summary>
    private sealed class ForeverRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext context) =>
            TimeSpan.FromSeconds(Math.Min(5, context.PreviousRetryCount == 0 ? 0 : Math.Pow(2, context.PreviousRetryCount - 1)));
    }
}
