using System.CommandLine;

namespace Liberterra.Command.Cli;

/// <summary>Where the database is, for the commands that open it themselves (<c>db</c>, <c>audit verify</c>, the benchmarks' floors).</summary>
internal static class DatabaseOptions
{
    public static readonly Option<string> Connection = new("--connection")
    {
        Description = "PostgreSQL connection string (environment ConnectionStrings__Liberterra).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ConnectionStrings__Liberterra") ?? "",
    };
}
