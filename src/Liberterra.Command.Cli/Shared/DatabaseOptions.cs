using System.CommandLine;

namespace Liberterra.Command.Cli;

/// <summary>
/// Where the database is, for the commands that open it themselves: <c>liberterra db</c> and <c>liberterra audit
/// verify</c> (and the benchmarks' floors in <c>liberterra-bench</c>, which compiles this folder too).
/// </summary>
internal static class DatabaseOptions
{
    // No default value: help prints an option's default, and a connection string can hold a password. ConnectionOf
    // reads the environment instead.
    public static readonly Option<string?> Connection = new("--connection")
    {
        Description = "PostgreSQL connection string (environment ConnectionStrings__Liberterra).",
    };

    /// <summary><c>--connection</c>, else <c>ConnectionStrings__Liberterra</c>; empty if neither is set.</summary>
    public static string ConnectionOf(ParseResult parse) =>
        parse.GetValue(Connection) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable("ConnectionStrings__Liberterra") ?? "";
}
