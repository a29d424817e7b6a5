using System.Diagnostics;

namespace Liberterra.Command.Api.Tests;

/// <summary>What a command printed and how it ended.</summary>
internal sealed record CommandRun(int Exit, string Out, string Err)
{
    /// <summary>
    /// Runs a built program (<c>liberterra</c>, <c>liberterra-bench</c>) as a user would, against <paramref name="server"/>,
    /// with the credential in <c>LIBERTERRA_TOKEN</c> (none if null), no config file, and extra environment variables.
    /// </summary>
    public static async Task<CommandRun> StartAsync(Uri server, string assembly, string? token, IDictionary<string, string>? env, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(assembly);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["LIBERTERRA_SERVER"] = server.ToString();
        start.Environment["LIBERTERRA_CONFIG"] = "/nonexistent/liberterra.json";
        if (token is not null) start.Environment["LIBERTERRA_TOKEN"] = token;
        else start.Environment.Remove("LIBERTERRA_TOKEN");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A command that hangs fails its test instead of the whole run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(assembly)} {string.Join(' ', args)} did not end within 3 minutes.");
        }

        return new CommandRun(process.ExitCode, await stdout, await stderr);
    }
}
