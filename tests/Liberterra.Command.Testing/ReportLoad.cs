using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;

namespace Liberterra.Command.Testing;

/// <summary>
/// Team leads posting reports as a careful client does: each report has its own key, and a failure (an error
/// answer, a refused or dropped connection) is retried with the same key until it is acknowledged.
/// </summary>
public sealed class ReportLoad
{
    private readonly ConcurrentDictionary<string, long> _acknowledged = new();
    private readonly ConcurrentBag<(HttpStatusCode Status, string? RetryAfter, string? ContentType)> _failures = [];
    private int _connectionErrors;

    /// <summary>Key → sequence number of every acknowledged report.</summary>
    public IReadOnlyDictionary<string, long> Acknowledged => _acknowledged;

    /// <summary>Error answers seen (before a retry succeeded).</summary>
    public IReadOnlyCollection<(HttpStatusCode Status, string? RetryAfter, string? ContentType)> Failures => _failures;

    public int ConnectionErrors => _connectionErrors;

    /// <summary>
    /// Runs <paramref name="workers"/> leads, each posting <paramref name="perWorker"/> reports of one child rescued to
    /// its team (workers share teams round-robin). <paramref name="target"/> picks the server for each attempt.
    /// </summary>
    public async Task RunAsync(Func<HttpClient> target, string operationId, IReadOnlyList<string> teams, int workers, int perWorker,
        TimeSpan deadline, CancellationToken stopEarly = default)
    {
        var until = DateTime.UtcNow + deadline;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            for (var i = 0; i < perWorker && !stopEarly.IsCancellationRequested; i++)
            {
                var key = $"load-{operationId}-{w:D3}-{i:D5}";
                var team = teams[(w + i) % teams.Count];
                while (true)
                {
                    if (DateTime.UtcNow > until)
                        throw new TimeoutException($"Report {key} was not acknowledged before the deadline.");
                    try
                    {
                        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/operations/{operationId}/teams/{team}/reports")
                        {
                            Content = JsonContent.Create(new { children = 1 }),
                        };
                        request.Headers.Add("Idempotency-Key", key);
                        using var response = await target().SendAsync(request);
                        if (response.IsSuccessStatusCode)
                        {
                            var ack = await response.Content.ReadFromJsonAsync<AckSeq>();
                            _acknowledged[key] = ack!.Seq;
                            break;
                        }

                        _failures.Add((response.StatusCode, response.Headers.RetryAfter?.ToString(), response.Content.Headers.ContentType?.MediaType));
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        Interlocked.Increment(ref _connectionErrors);
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(50));
                }
            }
        }));
    }

    private sealed record AckSeq(long Seq);
}
