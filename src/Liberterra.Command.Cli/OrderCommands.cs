using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Liberterra.Command.Contracts;

namespace Liberterra.Command.Cli;

/// <summary>
/// <c>liberterra order</c> (command gives an order), <c>liberterra orders</c> (list; <c>cancel</c>, and <c>answer</c> for a
/// team lead) and <c>liberterra distress</c> (<c>raise</c> for a team lead, <c>take</c> for command, <c>list</c>). Every
/// action prints its idempotency key first: a retry with <c>--key</c> is the same action, never a second one.
/// <c>liberterra messages</c> lists what the teams' TAK devices sent command (GeoChat), as the command page does.
/// </summary>
internal static class OrderCommands
{
    private static readonly Option<string> Operation = FieldCommands.Operation;
    private static readonly Option<string?> Key = new("--key") { Description = "Retry an action with the key printed the first time." };

    public static System.CommandLine.Command CreateOrder()
    {
        var team = new Option<string?>("--team") { Description = "Order one team." };
        var region = new Option<string?>("--region") { Description = "Order every team of a hotspot region." };
        var all = new Option<bool>("--all") { Description = "Order every team of the operation." };
        var kind = new Option<string>("--kind") { Description = "Proceed, Hold, Abort, Reposition, Report or Message.", Required = true };
        kind.AcceptOnlyFromAmong("Proceed", "Hold", "Abort", "Reposition", "Report", "Message");
        var text = new Option<string>("--text") { Description = "What the team is to do (at most 500 characters).", Required = true };
        var dueIn = new Option<int?>("--due-in") { Description = "Minutes within which each team must acknowledge." };
        var dueBy = new Option<DateTimeOffset?>("--due-by") { Description = "When each team must have acknowledged (ISO 8601, the operation's clock)." };
        var lat = new Option<double?>("--lat") { Description = "A place: latitude." };
        var lon = new Option<double?>("--lon") { Description = "A place: longitude." };
        var order = new System.CommandLine.Command("order", "Give an order to a team, a region's teams or all teams (commander or admin); prints its key, then its number.")
        {
            Operation, team, region, all, kind, text, dueIn, dueBy, lat, lon, Key,
        };
        order.SetAction((parse, ct) => Post(parse, $"/api/operations/{Esc(parse.GetValue(Operation)!)}/orders", new OrderRequest(
            parse.GetValue(kind), parse.GetValue(text), parse.GetValue(team), parse.GetValue(region), parse.GetValue(all) ? true : null,
            parse.GetValue(lat) is null && parse.GetValue(lon) is null ? null : new PositionRequest(parse.GetValue(lat), parse.GetValue(lon)),
            parse.GetValue(dueBy), parse.GetValue(dueIn)), ct));
        return order;
    }

