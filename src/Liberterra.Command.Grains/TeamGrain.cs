using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>A team lead's entry point: forwards reports to the operation's writer and keeps the team's live view.</summary>
public sealed class TeamGrain : Grain, ITeamGrain
{
    private TeamState? _state;
    private (string OperationId, string TeamId) _key;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = GrainKeys.Split(this.GetPrimaryKeyString());
        _state = await Operation.GetTeam(_key.TeamId);
    }

    private IOperationGrain Operation => GrainFactory.GetGrain<IOperationGrain>(_key.OperationId);

    public async Task<CommandOutcome> Submit(TeamCommand command)
    {
        if (command.OperationId != _key.OperationId || command.TeamId != _key.TeamId)
            throw new ArgumentException("Command sent to the wrong team.", nameof(command));
        var outcome = await Operation.Submit(command);
        // Our own report just committed: take the fresh view now rather than waiting for the push.
        Accept(outcome.Team);
        return outcome;
    }

    public Task<TeamState?> GetState() => Task.FromResult(_state);

    public Task Update(TeamState state)
    {
        Accept(state);
        return Task.CompletedTask;
    }

    private void Accept(TeamState? state)
    {
        if (state is not null && (_state is null || state.LastSeq >= _state.LastSeq))
            _state = state;
    }
}
