using Liberterra.Command.Domain;
using Liberterra.Command.Storage;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Liberterra.Command.Grains;

/// <summary>
/// The operation's single writer. Reentrant on purpose: while one batch is being committed the next commands are
/// checked and queued, so a batch holds everything that arrived meanwhile (group commit). Every check, sequence
/// number and fold happens in one synchronous stretch of a turn, so interleaving cannot break them.
/// </summary>
[Reentrant]
public sealed partial class OperationGrain(
    ITimelineStore timeline,
    TimeProvider clock,
    ILogger<OperationGrain> logger) : Grain, IOperationGrain
{
    private OperationState? _committed;
    // The committed state plus every event queued or being committed: what the next command is checked against.
    private OperationState? _pending;
    private readonly Dictionary<string, KeyEntry> _keys = new(StringComparer.Ordinal);
    private List<PendingEvent> _queue = [];
    private Task? _flushing;


    private string OperationId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await foreach (var e in timeline.ReadAsync(OperationId, 0, cancellationToken))
        {
            _committed = OperationReducer.Apply(_committed, e);
            _keys[e.IdempotencyKey] = new KeyEntry(Fingerprints.Of(e), Task.FromResult(e));
        }

        _pending = _committed;
        if (_committed is not null)
            LogActivated(OperationId, _committed.LastSeq);
    }

    public Task<OperationState?> GetState() => Task.FromResult(_committed);

    public Task<TeamState?> GetTeam(string teamId) =>
        Task.FromResult(_committed?.Teams.GetValueOrDefault(teamId));

    public Task<RegionState?> GetRegion(string regionId) =>
        Task.FromResult(_committed?.Regions.GetValueOrDefault(regionId));

    public async Task<DefineOutcome> Define(OperationDefinition definition, string actor)
    {
        if (definition.Id != OperationId)
            return new DefineOutcome(null, DefineResult.Refused,
                DomainError.Invalid("id", $"must match the operation id in the address ('{OperationId}')"));

        var current = _pending;
        if (OperationRules.ValidateDefinition(definition, current) is { } error)
            return new DefineOutcome(null, DefineResult.Refused, error);

        if (current is not null && SameDefinition(current.Definition, definition))
            return new DefineOutcome(_committed, DefineResult.Unchanged, null);

        var key = $"define-{Guid.NewGuid():N}";
        var e = Enqueue(key, Fingerprints.Of(null, null, new OperationDefined(definition)), actor, null, null,
            new OperationDefined(definition));
        await e.Task;
        return new DefineOutcome(_committed, current is null ? DefineResult.Created : DefineResult.Updated, null);
    }

    public Task<CommandOutcome> Submit(TeamCommand command)
    {
        if (command.OperationId != OperationId)
            throw new ArgumentException("Command sent to the wrong operation.", nameof(command));

        var fingerprint = command.Fingerprint;
        if (_keys.TryGetValue(command.IdempotencyKey, out var seen))
        {
            return seen.Fingerprint == fingerprint
                ? Replay(seen.Committed)
                : Task.FromResult(CommandOutcome.Refused(DomainError.KeyReused(command.IdempotencyKey)));
        }

        if (_pending is null)
            return Task.FromResult(CommandOutcome.Refused(DomainError.NotFound($"No operation '{OperationId}'.")));
        if (!_pending.Teams.TryGetValue(command.TeamId, out var team))
            return Task.FromResult(CommandOutcome.Refused(
                DomainError.NotFound($"No team '{command.TeamId}' in operation '{OperationId}'.")));

        var now = clock.GetUtcNow();
        var error = command.Payload switch
        {
            FieldReported r => OperationRules.ValidateReport(team, r.Report, command.ClientTime, now),
            ReportCorrected c => OperationRules.ValidateCorrection(team, c.Correction, command.ClientTime, now),
            _ => DomainError.Invalid("kind", "a team may only submit field reports and corrections"),
        };
        if (error is not null)
            return Task.FromResult(CommandOutcome.Refused(error));

        var pending = Enqueue(command.IdempotencyKey, fingerprint, command.Actor, command.TeamId, command.ClientTime,
            command.Payload);
        return Accepted(pending.Task);
    }

    private static async Task<CommandOutcome> Accepted(Task<TimelineEvent> committed) =>
        new(await committed, Replayed: false, Error: null);

    private static async Task<CommandOutcome> Replay(Task<TimelineEvent> committed) =>
        new(await committed, Replayed: true, Error: null);

    private PendingEvent Enqueue(
        string key, string fingerprint, string actor, string? teamId, DateTimeOffset? clientTime, EventPayload payload)
    {
        var e = new TimelineEvent(
            (_pending?.LastSeq ?? 0) + 1, OperationId, clock.GetUtcNow(), clientTime, actor, teamId, key, payload);
        _pending = OperationReducer.Apply(_pending, e);
        var pending = new PendingEvent(e, _pending);
        _keys[key] = new KeyEntry(fingerprint, pending.Task);
        _queue.Add(pending);
        // The store may complete synchronously, so a finished loop is recognised by its task, not by a flag it clears.
        if (_flushing is null || _flushing.IsCompleted)
            _flushing = FlushLoop();
        return pending;
    }

    private async Task FlushLoop()
    {
        while (_queue.Count > 0)
        {
            var batch = _queue;
            _queue = [];
            try
            {
                await timeline.AppendAsync(OperationId, [.. batch.Select(p => p.Event)]);
            }
            catch (Exception ex)
            {
                FailQueued(batch, ex);
                return;
            }

            var before = _committed;
            _committed = batch[^1].StateAfter;
            foreach (var p in batch)
            {
                p.Complete();
            }

            PushViews(before, _committed);
        }
    }

    // Everything queued behind a failed batch was checked against a state that included it, so it fails too.
    // The callers get an error and retry with the same keys; nothing of theirs was stored.
    private void FailQueued(List<PendingEvent> batch, Exception ex)
    {
        var failed = batch.Concat(_queue).ToList();
        _queue = [];
        _pending = _committed;
        foreach (var p in failed)
        {
            _keys.Remove(p.Event.IdempotencyKey);
            p.Fail(new TimelineUnavailableException($"The timeline of '{OperationId}' could not be written.", ex));
        }

        LogAppendFailed(ex, OperationId, failed.Count);
        if (ex is TimelineConflictException)
        {
            // Another activation wrote to this timeline: ours is stale. Rebuild from the store on next call.
            DeactivateOnIdle();
        }
    }

    // Team and region grains are views; they keep the newest state they are sent, so order does not matter.
    private void PushViews(OperationState? before, OperationState after)
    {
        foreach (var (id, team) in after.Teams)
        {
            if (before is null || !before.Teams.TryGetValue(id, out var old) || old.LastSeq != team.LastSeq)
                GrainFactory.GetGrain<ITeamGrain>(GrainKeys.Team(OperationId, id)).Update(team).Ignore();
        }

        foreach (var (id, region) in after.Regions)
        {
            if (before is null || !before.Regions.TryGetValue(id, out var old) || old.LastSeq != region.LastSeq)
                GrainFactory.GetGrain<IHotspotRegionGrain>(GrainKeys.Region(OperationId, id)).Update(region).Ignore();
        }
    }

    private static bool SameDefinition(OperationDefinition a, OperationDefinition b) =>
        a.Id == b.Id && a.Name == b.Name && a.WindowStart == b.WindowStart && a.WindowEnd == b.WindowEnd
        && a.Exercise == b.Exercise
        && a.Regions.OrderBy(r => r.Id, StringComparer.Ordinal).SequenceEqual(b.Regions.OrderBy(r => r.Id, StringComparer.Ordinal), RegionComparer.Instance)
        && a.Teams.OrderBy(t => t.Id, StringComparer.Ordinal).SequenceEqual(b.Teams.OrderBy(t => t.Id, StringComparer.Ordinal));

    private sealed class RegionComparer : IEqualityComparer<RegionDefinition>
    {
        public static readonly RegionComparer Instance = new();

        public bool Equals(RegionDefinition? x, RegionDefinition? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Name == y.Name && x.CountryCode == y.CountryCode
            && x.Centroid == y.Centroid && x.ExploitationTypes.SequenceEqual(y.ExploitationTypes);

        public int GetHashCode(RegionDefinition obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }

    private sealed record KeyEntry(string Fingerprint, Task<TimelineEvent> Committed);

    private sealed class PendingEvent(TimelineEvent e, OperationState stateAfter)
    {
        private readonly TaskCompletionSource<TimelineEvent> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TimelineEvent Event { get; } = e;
        public OperationState StateAfter { get; } = stateAfter;
        public Task<TimelineEvent> Task => _done.Task;
        public void Complete() => _done.TrySetResult(Event);
        public void Fail(Exception ex) => _done.TrySetException(ex);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {OperationId} activated at seq {Seq}")]
    private partial void LogActivated(string operationId, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operation {OperationId}: append failed; {Count} commands refused")]
    private partial void LogAppendFailed(Exception ex, string operationId, int count);
}

/// <summary>The timeline could not be written: nothing of the command was stored, and it may be retried.</summary>
[GenerateSerializer]
public sealed class TimelineUnavailableException : Exception
{
    public TimelineUnavailableException() { }

    public TimelineUnavailableException(string message, Exception inner) : base(message, inner) { }
}
