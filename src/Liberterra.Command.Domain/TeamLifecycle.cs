using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Liberterra.Command.Domain;

/// <summary>The team status lifecycle as data: which statuses may follow which.</summary>
public static class TeamLifecycle
{
    /// <summary>The status every team starts in.</summary>
    public const TeamStatus Initial = TeamStatus.Standby;

    // A raid team runs several raids in six days: Completed and Aborted lead back to Standby.
    // Holding pauses any active phase and may resume into any of them.
    private static readonly FrozenDictionary<TeamStatus, ImmutableArray<TeamStatus>> Next =
        new Dictionary<TeamStatus, ImmutableArray<TeamStatus>>
        {
            [TeamStatus.Standby] = [TeamStatus.Briefed, TeamStatus.Holding, TeamStatus.Aborted],
            [TeamStatus.Briefed] = [TeamStatus.EnRoute, TeamStatus.Standby, TeamStatus.Holding, TeamStatus.Aborted],
            [TeamStatus.EnRoute] = [TeamStatus.OnSite, TeamStatus.Holding, TeamStatus.Aborted],
            [TeamStatus.OnSite] = [TeamStatus.Engaged, TeamStatus.Extracting, TeamStatus.Completed, TeamStatus.Holding, TeamStatus.Aborted],
            [TeamStatus.Engaged] = [TeamStatus.Extracting, TeamStatus.OnSite, TeamStatus.Holding, TeamStatus.Aborted],
            [TeamStatus.Extracting] = [TeamStatus.Completed, TeamStatus.OnSite, TeamStatus.Holding, TeamStatus.Aborted],
            [TeamStatus.Completed] = [TeamStatus.Standby, TeamStatus.Briefed],
            [TeamStatus.Holding] = [TeamStatus.Briefed, TeamStatus.EnRoute, TeamStatus.OnSite, TeamStatus.Engaged, TeamStatus.Extracting, TeamStatus.Aborted],
            [TeamStatus.Aborted] = [TeamStatus.Standby],
        }.ToFrozenDictionary();

    /// <summary>The statuses a team in <paramref name="from"/> may move to next.</summary>
    public static ImmutableArray<TeamStatus> AllowedNext(TeamStatus from) => Next[from];

    /// <summary>Restating the current status is a check-in, not a transition, and is always allowed.</summary>
    public static bool CanMove(TeamStatus from, TeamStatus to) => from == to || Next[from].Contains(to);

    /// <summary>Statuses in which a team counts as active on the wall.</summary>
    public static bool IsActive(TeamStatus status) =>
        status is TeamStatus.Briefed or TeamStatus.EnRoute or TeamStatus.OnSite or TeamStatus.Engaged
            or TeamStatus.Extracting or TeamStatus.Holding;
}
