using System.Text.Json;

namespace Liberterra.Command.Bench;

/// <summary>The shape of the results files every benchmark writes with <c>--json</c>: camelCase, indented.</summary>
internal static class BenchJson
{
    public static readonly JsonSerializerOptions Results = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
