using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Liberterra.Command.Contracts;

namespace Liberterra.Command.Cli;

/// <summary><c>liberterra report</c>, <c>correct</c> and <c>status</c>: what a team lead or staff do from a terminal.</summary>
internal static class FieldCommands
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static readonly Option<string> Operation = new("--operation") { Description = "The operation id, e.g. liberterra-ii.", Required = true };
    private static readonly Option<string> Team = new("--team") { Description = "The team id, e.g. AR-RAID-01.", Required = true };
    private static readonly Option<string?> Key = new("--key") { Description = "Retry a report with the key printed the first time (new reports get a new key)." };

    // Not stamped automatically: a retry with --key must send the very same report, device time included.
    private static readonly Option<DateTimeOffset?> ClientTime = new("--client-time") { Description = "When the report was made, if not now (ISO 8601); repeat it on a retry." };

    /// <summary>The exploitation types as the CLI (and the API) spells them; the API also takes its enum names.</summary>
    private static readonly string[] ExploitationTypes = ["forced-labour", "sexual-exploitation", "domestic-servitude", "forced-begging", "other"];

    public static System.CommandLine.Command CreateReport()
    {
        var status = new Option<string?>("--status") { Description = "The team's new status (Standby, Briefed, EnRoute, OnSite, Engaged, Extracting, Completed, Holding, Aborted)." };
        var children = new Option<int?>("--children") { Description = "Children rescued since the last report." };
        var women = new Option<int?>("--women") { Description = "Women rescued since the last report." };
        var men = new Option<int?>("--men") { Description = "Men rescued since the last report." };
        var arrested = new Option<int?>("--arrested") { Description = "Suspects arrested since the last report." };
        var types = new Option<string[]>("--type") { Description = "Exploitation found; repeat for several." };
        types.AcceptOnlyFromAmong(ExploitationTypes);
        var latitude = new Option<double?>("--lat") { Description = "Position: latitude." };
        var longitude = new Option<double?>("--lon") { Description = "Position: longitude." };
        var note = new Option<string?>("--note") { Description = "A short plain-text note (at most 1,000 characters)." };
        var report = new System.CommandLine.Command("report", "Post a field report for a team; prints its idempotency key first, then the sequence number.")
        {
            Operation, Team, status, children, women, men, arrested, types, latitude, longitude, note, ClientTime, Key,
        };
        report.SetAction((parse, ct) => Post(parse, "reports", new FieldReportRequest(
            parse.GetValue(status), parse.GetValue(children), parse.GetValue(women), parse.GetValue(men), parse.GetValue(arrested),
            parse.GetValue(types) is { Length: > 0 } t ? t : null,
            parse.GetValue(latitude) is null && parse.GetValue(longitude) is null ? null : new PositionRequest(parse.GetValue(latitude), parse.GetValue(longitude)),
            parse.GetValue(note), parse.GetValue(ClientTime)), ct));
        return report;
    }

    public static System.CommandLine.Command CreateCorrect()
    {
        var corrects = new Option<long>("--corrects") { Description = "The sequence number of the report being corrected.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why the counts were wrong.", Required = true };
        var children = new Option<int?>("--children") { Description = "Change to children (negative to lower)." };
        var women = new Option<int?>("--women") { Description = "Change to women." };
        var men = new Option<int?>("--men") { Description = "Change to men." };
        var arrested = new Option<int?>("--arrested") { Description = "Change to arrests." };
        var correct = new System.CommandLine.Command("correct", "Correct the counts of an earlier report, with a reason; the history keeps both.")
        {
            Operation, Team, corrects, reason, children, women, men, arrested, ClientTime, Key,
        };
        correct.SetAction((parse, ct) => Post(parse, "corrections", new CorrectionRequest(
            parse.GetValue(corrects), parse.GetValue(children), parse.GetValue(women), parse.GetValue(men), parse.GetValue(arrested),
            parse.GetValue(reason), parse.GetValue(ClientTime)), ct));
        return correct;
    }

    private static async Task<int> Post<T>(ParseResult parse, string what, T body, CancellationToken ct)
    {
        var key = parse.GetValue(Key) ?? Guid.NewGuid().ToString();
        var (answer, exit) = await KeyedPost.SendAsync(parse,
            $"/api/operations/{Uri.EscapeDataString(parse.GetValue(Operation)!)}/teams/{Uri.EscapeDataString(parse.GetValue(Team)!)}/{what}", body, key, ct);
        if (answer is null) return exit;
        using var response = answer;
        var ack = (await response.Content.ReadFromJsonAsync<ReportAck>(Json, ct))!;
        Console.WriteLine(response.StatusCode == HttpStatusCode.Created
            ? $"accepted as #{ack.Seq} at {ack.ServerTime:yyyy-MM-dd HH:mm:ss} UTC"
            : $"already accepted as #{ack.Seq} at {ack.ServerTime:yyyy-MM-dd HH:mm:ss} UTC (this was a retry; nothing counted twice)");
        return 0;
    }

    public static System.CommandLine.Command CreateStatus()
    {
        var team = new Option<string?>("--team") { Description = "Show one team." };
        var region = new Option<string?>("--region") { Description = "Show one hotspot region." };
        var json = new Option<bool>("--json") { Description = "Print the server's JSON." };
        var status = new System.CommandLine.Command("status", "The operation, a region or a team: totals and statuses.") { Operation, team, region, json };
        status.SetAction(async (parse, ct) =>
        {
            var op = Uri.EscapeDataString(parse.GetValue(Operation)!);
            var path = parse.GetValue(team) is { } t ? $"/api/operations/{op}/teams/{Uri.EscapeDataString(t)}"
                : parse.GetValue(region) is { } r ? $"/api/operations/{op}/regions/{Uri.EscapeDataString(r)}"
                : $"/api/operations/{op}";
            using var http = ServerOptions.Client(parse);
            HttpResponseMessage response;
            try
            {
                response = await http.GetAsync(path, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"liberterra: cannot reach {http.BaseAddress}: {e.Message}");
                return 3;
            }

            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"liberterra: {await Problems.Describe(response)}");
                return 1;
            }

            var text = await response.Content.ReadAsStringAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(text);
                return 0;
            }

            Console.Write(parse.GetValue(team) is not null ? Tables.Team(JsonSerializer.Deserialize<TeamView>(text, Json)!)
                : parse.GetValue(region) is not null ? Tables.Region(JsonSerializer.Deserialize<RegionView>(text, Json)!)
                : Tables.Operation(JsonSerializer.Deserialize<OperationView>(text, Json)!, DateTimeOffset.UtcNow));
            return 0;
        });
        return status;
    }
}
