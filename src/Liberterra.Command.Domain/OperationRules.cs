using System.Text.RegularExpressions;

namespace Liberterra.Command.Domain;

/// <summary>Every rule a command must pass before it becomes a timeline event.</summary>
public static partial class OperationRules
{
    /// <summary>Largest increment of one group (children, women, men, arrests) in a single report.</summary>
    public const int MaxCountPerReport = 1000;
    public const int MaxNoteLength = 1000;
    public const int MaxReasonLength = 500;
    public const int MaxNameLength = 200;
    public const int MaxRegions = 1000;
    public const int MaxTeams = 20000;
    public const int MaxAgencies = 500;
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);
    /// <summary>How far ahead of the server a device clock may be.</summary>
    public static readonly TimeSpan MaxClientClockAhead = TimeSpan.FromMinutes(10);
    /// <summary>How old a report may be when it arrives (a phone offline for days still delivers).</summary>
    public static readonly TimeSpan MaxClientClockBehind = TimeSpan.FromDays(30);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{7,127}$")]
    private static partial Regex KeyPattern();

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    // A refusal names an id it was sent only when it is a valid id (never arbitrary input).
    private static (string Name, object? Value)[] IdArg(string? id) => IsValidId(id) ? [("id", id)] : [];

    /// <summary>An idempotency key: 8 to 128 characters of letters, digits and <c>_ . : -</c> (a UUID fits).</summary>
    public static bool IsValidIdempotencyKey(string? key) => key is not null && KeyPattern().IsMatch(key);

    /// <summary>Checks a new or replacing definition against the current state (null for a new operation).</summary>
    public static DomainError? ValidateDefinition(OperationDefinition d, OperationState? current)
    {
        var errors = new FieldErrors();
        if (!IsValidId(d.Id)) errors.Add("id", RuleCodes.IdFormat, "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        CheckName(errors, "name", d.Name);
        if (d.WindowEnd <= d.WindowStart) errors.Add("windowEnd", RuleCodes.WindowOrder, "must be after windowStart");
        else if (d.WindowEnd - d.WindowStart > MaxWindow) errors.Add("windowEnd", RuleCodes.WindowTooLong, $"the window may last at most {MaxWindow.TotalDays:0} days", ("days", MaxWindow.TotalDays));
        if (d.ClockSpeed is { } speed)
        {
            if (!d.Exercise) errors.Add("clockSpeed", RuleCodes.ClockSpeedExerciseOnly, "only an exercise may run on a compressed clock (set exercise: true)");
            else if (!double.IsFinite(speed) || speed < 1 || speed > OperationClock.MaxSpeed)
                errors.Add("clockSpeed", RuleCodes.ClockSpeedRange, $"must be from 1 to {OperationClock.MaxSpeed:0} (times real time)", ("min", 1), ("max", OperationClock.MaxSpeed));
        }

        var tooMany = new FieldErrors();
        if (d.Regions.IsDefault || d.Regions.Length > MaxRegions) tooMany.Add("regions", RuleCodes.TooMany, $"must list 0 to {MaxRegions} regions", ("max", MaxRegions));
        if (d.Teams.IsDefault || d.Teams.Length > MaxTeams) tooMany.Add("teams", RuleCodes.TooMany, $"must list 0 to {MaxTeams} teams", ("max", MaxTeams));
        if (d.Agencies.Length > MaxAgencies) tooMany.Add("agencies", RuleCodes.TooMany, $"must list 0 to {MaxAgencies} agencies", ("max", MaxAgencies));
        if (tooMany.ToError() is { } unreadable) return unreadable;

        var regionIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < d.Regions.Length; i++)
        {
            var r = d.Regions[i];
            var at = $"regions[{i}]";
            if (!IsValidId(r.Id)) errors.Add($"{at}.id", RuleCodes.IdFormat, "must be 1-64 letters, digits, '_', '.' or '-'");
            else if (!regionIds.Add(r.Id)) errors.Add($"{at}.id", RuleCodes.DuplicateId, $"duplicate region id '{r.Id}'", ("id", r.Id));
            CheckName(errors, $"{at}.name", r.Name);
            if (r.CountryCode is { } cc && (cc.Length != 2 || !cc.All(char.IsAsciiLetterUpper)))
                errors.Add($"{at}.countryCode", RuleCodes.CountryCode, "must be an ISO 3166-1 alpha-2 code such as AR");
            CheckPosition(errors, $"{at}.centroid", r.Centroid);
            if (r.ExploitationTypes.IsDefault) errors.Add($"{at}.exploitationTypes", RuleCodes.NotAList, "must be a list");
        }

        var agencyIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < d.Agencies.Length; i++)
        {
            var a = d.Agencies[i];
            var at = $"agencies[{i}]";
            if (!IsValidId(a.Id)) errors.Add($"{at}.id", RuleCodes.IdFormat, "must be 1-64 letters, digits, '_', '.' or '-'");
            else if (!agencyIds.Add(a.Id)) errors.Add($"{at}.id", RuleCodes.DuplicateId, $"duplicate agency id '{a.Id}'", ("id", a.Id));
            CheckName(errors, $"{at}.name", a.Name);
            if (a.CountryCode is { } cc && (cc.Length != 2 || !cc.All(char.IsAsciiLetterUpper)))
                errors.Add($"{at}.countryCode", RuleCodes.CountryCode, "must be an ISO 3166-1 alpha-2 code such as AR");
            if (!Enum.IsDefined(a.Kind)) errors.Add($"{at}.kind", RuleCodes.UnknownValue, "unknown agency kind");
            if (!Enum.IsDefined(a.Shares)) errors.Add($"{at}.shares", RuleCodes.UnknownValue, "unknown sharing level");
            if (a.FullWith.Length > MaxAgencies) errors.Add($"{at}.fullWith", RuleCodes.TooMany, $"must list 0 to {MaxAgencies} agencies", ("max", MaxAgencies));
        }

        for (var i = 0; i < d.Agencies.Length; i++)
            foreach (var other in d.Agencies[i].FullWith.Take(MaxAgencies))
                if (!agencyIds.Contains(other))
                {
                    errors.Add($"agencies[{i}].fullWith", RuleCodes.UnknownAgency, "names an agency this operation does not list",
                        IdArg(other));
                    break;
                }

        var teamIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < d.Teams.Length; i++)
        {
            var t = d.Teams[i];
            var at = $"teams[{i}]";
            if (!IsValidId(t.Id)) errors.Add($"{at}.id", RuleCodes.IdFormat, "must be 1-64 letters, digits, '_', '.' or '-'");
            else if (!teamIds.Add(t.Id)) errors.Add($"{at}.id", RuleCodes.DuplicateId, $"duplicate team id '{t.Id}'", ("id", t.Id));
            if (!Enum.IsDefined(t.Kind)) errors.Add($"{at}.kind", RuleCodes.UnknownValue, "unknown team kind");
            if (!regionIds.Contains(t.RegionId)) errors.Add($"{at}.regionId", RuleCodes.UnknownRegion, $"no region '{t.RegionId}' in this operation", ("id", t.RegionId));
            CheckName(errors, $"{at}.callSign", t.CallSign);
            CheckName(errors, $"{at}.agency", t.Agency);
            // With agencies, a team belongs to one of them (by id): need-to-know is decided by it.
            if (agencyIds.Count > 0 && !agencyIds.Contains(t.Agency))
                errors.Add($"{at}.agency", RuleCodes.UnknownAgency, "must be the id of one of the operation's agencies",
                    IdArg(t.Agency));
        }

        if (errors.ToError() is { } invalid) return invalid;
        if (current is null) return null;

        // An exercise's clock runs from its window's start: changing either would move every time it has given.
        if (d.ClockSpeed != current.ClockSpeed || (current.ClockSpeed is not null && d.WindowStart != current.WindowStart))
            return DomainError.Conflict(RuleCodes.ClockSpeedFixed, "An operation's clock speed, and an exercise's window start with it, cannot change once defined.", "clockSpeed");

        // History is never rewritten: a team or region that has reports cannot vanish or move.
        foreach (var team in current.Teams.Values.Where(t => t.HasActivity))
        {
            var replacement = d.Teams.FirstOrDefault(t => t.Id == team.Id);
            if (replacement is null)
                return DomainError.Conflict(RuleCodes.TeamHasReports, $"Team '{team.Id}' has reports and cannot be removed.", "teams", ("id", team.Id));
            if (replacement.RegionId != team.Definition.RegionId)
                return DomainError.Conflict(RuleCodes.TeamRegionFixed, $"Team '{team.Id}' has reports and cannot move to another region.", "teams", ("id", team.Id));
        }

        foreach (var region in current.Regions.Values.Where(r => r.Totals != Tally.Zero || r.ExploitationFound.Count > 0))
        {
            if (!regionIds.Contains(region.Id))
                return DomainError.Conflict(RuleCodes.RegionHasReports, $"Region '{region.Id}' has reports and cannot be removed.", "regions", ("id", region.Id));
        }

        return null;
    }

    /// <summary>Checks a field report for <paramref name="team"/>; null means it may be appended.</summary>
    public static DomainError? ValidateReport(TeamState team, FieldReport r, DateTimeOffset? clientTime, DateTimeOffset serverNow)
    {
        var errors = new FieldErrors();
        CheckIncrement(errors, "children", r.Counts.Children);
        CheckIncrement(errors, "women", r.Counts.Women);
        CheckIncrement(errors, "men", r.Counts.Men);
        CheckIncrement(errors, "arrested", r.Counts.Arrested);
        if (r.Status is { } s && !Enum.IsDefined(s)) errors.Add("status", RuleCodes.UnknownValue, "unknown status");
        if (r.ExploitationTypes.IsDefault || r.ExploitationTypes.Any(e => !Enum.IsDefined(e)))
            errors.Add("exploitationTypes", RuleCodes.UnknownValue, "unknown exploitation type");
        if (r.Position is { } p) CheckPosition(errors, "position", p);
        if (r.Note is { } note) CheckText(errors, "note", note, MaxNoteLength);
        CheckClientTime(errors, clientTime, serverNow);
        if (errors.ToError() is { } invalid) return invalid;

        if (r.Status is { } to && !TeamLifecycle.CanMove(team.Status, to))
            return DomainError.IllegalTransition(team.Status, to);
        return null;
    }

    /// <summary>
    /// Checks a correction: bounded signed deltas, a reason, no total below zero, and a <c>corrects</c> that names one
    /// of this team's own earlier reports or corrections (<paramref name="target"/>: that event as the timeline holds it,
    /// null when there is none).
    /// </summary>
    public static DomainError? ValidateCorrection(
        TeamState team, Correction c, CorrectionTarget? target, DateTimeOffset? clientTime, DateTimeOffset serverNow)
    {
        var errors = new FieldErrors();
        CheckDelta(errors, "children", c.Delta.Children);
        CheckDelta(errors, "women", c.Delta.Women);
        CheckDelta(errors, "men", c.Delta.Men);
        CheckDelta(errors, "arrested", c.Delta.Arrested);
        if (c.Delta.IsZero) errors.Add("children", RuleCodes.CorrectionEmpty, "a correction must change at least one count");
        if (string.IsNullOrWhiteSpace(c.Reason)) errors.Add("reason", RuleCodes.Required, "is required");
        else CheckText(errors, "reason", c.Reason, MaxReasonLength);
        if (team.ReportCount == 0 || c.CorrectsSeq < 1 || c.CorrectsSeq > team.LastSeq || !IsOwnReport(team, c.CorrectsSeq, target))
            errors.Add("corrects", RuleCodes.CorrectsUnknown, "must be the sequence number of one of this team's earlier reports or corrections");
        CheckClientTime(errors, clientTime, serverNow);
        if (errors.ToError() is { } invalid) return invalid;

        var after = team.Totals.Add(c.Delta);
        var below = new FieldErrors();
        if (after.Children < 0) below.Add("children", RuleCodes.CorrectionBelowZero, $"would bring the team's total to {after.Children}; it is {team.Totals.Children}", ("total", team.Totals.Children), ("after", after.Children));
        if (after.Women < 0) below.Add("women", RuleCodes.CorrectionBelowZero, $"would bring the team's total to {after.Women}; it is {team.Totals.Women}", ("total", team.Totals.Women), ("after", after.Women));
        if (after.Men < 0) below.Add("men", RuleCodes.CorrectionBelowZero, $"would bring the team's total to {after.Men}; it is {team.Totals.Men}", ("total", team.Totals.Men), ("after", after.Men));
        if (after.Arrested < 0) below.Add("arrested", RuleCodes.CorrectionBelowZero, $"would bring the team's total to {after.Arrested}; it is {team.Totals.Arrested}", ("total", team.Totals.Arrested), ("after", after.Arrested));
        return below.ToError();
    }

    private static bool IsOwnReport(TeamState team, long seq, CorrectionTarget? target) =>
        target is { } t && t.Seq == seq && t.TeamId == team.Id && t.Kind is EventKinds.FieldReported or EventKinds.ReportCorrected;

    /// <summary>
    /// Whether something may still fall due with nobody looking: a team that may fall silent (active, reporting, not
    /// flagged already), an order whose time has not come, a distress call not yet escalated.
    /// </summary>
    public static bool AwaitsCheckIns(OperationState state) =>
        state.Teams.Values.Any(t => TeamLifecycle.IsActive(t.Status) && t.OverdueSince is null && t.LastReportAt is not null)
        || state.Orders.Values.Any(o => o.Open && o.DueBy is not null && o.OverdueAt is null)
        || state.Distress.Values.Any(d => d.Open && d.EscalatedAt is null);

    /// <summary>Orders past their time with teams that have not answered, not flagged yet.</summary>
    public static IEnumerable<OrderState> OverdueOrders(OperationState state, DateTimeOffset now) =>
        state.Orders.Values.Where(o => o.Open && o.OverdueAt is null && o.DueBy is { } due && now >= due);

    /// <summary>Distress calls open for <paramref name="escalation"/> (on the operation's clock) and not escalated yet.</summary>
    public static IEnumerable<DistressState> EscalatingDistress(OperationState state, DateTimeOffset now, TimeSpan escalation) =>
        state.Distress.Values.Where(d => d.Open && d.EscalatedAt is null && now - d.RaisedAt >= escalation);

    /// <summary>The longest text of an order, and of an order's answer or cancellation reason.</summary>
    public const int MaxOrderTextLength = 500;

    /// <summary>How far ahead an order's time may be.</summary>
    public static readonly TimeSpan MaxOrderHorizon = TimeSpan.FromDays(14);

    /// <summary>
    /// Checks an order from command: a known kind, a text, a target that reaches at least one team, a believable place
    /// and a time to answer by that is ahead of the operation's clock (<paramref name="now"/>) and at most 14 days ahead.
    /// </summary>
    public static DomainError? ValidateOrder(OperationState state, Order order, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (!Enum.IsDefined(order.Kind)) errors.Add("kind", RuleCodes.UnknownValue, $"must be one of {string.Join(", ", Enum.GetNames<OrderKind>())}");
        if (string.IsNullOrWhiteSpace(order.Text)) errors.Add("text", RuleCodes.Required, "is required");
        else CheckText(errors, "text", order.Text, MaxOrderTextLength);
        if (order.Place is { } place) CheckPosition(errors, "place", place);
        if (order.DueBy is not null && order.DueInMinutes is not null) errors.Add("dueBy", RuleCodes.DueBothGiven, "give dueBy or dueInMinutes, not both");
        if (order.DueInMinutes is { } minutes && (minutes < 1 || minutes > MaxOrderHorizon.TotalMinutes))
            errors.Add("dueInMinutes", RuleCodes.DueRange, $"must be from 1 to {MaxOrderHorizon.TotalMinutes:0} minutes", ("min", 1), ("max", MaxOrderHorizon.TotalMinutes));
        if (order.DueBy is { } due)
        {
            if (due <= now) errors.Add("dueBy", RuleCodes.DuePast, $"must be ahead of the operation's clock (now {now:yyyy-MM-dd'T'HH:mm:ss'Z'})", ("now", now));
            else if (due - now > MaxOrderHorizon) errors.Add("dueBy", RuleCodes.DueTooFar, $"may be at most {MaxOrderHorizon.TotalDays:0} days ahead", ("days", MaxOrderHorizon.TotalDays));
        }

        switch (order.Target.Scope)
        {
            case OrderScope.Team when order.Target.Id is not { } id || !state.Teams.ContainsKey(id):
                errors.Add("teamId", RuleCodes.UnknownTeam, $"no team '{order.Target.Id}' in this operation", ("id", order.Target.Id));
                break;
            case OrderScope.Region when order.Target.Id is not { } id || !state.Regions.ContainsKey(id):
                errors.Add("regionId", RuleCodes.UnknownRegion, $"no region '{order.Target.Id}' in this operation", ("id", order.Target.Id));
                break;
            case OrderScope.Region when state.Regions[order.Target.Id!].TeamIds.Count == 0:
                errors.Add("regionId", RuleCodes.RegionWithoutTeams, $"region '{order.Target.Id}' has no teams to order", ("id", order.Target.Id));
                break;
            case OrderScope.All when state.Teams.IsEmpty:
                errors.Add("all", RuleCodes.OperationWithoutTeams, "the operation has no teams to order");
                break;
            case not (OrderScope.Team or OrderScope.Region or OrderScope.All):
                errors.Add("target", RuleCodes.TargetMissing, "must be a team, a region or all teams");
                break;
        }

        return errors.ToError();
    }

    /// <summary>
    /// Checks a team's answer to an order. An order the team was not given is "not found", as if it did not exist: a lead
    /// learns nothing of other teams' orders from a refusal.
    /// </summary>
    public static DomainError? ValidateAnswer(OperationState state, string teamId, OrderAnswered a, DateTimeOffset? clientTime, DateTimeOffset serverNow)
    {
        if (!state.Orders.TryGetValue(a.OrderSeq, out var order) || !order.Recipients.Contains(teamId))
            return DomainError.NotFound(RuleCodes.OrderNotFound, $"No order {a.OrderSeq} for team {teamId}.", ("order", a.OrderSeq));
        var errors = new FieldErrors();
        if (!Enum.IsDefined(a.Answer)) errors.Add("answer", RuleCodes.UnknownValue, "must be Acknowledged or Unable");
        if (a.Answer == OrderAnswer.Unable && string.IsNullOrWhiteSpace(a.Reason)) errors.Add("reason", RuleCodes.ReasonRequiredWhenUnable, "is required when the team is unable to comply");
        if (a.Reason is { } reason) CheckText(errors, "reason", reason, MaxOrderTextLength);
        CheckClientTime(errors, clientTime, serverNow);
        if (errors.ToError() is { } invalid) return invalid;
        if (order.Cancelled)
            return DomainError.Conflict(RuleCodes.OrderCancelled, $"Order {a.OrderSeq} was cancelled at {order.CancelledAt:yyyy-MM-dd HH:mm:ss}Z; it needs no answer.", "orderSeq", ("order", a.OrderSeq), ("at", order.CancelledAt));
        if (order.Answers.TryGetValue(teamId, out var given))
            return DomainError.Conflict(RuleCodes.OrderAnswered, $"Team {teamId} answered order {a.OrderSeq} already ({given.Answer} at {given.At:yyyy-MM-dd HH:mm:ss}Z).", "orderSeq", ("order", a.OrderSeq), ("answer", given.Answer), ("at", given.At));
        return null;
    }

    /// <summary>Checks command's withdrawal of an order.</summary>
    public static DomainError? ValidateCancelOrder(OperationState state, OrderCancelled c)
    {
        if (!state.Orders.TryGetValue(c.OrderSeq, out var order)) return DomainError.NotFound(RuleCodes.OrderNotFound, $"No order {c.OrderSeq} in operation {state.Id}.", ("order", c.OrderSeq));
        var errors = new FieldErrors();
        if (c.Reason is { } reason) CheckText(errors, "reason", reason, MaxOrderTextLength);
        if (errors.ToError() is { } invalid) return invalid;
        return order.Cancelled
            ? DomainError.Conflict(RuleCodes.OrderCancelled, $"Order {c.OrderSeq} was cancelled already, at {order.CancelledAt:yyyy-MM-dd HH:mm:ss}Z by {order.CancelledBy}.", "orderSeq", ("order", c.OrderSeq), ("at", order.CancelledAt), ("by", order.CancelledBy))
            : null;
    }

    /// <summary>A distress call is never refused for the state it finds: only a position that is not one is.</summary>
    public static DomainError? ValidateDistress(DistressRaised d, DateTimeOffset? clientTime, DateTimeOffset serverNow)
    {
        var errors = new FieldErrors();
        if (d.Position is { } p) CheckPosition(errors, "position", p);
        CheckClientTime(errors, clientTime, serverNow);
        return errors.ToError();
    }

    /// <summary>A device's position for its team: on the globe, from a source named in one line, at a device time in range.</summary>
    public static DomainError? ValidatePosition(PositionReported p, DateTimeOffset? clientTime, DateTimeOffset serverNow)
    {
        var errors = new FieldErrors();
        CheckPosition(errors, "position", p.Position);
        CheckName(errors, "source", p.Source);
        CheckClientTime(errors, clientTime, serverNow);
        return errors.ToError();
    }

    /// <summary>A team's message to command: plain text of at most <see cref="MessageSent.MaxText"/> characters, from a named source.</summary>
    public static DomainError? ValidateMessage(MessageSent m, DateTimeOffset? clientTime, DateTimeOffset serverNow)
    {
        var errors = new FieldErrors();
        CheckText(errors, "text", m.Text, MessageSent.MaxText);
        CheckName(errors, "source", m.Source);
        CheckClientTime(errors, clientTime, serverNow);
        return errors.ToError();
    }

    /// <summary>Checks command taking a distress call: it exists and nobody took it (or the team withdrew it) before.</summary>
    public static DomainError? ValidateTake(OperationState state, DistressTaken t)
    {
        if (!state.Distress.TryGetValue(t.DistressSeq, out var call)) return DomainError.NotFound(RuleCodes.DistressNotFound, $"No distress call {t.DistressSeq} in operation {state.Id}.", ("distress", t.DistressSeq));
        if (call.TakenAt is { } at) return DomainError.Conflict(RuleCodes.DistressTaken, $"Distress call {t.DistressSeq} was taken already, at {at:yyyy-MM-dd HH:mm:ss}Z by {call.TakenBy}.", "distressSeq", ("distress", t.DistressSeq), ("at", at), ("by", call.TakenBy));
        if (call.CancelledAt is { } off) return DomainError.Conflict(RuleCodes.DistressWithdrawn, $"Distress call {t.DistressSeq} was withdrawn by the team at {off:yyyy-MM-dd HH:mm:ss}Z.", "distressSeq", ("distress", t.DistressSeq), ("at", off));
        return null;
    }

    /// <summary>Checks a team withdrawing its own distress call.</summary>
    public static DomainError? ValidateCancelDistress(OperationState state, string teamId, DistressCancelled c, DateTimeOffset? clientTime, DateTimeOffset serverNow)
    {
        if (!state.Distress.TryGetValue(c.DistressSeq, out var call) || call.TeamId != teamId)
            return DomainError.NotFound(RuleCodes.DistressNotFound, $"No distress call {c.DistressSeq} of team {teamId}.", ("distress", c.DistressSeq));
        var errors = new FieldErrors();
        if (c.Reason is { } reason) CheckText(errors, "reason", reason, MaxOrderTextLength);
        CheckClientTime(errors, clientTime, serverNow);
        if (errors.ToError() is { } invalid) return invalid;
        return call.CancelledAt is { } off
            ? DomainError.Conflict(RuleCodes.DistressWithdrawn, $"Distress call {c.DistressSeq} was withdrawn already, at {off:yyyy-MM-dd HH:mm:ss}Z.", "distressSeq", ("distress", c.DistressSeq), ("at", off))
            : null;
    }

    /// <summary>
    /// Teams that should have checked in by now: in an active status, silent for at least <paramref name="interval"/>,
    /// and not flagged yet. Teams on standby, completed or aborted are not expected to report.
    /// </summary>
    public static IEnumerable<TeamState> OverdueTeams(OperationState state, DateTimeOffset now, TimeSpan interval) =>
        state.Teams.Values.Where(t => TeamLifecycle.IsActive(t.Status) && t.OverdueSince is null
            && t.LastReportAt is { } last && now - last >= interval);

    private static void CheckIncrement(FieldErrors errors, string field, int value)
    {
        if (value is < 0 or > MaxCountPerReport) errors.Add(field, RuleCodes.CountRange, $"must be a whole number from 0 to {MaxCountPerReport}", ("min", 0), ("max", MaxCountPerReport));
    }

    private static void CheckDelta(FieldErrors errors, string field, int value)
    {
        if (value is < -MaxCountPerReport or > MaxCountPerReport)
            errors.Add(field, RuleCodes.CorrectionRange, $"must be a whole number from -{MaxCountPerReport} to {MaxCountPerReport}", ("min", -MaxCountPerReport), ("max", MaxCountPerReport));
    }

    private static void CheckPosition(FieldErrors errors, string field, GeoPoint p)
    {
        if (!double.IsFinite(p.Latitude) || p.Latitude is < -90 or > 90) errors.Add($"{field}.latitude", RuleCodes.LatitudeRange, "must be between -90 and 90", ("min", -90), ("max", 90));
        if (!double.IsFinite(p.Longitude) || p.Longitude is < -180 or > 180) errors.Add($"{field}.longitude", RuleCodes.LongitudeRange, "must be between -180 and 180", ("min", -180), ("max", 180));
    }

    private static void CheckName(FieldErrors errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) errors.Add(field, RuleCodes.Required, "is required");
        else CheckText(errors, field, value, MaxNameLength, multiline: false);
    }

    // Notes and reasons may span lines; names and titles are one line. Both follow PlainText's one rule.
    private static void CheckText(FieldErrors errors, string field, string value, int max, bool multiline = true)
    {
        if (value.Length > max) errors.Add(field, RuleCodes.TooLong, $"must be at most {max} characters (got {value.Length})", ("max", max), ("length", value.Length));
        if (PlainText.Problem(value, multiline) is { } problem) errors.Add(field, problem.Code, problem.Message);
    }

    /// <summary>The longest name of a TAK device (it becomes its certificate's common name).</summary>
    public const int MaxDeviceNameLength = 100;

    /// <summary>Checks a TAK device's name: required, one line of plain text, at most 100 characters.</summary>
    public static DomainError? ValidateDeviceName(string? device)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(device)) errors.Add("device", RuleCodes.Required, "is required");
        else CheckText(errors, "device", device, MaxDeviceNameLength, multiline: false);
        return errors.ToError();
    }

    /// <summary>Checks the title of a significant-event mark: required, one line of plain text, at most 200 characters.</summary>
    public static DomainError? ValidateMarkTitle(string? title)
    {
        var errors = new FieldErrors();
        CheckName(errors, "title", title);
        return errors.ToError();
    }

    /// <summary>
    /// An exercise on a compressed clock starts now: its window's start within the last day and at most a minute ahead of
    /// the server's clock (<paramref name="serverNow"/>, real time). A start long past would put its times years ahead
    /// (and past the calendar's end at 3,600×); one far ahead would run its clock backwards until then.
    /// </summary>
    public static DomainError? ValidateClockStart(OperationDefinition d, DateTimeOffset serverNow) =>
        d.ClockSpeed is null || (d.WindowStart >= serverNow - TimeSpan.FromDays(1) && d.WindowStart <= serverNow + TimeSpan.FromMinutes(1))
            ? null
            : DomainError.Invalid("windowStart", RuleCodes.ClockStart,
                "an exercise on a compressed clock starts now: its windowStart must be within the last day and at most a minute ahead of the server's clock");

    /// <summary>Whether a device's clock is believable: at most 10 minutes ahead of the server's, at most 30 days behind.</summary>
    public static DomainError? ValidateClientTime(DateTimeOffset clientTime, DateTimeOffset serverNow)
    {
        var errors = new FieldErrors();
        CheckClientTime(errors, clientTime, serverNow);
        return errors.ToError();
    }

    private static void CheckClientTime(FieldErrors errors, DateTimeOffset? clientTime, DateTimeOffset serverNow)
    {
        if (clientTime is not { } t) return;
        if (t > serverNow + MaxClientClockAhead)
            errors.Add("clientTime", RuleCodes.ClientTimeAhead, $"is more than {MaxClientClockAhead.TotalMinutes:0} minutes ahead of the server clock", ("minutes", MaxClientClockAhead.TotalMinutes));
        else if (t < serverNow - MaxClientClockBehind)
            errors.Add("clientTime", RuleCodes.ClientTimeOld, $"is more than {MaxClientClockBehind.TotalDays:0} days old", ("days", MaxClientClockBehind.TotalDays));
    }
}
