using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Liberterra.Command.Cli;

/// <summary>
/// The command-line parser's errors in the words a team lead reads: what was expected, never a .NET type name
/// (<c>Cannot parse argument 'many' for option '--children' as expected type 'System.Nullable`1[System.Int32]'</c>
/// becomes <c>--children: expected a whole number, got 'many'</c>).
/// </summary>
internal static partial class PlainErrors
{
    public static string Describe(ParseError error)
    {
        var m = CannotParse().Match(error.Message);
        if (!m.Success) return error.Message;
        var what = Expected(m.Groups["type"].Value);
        var got = m.Groups["value"].Value;
        // The message names the option only sometimes; the result it came from always knows it.
        var option = m.Groups["option"].Success ? m.Groups["option"].Value
            : (error.SymbolResult as OptionResult ?? (error.SymbolResult as ArgumentResult)?.Parent as OptionResult)?.Option.Name;
        return option is null ? $"expected {what}, got '{got}'" : $"{option}: expected {what}, got '{got}'";
    }

    private static string Expected(string type)
    {
        // Nullable`1[System.Int32] and the like: the inner type is what the user gives.
        var inner = NullableOf().Match(type) is { Success: true } n ? n.Groups[1].Value : type;
        return inner switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Double" => "a number (a dot for decimals, e.g. -34.6)",
            "System.DateTimeOffset" or "System.DateTime" => "a date and time (ISO 8601, e.g. 2024-09-30T14:00:00Z)",
            "System.TimeSpan" => "a duration (e.g. 00:30:00)",
            "System.Boolean" => "true or false",
            "System.Uri" => "an address such as http://localhost:5080",
            _ => "a value of another form",
        };
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*?)' (for (option|command) '(?<option>[^']*)' )?as expected type '(?<type>[^']*)'\.")]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"^System\.Nullable`1\[(.*)\]$")]
    private static partial Regex NullableOf();
}
