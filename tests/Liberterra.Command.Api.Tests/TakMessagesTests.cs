using System.Net;
using System.Net.Sockets;
using System.Text;
using Liberterra.Command.Access;
using Liberterra.Command.Server.Tak;
using Liberterra.Command.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// Messages from the field in a terminal: a device on the lab port (plain TCP, so this .NET test needs no TAK library)
/// sends command a GeoChat of two lines and one over the limit; `liberterra messages` lists the one taken, and the
/// device is told in its chat that the other was not delivered.
/// </summary>
public class TakMessagesTests
{
    [Fact]
    public async Task liberterra_messages_lists_what_the_devices_sent_command()
    {
        var folder = Directory.CreateTempSubdirectory("tak-messages-").FullName;
        await using var server = await InProcessServer.StartAsync(await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("tak-messages"), null,
            "--Tak:Enabled=true", "--Tak:Port=0", $"--Tak:CaFile={Path.Combine(folder, "ca.p12")}",
            "--Tak:Lab:Port=0", "--Tak:Lab:Operation=lab-messages", "--Tak:Lab:Team=AR-RAID-01");
        var endpoint = server.Services.GetRequiredService<TakEndpoint>();
        await endpoint.Listening;
        await TestOperations.DefineAsync(server.Http, "op", "Lab", exercise: true, TestOperations.TwoRegions, TestOperations.FourTeams, id: "lab-messages");
        var commander = TestAuth.Token(Roles.Commander);
        Assert.Contains("No messages from the field.", (await CommandRun.StartAsync(server.Address, Repository.Cli, commander, null, ["messages", "--operation", "lab-messages"])).Out);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, endpoint.LabEndpoint!.Port);
        var stream = tcp.GetStream();
        var now = DateTimeOffset.UtcNow;
        CotEvent Chat(string text, int n) => new($"GeoChat.ANDROID-lab.liberterra-command.{n}", "b-t-f", "h-g-i-g-o", now.AddSeconds(n), now, now.AddDays(1),
            new CotPoint(0, 0), null, text, new CotChat("Command", "Lab phone", CotXml.Sender));
        await stream.WriteAsync(Encoding.UTF8.GetBytes(CotXml.Write(Chat("Twelve found at the farm,\nneed two vans", 1)) + CotXml.Write(Chat(new string('x', 1001), 2))));

        // The refused one is answered in the device's chat.
        var framer = new CotFramer();
        var buffer = new byte[16 * 1024];
        CotEvent? answer = null;
        while (answer is null)
        {
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.NotEqual(0, read);
            framer.Append(buffer.AsSpan(0, read));
            while (framer.TryTake(out var xml))
                if (CotXml.Parse(xml, out _) is { IsChat: true } chat) answer = chat;
        }

        Assert.StartsWith("Not delivered to command: text: must be at most 1000 characters", answer.Remarks);
        var listed = await Wait.Until(() => CommandRun.StartAsync(server.Address, Repository.Cli, commander, null, ["messages", "--operation", "lab-messages"]),
            r => r.Out.Contains("Twelve found"), what: "the message in `liberterra messages`");
        Assert.Equal(0, listed.Exit);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC  AR-RAID-01   TAK lab device 127\.0\.0\.1: Twelve found at the farm,\r?\n    need two vans\r?\n$", listed.Out);
        Directory.Delete(folder, recursive: true);
    }
}
