using System.Diagnostics;
using System.Text.Json;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Browser.Tests;

/// <summary>
/// Runs one of the scripts in npm/ (libraries of other ecosystems: TAK's node-cot) on Playwright's Node 24, as those
/// libraries need Node 22 or newer and the machine's is older; its standard output is JSON.
/// </summary>
internal static class NodeScript
{
    public static async Task<JsonElement> Run(string script, string input, TimeSpan timeout, params string[] args)
    {
        var npm = Path.Combine(Repository.Root, "tests", "Liberterra.Command.Browser.Tests", "npm");
        var node = Path.Combine(AppContext.BaseDirectory, ".playwright", "node", "linux-x64", "node");
        using var process = Process.Start(new ProcessStartInfo(node, [Path.Combine(npm, script), .. args])
        {
            WorkingDirectory = npm,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
        Assert.True(process.ExitCode == 0, $"{script} failed: {await errors}");
        return JsonDocument.Parse(await output).RootElement.Clone();
    }
}
