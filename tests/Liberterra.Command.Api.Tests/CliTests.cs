using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// The <c>liberterra</c> command as a process against a running server: output, exit codes, retries (the benchmark
/// harness is <see cref="BenchHarnessTests"/>).
/// </summary>
[Collection(ServerCollection.Name)]
public class CliTests(ServerFixture server)
{
    private Task<CommandRun> Cli(string? token, IDictionary<string, string>? env, params string[] args) =>
        CommandRun.StartAsync(server.Server.Address, Repository.Cli, token, env, args);

    [Fact]
    public async Task scenario_load_exercise_makes_a_copy_whose_window_starts_now_on_a_compressed_clock()
    {
        var scenario = Path.Combine(Repository.Root, "deploy", "scenarios", "liberterra-ii.json");
        var id = $"ex-{Guid.NewGuid():N}"[..16];
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var run = await Cli(TestAuth.Token(Roles.Admin), null, "scenario", "load", scenario, "--exercise", "--clock-speed", "600", "--id", id);
        Assert.Equal(0, run.Exit);
        Assert.Contains($"{id}: created: Operation Liberterra II (exercise)", run.Out);
        Assert.Contains("EXERCISE, clock 600x real time (the window passes in 00:14:24)", run.Out);

        var copy = await Api.Operation(server.Http, id);
        Assert.True(copy.Exercise);
        Assert.Equal(600, copy.ClockSpeed);
        Assert.InRange(copy.WindowStart, before, DateTimeOffset.UtcNow);
        Assert.Equal(TimeSpan.FromDays(6), copy.WindowEnd - copy.WindowStart);
        Assert.Equal(142, copy.Teams.Count);
        Assert.Contains("clock 600x real time", (await Cli(TestAuth.Token(Roles.Admin), null, "status", "--operation", id)).Out);

        // Without --exercise the scenario keeps its own id and real time: a clock speed there is a mistake, said so.
        var mistaken = await Cli(TestAuth.Token(Roles.Admin), null, "scenario", "load", scenario, "--clock-speed", "600");
        Assert.Equal(2, mistaken.Exit);
        Assert.Contains("--clock-speed and --id go with --exercise", mistaken.Err);
    }

    [Fact]
    public async Task report_prints_its_key_first_and_a_retry_with_that_key_counts_nothing_twice()
    {
        var op = await Api.DefineOperation(server.Http);
        var lead = TestAuth.Token(Roles.TeamLead, "AR-RAID-01");
        var first = await Cli(lead, null, "report", "--operation", op, "--team", "AR-RAID-01", "--status", "Briefed",
            "--children", "4", "--women", "2", "--arrested", "3", "--type", "forced-labour", "--note", "barn behind the house");
        Assert.Equal(0, first.Exit);
        var key = first.Out.Split('\n')[0]["key ".Length..].Trim();
        Assert.Matches("^[0-9a-f-]{36}$", key);
        Assert.Contains("accepted as #2", first.Out);

        var retry = await Cli(lead, null, "report", "--operation", op, "--team", "AR-RAID-01", "--status", "Briefed",
            "--children", "4", "--women", "2", "--arrested", "3", "--type", "forced-labour", "--note", "barn behind the house", "--key", key);
        Assert.Equal(0, retry.Exit);
        Assert.Contains("already accepted as #2", retry.Out);
        Assert.Contains("nothing counted twice", retry.Out);
        var state = await Api.Operation(server.Http, op);
        Assert.Equal(new TotalsView(4, 2, 0, 6, 3), state.Totals);
        Assert.Equal(2, state.LastSeq);
    }

