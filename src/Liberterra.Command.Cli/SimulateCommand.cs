using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Liberterra.Command.Contracts;

namespace Liberterra.Command.Cli;

/// <summary>
/// <c>liberterra simulate</c>: plays an operation's six days through the public API as its team leads would: each
/// team signed in with its own team-lead credential, raids moving through the lifecycle, rescues and arrests in bursts
/// while engaged and extracting, check-ins every 20-25 minutes while active, and now and then a team that goes quiet
/// long enough to be flagged overdue. Time is compressed (<c>--speed</c>), the plan is repeatable (<c>--seed</c>: the
/// same seed gives the same reports with the same idempotency keys, so a second run counts nothing twice), the rate
/// is capped, and failures are retried with the same key. At the end the operation's totals must have grown by
/// exactly what the simulator got acknowledged: it prints both and exits 1 if they differ. Command takes part too:
/// once a day an order to one hotspot's teams (as the admin credential running it), which each of them answers a few
/// minutes later, now and then as unable.
/// </summary>
internal static class SimulateCommand
{
    public static System.CommandLine.Command Create()
    {
        var speed = new Option<double?>("--speed")
        {
            Description = "Time compression: 600 plays six days in about 14 minutes (default 600; an exercise on a compressed clock plays at its clock's speed).",
        };
        var seed = new Option<int>("--seed") { Description = "The plan's seed (same seed, same reports, same keys).", DefaultValueFactory = _ => 2024 };
        var rateCap = new Option<double>("--rate-cap") { Description = "At most this many reports per second.", DefaultValueFactory = _ => 50 };
        var command = new System.CommandLine.Command("simulate", "Play an operation's six days through the API as its team leads would.")
        {
            FieldCommands.Operation, speed, seed, rateCap,
        };
        command.SetAction((parse, ct) => Run(parse, parse.GetValue(FieldCommands.Operation)!, parse.GetValue(speed), parse.GetValue(seed), parse.GetValue(rateCap), ct));
        return command;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// One planned report: when (operation time), which team, what. Or an order command gives (<see cref="Order"/>), or a
    /// team's answer to one (<see cref="Answer"/>).
    /// </summary>
    private sealed record Planned(DateTimeOffset At, string Team, string Key, string? Status, int Children, int Women, int Men, int Arrested, string[] Types)
    {
        public PlannedOrder? Order { get; init; }

        public PlannedAnswer? Answer { get; init; }
    }

    /// <summary>An order to a region's teams, answered within <see cref="DueInMinutes"/>.</summary>
    private sealed record PlannedOrder(string Region, string Kind, string Text, int DueInMinutes);

    /// <summary>A team's answer to the order planned under <see cref="OrderKey"/>.</summary>
    private sealed record PlannedAnswer(string OrderKey, string Answer, string? Reason);

    private static readonly (string Kind, string Text)[] Orders =
    [
        ("Report", "Report your position and what you see"),
        ("Hold", "Hold at the staging point until further notice"),
        ("Proceed", "Proceed as briefed"),
        ("Message", "Check the updated safe-house list before moving"),
    ];

    private static async Task<int> Run(ParseResult parse, string operationId, double? speedOption, int seed, double rateCap, CancellationToken ct)
    {
        var speed = speedOption ?? 600;
        if (speed is <= 0 or > 1_000_000 || rateCap <= 0)
        {
            await Console.Error.WriteLineAsync("liberterra: --speed must be from 0 to 1,000,000 and --rate-cap above 0.");
            return 2;
        }

        using var admin = ServerOptions.Client(parse);
        var before = await admin.GetAsync($"/api/operations/{Uri.EscapeDataString(operationId)}", ct);
        if (!before.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"liberterra: {await Problems.Describe(before)}");
            return 1;
        }

        var operation = (await before.Content.ReadFromJsonAsync<OperationView>(Json, ct))!;
        // An exercise on a compressed clock: the server stamps every report with that clock, so the plan is played on it
        // (each report when the operation's time reaches it) and the walls' clock, ticker and check-in ages agree with it.
        if (operation.ClockSpeed is { } clockSpeed)
        {
            if (speedOption is { } asked && Math.Abs(asked - clockSpeed) > 1e-9)
            {
                await Console.Error.WriteLineAsync($"liberterra: {operationId} runs on a clock {clockSpeed:0.#}x real time: leave --speed out, or give {clockSpeed:0.#}.");
                return 2;
            }

            speed = clockSpeed;
        }
        else
        {
            Console.WriteLine($"note: {operationId} runs on real time: the server stamps each report with today's time, so the wall's clock, " +
                "ticker and check-in ages will not follow the simulated days. For a week that reads true, simulate an exercise copy on a " +
                "compressed clock: liberterra scenario load FILE --exercise, then simulate the operation it prints.");
        }

        // The plan starts every team in Standby. A team that is elsewhere (moved by hand, or by an earlier run) keeps its
        // status: the plan's reports that do not fit it are refused by the server and skipped, the others count.
        var moved = operation.Teams.Where(t => t.Status != "Standby").Select(t => $"{t.Id} ({t.Status})").ToList();
        if (moved.Count > 0)
            Console.WriteLine($"note: {moved.Count} of {operation.Teams.Count} teams are not in Standby, where the plan starts them: " +
                $"{string.Join(", ", moved.Take(8))}{(moved.Count > 8 ? ", ..." : "")}. Their reports that do not fit their status " +
                "will be refused and skipped (listed as they happen); the rest of their reports and every other team's count.");

        // Each team lead signs in with a credential of its own (issued by the server for this run).
        var tokens = new Dictionary<string, string>();
        foreach (var team in operation.Teams)
        {
            var issued = await admin.PostAsJsonAsync("/api/tokens", new { subject = $"sim-lead-{team.Id.ToLowerInvariant()}", role = "team-lead", teams = new[] { team.Id }, operation = operationId, ttl = "24h" }, ct);
            while (issued.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // The admin credential's rate limit: wait as told, then ask again.
                await Task.Delay(issued.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), ct);
                issued = await admin.PostAsJsonAsync("/api/tokens", new { subject = $"sim-lead-{team.Id.ToLowerInvariant()}", role = "team-lead", teams = new[] { team.Id }, operation = operationId, ttl = "24h" }, ct);
            }

            if (!issued.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"liberterra: issuing team-lead credentials needs an admin credential: {await Problems.Describe(issued)}");
                return 1;
            }

