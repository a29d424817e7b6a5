using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Liberterra.Command.Bench;

/// <summary>
/// <c>liberterra-bench compare</c>: the ratios of issue #19, from the results files of the runs <c>deploy/bench.sh</c>
/// made in one invocation. <c>scale</c>: step-mode runs of one silo on PostgreSQL, the same server with
/// <c>Silo:Storage=Memory</c>, and three silos; <c>failover</c>: a short and a long operation's failover; <c>tak</c>: TAK
/// positions with every one stored and with the default sampling.
/// </summary>
internal static class CompareCommand
{
    public static System.CommandLine.Command Create()
    {
        var one = new Option<FileInfo>("--one") { Description = "e2e results: one silo, PostgreSQL.", Required = true };
        var memory = new Option<FileInfo>("--memory") { Description = "e2e results: one silo, Silo:Storage=Memory.", Required = true };
        var three = new Option<FileInfo>("--three") { Description = "e2e results: three silos, PostgreSQL.", Required = true };
        var cpuRate = new Option<int>("--cpu-rate") { Description = "The offered rate at which CPU per report is compared (a step every run made).", DefaultValueFactory = _ => 500 };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Write the comparison as Markdown to this file." };
        var scale = new System.CommandLine.Command("scale", "Step rates and CPU per report: three silos against one, PostgreSQL against memory.") { one, memory, three, cpuRate, markdown };
        scale.SetAction(async (parse, ct) =>
        {
            var runs = new[] { ("1 silo, PostgreSQL", parse.GetValue(one)!), ("1 silo, memory", parse.GetValue(memory)!), ("3 silos, PostgreSQL", parse.GetValue(three)!) }
                .Select(r => (Name: r.Item1, Result: JsonSerializer.Deserialize<EndToEndBenchmark.Result>(File.ReadAllText(r.Item2.FullName), BenchJson.Results)!))
                .ToArray();
            var rate = parse.GetValue(cpuRate);
            double? CpuAt(EndToEndBenchmark.Result r) => r.Rows.FirstOrDefault(x => x.Rate == rate)?.CpuMsPerReport;
            var b = new StringBuilder();
            b.AppendLine($"| run | highest passing step rate | CPU ms per acknowledged report at {rate:N0}/s (servers + PostgreSQL) | silos declared dead |");
            b.AppendLine("| --- | ---: | ---: | ---: |");
            foreach (var (name, r) in runs)
                b.AppendLine($"| {name} | {Format(r.StepBestRate)} | {Format(CpuAt(r), "N2")} | {r.DeadSilos} |");
            b.AppendLine();
            b.AppendLine($"- 3 silos ÷ 1 silo, step rate: **{Ratio(runs[2].Result.StepBestRate, runs[0].Result.StepBestRate)}** (target ≥ 0.7)");
            b.AppendLine($"- 3 silos ÷ 1 silo, CPU per report at {rate:N0}/s: **{Ratio(CpuAt(runs[2].Result), CpuAt(runs[0].Result))}** (target ≤ 1.5)");
            b.AppendLine($"- PostgreSQL ÷ memory, 1 silo, step rate: **{Ratio(runs[0].Result.StepBestRate, runs[1].Result.StepBestRate)}** (target ≥ 0.8)");
            b.AppendLine($"- PostgreSQL − memory, 1 silo, CPU per report at {rate:N0}/s: {Format(CpuAt(runs[0].Result) - CpuAt(runs[1].Result), "N2")} ms");
            return await Write(b.ToString(), parse.GetValue(markdown), ct);
        });

        var small = new Option<FileInfo>("--small") { Description = "failover results: the short operation.", Required = true };
        var large = new Option<FileInfo>("--large") { Description = "failover results: the long operation.", Required = true };
        var failoverMarkdown = new Option<FileInfo?>("--markdown") { Description = "Write the comparison as Markdown to this file." };
        var failover = new System.CommandLine.Command("failover", "A long operation's failover against a short one's: time and the survivor's memory.") { small, large, failoverMarkdown };
        failover.SetAction(async (parse, ct) =>
        {
            var runs = new[] { parse.GetValue(small)!, parse.GetValue(large)! }
                .Select(f => JsonSerializer.Deserialize<FailoverBenchmark.Result>(File.ReadAllText(f.FullName), BenchJson.Results)!).ToArray();
            var b = new StringBuilder();
            b.AppendLine("| events | SIGKILL → declared dead s | declared → first 201 s | SIGKILL → first 201 s | survivor RSS before → after MB (growth) | retry answered / reuse refused / timeline exact |");
            b.AppendLine("| ---: | ---: | ---: | ---: | ---: | --- |");
            foreach (var r in runs)
                b.AppendLine($"| {r.Events:N0} | {r.DeclaredSeconds:N2} | {r.ResumedAfterDeclaredSeconds:N2} | {r.KillToResumedSeconds:N2} | {r.SurvivorRssBeforeMb:N0} → {r.SurvivorRssAfterMb:N0} (+{r.SurvivorRssAfterMb - r.SurvivorRssBeforeMb:N0}) | {r.RetryAnswered} / {r.ReuseRefused} / {r.TimelineExact} |");
            b.AppendLine();
            b.AppendLine($"- survivor's resident memory after taking the long operation ÷ after taking the short one: **{runs[1].SurvivorRssAfterMb / runs[0].SurvivorRssAfterMb:N2}** (target ≤ 1.2)");
            b.AppendLine($"- long operation, declared dead → reports again: **{runs[1].ResumedAfterDeclaredSeconds:N2} s** (target ≤ 2 s)");
            return await Write(b.ToString(), parse.GetValue(failoverMarkdown), ct);
        });

        var every = new Option<FileInfo>("--every") { Description = "tak results: every position stored and pushed (Tak:SampleSeconds=0).", Required = true };
        var sampled = new Option<FileInfo>("--sampled") { Description = "tak results: the default sampling (Tak:SampleSeconds=30).", Required = true };
        var takMarkdown = new Option<FileInfo?>("--markdown") { Description = "Write the comparison as Markdown to this file." };
        var tak = new System.CommandLine.Command("tak", "TAK positions with every one stored against the default sampling: latency to the walls and CPU per position.") { every, sampled, takMarkdown };
        tak.SetAction(async (parse, ct) =>
        {
            var runs = new[] { parse.GetValue(every)!, parse.GetValue(sampled)! }
                .Select(f => JsonSerializer.Deserialize<TakBenchmark.Result>(File.ReadAllText(f.FullName), BenchJson.Results)!).ToArray();
            var b = new StringBuilder(TakBenchmark.Markdown(runs));
            b.AppendLine();
            foreach (var r in runs)
                b.AppendLine($"- {r.Name}: position→wall p50 **{r.ToWall.P50:N1} ms**, p99 **{r.ToWall.P99:N1} ms**; server CPU per position received " +
                             $"**{Format(r.CpuMsPerReceived, "N2")} ms** ({Format(r.CpuMsPerReceivedAboveIdle, "N2")} above its CPU at rest), per position committed " +
                             $"**{Format(r.CpuMsPerCommitted, "N2")} ms** ({r.Committed:N0} of {r.Sent:N0} committed); devices cut off as too slow: {r.CutOff:N0}");
            b.AppendLine($"- server CPU per position received, every position stored ÷ sampled: **{Ratio(runs[0].CpuMsPerReceived, runs[1].CpuMsPerReceived)}**");
            return await Write(b.ToString(), parse.GetValue(takMarkdown), ct);
        });

        return new System.CommandLine.Command("compare", "The ratios between runs of one invocation of deploy/bench.sh (scale, failover, tak).") { scale, failover, tak };
    }

    private static string Format(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Format(int? value) => value is { } v ? $"{v.ToString("N0", CultureInfo.InvariantCulture)}/s" : "none";

    private static string Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? (x / y).ToString("N2", CultureInfo.InvariantCulture) : "-";

    private static async Task<int> Write(string table, FileInfo? file, CancellationToken ct)
    {
        Console.WriteLine(table);
        if (file is not null) await File.WriteAllTextAsync(file.FullName, table, ct);
        return 0;
    }
}
