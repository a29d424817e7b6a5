using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>A team's live view, fed by its operation before every acknowledgement of a commit that changed it.</summary>
public sealed class TeamGrain : Grain, ITeamGrain
{
    private TeamState? _state;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (operationId, teamId) = GrainKeys.Split(this.GetPrimaryKeyString());
        _state = await GrainFactory.GetGrain<IOperationGrain>(operationId).GetTeam(teamId);
    }

    public Task<TeamState?> GetState() => Task.FromResult(_state);

    public Task Update(TeamState state)
    {
        if (_state is null || state.LastSeq >= _state.LastSeq)
            _state = state;
        return Task.CompletedTask;
    }
}
