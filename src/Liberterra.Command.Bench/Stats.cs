namespace Liberterra.Command.Bench;

/// <summary>Latencies summed up: how many, the median, the 99th percentile, the largest, and the 90th percentile.</summary>
internal sealed record Stats(int Count, double P50, double P99, double Max, double P90 = double.NaN)
{
    public static Stats Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return new Stats(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length == 0 ? double.NaN : sorted[^1], Percentile(sorted, 0.90));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
