using System.CommandLine;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Liberterra.Command.Bench;

/// <summary>
/// <c>liberterra-bench echo-hub</c>: a bare SignalR hub, in its own process, for the benchmark's broadcast floor: a
/// publisher sends a message, the hub sends it to every listening connection. No credential, no grain, no database.
/// It also answers <c>POST /report</c> as bare Kestrel would (parse the JSON body, answer 201 with a small JSON
/// acknowledgement): the HTTP floor of <c>liberterra-bench storage</c>.
/// </summary>
internal static class EchoHubServer
{
    public const string Path = "/echo";
    public const string ReportPath = "/report";

    public static System.CommandLine.Command Create()
    {
        var port = new Option<int>("--port") { Description = "HTTP port to listen on (loopback).", DefaultValueFactory = _ => 5098 };
        var command = new System.CommandLine.Command("echo-hub", "Runs a bare SignalR broadcast hub (the benchmark starts it itself).") { port };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseUrls($"http://127.0.0.1:{parse.GetValue(port)}");
            builder.Services.AddSignalR(o => o.MaximumReceiveMessageSize = 64 * 1024);
            var app = builder.Build();
            app.MapHub<EchoHub>(Path);
            var seq = 0L;
            app.MapPost(ReportPath, async (HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body);
                return Results.Json(new EchoAck(Interlocked.Increment(ref seq), body.RootElement.GetRawText().Length), statusCode: 201);
            });
            await app.StartAsync(ct);
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}

internal sealed record EchoAck(long Seq, int Bytes);

/// <summary>Listeners join; the publisher's message goes to all of them.</summary>
internal sealed class EchoHub : Hub
{
    public Task Listen() => Groups.AddToGroupAsync(Context.ConnectionId, "listeners");

    public Task Publish(long seq, string payload) => Clients.Group("listeners").SendAsync("m", seq, payload);
}
