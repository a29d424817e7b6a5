using System.Collections.Immutable;
using System.Globalization;

namespace Liberterra.Command.Domain;

/// <summary>
/// One rule a request broke: the field concerned (its JSON path), the rule's stable code (one of
/// <see cref="RuleCodes"/>), and the values its English message names (a limit, the value sent), as invariant text.
/// A page puts it in its user's language from the code and the values; the English message is for API users.
/// </summary>
public sealed record BrokenRule(string Field, string Code, ImmutableSortedDictionary<string, string> Args)
{
    /// <summary>
    /// A rule broken, with its values. An <c>id</c> is kept only when it is a valid id: a refusal never repeats
    /// anything else that was sent (an invalid id may hold anything).
    /// </summary>
    public static BrokenRule Of(string field, string code, params (string Name, object? Value)[] args) => new(
        field,
        code,
        args.Where(a => a.Value is not null)
            .Select(a => (a.Name, Text: Invariant(a.Value!)))
            .Where(a => a.Name != "id" || OperationRules.IsValidId(a.Text))
            .ToImmutableSortedDictionary(a => a.Name, a => a.Text, StringComparer.Ordinal));

    private static string Invariant(object value) => value switch
    {
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>
/// The stable codes of the rules a request can break, one per rule (docs/api.md, "Errors"). They never change
/// meaning; a new rule gets a new code. The pages' catalogs (web/i18n/) word each of them in every language.
/// </summary>
public static class RuleCodes
{
    // Values
    public const string Required = "required";
    public const string TooLong = "too-long";
    public const string NotPlainText = "not-plain-text";
    public const string NotOneLine = "not-one-line";
    public const string BrokenUnicode = "broken-unicode";
    public const string CountRange = "count-range";
    public const string CorrectionRange = "correction-range";
    public const string CorrectionEmpty = "correction-empty";
    public const string CorrectionBelowZero = "correction-below-zero";
    public const string CorrectsUnknown = "corrects-unknown";
    public const string CorrectsNotStored = "corrects-not-stored";
    public const string Range = "range";
    public const string LatitudeRange = "latitude-range";
    public const string LongitudeRange = "longitude-range";
    public const string UnknownValue = "unknown-value";
    public const string IdFormat = "id-format";
    public const string DuplicateId = "duplicate-id";
    public const string CountryCode = "country-code";
    public const string NotAList = "not-a-list";
    public const string TooMany = "too-many";
    public const string ClientTimeAhead = "client-time-ahead";
    public const string ClientTimeOld = "client-time-old";
    public const string ContentRefused = "content-refused";
    public const string OneOf = "one-of";

    // An operation's definition
    public const string WindowOrder = "window-order";
    public const string WindowTooLong = "window-too-long";
    public const string ClockSpeedExerciseOnly = "clock-speed-exercise-only";
    public const string ClockSpeedRange = "clock-speed-range";
    public const string ClockSpeedFixed = "clock-speed-fixed";
    public const string ClockStart = "clock-start";
    public const string OperationIdMismatch = "operation-id-mismatch";
    public const string TeamHasReports = "team-has-reports";
    public const string TeamRegionFixed = "team-region-fixed";
    public const string RegionHasReports = "region-has-reports";
    public const string UnknownRegion = "unknown-region";
    public const string UnknownAgency = "unknown-agency";

    // Need-to-know: an agency's commander acts on its own teams only
    public const string OtherAgency = "other-agency";

    // Field reports and their statuses
    public const string IllegalTransition = "illegal-transition";
    public const string WrongCommand = "wrong-command";

    // Orders, answers and distress calls
    public const string DueBothGiven = "due-both-given";
    public const string DueRange = "due-range";
    public const string DuePast = "due-past";
    public const string DueTooFar = "due-too-far";
    public const string UnknownTeam = "unknown-team";
    public const string RegionWithoutTeams = "region-without-teams";
    public const string OperationWithoutTeams = "operation-without-teams";
    public const string TargetMissing = "target-missing";
    public const string ReasonRequiredWhenUnable = "reason-required-when-unable";
    public const string OrderCancelled = "order-cancelled";
    public const string OrderAnswered = "order-answered";
    public const string OrderNotAwaiting = "order-not-awaiting";
    public const string DistressTaken = "distress-taken";
    public const string DistressWithdrawn = "distress-withdrawn";
    public const string DistressNotOpen = "distress-not-open";
    public const string CheckInNotDue = "check-in-not-due";

    // Things that are not there
    public const string OperationNotFound = "operation-not-found";
    public const string TeamNotFound = "team-not-found";
    public const string RegionNotFound = "region-not-found";
    public const string OrderNotFound = "order-not-found";
    public const string DistressNotFound = "distress-not-found";
    public const string MarkNotFound = "mark-not-found";
    public const string EventNotFound = "event-not-found";
    public const string DeviceNotFound = "device-not-found";

    // Requests
    public const string IdempotencyKeyReused = "idempotency-key-reused";

    /// <summary>Every code above, for the catalog test and the docs.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(RuleCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();
}
