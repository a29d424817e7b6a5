using System.Text.Json;

namespace Liberterra.Command.Bench;

/// <summary>The shape of the results files every benchmark writes with <c>--json</c>: camelCase, indented.</summary>
internal static class BenchJson
{
    // A step whose walls were all disconnected (overloaded) has no report-to-wall latency: NaN, written as "NaN".
    public static readonly JsonSerializerOptions Results = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
