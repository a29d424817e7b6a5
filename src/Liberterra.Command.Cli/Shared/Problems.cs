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
            if (problem["detail"] is { } detail) lines.Add($"  {detail}");
            if (problem["errors"] is JsonObject errors)
            {
                lines.AddRange(errors.Select(e => $"  {e.Key}: {string.Join("; ", e.Value!.AsArray().Select(m => (string?)m))}"));
            }

            return string.Join(Environment.NewLine, lines);
        }
        catch (Exception)
        {
            return $"{(int)response.StatusCode} {response.ReasonPhrase}";
        }
    }
}
