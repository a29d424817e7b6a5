using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>A team's live view, fed one-way by its operation after every commit that changed the team.</summary>
public sealed class TeamGrain : Grain, ITeamGrain
{
    private TeamState? _state;

    private IOperationGrain Operation => GrainFactory.GetGrain<IOperationGrain>(GrainKeys.Split(this.GetPrimaryKeyString()).OperationId);

    private string TeamId => GrainKeys.Split(this.GetPrimaryKeyString()).Id;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        Keep(await Operation.GetTeam(TeamId));

    public async Task<TeamState?> GetState(long atLeastSeq)
    {
        // Behind what the reader wrote (its update is still on the way), or a team defined since: ask the writer.
        if (_state is null || _state.LastSeq < atLeastSeq) Keep(await Operation.GetTeam(TeamId));
        return _state;
    }

    public Task Update(TeamState state)
    {
        Keep(state);
        return Task.CompletedTask;
    }

    private void Keep(TeamState? state)
    {
        if (state is not null && (_state is null || state.LastSeq >= _state.LastSeq)) _state = state;
    }
}