    [Fact]
    public async Task a_refused_report_exits_1_and_says_why_in_plain_words()
    {
        var op = await Api.DefineOperation(server.Http);
        var lead = TestAuth.Token(Roles.TeamLead, "AR-RAID-01");
        var illegal = await Cli(lead, null, "report", "--operation", op, "--team", "AR-RAID-01", "--status", "Completed");
        Assert.Equal(1, illegal.Exit);
        Assert.Contains("409 Illegal status transition.", illegal.Err);
        Assert.Contains("Allowed next: Briefed, Holding, Aborted", illegal.Err);

        var range = await Cli(lead, null, "report", "--operation", op, "--team", "AR-RAID-01", "--children", "-3");
        Assert.Equal(1, range.Exit);
        Assert.Contains("children: must be a whole number from 0 to 1000", range.Err);
        // Said once: a validation refusal's detail repeats its fields' messages, and only the fields are printed.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(range.Err, "must be a whole number from 0 to 1000"));

        // A 403 for a team the credential does not cover says which teams it covers (from its own claims).
        var otherTeam = await Cli(lead, null, "report", "--operation", op, "--team", "MK-RAID-01", "--children", "1");
        Assert.Equal(1, otherTeam.Exit);
        Assert.Contains("403", otherTeam.Err);
        Assert.Contains("this credential (team-lead) covers team AR-RAID-01 only", otherTeam.Err);

        var noCredential = await Cli(null, null, "report", "--operation", op, "--team", "AR-RAID-01", "--children", "1");
        Assert.Equal(1, noCredential.Exit);
        Assert.Contains("401", noCredential.Err);
        Assert.Equal(1, (await Api.Operation(server.Http, op)).LastSeq);
    }

    [Fact]
    public async Task an_unreachable_server_exits_3_and_tells_the_key_to_retry_with()
    {
        var run = await Cli(TestAuth.Token(Roles.Admin), new Dictionary<string, string> { ["LIBERTERRA_SERVER"] = $"http://127.0.0.1:{Ports.Free()}" },
            "report", "--operation", "liberterra-ii", "--team", "AR-RAID-01", "--children", "1");
        Assert.Equal(3, run.Exit);
        Assert.Contains("retry with --key", run.Err);
    }

    [Fact]
    public async Task timeline_export_writes_csv_json_and_geojson_and_refuses_a_team_lead()
    {
        var op = await Api.DefineOperation(server.Http);
        await Api.PostReport(server.Http, op, "AR-RAID-01", new { children = 2, position = new { latitude = -34.1, longitude = -64.0 } }, Api.NewKey());
        await Api.PostReport(server.Http, op, "MK-RAID-01", new { women = 1 }, Api.NewKey());
        var debriefer = TestAuth.Token(Roles.Debriefer);

        var csv = await Cli(debriefer, null, "timeline", "export", "--operation", op, "--format", "csv");
        Assert.Equal(0, csv.Exit);
        var lines = csv.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);                                  // header, definition, two reports
        Assert.StartsWith("seq,kind,server_time", lines[0]);
        Assert.StartsWith("3,FieldReported,", lines[3]);

