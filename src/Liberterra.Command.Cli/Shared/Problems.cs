using System.Text.Json.Nodes;

namespace Liberterra.Command.Cli;

/// <summary>The server's ProblemDetails, in plain words.</summary>
internal static class Problems
{
    public static async Task<string> Describe(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            var problem = JsonNode.Parse(text)!.AsObject();
            var lines = new List<string> { $"{(int)response.StatusCode} {problem["title"]}" };
            var fields = problem["errors"] is JsonObject errors
                ? errors.Select(e => $"  {e.Key}: {string.Join("; ", e.Value!.AsArray().Select(m => (string?)m))}").ToList()
                : [];
            // A validation refusal's detail repeats its fields' messages: say each thing once.
            if (problem["detail"] is { } detail && !fields.Any(f => ((string?)detail ?? "").Contains(f.Trim(), StringComparison.Ordinal)))
                lines.Add($"  {detail}");
            lines.AddRange(fields);

            return string.Join(Environment.NewLine, lines);
        }
        catch (Exception)
        {
            return $"{(int)response.StatusCode} {response.ReasonPhrase}";
        }
    }
}
