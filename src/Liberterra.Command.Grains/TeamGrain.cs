using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>A team's live view, fed one-way by its operation after every commit that changed the team.</summary>
public sealed class TeamGrain : ViewGrain<TeamState>, ITeamGrain
{
    protected override Task<TeamState?> Fetch() => Operation.GetTeam(Id);

    protected override long LastSeqOf(TeamState state) => state.LastSeq;
}
