using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace Liberterra.Command.Cli;

/// <summary>
/// <c>liberterra tak enroll | devices | revoke</c>: TAK devices of an operation. Enrolling writes the TAK data package
/// (the device's client certificate from the deployment's TAK CA, the CA, and the server's connection) that ATAK,
/// WinTAK or iTAK imports in one tap.
/// </summary>
internal static class TakCommands
{
    public static System.CommandLine.Command Create()
    {
        var team = new Option<string?>("--team") { Description = "The team the device reports for, e.g. AR-RAID-01 (none: a command device, read-only)." };
        var device = new Option<string>("--device") { Description = "The device's name, e.g. \"ATAK phone 3\" (its certificate's name).", Required = true };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Where to write the data package (default: liberterra-<operation>-<serial>.zip here)." };
        var enroll = new System.CommandLine.Command("enroll", "Enrol a TAK device and write its data package.") { FieldCommands.Operation, team, device, output };
        enroll.SetAction(async (parse, ct) =>
        {
            using var http = ServerOptions.Client(parse);
            var op = parse.GetValue(FieldCommands.Operation)!;
            using var response = await Send(http, () => http.PostAsJsonAsync($"/api/operations/{Uri.EscapeDataString(op)}/tak/devices",
                new { teamId = parse.GetValue(team), device = parse.GetValue(device) }, ct));
            if (response is null) return 3;
            if (await Refused(response)) return 1;

            var serial = response.Headers.GetValues("Liberterra-Tak-Serial").Single();
            var file = parse.GetValue(output) ?? new FileInfo($"liberterra-{op}-{serial[..8]}.zip");
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;   // it holds a private key
            await using (var target = new FileStream(file.FullName, options))
                await (await response.Content.ReadAsStreamAsync(ct)).CopyToAsync(target, ct);
            Console.WriteLine($"enrolled {parse.GetValue(device)} ({parse.GetValue(team) ?? "command, read-only"}), serial {serial}: data package {file.FullName}");
            return 0;
        });

        var devices = new System.CommandLine.Command("devices", "List the operation's TAK devices.") { FieldCommands.Operation };
        devices.SetAction(async (parse, ct) =>
        {
            using var http = ServerOptions.Client(parse);
            using var response = await Send(http, () => http.GetAsync($"/api/operations/{Uri.EscapeDataString(parse.GetValue(FieldCommands.Operation)!)}/tak/devices", ct));
            if (response is null) return 3;
            if (await Refused(response)) return 1;

            foreach (var d in (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).EnumerateArray())
                Console.WriteLine($"{d.GetProperty("serial").GetString()}  {Tables.Printable(d.GetProperty("device").GetString() ?? "", 40),-40} " +
                    $"{(d.GetProperty("teamId").GetString() ?? "command"),-16} {(d.GetProperty("revokedAt").ValueKind == JsonValueKind.Null ? "active" : "REVOKED")}");
            return 0;
        });

        var serial = new Option<string>("--serial") { Description = "The device's serial (32 hex digits, as enroll and devices print it).", Required = true };
        var revoke = new System.CommandLine.Command("revoke", "Revoke a TAK device: its certificate is refused from now on.") { FieldCommands.Operation, serial };
        revoke.SetAction(async (parse, ct) =>
        {
            using var http = ServerOptions.Client(parse);
            using var response = await Send(http, () => http.PostAsync(
                $"/api/operations/{Uri.EscapeDataString(parse.GetValue(FieldCommands.Operation)!)}/tak/devices/{Uri.EscapeDataString(parse.GetValue(serial)!)}/revoke", null, ct));
            if (response is null) return 3;
            if (await Refused(response)) return 1;

            Console.WriteLine($"revoked {parse.GetValue(serial)}");
            return 0;
        });
        return new System.CommandLine.Command("tak", "TAK devices (ATAK, WinTAK, iTAK) of an operation: enrol, list, revoke.") { enroll, devices, revoke };
    }

    // True (and why, said) when the server refused the request.
    private static async Task<bool> Refused(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return false;
        await Console.Error.WriteLineAsync($"liberterra: {await Problems.Describe(response)}");
        return true;
    }

    private static async Task<HttpResponseMessage?> Send(HttpClient http, Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"liberterra: cannot reach {http.BaseAddress}: {e.Message}");
            return null;
        }
    }
}
