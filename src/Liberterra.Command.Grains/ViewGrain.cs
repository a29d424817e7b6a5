namespace Liberterra.Command.Grains;

/// <summary>
/// A live view of part of an operation (a team, a region), keyed <c>{operationId}/{id}</c>: fed one-way by the
/// operation after each commit that changed it, the newest sequence number winning; a reader that names an event the
/// view has not reached yet, or a view that has nothing, asks the operation first.
/// </summary>
/// <typeparam name="TState">What the view holds.</typeparam>
public abstract class ViewGrain<TState> : Grain where TState : class
{
    private TState? _state;

    /// <summary>The operation the view belongs to.</summary>
    protected IOperationGrain Operation => GrainFactory.GetGrain<IOperationGrain>(GrainKeys.Split(this.GetPrimaryKeyString()).OperationId);

    /// <summary>The team's or region's id.</summary>
    protected string Id => GrainKeys.Split(this.GetPrimaryKeyString()).Id;

    /// <summary>Asks the operation for the state as it is committed now.</summary>
    protected abstract Task<TState?> Fetch();

    /// <summary>The number of the last event that changed the state.</summary>
    protected abstract long LastSeqOf(TState state);

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => Keep(await Fetch());

    /// <summary>The state as of at least event <paramref name="atLeastSeq"/> (0: as the view has it).</summary>
    public async Task<TState?> GetState(long atLeastSeq)
    {
        // Behind what the reader wrote (its update is still on the way), or defined since: ask the writer.
        if (_state is null || LastSeqOf(_state) < atLeastSeq) Keep(await Fetch());
        return _state;
    }

    /// <summary>Sent one-way by the operation; the newest wins.</summary>
    public Task Update(TState state)
    {
        Keep(state);
        return Task.CompletedTask;
    }

    private void Keep(TState? state)
    {
        if (state is not null && (_state is null || LastSeqOf(state) >= LastSeqOf(_state))) _state = state;
    }
}
