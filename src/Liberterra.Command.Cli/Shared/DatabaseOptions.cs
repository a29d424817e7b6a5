using System.CommandLine;

namespace Liberterra.Command.Cli;

/// <summary>
/// Where the database is, for the commands that open it themselves: <c>liberterra db</c> and <c>liberterra audit
/// verify</c> (and the benchmarks' floors in <c>liberterra-bench</c>, which compiles this folder too).
/// </summary>
internal static class DatabaseOptions
{
    public static readonly Option<string> Connection = new("--connection")
    {
        Description = "PostgreSQL connection string (environment ConnectionStrings__Liberterra).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ConnectionStrings__Liberterra") ?? "",
    };
}
