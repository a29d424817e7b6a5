using System.Globalization;
using Npgsql;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// Listens to PostgreSQL's notice of every timeline commit (migration 0011: channel <c>liberterra_timeline</c>, payload
/// <c>'{operation} {last seq}'</c>) and tells the <see cref="WallRelay"/>. The one-way publish from the writer's silo is
/// the push path; this is its backstop for the one case it cannot cover: a writer whose silo dies between its commit and
/// its publish. Its last events would otherwise reach the other silos' displays only when the operation next commits,
/// on a survivor, after the cluster has declared the silo dead (10-14 s). One connection per silo, outside the pool.
/// </summary>
public sealed partial class TimelineNotices(string connectionString, WallRelay relay, ILogger<TimelineNotices> logger) : BackgroundService
{
    /// <summary>The channel migration 0011 notifies on.</summary>
    public const string Channel = "liberterra_timeline";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 15 };
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Notice(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                if (failures > 0) LogListeningAgain(failures);
                failures = 0;
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Once per outage, not per attempt: the publish path carries on meanwhile.
                if (failures++ == 0) LogNotListening(ex.GetType().Name, ex.GetBaseException().Message.Split('\n')[0]);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures)), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Notice(string payload)
    {
        var space = payload.LastIndexOf(' ');
        if (space > 0 && long.TryParse(payload.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            relay.Committed(payload[..space], seq);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not listening to the timeline's commit notices ({Error}: {Message}); displays are fed by the writers' publish alone until it is back")]
    private partial void LogNotListening(string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening to the timeline's commit notices again after {Failures} failed attempts")]
    private partial void LogListeningAgain(int failures);
}
