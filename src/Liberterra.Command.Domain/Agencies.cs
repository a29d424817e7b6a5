using System.Collections.Immutable;

namespace Liberterra.Command.Domain;

/// <summary>What kind of organisation an agency is.</summary>
public enum AgencyKind
{
    NationalPolice,
    BorderService,
    CoordinationCentre,
    Other,
}

/// <summary>What the other agencies of an operation see of an agency's teams.</summary>
public enum Sharing
{
    /// <summary>As their own: everything, notes, positions and names included.</summary>
    Full,

    /// <summary>Call sign, kind, status, region, counts and check-in age; no notes, no position, no names.</summary>
    Summary,

    /// <summary>Not listed at all: their counts go into their regions' and the operation's totals only.</summary>
    CountsOnly,
}

/// <summary>
/// An agency taking part in an operation. Its teams are its own; <paramref name="Shares"/> says what every other agency
/// sees of them, except those in <paramref name="FullWith"/>, which see them in full. A <paramref name="Coordinator"/>
/// (an INTERPOL command centre) sees every team in full.
/// </summary>
public sealed record AgencyDefinition(
    string Id,
    string Name,
    string? CountryCode,
    AgencyKind Kind,
    bool Coordinator,
    Sharing Shares,
    ImmutableArray<string> FullWith = default)
{
    /// <summary>The agencies that see this one's teams in full (never a default array).</summary>
    public ImmutableArray<string> FullWith { get; init; } = FullWith.IsDefault ? [] : FullWith;

    public bool Equals(AgencyDefinition? other) =>
        other is not null && Id == other.Id && Name == other.Name && CountryCode == other.CountryCode && Kind == other.Kind
        && Coordinator == other.Coordinator && Shares == other.Shares && FullWith.SequenceEqual(other.FullWith);

    public override int GetHashCode() => Id.GetHashCode(StringComparison.Ordinal);
}

/// <summary>
/// Need-to-know: what an agency's credentials see of each team of an operation. Built from the agencies and the teams'
/// owners; an operation without agencies, or a credential without an agency (issued for the whole operation, like an
/// admin's), sees everything, as before agencies existed.
/// </summary>
public sealed class AgencyRules
{
    private readonly Dictionary<string, AgencyDefinition> _agencies;
    private readonly Dictionary<string, string> _ownerOf;

    public static readonly AgencyRules None = new([], []);

    public AgencyRules(IEnumerable<AgencyDefinition> agencies, IEnumerable<TeamDefinition> teams)
    {
        _agencies = agencies.ToDictionary(a => a.Id, StringComparer.Ordinal);
        _ownerOf = _agencies.Count == 0 ? [] : teams.ToDictionary(t => t.Id, t => t.Agency, StringComparer.Ordinal);
        CountsOnlyAgencies = [.. _agencies.Values.Where(a => a.Shares == Sharing.CountsOnly).Select(a => a.Id).Order(StringComparer.Ordinal)];
    }

    public static AgencyRules Of(OperationState state) => new(state.Agencies, state.Teams.Values.Select(t => t.Definition));

    public static AgencyRules Of(OperationDefinition definition) => new(definition.Agencies, definition.Teams);

    /// <summary>True when the operation lists agencies (otherwise everyone sees everything).</summary>
    public bool Scoped => _agencies.Count > 0;

    /// <summary>The agencies that share "counts only" (their teams' counts are withheld from the others).</summary>
    public ImmutableArray<string> CountsOnlyAgencies { get; }

    public AgencyDefinition? Agency(string? id) => id is not null && _agencies.TryGetValue(id, out var a) ? a : null;

    public IEnumerable<AgencyDefinition> Agencies => _agencies.Values;

    /// <summary>The agency a team belongs to, if the operation lists agencies.</summary>
    public string? OwnerOf(string teamId) => _ownerOf.GetValueOrDefault(teamId);

    /// <summary>True when <paramref name="viewer"/> sees every team in full (no agency, a coordinator, or no agencies here).</summary>
    public bool SeesAll(string? viewer) => !Scoped || viewer is null || Agency(viewer)?.Coordinator == true;

    /// <summary>What <paramref name="viewer"/> (an agency id; null for a credential of the whole operation) sees of a team.</summary>
    public Sharing LevelFor(string? viewer, string teamId)
    {
        if (SeesAll(viewer)) return Sharing.Full;
        var owner = OwnerOf(teamId);
        if (owner is null) return Sharing.CountsOnly;                // not in the definition known here: show nothing
        if (owner == viewer) return Sharing.Full;
        var agency = Agency(owner);
        if (agency is null) return Sharing.Summary;
        return agency.FullWith.Contains(viewer!) ? Sharing.Full : agency.Shares;
    }

    /// <summary>The counts-only agencies whose teams <paramref name="viewer"/> does not see at all.</summary>
    public IEnumerable<string> HiddenFrom(string? viewer) =>
        SeesAll(viewer) ? [] : CountsOnlyAgencies.Where(a => a != viewer && !Agency(a)!.FullWith.Contains(viewer!));

    /// <summary>
    /// True when a command of <paramref name="actor"/> (an agency id, null for the whole operation) may act on the team:
    /// its own teams, or any for a coordinator or a credential without agency.
    /// </summary>
    public bool Manages(string? actor, string teamId) => SeesAll(actor) || OwnerOf(teamId) == actor;
}

