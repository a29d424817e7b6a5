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

    /// <summary>The operation's name, window, drill flag and clock; null when it was never defined.</summary>
    Task<OperationHeader?> GetHeader();

    /// <summary>Creates the operation or replaces its definition. An identical definition changes nothing.</summary>
    Task<DefineOutcome> Define(OperationDefinition definition, string actor);

    /// <summary>Appends a team's report or correction exactly once per idempotency key.</summary>
    Task<CommandOutcome> Submit(TeamCommand command);

    /// <summary>
    /// Flags every active team that has not checked in within the interval (one timeline event each); returns how
    /// many were flagged now. Driven by a reminder and a timer, so it happens with no display open.
    /// </summary>
    Task<int> CheckOverdue();

    /// <summary>The silo this activation lives on (operators' diagnostics: where a failover will move work from).</summary>
    [AlwaysInterleave]
    Task<string> GetSilo();
}

/// <summary>A team's live view, updated by its operation before each commit is acknowledged. Key: <c>{operationId}/{teamId}</c>.</summary>
public interface ITeamGrain : IGrainWithStringKey
{
    Task<TeamState?> GetState();

    /// <summary>
    /// Sent by the operation after each commit that changed the team, before the commit is acknowledged; the newest
    /// sequence number wins. Interleaves, so a team grain waiting on its own submit still takes it.
    /// </summary>
    [AlwaysInterleave]
    Task Update(TeamState state);
}

/// <summary>A hotspot region's live view. Key: <c>{operationId}/{regionId}</c>.</summary>
public interface IHotspotRegionGrain : IGrainWithStringKey
{
    Task<RegionState?> GetState();

    /// <summary>
    /// Sent by the operation after each commit that changed the region, before the commit is acknowledged; the newest
    /// sequence number wins.
    /// </summary>
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
