using System.CommandLine;
using System.Threading.Channels;
using Liberterra.Command.Contracts;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Cli;

/// <summary>
/// <c>liberterra replay</c>: an operation's timeline replayed in the terminal, one line per event as the replay clock
/// reaches it (1× to 3,600×), then the totals it ends on.
/// </summary>
internal static class ReplayCommand
{
    public static System.CommandLine.Command Create()
    {
        var speed = new Option<double>("--speed") { Description = "Replay speed, from 1 to 3600 (600: six days in about 14 minutes).", DefaultValueFactory = _ => 600 };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Start at this instant (UTC); default: the beginning." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "End at this instant (UTC); default: the last event." };
        var replay = new System.CommandLine.Command("replay", "Replay an operation's timeline in the terminal.") { FieldCommands.Operation, speed, from, to };
        replay.SetAction(async (parse, ct) =>
        {
            var token = ServerOptions.TokenOf(parse);
            await using var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(parse.GetValue(ServerOptions.Server)!, ReplayMessages.Path), o => o.AccessTokenProvider = () => Task.FromResult(token))
                .Build();
            var messages = Channel.CreateUnbounded<object>();
            hub.On<string, OperationDelta[]>(ReplayMessages.Deltas, (_, deltas) => { foreach (var d in deltas) messages.Writer.TryWrite(d); });
            hub.On<ReplayStatus>(ReplayMessages.Status, s => messages.Writer.TryWrite(s));
            hub.Closed += _ => { messages.Writer.TryComplete(); return Task.CompletedTask; };
            ReplayStarted started;
            try
            {
                await hub.StartAsync(ct);
                started = await hub.InvokeAsync<ReplayStarted>("StartReplay",
                    new ReplayRequest(parse.GetValue(FieldCommands.Operation)!, parse.GetValue(from), parse.GetValue(to), parse.GetValue(speed)), ct);
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"liberterra: cannot reach the server: {e.Message}");
                return e.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden ? 1 : 3;
            }
            catch (HubException e)
            {
                await Console.Error.WriteLineAsync($"liberterra: {e.Message.Replace("An unexpected error occurred invoking 'StartReplay' on the server. HubException: ", "")}");
                return 1;
            }

            Console.WriteLine($"replay of {started.OperationId}: events {started.FirstSeq}-{started.LastSeq}, " +
                $"{started.StartTime:yyyy-MM-dd HH:mm:ss} to {started.EndTime:yyyy-MM-dd HH:mm:ss} UTC at {started.Speed:0.#}x");
            var totals = started.Snapshot.Totals;
            var teams = started.Snapshot.Teams.ToDictionary(t => t.Id, t => t.CallSign);
            await foreach (var m in messages.Reader.ReadAllAsync(ct))
            {
                if (m is OperationDelta d)
                {
                    totals = d.Totals;
                    Console.WriteLine($"{d.ServerTime:MM-dd HH:mm:ss} #{d.Seq,-6} {(d.TeamId is { } t ? teams.GetValueOrDefault(t, t) : ""),-22} {Tables.Printable(d.Summary, 160)}");
                }
                else if (m is ReplayStatus { State: "ended" })
                {
                    break;
                }
            }

            Console.WriteLine($"ended at #{started.LastSeq}: rescued {totals.Rescued} (children {totals.Children}, women {totals.Women}, men {totals.Men}), arrested {totals.Arrested}");
            return 0;
        });
        return replay;
    }
}
