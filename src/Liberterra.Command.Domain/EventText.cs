using System.Collections.Immutable;
using System.Globalization;

namespace Liberterra.Command.Domain;

/// <summary>
/// The one way an event is put in words, on the wall's ticker, in the debrief, in the after-action report and in the
/// CLI: the server sends it with every event (<c>summary</c>), so they cannot drift apart. Notes are not part of it
/// (who may read a note is decided per reader).
/// </summary>
/// <example>
/// <c>En Route</c>, <c>Engaged · +2 children, +1 woman, +3 arrests · North Macedonia</c>,
/// <c>correction of #5: -1 child · miscounted</c>, <c>CHECK-IN OVERDUE · no check-in for 1 h 04 min · Albania</c>.
/// </example>
public static class EventText
{
    /// <summary>A status as people write it: <c>En Route</c>, <c>On Site</c>.</summary>
    public static string Status(TeamStatus status) => status switch
    {
        TeamStatus.EnRoute => "En Route",
        TeamStatus.OnSite => "On Site",
        _ => status.ToString(),
    };

    /// <summary>
    /// The event in one line; <paramref name="regionName"/> is the team's hotspot, when known. A report without a
    /// status is a check-in.
    /// </summary>
    public static string Describe(TimelineEvent e, string? regionName)
    {
        var region = string.IsNullOrEmpty(regionName) ? [] : new[] { regionName };
        return e.Payload switch
        {
            FieldReported { Report: var r } => Join([r.Status is { } s ? Status(s) : "check-in", Counts(r.Counts), .. region]),
            ReportCorrected { Correction: var c } =>
                Join([$"correction of #{c.CorrectsSeq}: {(c.Delta.IsZero ? "no change" : Counts(c.Delta))}", c.Reason]),
            CheckInOverdue o => Join(["CHECK-IN OVERDUE", $"no check-in for {Span(e.ServerTime - o.LastCheckIn)}", .. region]),
            OrderIssued { Order: var o } => Join([$"order #{e.Seq}: {o.Kind} → {Target(o.Target)}",
                o.DueBy is { } due ? $"answer by {due.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC" : null]),
            OrderAnswered { Answer: OrderAnswer.Acknowledged } a => $"acknowledged order #{a.OrderSeq}",
            OrderAnswered a => Join([$"UNABLE to comply with order #{a.OrderSeq}", a.Reason]),
            OrderCancelled c => Join([$"order #{c.OrderSeq} cancelled", c.Reason]),
            OrderOverdue o => $"ORDER #{o.OrderSeq} OVERDUE · not answered by {Count(o.TeamIds.Length, "team", "teams")}",
            DistressRaised => Join(["DISTRESS", .. region]),
            DistressTaken t => $"distress #{t.DistressSeq} taken by command",
            DistressCancelled c => Join([$"distress #{c.DistressSeq} withdrawn by the team", c.Reason]),
            DistressEscalated x => Join([$"DISTRESS #{x.DistressSeq} NOT TAKEN · escalating", .. region]),
            PositionReported p => Join([$"position from {p.Source}", .. region]),
            MessageSent m => $"message to command from {m.Source}: {m.Text}",
            OperationDefined { Definition: var d } =>
                $"operation defined: {d.Name}, {Count(d.Regions.Length, "hotspot", "hotspots")}, {Count(d.Teams.Length, "team", "teams")}" +
                (d.ClockSpeed is { } speed ? $" (exercise, clock {speed.ToString("0.#", CultureInfo.InvariantCulture)}× real time)" : d.Exercise ? " (exercise)" : ""),
            _ => e.Kind,
        };
    }

    /// <summary>
    /// The event as data for words in any language: a phrase key and its values as invariant text (statuses, kinds
    /// and scopes by their names, signed counts, times in ISO 8601 UTC). The pages word it from their catalogs
    /// (web/i18n/, keys <c>event.*</c>); <see cref="Describe"/> is the same event in English, for the API and the CLI.
    /// </summary>
    public static EventPhrase Phrase(TimelineEvent e, string? regionName)
    {
        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Put(string name, object? value)
        {
            if (value is null || value is string { Length: 0 }) return;
            args[name] = value switch
            {
                DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString()!,
            };
        }

        void Counts(Tally t)
        {
            if (t.Children != 0) Put("children", t.Children);
            if (t.Women != 0) Put("women", t.Women);
            if (t.Men != 0) Put("men", t.Men);
            if (t.Arrested != 0) Put("arrested", t.Arrested);
        }

        // The team's hotspot, for the events that happen somewhere: reports, overdue flags, distress calls.
        string key;
        switch (e.Payload)
        {
            case FieldReported { Report: var r }:
                key = "report";
                Put("region", regionName);
                Put("status", r.Status);
                Counts(r.Counts);
                break;
            case ReportCorrected { Correction: var c }:
                key = "correction";
                Put("corrects", c.CorrectsSeq);
                Counts(c.Delta);
                Put("reason", c.Reason);
                break;
            case CheckInOverdue o:
                key = "overdue";
                Put("region", regionName);
                Put("silentSeconds", (long)Math.Max(0, (e.ServerTime - o.LastCheckIn).TotalSeconds));
                break;
            case OrderIssued { Order: var o }:
                key = "order-issued";
                Put("order", e.Seq);
                Put("kind", o.Kind);
                Put("scope", o.Target.Scope);
                Put("target", o.Target.Id);
                Put("dueBy", o.DueBy);
                break;
            case OrderAnswered { Answer: OrderAnswer.Acknowledged } a:
                key = "order-acknowledged";
                Put("order", a.OrderSeq);
                break;
            case OrderAnswered a:
                key = "order-unable";
                Put("order", a.OrderSeq);
                Put("reason", a.Reason);
                break;
            case OrderCancelled c:
                key = "order-cancelled";
                Put("order", c.OrderSeq);
                Put("reason", c.Reason);
                break;
            case OrderOverdue o:
                key = "order-overdue";
                Put("order", o.OrderSeq);
                Put("teams", o.TeamIds.Length);
                break;
            case DistressRaised:
                key = "distress";
                Put("region", regionName);
                break;
            case PositionReported p:
                key = "position";
                Put("source", p.Source);
                Put("region", regionName);
                break;
            case MessageSent m:
                key = "message";
                Put("source", m.Source);
                Put("text", m.Text);
                break;
            case DistressTaken t:
                key = "distress-taken";
                Put("distress", t.DistressSeq);
                break;
            case DistressCancelled c:
                key = "distress-withdrawn";
                Put("distress", c.DistressSeq);
                Put("reason", c.Reason);
                break;
            case DistressEscalated x:
                key = "distress-escalated";
                Put("region", regionName);
                Put("distress", x.DistressSeq);
                break;
            case OperationDefined { Definition: var d }:
                key = "operation-defined";
                Put("name", d.Name);
                Put("hotspots", d.Regions.Length);
                Put("teams", d.Teams.Length);
                if (d.Exercise) Put("exercise", "true");
                Put("clockSpeed", d.ClockSpeed);
                break;
            default:
                key = "other";
                Put("region", regionName);
                Put("kind", e.Kind);
                break;
        }

        return new EventPhrase(key, args.ToImmutableSortedDictionary(StringComparer.Ordinal));
    }

    /// <summary>Whom an order addresses: <c>team AR-RAID-01</c>, <c>region AR</c>, <c>all teams</c>.</summary>
    public static string Target(OrderTarget t) => t.Scope switch
    {
        OrderScope.Team => $"team {t.Id}",
        OrderScope.Region => $"region {t.Id}",
        _ => "all teams",
    };

    /// <summary>Signed counts, singular and plural right: <c>+2 children, +1 woman, -1 arrest</c>; empty when all are zero.</summary>
    public static string Counts(Tally t) => string.Join(", ", new[]
    {
        Signed(t.Children, "child", "children"), Signed(t.Women, "woman", "women"),
        Signed(t.Men, "man", "men"), Signed(t.Arrested, "arrest", "arrests"),
    }.Where(s => s is not null));

    /// <summary>A duration as the wall writes it: <c>45 s</c>, <c>12 min</c>, <c>1 h 04 min</c>, <c>2 d 3 h</c>.</summary>
    public static string Span(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span < TimeSpan.FromMinutes(1)) return $"{(int)span.TotalSeconds} s";
        if (span < TimeSpan.FromHours(1)) return $"{(int)span.TotalMinutes} min";
        if (span < TimeSpan.FromHours(48)) return $"{(int)span.TotalHours} h {span.Minutes:00} min";
        return $"{(int)span.TotalDays} d {span.Hours} h";
    }

    private static string? Signed(int n, string one, string many) =>
        n == 0 ? null : $"{(n > 0 ? "+" : "-")}{Math.Abs(n).ToString(CultureInfo.InvariantCulture)} {(Math.Abs(n) == 1 ? one : many)}";

    private static string Count(int n, string one, string many) => $"{n.ToString(CultureInfo.InvariantCulture)} {(n == 1 ? one : many)}";

    private static string Join(IEnumerable<string?> parts) => string.Join(" · ", parts.Where(p => !string.IsNullOrEmpty(p)));
}

/// <summary>An event as a phrase key and its values (<see cref="EventText.Phrase"/>), for words in any language.</summary>
public sealed record EventPhrase(string Key, ImmutableSortedDictionary<string, string> Args);