        var file = Path.Combine(Path.GetTempPath(), $"{op}.json");
        var json = await Cli(debriefer, null, "timeline", "export", "--operation", op, "--format", "json", "--out", file);
        Assert.Equal(0, json.Exit);
        Assert.Contains("wrote", json.Err);
        var entries = JsonSerializer.Deserialize<TimelineEntry[]>(await File.ReadAllTextAsync(file), Api.Json)!;
        Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Seq));
        File.Delete(file);

        var positions = await Cli(debriefer, null, "timeline", "export", "--operation", op, "--format", "positions");
        Assert.Equal(0, positions.Exit);
        Assert.Equal(1, JsonDocument.Parse(positions.Out).RootElement.GetProperty("features").GetArrayLength());

        var refused = await Cli(TestAuth.Token(Roles.TeamLead, "AR-RAID-01"), null, "timeline", "export", "--operation", op);
        Assert.Equal(1, refused.Exit);
        Assert.StartsWith("liberterra: 403", refused.Err);
        Assert.NotEqual(0, (await Cli(debriefer, null, "timeline", "export", "--operation", op, "--format", "xml")).Exit);
    }

    [Fact]
    public async Task simulate_plays_the_operation_as_team_leads_and_a_second_run_with_the_same_seed_counts_nothing_twice()
    {
        var op = await Api.DefineOperation(server.Http);
        var admin = TestAuth.Token(Roles.Admin);
        var first = await Cli(admin, null, "simulate", "--operation", op, "--speed", "1000000", "--rate-cap", "5000", "--seed", "7");
        Assert.True(first.Exit == 0, first.Out + first.Err);
        Assert.Contains("totals match what was acknowledged", first.Out);
        Assert.Contains(" 0 refused", first.Out);
        var after = await Api.Operation(server.Http, op);
        Assert.True(after.Totals.Rescued > 0 && after.Totals.Arrested > 0, "the simulated raids found victims and made arrests");
        Assert.True(after.LastSeq > 40, $"only {after.LastSeq} events");
        // Each team reported with its own team-lead credential.
        var reports = await server.Http.GetFromJsonAsync<TeamReportsPage>($"/api/operations/{op}/teams/MK-RAID-01/reports", Api.Json);
        Assert.NotEmpty(reports!.Reports);
        // Command took part: an order a day to one hotspot's teams, each answered by its teams' own credentials.
        var orders = (await server.Http.GetFromJsonAsync<OrderView[]>($"/api/operations/{op}/orders", Api.Json))!;
        Assert.True(orders.Length >= 5, $"{orders.Length} orders");
        Assert.All(orders, o => Assert.Equal(o.Recipients.Order(), o.Answers.Select(a => a.TeamId).Order()));
        Assert.All(orders.SelectMany(o => o.Answers), a => Assert.StartsWith("sim-lead-", a.Actor, StringComparison.Ordinal));
        Assert.Contains($"command: {orders.Length} orders given by this run, {orders.Sum(o => o.Answers.Count)} answers acknowledged", first.Out);

        var again = await Cli(admin, null, "simulate", "--operation", op, "--speed", "1000000", "--rate-cap", "5000", "--seed", "7");
        Assert.True(again.Exit == 0, again.Out + again.Err);
        Assert.Contains("done in", again.Out);
        Assert.Contains(": 0 reports acknowledged", again.Out);
        Assert.Equal(after.Totals, (await Api.Operation(server.Http, op)).Totals);
        Assert.Equal(after.LastSeq, (await Api.Operation(server.Http, op)).LastSeq);

        Assert.Equal(1, (await Cli(TestAuth.Token(Roles.Commander), null, "simulate", "--operation", op, "--speed", "1000000")).Exit);
    }

    [Fact]
    public async Task replay_prints_every_event_and_ends_on_the_live_totals()
    {
        var op = await Api.DefineOperation(server.Http);
        await Api.PostReport(server.Http, op, "AR-RAID-01", new { status = "Briefed", children = 2 }, Api.NewKey());
        await Api.PostReport(server.Http, op, "MK-RAID-01", new { women = 3, arrested = 1 }, Api.NewKey());

        var run = await Cli(TestAuth.Token(Roles.Debriefer), null, "replay", "--operation", op, "--speed", "3600");
        Assert.Equal(0, run.Exit);
        Assert.Contains("events 2-3", run.Out);
        Assert.Contains("#2      Condor 1               Briefed · +2 children · ", run.Out);   // the server's words (EventText)
        Assert.Contains("#3      Vardar 1               check-in · +3 women, +1 arrest · ", run.Out);
        Assert.Contains("ended at #3: rescued 5 (children 2, women 3, men 0), arrested 1", run.Out);

        var refused = await Cli(TestAuth.Token(Roles.Wall), null, "replay", "--operation", op);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("may not", refused.Err);
    }

    [Fact]
    public async Task status_prints_a_table_or_json_and_correct_fixes_a_count()
    {
        var op = await Api.DefineOperation(server.Http);
        var lead = TestAuth.Token(Roles.TeamLead, "MK-RAID-01");
        Assert.Equal(0, (await Cli(lead, null, "report", "--operation", op, "--team", "MK-RAID-01", "--women", "5", "--arrested", "2")).Exit);
        var fix = await Cli(lead, null, "correct", "--operation", op, "--team", "MK-RAID-01", "--corrects", "2", "--women", "-1", "--reason", "one woman counted twice");
        Assert.Equal(0, fix.Exit);
        Assert.Contains("accepted as #3", fix.Out);

        var commander = TestAuth.Token(Roles.Commander);
        var table = await Cli(commander, null, "status", "--operation", op);
        Assert.Equal(0, table.Exit);
        Assert.Contains("TOTAL  rescued 4 (children 0, women 4, men 0)  arrested 2", table.Out);
        Assert.Contains("North Macedonia", table.Out);
        Assert.Contains("EXERCISE", table.Out);

        var json = await Cli(commander, null, "status", "--operation", op, "--json");
        Assert.Equal(0, json.Exit);
        var view = JsonSerializer.Deserialize<OperationView>(json.Out, Api.Json)!;
        Assert.Equal(4, view.Totals.Women);
        Assert.Equal(3, view.LastSeq);

        var team = await Cli(lead, null, "status", "--operation", op, "--team", "MK-RAID-01");
        Assert.Equal(0, team.Exit);
        Assert.Contains("rescued 4", team.Out);
        Assert.Equal(1, (await Cli(lead, null, "status", "--operation", op)).Exit);
    }

    [Fact]
    public async Task the_server_and_credential_come_from_options_then_environment_then_the_config_file()
    {
        var op = await Api.DefineOperation(server.Http);
        var config = Path.Combine(Path.GetTempPath(), $"liberterra-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new { server = server.Server.Address.ToString(), token = TestAuth.Token(Roles.Wall) }));
        try
        {
            var fromFile = await Cli(null, new Dictionary<string, string> { ["LIBERTERRA_CONFIG"] = config, ["LIBERTERRA_SERVER"] = "" }, "status", "--operation", op, "--json");
            Assert.Equal(0, fromFile.Exit);
            var wrongEnv = new Dictionary<string, string> { ["LIBERTERRA_CONFIG"] = config, ["LIBERTERRA_SERVER"] = $"http://127.0.0.1:{Ports.Free()}" };
            Assert.Equal(3, (await Cli(null, wrongEnv, "status", "--operation", op)).Exit);
            Assert.Equal(0, (await Cli(null, wrongEnv, "--server", server.Server.Address.ToString(), "status", "--operation", op)).Exit);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task no_secret_from_the_environment_is_ever_printed_and_bad_input_exits_2()
    {
        var token = TestAuth.Token(Roles.Admin);
        const string password = "pw-never-shown-7f3a";
        const string signingKey = "c2lnbmluZy1rZXktbmV2ZXItc2hvd24tYmFzZTY0LWJ5dGVz";
        var env = new Dictionary<string, string>
        {
            ["ConnectionStrings__Liberterra"] = $"Host=127.0.0.1;Username=postgres;Password={password}",
            ["Auth__SigningKey"] = signingKey,
        };
        var runs = new[]
        {
            await Cli(token, env, "report", "--operation", "op", "--team", "T", "--children", "many"),   // a value that does not parse
            await Cli(token, env, "report", "--no-such-option"),
            await Cli(token, env, "db", "status", "--bogus"),
            await Cli(token, env, "token", "issue", "--role"),
            await Cli(token, env, "--help"),
            await Cli(token, env, "report", "--help"),
            await Cli(token, env, "db", "migrate", "--help"),
            await Cli(token, env, "token", "issue", "--help"),
            await Cli(token, env, "audit", "verify", "--help"),
        };
        foreach (var run in runs)
        {
            var printed = run.Out + run.Err;
            Assert.DoesNotContain(token, printed, StringComparison.Ordinal);
            Assert.DoesNotContain(token[..20], printed, StringComparison.Ordinal);
            Assert.DoesNotContain(password, printed, StringComparison.Ordinal);
            Assert.DoesNotContain(signingKey, printed, StringComparison.Ordinal);
        }

        Assert.All(runs[..4], run => Assert.Equal(2, run.Exit));
        Assert.Contains("Try 'liberterra report --help'.", runs[0].Err);
        Assert.Contains("--children: expected a whole number, got 'many'", runs[0].Err);
        Assert.DoesNotContain("System.", runs[0].Err, StringComparison.Ordinal);
        var badType = await Cli(token, env, "report", "--operation", "op", "--team", "T", "--type", "ForcedLabor");
        Assert.Equal(2, badType.Exit);
        Assert.Contains("forced-labour", badType.Err);
        Assert.Contains("domestic-servitude", badType.Err);
        Assert.Contains("Try 'liberterra db status --help'.", runs[2].Err);
        Assert.All(runs[4..], run => Assert.Equal(0, run.Exit));
        Assert.Contains("LIBERTERRA_TOKEN", runs[5].Out);
    }

    [Fact]
    public async Task the_field_cli_has_no_benchmarks_and_no_web_server_in_it()
    {
        // The benchmarks write straight to the database (bench timeline fills the timeline around the single writer):
        // they are liberterra-bench, never the binary team leads are given.
        var refused = await Cli(TestAuth.Token(Roles.Admin), null, "bench", "storage", "--connection", server.ConnectionString);
        Assert.NotEqual(0, refused.Exit);
        Assert.DoesNotContain("bench", (await Cli(null, null, "--help")).Out, StringComparison.Ordinal);
        var runtime = await File.ReadAllTextAsync(Path.ChangeExtension(Repository.Cli, ".runtimeconfig.json"));
        Assert.DoesNotContain("Microsoft.AspNetCore.App", runtime, StringComparison.Ordinal);
    }

    [Fact]
    public async Task watch_shows_reports_live_as_they_are_committed()
    {
        var op = await Api.DefineOperation(server.Http);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Repository.Cli, "--server", server.Server.Address.ToString(), "--token", TestAuth.Token(Roles.Wall), "watch", "--operation", op, "--plain", "--seconds", "20" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var joined = new TaskCompletionSource();
        var seen = new TaskCompletionSource();
        var frameHasThree = false;
        process.OutputDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            var line = e.Data?.TrimStart() ?? "";
            if (line.StartsWith("live ", StringComparison.Ordinal)) joined.TrySetResult();
            if (line == "----") frameHasThree = false;
            // The ticker is newest first: a frame with #3 followed by #2 has both reports.
            if (line.StartsWith("#3 ", StringComparison.Ordinal)) frameHasThree = true;
            if (line.StartsWith("#2 ", StringComparison.Ordinal) && frameHasThree) seen.TrySetResult();
        };
        process.BeginOutputReadLine();
        try
        {
            Assert.Same(joined.Task, await Task.WhenAny(joined.Task, Task.Delay(TimeSpan.FromSeconds(20))));
            var lead = server.Server.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
            Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, op, "AR-RAID-01", new { children = 3, note = "<b>three</b> children" }, Api.NewKey())).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(lead, op, "AR-RAID-01", new { women = 4, status = "Briefed" }, Api.NewKey())).StatusCode);
            Assert.Same(seen.Task, await Task.WhenAny(seen.Task, Task.Delay(TimeSpan.FromSeconds(20))));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }

        string text;
        lock (output) text = output.ToString();
        Assert.Contains("TOTAL  rescued 7 (children 3, women 4, men 0)", text);
        Assert.Contains("#2 ", text);
        Assert.Contains("#3 ", text);
        Assert.Contains("Briefed", text);
        Assert.Contains("<b>three</b> children", text);
    }
}