            tokens[team.Id] = (await issued.Content.ReadFromJsonAsync<JsonElement>(Json, ct)).GetProperty("token").GetString()!;
        }

        var plan = Plan(operation, seed);
        var window = operation.WindowEnd - operation.WindowStart;
        Console.WriteLine($"simulating {operation.Name}: {plan.Count(p => p.Order is null && p.Answer is null):N0} reports from {operation.Teams.Count} teams, " +
                          $"{plan.Count(p => p.Order is not null):N0} orders from command over {window.TotalDays:0.#} days " +
                          $"at {speed:0.#}x (about {TimeSpan.FromSeconds(window.TotalSeconds / speed):hh\\:mm\\:ss}), seed {seed}, at most {rateCap:0.#} reports/s");

        int fresh = 0, replayed = 0, refused = 0, retries = 0, ordered = 0, answered = 0;
        var orderSeqs = new Dictionary<string, long>(StringComparer.Ordinal);
        int children = 0, women = 0, men = 0, arrested = 0;
        var clock = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        var minGap = TimeSpan.FromSeconds(1 / rateCap);
        var lastSent = TimeSpan.MinValue;
        var day = -1;
        var lastProgress = TimeSpan.Zero;
        foreach (var p in plan)
        {
            // On an exercise's clock a report is due when the operation's time reaches it (from the window's real start);
            // otherwise the plan is compressed from the start of this run.
            var due = TimeSpan.FromTicks((long)((p.At - operation.WindowStart).Ticks / speed))
                      - (operation.ClockSpeed is null ? TimeSpan.Zero : startedAt - operation.WindowStart);
            var wait = Max(due, lastSent + minGap) - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            lastSent = clock.Elapsed;
            // Progress at each new day of the operation and every 10 s between: what was acknowledged up to now.
            var d = (int)((p.At - operation.WindowStart).TotalDays);
            if (d != day || clock.Elapsed - lastProgress >= TimeSpan.FromSeconds(10))
            {
                day = d;
                lastProgress = clock.Elapsed;
                Console.WriteLine($"day {d + 1}, {p.At:ddd d MMM HH:mm} UTC: {fresh + replayed:N0} acknowledged so far" +
                    $"{(refused > 0 ? $" ({refused:N0} refused)" : "")}, rescued {children + women + men:N0}, arrested {arrested:N0}");
            }

            if (p.Order is { } order)
            {
                var (issued, seq, n) = await Send(admin, null, $"/api/operations/{Uri.EscapeDataString(operationId)}/orders", p.Key,
                    new { kind = order.Kind, text = order.Text, regionId = order.Region, dueInMinutes = order.DueInMinutes }, $"order to {order.Region}", ct);
                retries += n;
                if (seq is { } number) { orderSeqs[p.Key] = number; if (issued == HttpStatusCode.Created) ordered++; }
                continue;
            }

            if (p.Answer is { } answer)
            {
                // The order was refused (or the team was not one of its recipients): nothing to answer.
                if (!orderSeqs.TryGetValue(answer.OrderKey, out var orderSeq)) continue;
                var (given, _, n) = await Send(admin, tokens[p.Team], $"/api/operations/{Uri.EscapeDataString(operationId)}/teams/{Uri.EscapeDataString(p.Team)}/orders/{orderSeq}/answer",
                    p.Key, answer.Reason is null ? new { answer = answer.Answer } : (object)new { answer = answer.Answer, reason = answer.Reason }, $"{p.Team} answer to order #{orderSeq}", ct);
                retries += n;
                if (given == HttpStatusCode.Created) answered++;
                continue;
            }

            var (status, tries) = await Send(admin, operationId, p, tokens[p.Team], ct);
            retries += tries;
            switch (status)
            {
                case HttpStatusCode.Created:
                    fresh++;
                    children += p.Children; women += p.Women; men += p.Men; arrested += p.Arrested;
                    break;
                case HttpStatusCode.OK:
                    replayed++;
                    break;
                default:
                    refused++;
                    break;
            }
        }

        var after = (await admin.GetFromJsonAsync<OperationView>($"/api/operations/{Uri.EscapeDataString(operationId)}", Json, ct))!;
        var grew = new TotalsView(after.Totals.Children - operation.Totals.Children, after.Totals.Women - operation.Totals.Women,
            after.Totals.Men - operation.Totals.Men, after.Totals.Rescued - operation.Totals.Rescued, after.Totals.Arrested - operation.Totals.Arrested);
        var acknowledged = new TotalsView(children, women, men, children + women + men, arrested);
        Console.WriteLine($"done in {clock.Elapsed:hh\\:mm\\:ss}: {fresh:N0} reports acknowledged, {replayed:N0} already acknowledged before (same keys), " +
                          $"{refused:N0} refused, {retries:N0} retries");
        Console.WriteLine($"command: {ordered:N0} orders given by this run, {answered:N0} answers acknowledged");
        Console.WriteLine($"acknowledged by this run: rescued {acknowledged.Rescued:N0} (children {children:N0}, women {women:N0}, men {men:N0}), arrested {arrested:N0}");
        Console.WriteLine($"the operation grew by:    rescued {grew.Rescued:N0} (children {grew.Children:N0}, women {grew.Women:N0}, men {grew.Men:N0}), arrested {grew.Arrested:N0}");
        Console.WriteLine($"the operation's totals:   rescued {after.Totals.Rescued:N0}, arrested {after.Totals.Arrested:N0}");
        if (grew != acknowledged)
        {
            await Console.Error.WriteLineAsync("liberterra: the operation's totals differ from what this run got acknowledged (another source reported meanwhile?)");
            return 1;
        }

        Console.WriteLine("totals match what was acknowledged");
        return refused > 0 && fresh + replayed == 0 ? 1 : 0;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Posts a report, an order or an answer, retrying with the same key on a failure that may be transient; its seq when accepted.</summary>
    private static async Task<(HttpStatusCode Status, long? Seq, int Retries)> Send(HttpClient http, string? token, string path, string key, object body,
        string what, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(body, Json);
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("Idempotency-Key", key);
            try
            {
                using var response = await http.SendAsync(request, ct);
                var transient = response.StatusCode is HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
                if (!transient || attempt >= 20)
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        await Console.Error.WriteLineAsync($"refused: {what}: {(await Problems.Describe(response)).Replace(Environment.NewLine, " ")}");
                        return (response.StatusCode, null, attempt);
                    }

                    return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct)).GetProperty("seq").GetInt64(), attempt);
                }
            }
            catch (HttpRequestException) when (attempt < 20)
            {
                // Unreachable for a moment: the same key again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * (1 << Math.Min(attempt, 6)))), ct);
        }
    }

    /// <summary>Posts one report, retrying with the same key on a failure that may be transient.</summary>
    private static async Task<(HttpStatusCode Status, int Retries)> Send(HttpClient http, string operationId, Planned p, string token, CancellationToken ct)
    {
        // No device time: the simulated clock is not the server's, and a retry or a second run must send the very same
        // body with the same key to be recognised as the same report.
        var body = new Dictionary<string, object?>();
        if (p.Status is not null) body["status"] = p.Status;
        if (p.Children > 0) body["children"] = p.Children;
        if (p.Women > 0) body["women"] = p.Women;
        if (p.Men > 0) body["men"] = p.Men;
        if (p.Arrested > 0) body["arrested"] = p.Arrested;
        if (p.Types.Length > 0) body["exploitationTypes"] = p.Types;
        var (status, _, retries) = await Send(http, token,
            $"/api/operations/{Uri.EscapeDataString(operationId)}/teams/{Uri.EscapeDataString(p.Team)}/reports", p.Key, body, $"{p.Team} {p.Status ?? "check-in"}", ct);
        return (status, retries);
    }

    /// <summary>
    /// Every report of the six days, in time order. Raid teams and task forces run two to four raids, border checkpoints
    /// and flight desks work shifts with fewer finds; what they find follows their hotspot's exploitation types.
    /// </summary>
    private static List<Planned> Plan(OperationView operation, int seed)
    {
        var random = new Random(seed);
        var regions = operation.Regions.ToDictionary(r => r.Id);
        var start = operation.WindowStart;
        var window = operation.WindowEnd - operation.WindowStart;
        var plan = new List<Planned>();
        foreach (var team in operation.Teams.OrderBy(t => t.Id, StringComparer.Ordinal))
        {
            var region = regions[team.RegionId];
            var types = region.ExploitationTypes.Count > 0 ? region.ExploitationTypes.ToArray() : ["Other"];
            var raidTeam = team.Kind is "RaidTeam" or "SpecialTaskForce";
            var raids = raidTeam ? 2 + random.Next(3) : 2 + random.Next(2);
            var n = 0;
            var slot = window / raids;
            var t = start;
            for (var r = 0; r < raids; r++)
            {
                // Each raid in its own part of the window, never before the previous one has ended.
                var planned = start + slot * r + TimeSpan.FromMinutes(random.Next(0, (int)Math.Max(1, (slot - TimeSpan.FromHours(12)).TotalMinutes)));
                t = planned > t + TimeSpan.FromHours(1) ? planned : t + TimeSpan.FromHours(1);
                void Add(string? status, int c = 0, int w = 0, int m = 0, int a = 0, string[]? found = null) =>
                    plan.Add(new Planned(t, team.Id, $"sim-{seed}-{team.Id}-{n++:D3}", status, c, w, m, a, found ?? []));
                TimeSpan Minutes(int min, int max) => TimeSpan.FromMinutes(random.Next(min, max + 1));
                // While active, a check-in (the status restated) every 20-25 minutes; one raid in ten goes quiet instead.
                var quiet = random.Next(10) == 0;
                void Wait(TimeSpan span, string current)
                {
                    var until = t + span;
                    while (!quiet && t + TimeSpan.FromMinutes(25) < until)
                    {
                        t += Minutes(20, 25);
                        Add(current);
                    }

                    t = until;
                }

                var scale = raidTeam ? 1.0 : 0.45;
                int Draw(double mean) => (int)Math.Round(random.NextDouble() * 2 * mean * scale);
                var found = types.OrderBy(_ => random.Next()).Take(1 + random.Next(types.Length)).ToArray();

                Add("Briefed");
                Wait(Minutes(30, 120), "Briefed");
                Add("EnRoute");
                Wait(Minutes(30, 180), "EnRoute");
                Add("OnSite");
                if (random.Next(20) == 0)
                {
                    Wait(Minutes(20, 60), "OnSite");
                    Add("Aborted");
                    t += Minutes(30, 90);
                    Add("Standby");
                    continue;
                }

                Wait(Minutes(15, 60), "OnSite");
                Add("Engaged", Draw(3.0), Draw(3.7), Draw(1.8), Draw(7.0), found);
                Wait(Minutes(30, 120), "Engaged");
                Add("Extracting", Draw(1.0), Draw(1.3), Draw(0.6), Draw(2.3), found);
                Wait(Minutes(30, 90), "Extracting");
                Add("Completed");
                t += Minutes(60, 180);
                Add("Standby");
            }
        }

        // Once a day, command orders one hotspot's teams (in turn); each answers within minutes, one in twelve unable.
        var staffed = operation.Regions.Where(r => r.TeamIds.Count > 0).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        for (var d = 0; staffed.Count > 0 && d < (int)Math.Ceiling(window.TotalDays); d++)
        {
            var at = start + TimeSpan.FromDays(d) + TimeSpan.FromHours(7) + TimeSpan.FromMinutes(random.Next(0, 180));
            var region = staffed[d % staffed.Count];
            var (kind, text) = Orders[d % Orders.Length];
            var orderKey = $"sim-{seed}-order-{d:D3}";
            plan.Add(new Planned(at, "", orderKey, null, 0, 0, 0, 0, []) { Order = new PlannedOrder(region.Id, kind, text, 30) });
            foreach (var team in region.TeamIds.Order(StringComparer.Ordinal))
            {
                var unable = random.Next(12) == 0;
                plan.Add(new Planned(at + TimeSpan.FromMinutes(random.Next(3, 26)), team, $"sim-{seed}-answer-{d:D3}-{team}", null, 0, 0, 0, 0, [])
                {
                    Answer = new PlannedAnswer(orderKey, unable ? "Unable" : "Acknowledged", unable ? "Vehicle down: continuing on foot" : null),
                });
            }
        }

        return [.. plan.Where(p => p.At < operation.WindowEnd).OrderBy(p => p.At).ThenBy(p => p.Key, StringComparer.Ordinal)];
    }
}
