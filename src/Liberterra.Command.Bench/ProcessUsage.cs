using System.Diagnostics;

namespace Liberterra.Command.Bench;

/// <summary>
/// Server processes' CPU use over the measured window (summed: 200% is two cores busy), the highest resident memory
/// any one of them reached while sampled, and each one's lifetime peak (VmHWM). Linux /proc.
/// </summary>
internal sealed class ProcessUsage(params int[] pids)
{
    private static readonly double TicksPerSecond = 100;   // USER_HZ on Linux
    private double _cpuAtStart;
    private long _started;
    private double _cpuSeconds;
    private TimeSpan _wall;
    private long _peakRssKb;

    public double? CpuPercent => _wall > TimeSpan.Zero ? _cpuSeconds / _wall.TotalSeconds * 100 : null;

    /// <summary>The highest resident set of one process seen while sampling.</summary>
    public double PeakRssMb => _peakRssKb / 1024.0;

    /// <summary>The highest resident set any of the processes ever had, from the kernel's own record (VmHWM).</summary>
    public double LifetimePeakMb => pids.Max(p => Status(p, "VmHWM:")) / 1024.0;

    public void Start()
    {
        _cpuAtStart = CpuSeconds();
        _started = Stopwatch.GetTimestamp();
    }

    public void Sample()
    {
        foreach (var pid in pids)
        {
            var rss = Status(pid, "VmRSS:");
            if (rss > _peakRssKb) _peakRssKb = rss;
        }
    }

    public void Stop()
    {
        _cpuSeconds = CpuSeconds() - _cpuAtStart;
        _wall = Stopwatch.GetElapsedTime(_started);
        Sample();
    }

    private double CpuSeconds()
    {
        double total = 0;
        foreach (var pid in pids)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                total += (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond;   // utime + stime
            }
            catch (IOException) { }
        }

        return total;
    }

    private static long Status(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException) { }
        return 0;
    }
}
