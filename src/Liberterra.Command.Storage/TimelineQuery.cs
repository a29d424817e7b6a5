using Liberterra.Command.Domain;

namespace Liberterra.Command.Storage;

/// <summary>
/// Which events to list: those after <paramref name="After"/> (a sequence number), at most <paramref name="Limit"/>,
/// optionally within [<paramref name="From"/>, <paramref name="To"/>) by server time, of some teams and some kinds.
/// </summary>
public sealed record TimelineQuery(
    long After,
    int Limit,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    IReadOnlyCollection<string>? Teams = null,
    IReadOnlyCollection<string>? Kinds = null)
{
    public bool Matches(TimelineEvent e) =>
        e.Seq > After && (From is null || e.ServerTime >= From) && (To is null || e.ServerTime < To)
        && (Teams is null || (e.TeamId is not null && Teams.Contains(e.TeamId))) && (Kinds is null || Kinds.Contains(e.Kind));
}