    public static System.CommandLine.Command CreateOrders()
    {
        var team = new Option<string?>("--team") { Description = "A team's orders (a team lead sees only its own)." };
        var open = new Option<bool>("--open") { Description = "Only orders still awaiting answers." };
        var orders = new System.CommandLine.Command("orders", "List an operation's orders and who answered what; 'cancel' and 'answer' act on one.") { Operation, team, open };
        orders.SetAction(async (parse, ct) =>
        {
            var op = Esc(parse.GetValue(Operation)!);
            if (parse.GetValue(team) is { } t)
            {
                var view = await Get<TeamOrdersView>(parse, $"/api/operations/{op}/teams/{Esc(t)}/orders", ct);
                if (view is null) return 1;
                var lines = new StringBuilder();
                foreach (var o in view.Orders.Where(o => !parse.GetValue(open) || o.State == "open"))
                    lines.AppendLine($"#{o.Seq}  {o.Kind,-10} {o.State,-12} {(o.DueBy is { } d ? $"by {d:HH:mm} UTC" : ""),-13}{(o.Overdue ? " OVERDUE" : "")}  {o.Text}");
                Console.Write(lines.Length > 0 ? lines.ToString() : "No orders.\n");
                return 0;
            }

            var all = await Get<OrderView[]>(parse, $"/api/operations/{op}/orders{(parse.GetValue(open) ? "?open=true" : "")}", ct);
            if (all is null) return 1;
            var text = new StringBuilder();
            foreach (var o in all)
            {
                var acks = o.Answers.Count(a => a.Answer == "Acknowledged");
                var unable = o.Answers.Where(a => a.Answer == "Unable").Select(a => $"{a.TeamId} unable: {a.Reason}");
                var late = o.Overdue.Where(x => o.Answers.All(a => a.TeamId != x)).ToList();
                text.AppendLine($"#{o.Seq}  {o.Kind,-10} to {(o.Scope == "All" ? "all teams" : $"{o.Scope.ToLowerInvariant()} {o.TargetId}"),-22} " +
                    $"{(o.CancelledAt is null ? $"{acks}/{o.Recipients.Count} acknowledged" : "cancelled")}{(late.Count > 0 ? $" · OVERDUE: {string.Join(", ", late)}" : "")}  {o.Text}");
                foreach (var u in unable) text.AppendLine($"      {u}");
            }

            Console.Write(text.Length > 0 ? text.ToString() : "No orders.\n");
            return 0;
        });

        var number = new Option<long>("--order") { Description = "The order's number.", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why (required for Unable)." };
        var cancel = new System.CommandLine.Command("cancel", "Cancel an order (commander or admin); the history keeps both.") { Operation, number, reason, Key };
        cancel.SetAction((parse, ct) => Post(parse,
            $"/api/operations/{Esc(parse.GetValue(Operation)!)}/orders/{parse.GetValue(number)}/cancel", new CancelRequest(parse.GetValue(reason)), ct));
        var leadTeam = new Option<string>("--team") { Description = "The answering team.", Required = true };
        var answer = new Option<string>("--answer") { Description = "Acknowledged or Unable.", Required = true };
        answer.AcceptOnlyFromAmong("Acknowledged", "Unable");
        var answerCommand = new System.CommandLine.Command("answer", "Answer an order for your team (team lead): Acknowledged, or Unable with a reason.") { Operation, leadTeam, number, answer, reason, Key };
        answerCommand.SetAction((parse, ct) => Post(parse,
            $"/api/operations/{Esc(parse.GetValue(Operation)!)}/teams/{Esc(parse.GetValue(leadTeam)!)}/orders/{parse.GetValue(number)}/answer",
            new OrderAnswerRequest(parse.GetValue(answer), parse.GetValue(reason)), ct));
        orders.Subcommands.Add(cancel);
        orders.Subcommands.Add(answerCommand);
        return orders;
    }

    public static System.CommandLine.Command CreateMessages()
    {
        var hours = new Option<int>("--hours") { Description = "How far back (default 24 hours, as the command page).", DefaultValueFactory = _ => 24 };
        var messages = new System.CommandLine.Command("messages", "Messages from the field: the GeoChat the teams' TAK devices sent command, oldest first (commander, admin, debriefer); answer with 'order --kind Message'.")
        {
            Operation, hours,
        };
        messages.SetAction(async (parse, ct) =>
        {
            var op = Esc(parse.GetValue(Operation)!);
            var from = Esc(DateTimeOffset.UtcNow.AddHours(-Math.Max(1, parse.GetValue(hours))).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            var text = new StringBuilder();
            for (long after = 0; ;)
            {
                var page = await Get<TimelinePage>(parse, $"/api/operations/{op}/timeline?kind=MessageSent&from={from}&limit=500&after={after}", ct);
                if (page is null) return 1;
                foreach (var e in page.Events.Where(e => e.Message is not null))
                    text.AppendLine($"{e.ServerTime.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC  {e.TeamId,-12} {e.Message!.Source}: {e.Message.Text.ReplaceLineEndings(Environment.NewLine + "    ")}");
                if (page.Next is not { } next) break;
                after = next;
            }

            Console.Write(text.Length > 0 ? text.ToString() : "No messages from the field.\n");
            return 0;
        });
        return messages;
    }

    public static System.CommandLine.Command CreateDistress()
    {
        var distress = new System.CommandLine.Command("distress", "Distress calls: 'raise' (team lead), 'take' (commander), 'list'.");
        var team = new Option<string>("--team") { Description = "The team in distress.", Required = true };
        var lat = new Option<double?>("--lat") { Description = "Position: latitude." };
        var lon = new Option<double?>("--lon") { Description = "Position: longitude." };
        var raise = new System.CommandLine.Command("raise", "Call for help: every wall of the operation shows it until a commander takes it.") { Operation, team, lat, lon, Key };
        raise.SetAction((parse, ct) => Post(parse, $"/api/operations/{Esc(parse.GetValue(Operation)!)}/teams/{Esc(parse.GetValue(team)!)}/distress",
            new DistressRequest(parse.GetValue(lat) is null && parse.GetValue(lon) is null ? null : new PositionRequest(parse.GetValue(lat), parse.GetValue(lon))), ct));
        var call = new Option<long>("--call") { Description = "The distress call's number.", Required = true };
        var take = new System.CommandLine.Command("take", "Take a distress call: command is on it (the walls' alarm stops, the team sees who took it).") { Operation, call, Key };
        take.SetAction((parse, ct) => Post<object?>(parse, $"/api/operations/{Esc(parse.GetValue(Operation)!)}/distress/{parse.GetValue(call)}/take", null, ct));
        var open = new Option<bool>("--open") { Description = "Only calls nobody has taken." };
        var list = new System.CommandLine.Command("list", "The operation's distress calls.") { Operation, open };
        list.SetAction(async (parse, ct) =>
        {
            var calls = await Get<DistressView[]>(parse, $"/api/operations/{Esc(parse.GetValue(Operation)!)}/distress{(parse.GetValue(open) ? "?open=true" : "")}", ct);
            if (calls is null) return 1;
            foreach (var d in calls) Console.WriteLine(Describe(d));
            if (calls.Length == 0) Console.WriteLine("No distress calls.");
            return 0;
        });
        distress.Subcommands.Add(raise);
        distress.Subcommands.Add(take);
        distress.Subcommands.Add(list);
        return distress;
    }

    /// <summary>A distress call in one line, as <c>liberterra distress list</c> and <c>watch</c> print it.</summary>
    public static string Describe(DistressView d) =>
        $"#{d.Seq}  DISTRESS {d.CallSign ?? d.TeamId} ({d.TeamId}) since {d.RaisedAt:HH:mm:ss} UTC" +
        (d.Position is { } p ? $" at {p.Latitude:0.####}, {p.Longitude:0.####}" : "") +
        (d.TakenAt is { } t ? $" · taken by {d.TakenBy} at {t:HH:mm:ss}" : d.CancelledAt is not null ? " · withdrawn by the team" : d.EscalatedAt is not null ? " · NOT TAKEN, ESCALATING" : " · NOT TAKEN");

    private static string Esc(string s) => Uri.EscapeDataString(s);

    private static async Task<T?> Get<T>(ParseResult parse, string path, CancellationToken ct) where T : class
    {
        using var http = ServerOptions.Client(parse);
        try
        {
            using var response = await http.GetAsync(path, ct);
            if (response.IsSuccessStatusCode) return await response.Content.ReadFromJsonAsync<T>(FieldCommands.Json, ct);
            await Console.Error.WriteLineAsync($"liberterra: {await Problems.Describe(response)}");
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"liberterra: cannot reach {http.BaseAddress}: {e.Message}");
            return null;
        }
    }

    private static async Task<int> Post<T>(ParseResult parse, string path, T body, CancellationToken ct)
    {
        var (answer, exit) = await KeyedPost.SendAsync(parse, path, body, parse.GetValue(Key) ?? Guid.NewGuid().ToString(), ct);
        if (answer is null) return exit;
        using var response = answer;
        var ack = (await response.Content.ReadFromJsonAsync<CommandAck>(FieldCommands.Json, ct))!;
        var what = ack.Kind switch
        {
            "OrderIssued" => $"order #{ack.Seq} to {ack.Order!.Recipients.Count} team(s)",
            "DistressRaised" => $"distress call #{ack.Distress!.Seq}",
            _ => $"{ack.Kind} #{ack.Seq}",
        };
        Console.WriteLine(response.StatusCode == HttpStatusCode.Created
            ? $"accepted: {what} at {ack.ServerTime:yyyy-MM-dd HH:mm:ss} UTC"
            : $"already accepted: {what} (this was a retry; nothing done twice)");
        return 0;
    }
}
