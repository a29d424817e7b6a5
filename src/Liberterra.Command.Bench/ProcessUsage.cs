using System.Diagnostics;

namespace Liberterra.Command.Bench;

/// <summary>
/// Server processes' CPU use over the measured window (summed: 200% is two cores busy), the highest resident memory
/// any one of them reached while sampled, and each one's lifetime peak (VmHWM). Linux /proc.
/// </summary>
internal sealed class ProcessUsage(params int[] pids)
{
    /// <summary>
    /// The PostgreSQL server's processes: the postmaster and its children (a backend per connection, the writer, the
    /// WAL writer, the checkpointer), found again at each reading since backends come and go.
    /// </summary>
    public static ProcessUsage OfProcessTree(int root) => new([root]) { _tree = true };

    private bool _tree;
    private Dictionary<int, double> _treeAtStart = [];

    /// <summary>CPU seconds used in the measured window (all processes summed).</summary>
    public double CpuSeconds => _cpuSeconds;

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

    /// <summary>The processes' CPU use over the next <paramref name="window"/>, in percent (200 %: two cores busy).</summary>
    public async Task<double> CpuPercentOver(TimeSpan window, CancellationToken ct)
    {
        var before = _tree ? TreeCpu().Values.Sum() : CpuSecondsNow();
        await Task.Delay(window, ct);
        var after = _tree ? TreeCpu().Values.Sum() : CpuSecondsNow();
        return (after - before) / window.TotalSeconds * 100;
    }

    public void Start()
    {
        if (_tree) _treeAtStart = TreeCpu();
        _cpuAtStart = CpuSecondsNow();
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
        // A process of the tree that was not there at the start used all its CPU in the window; one that ended is missed.
        _cpuSeconds = _tree
            ? TreeCpu().Sum(p => p.Value - _treeAtStart.GetValueOrDefault(p.Key))
            : CpuSecondsNow() - _cpuAtStart;
        _wall = Stopwatch.GetElapsedTime(_started);
        Sample();
    }

    private double CpuSecondsNow() => pids.Sum(pid => Stat(pid) is { } s ? s.Cpu : 0);

    private Dictionary<int, double> TreeCpu()
    {
        var found = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || Stat(pid) is not { } s) continue;
            if (pid == pids[0] || s.Parent == pids[0]) found[pid] = s.Cpu;
        }

        return found;
    }

    // utime + stime in seconds, and the parent's pid, from /proc/<pid>/stat.
    private static (double Cpu, int Parent)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return ((long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond, int.Parse(fields[1]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
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
