using System.Collections.Concurrent;
using System.Diagnostics;

namespace Liberterra.Command.Bench;

internal static class Load
{
    /// <summary>
    /// Open loop: operation i starts at t0 + i / rate whether or not earlier ones have finished (a slow server gets
    /// more concurrent requests, not fewer), warm-up first, then the measured window. Returns the measured time.
    /// </summary>
    public static async Task<(TimeSpan Elapsed, long Started)> OpenLoop(double rate, TimeSpan warmup, TimeSpan duration, Action<bool> setMeasuring,
        Func<long, Task> operation, ProcessUsage? usage, CancellationToken ct, ProcessUsage? database = null)
    {
        var inFlight = new ConcurrentDictionary<long, Task>();
        var clock = Stopwatch.StartNew();
        var total = warmup + duration;
        long i = 0;
        var measuredFrom = TimeSpan.Zero;
        var started = false;
        while (clock.Elapsed < total)
        {
            if (!started && clock.Elapsed >= warmup)
            {
                started = true;
                measuredFrom = clock.Elapsed;
                setMeasuring(true);
                usage?.Start();
                database?.Start();
            }

            // Launch everything that is due by now; then sleep until the next is due (Task.Delay is ~1 ms coarse).
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            for (; i <= due; i++)
            {
                var n = i;
                var task = Task.Run(() => operation(n), ct);
                inFlight[n] = task;
                _ = task.ContinueWith(_ => inFlight.TryRemove(n, out Task? _), TaskScheduler.Default);
            }

            if (i % 64 == 0) usage?.Sample();
            await Task.Delay(1, ct);
        }

        setMeasuring(false);
        var elapsed = clock.Elapsed - measuredFrom;
        usage?.Stop();
        database?.Stop();
        await Task.WhenAll(inFlight.Values);
        return (elapsed, i);
    }

}