/// <summary>How many of an agency's teams are active, completed and overdue: withheld from a view that does not list them.</summary>
public sealed record TeamCounts(int Active, int Completed, int Overdue)
{
    public static TeamCounts Of(IEnumerable<TeamState> teams)
    {
        int active = 0, completed = 0, overdue = 0;
        foreach (var t in teams)
        {
            if (TeamLifecycle.IsActive(t.Status)) active++;
            if (t.Status == TeamStatus.Completed) completed++;
            if (t.OverdueSince is not null) overdue++;
        }

        return new TeamCounts(active, completed, overdue);
    }
}

/// <summary>
/// What an agency's commander may change in a definition: its own teams (add, change, remove), nothing else. A
/// coordinator's commander, an admin and a credential without agency change anything.
/// </summary>
public static class AgencyEdits
{
    /// <summary>Why <paramref name="agency"/> may not replace <paramref name="current"/> (null for a new operation) by <paramref name="next"/>; null when it may.</summary>
    public static DomainError? Refusal(OperationDefinition? current, OperationDefinition next, string agency)
    {
        if (current is null)
            return next.Agencies.Length == 0 || next.Agencies.Any(a => a.Id == agency && a.Coordinator)
                ? null
                : Beyond("agencies", "An operation with agencies is created by a coordinator or an admin.");
        var rules = AgencyRules.Of(current);
        if (rules.SeesAll(agency)) return null;
        if (next.Name != current.Name || next.WindowStart != current.WindowStart || next.WindowEnd != current.WindowEnd
            || next.Exercise != current.Exercise || next.ClockSpeed != current.ClockSpeed)
            return Beyond("name", "Only a coordinator or an admin changes the operation's name, window or clock.");
        if (!Definitions.Same(current with { Teams = [] }, next with { Teams = [] }))
            return Beyond("regions", "Only a coordinator or an admin changes the operation's regions and agencies.");
        var before = current.Teams.Where(t => t.Agency != agency).OrderBy(t => t.Id, StringComparer.Ordinal);
        var others = current.Teams.Where(t => t.Agency != agency).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var after = next.Teams.Where(t => t.Agency != agency || others.Contains(t.Id)).OrderBy(t => t.Id, StringComparer.Ordinal);
        return before.SequenceEqual(after) ? null : Beyond("teams", "An agency's commander adds, changes and removes its own agency's teams only.");
    }

    private static DomainError Beyond(string field, string detail) => DomainError.Forbidden(RuleCodes.OtherAgency, detail, field);

    /// <summary>
    /// An agency's definition with the teams it cannot see put back: its commander sends what it sees (its own teams and
    /// the others' it is shared), and the teams of agencies that share counts only stay as they are.
    /// </summary>
    public static OperationDefinition WithHidden(OperationDefinition current, OperationDefinition next, string agency)
    {
        var view = new Viewpoint(AgencyRules.Of(current), agency);
        var sent = next.Teams.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var hidden = current.Teams.Where(t => view.Hides(t.Id) && !sent.Contains(t.Id)).ToList();
        return hidden.Count == 0 ? next : next with { Teams = [.. next.Teams, .. hidden] };
    }
}

/// <summary>
/// What an agency's command staff may direct: orders to its own teams and their cancellation, and taking its own teams'
/// distress calls. A coordinator's staff, an admin and a credential without agency direct any. A target the agency does
/// not see at all is refused in the same words as one that does not exist.
/// </summary>
public static class AgencyCommands
{
    /// <summary>Why <paramref name="agency"/> may not send <paramref name="payload"/> in <paramref name="state"/>; null when it may.</summary>
    public static DomainError? Refusal(OperationState state, string agency, EventPayload payload)
    {
        var view = Viewpoint.Of(state, agency);
        if (view.SeesAll) return null;
        switch (payload)
        {
            case OrderIssued { Order.Target: { Scope: OrderScope.Team, Id: { } team } }:
                if (view.Hides(team) || !state.Teams.ContainsKey(team))
                    return DomainError.Invalid("teamId", RuleCodes.UnknownTeam, $"no team '{team}' in this operation", ("id", team));
                return view.Rules.Manages(agency, team) ? null : Beyond("teamId", $"Team '{team}' is another agency's: its own command directs it.", team);
            case OrderIssued:
                return Beyond("teamId", "Orders to a region or to every team are a coordinator's; an agency orders its own teams one by one.", null);
            case OrderCancelled c:
                if (state.Orders.GetValueOrDefault(c.OrderSeq) is not { } order || view.Order(order) is null)
                    return DomainError.NotFound(RuleCodes.OrderNotFound, $"No order {c.OrderSeq} in operation {state.Id}.", ("order", c.OrderSeq));
                return order.Recipients.All(t => view.Rules.Manages(agency, t)) ? null : Beyond("orderSeq", $"Order {c.OrderSeq} reached another agency's teams: a coordinator cancels it.", null);
            case DistressTaken t:
                if (state.Distress.GetValueOrDefault(t.DistressSeq) is not { } call || view.Hides(call.TeamId))
                    return DomainError.NotFound(RuleCodes.DistressNotFound, $"No distress call {t.DistressSeq} in operation {state.Id}.", ("distress", t.DistressSeq));
                return view.Rules.Manages(agency, call.TeamId) ? null : Beyond("distressSeq", $"Distress call {t.DistressSeq} is another agency's team's: its command or a coordinator takes it.", call.TeamId);
            default:
                return null;
        }
    }

    private static DomainError Beyond(string field, string detail, string? team) =>
        team is null ? DomainError.Forbidden(RuleCodes.OtherAgency, detail, field) : DomainError.Forbidden(RuleCodes.OtherAgency, detail, field, ("id", team));
}
