using Liberterra.Command.Domain;
using Orleans.Concurrency;

namespace Liberterra.Command.Grains;

/// <summary>
/// One operation: the single writer of its timeline. It checks every command against the state that includes all
/// earlier accepted commands, gives it the next sequence number, commits it (many at once under load) and folds it
/// with <see cref="OperationReducer"/>. Key: the operation id.
/// </summary>
public interface IOperationGrain : IGrainWithStringKey
{
    /// <summary>The committed state, or null when the operation was never defined.</summary>
    Task<OperationState?> GetState();

    Task<TeamState?> GetTeam(string teamId);

    /// <summary>The sequence number of the last committed event; -1 when the operation was never defined.</summary>
    Task<long> GetLastSeq();

    Task<RegionState?> GetRegion(string regionId);

    /// <summary>A team's orders and latest distress call, as committed; null when there is no such team.</summary>
    Task<TeamOrders?> GetTeamOrders(string teamId);

    /// <summary>The operation's name, window, drill flag and clock; null when it was never defined.</summary>
    Task<OperationHeader?> GetHeader();

    /// <summary>Creates the operation or replaces its definition. An identical definition changes nothing.</summary>
    Task<DefineOutcome> Define(OperationDefinition definition, string actor);

    /// <summary>
    /// Appends a team's report or correction exactly once per idempotency key. A caller waits at most 5 s (a commit
    /// takes milliseconds): a call in flight to a silo that just died would otherwise wait until the cluster declares it
    /// dead (10-14 s) or for Orleans' 30 s response timeout. Past it the caller answers 503, and a retry with the same
    /// key answers what was stored.
    /// </summary>
    [ResponseTimeout("00:00:05")]
    Task<CommandOutcome> Submit(TeamCommand command);

    /// <summary>
    /// Command's order, cancellation of an order or taking of a distress call, exactly once per idempotency key, checked
    /// against the state including every earlier accepted command. The same 5 s bound as <see cref="Submit"/>.
    /// </summary>
    [ResponseTimeout("00:00:05")]
    Task<CommandOutcome> Direct(StaffCommand command);

    /// <summary>
    /// Flags every active team that has not checked in within the interval (one timeline event each); returns how
    /// many were flagged now. Driven by a reminder and a timer, so it happens with no display open.
    /// </summary>
    Task<int> CheckOverdue();

    /// <summary>The silo this activation lives on (operators' diagnostics: where a failover will move work from).</summary>
    [AlwaysInterleave]
    Task<string> GetSilo();
}

/// <summary>
/// A team's live view. Its operation sends it every commit that changed the team, one-way: the acknowledgement never
/// waits for a view (it may live on another silo, which may be dying). A reader that must see a write of its own names
/// its sequence number, and a view behind it catches up from the operation first. Key: <c>{operationId}/{teamId}</c>.
/// </summary>
public interface ITeamGrain : IGrainWithStringKey
{
    /// <summary>The team as of at least event <paramref name="atLeastSeq"/> of the team (0: as the view has it).</summary>
    Task<TeamState?> GetState(long atLeastSeq);

    /// <summary>Sent one-way by the operation after each commit that changed the team; the newest sequence number wins.</summary>
    [OneWay]
    [AlwaysInterleave]
    Task Update(TeamState state);
}

/// <summary>A hotspot region's live view, fed one-way like a team's (<see cref="ITeamGrain"/>). Key: <c>{operationId}/{regionId}</c>.</summary>
public interface IHotspotRegionGrain : IGrainWithStringKey
{
    /// <summary>The region as of at least event <paramref name="atLeastSeq"/> of the region (0: as the view has it).</summary>
    Task<RegionState?> GetState(long atLeastSeq);

    /// <summary>Sent one-way by the operation after each commit that changed the region; the newest sequence number wins.</summary>
    [OneWay]
    [AlwaysInterleave]
    Task Update(RegionState state);
}

/// <summary>Keys of the team and region grains.</summary>
public static class GrainKeys
{
    public static string Team(string operationId, string teamId) => $"{operationId}/{teamId}";

    public static string Region(string operationId, string regionId) => $"{operationId}/{regionId}";

    public static (string OperationId, string Id) Split(string key)
    {
        var slash = key.IndexOf('/');
        return slash > 0 ? (key[..slash], key[(slash + 1)..]) : throw new ArgumentException($"Bad grain key '{key}'.", nameof(key));
    }
}
