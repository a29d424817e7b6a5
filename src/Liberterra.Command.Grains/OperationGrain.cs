using Liberterra.Command.Domain;
using Liberterra.Command.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Liberterra.Command.Grains;

/// <summary>
/// The operation's single writer. Reentrant on purpose: while one batch is being committed the next commands are
/// checked and queued, so a batch holds everything that arrived meanwhile (group commit). Every check, sequence
/// number and fold happens in one synchronous stretch of a turn, so interleaving cannot break them.
/// </summary>
[Reentrant]
public sealed partial class OperationGrain(
    ITimelineWriter timeline,
    [PersistentState("operation", OperationGrainOptions.StorageName)] IPersistentState<OperationSnapshot> snapshot,
    IOptions<OperationGrainOptions> options,
    [FromKeyedServices(OperationGrainOptions.ClockKey)] TimeProvider clock,
    FeedDirectory feed,
    ILogger<OperationGrain> logger) : Grain, IOperationGrain, IRemindable
{
    /// <summary>The reminder that brings the grain back (on any silo) to check for overdue teams.</summary>
    public const string CheckInReminder = "check-ins";

    /// <summary>Who the timeline names as the author of the events the system itself records.</summary>
    public const string SystemActor = "liberterra";

    private OperationState? _committed;
    // The committed state plus every event queued or being committed: what the next command is checked against.
    private OperationState? _pending;
    private readonly RecentKeys _keys = new(options.Value.RecentKeys);
    private List<PendingEvent> _queue = [];
    // Events queued or being committed, by sequence number: what a correction may name before it is stored.
    private readonly Dictionary<long, TimelineEvent> _uncommitted = [];
    // While a batch that the database refused for one command's content is split up, every new command waits.
    private Task? _isolating;
    private Task? _flushing;
    private Task? _snapshotting;
    // The sequence number of the last snapshot known to be written (a failed write leaves it unchanged).
    private long _snapshotSeq;
    // Set when a write failed: whether it reached the disk is unknown (a connection can die during the commit), so
    // before anything else the timeline is read again from the last commit this activation is sure of.
    private bool _stale;
    private Task? _reloading;
    // Whether the check-in reminder is registered, as far as this activation knows (null: not known).
    private bool? _reminder;
    private bool _reminderDirty;
    private Task? _reminderChange;

    private string OperationId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A snapshot folded by an older reducer lacks what this one keeps (raids completed): fold the timeline instead.
        _committed = snapshot.State.State is { IsCurrent: true } current ? current : null;
        var fromSnapshot = _snapshotSeq = _committed?.LastSeq ?? 0;
        // Only the most recent keys: what this reads and holds does not grow with the operation's history.
        if (fromSnapshot > 0)
        {
            await foreach (var k in timeline.ReadKeysAsync(OperationId, Math.Max(0, fromSnapshot - _keys.Capacity), fromSnapshot, cancellationToken))
                _keys[k.Key] = new KeyEntry(k.Fingerprint, k.Seq, null);
        }

        await foreach (var e in timeline.ReadAsync(OperationId, fromSnapshot, cancellationToken))
        {
            _committed = OperationReducer.Apply(_committed, e);
            _keys[e.IdempotencyKey] = new KeyEntry(Fingerprints.Of(e), e.Seq, null);
        }

        _keys.Trim();

        _pending = _committed;
        if (_committed is not null)
        {
            LogActivated(OperationId, fromSnapshot, _committed.LastSeq);
            await StartCheckIns();
        }
    }

    /// <summary>
    /// The operation's time now: real time, or an exercise's compressed clock (<see cref="OperationClock"/>), never before
    /// the last event's (an exercise whose window starts a moment ahead of this server's clock keeps its times in order).
    /// </summary>
    private DateTimeOffset Now()
    {
        var now = OperationClock.At(_pending, clock.GetUtcNow());
        return _pending?.LastEventAt is { } last && last > now ? last : now;
    }

    /// <summary>Keys of events the server makes itself: '/' cannot appear in a client's key, so they never collide.</summary>
    private static string SystemKey(string name) => $"system/{name}";

    public Task<string> GetSilo() => Task.FromResult(GrainContext.Address.SiloAddress?.ToString() ?? "");

    public Task<OperationState?> GetState() => Task.FromResult(_committed);

    public Task<OperationHeader?> GetHeader() => Task.FromResult(_committed is null ? null : OperationHeader.Of(_committed));

    public Task<long> GetLastSeq() => Task.FromResult(_committed?.LastSeq ?? -1);

    public Task<TeamState?> GetTeam(string teamId) =>
        Task.FromResult(_committed?.Teams.GetValueOrDefault(teamId));

    public Task<TeamOrders?> GetTeamOrders(string teamId) =>
        Task.FromResult(_committed is null ? null : TeamOrders.Of(_committed, teamId));

    public Task<RegionState?> GetRegion(string regionId) =>
        Task.FromResult(_committed?.Regions.GetValueOrDefault(regionId));

    public async Task<DefineOutcome> Define(OperationDefinition definition, string actor)
    {
        await EnsureCurrent();
        // Compare with what is committed, not with what is in flight: an identical definition still being written
        // must not be answered as stored before it is.
        while (_flushing is { IsCompleted: false } flushing) await flushing;
        await EnsureCurrent();
        if (definition.Id != OperationId)
            return new DefineOutcome(null, DefineResult.Refused,
                DomainError.Invalid("id", RuleCodes.OperationIdMismatch, $"must match the operation id in the address ('{OperationId}')"));

        var current = _pending;
        if (OperationRules.ValidateDefinition(definition, current) is { } error)
            return new DefineOutcome(null, DefineResult.Refused, error);
        if (current is null && OperationRules.ValidateClockStart(definition, clock.GetUtcNow()) is { } early)
            return new DefineOutcome(null, DefineResult.Refused, early);

        if (current is not null && Definitions.Same(current.Definition, definition))
            return new DefineOutcome(_committed, DefineResult.Unchanged, null);

        var payload = new OperationDefined(definition);
        var pending = Enqueue(SystemKey($"define/{Guid.NewGuid():N}"), Fingerprints.Of(null, null, payload), actor, null, null, payload);
        try
        {
            await pending.Task;
        }
        catch (CommandRefusedException refused)
        {
            return new DefineOutcome(null, DefineResult.Refused, refused.Error);
        }

        if (current is null) await StartCheckIns();
        return new DefineOutcome(_committed, current is null ? DefineResult.Created : DefineResult.Updated, null);
    }

    public Task<CommandOutcome> Submit(TeamCommand command)
    {
        // A device's clock is real time. On an exercise's compressed clock it is judged in real time (how far ahead of
        // the server, how old: a second of skew must not become ten minutes), then read as the operation's time at that
        // instant, once, here: a pure function of it, so a retry keeps its fingerprint.
        if (command.ClientTime is { } device && _pending?.ClockSpeed is not null)
        {
            if (OperationRules.ValidateClientTime(device, clock.GetUtcNow()) is { } error)
                return Task.FromResult(CommandOutcome.Refused(error));
            command = command with { ClientTime = OperationClock.At(_pending, device) };
        }

        return Submit(command, null, waited: false);
    }

    // target: the event a correction names, when it had to be read from the timeline first; waited: this command was
    // refused once already against reports in flight and waited for them (it waits at most once).
    private Task<CommandOutcome> Submit(TeamCommand command, CorrectionTarget? target, bool waited)
    {
        if (_stale || _isolating is { IsCompleted: false })
            return SubmitAfterReload(command);
        if (command.OperationId != OperationId)
            throw new ArgumentException("Command sent to the wrong operation.", nameof(command));

        // The timeline keeps microseconds; normalising first keeps fingerprints and folds identical after a reload.
        command = command with { ClientTime = TimelineClock.Normalize(command.ClientTime) };
        var fingerprint = command.Fingerprint;
        if (_keys.TryGetValue(command.IdempotencyKey, out var seen))
        {
            return seen.Fingerprint == fingerprint
                ? Replay(seen)
                : Task.FromResult(CommandOutcome.Refused(DomainError.KeyReused(command.IdempotencyKey)));
        }

        if (_pending is null)
            return Task.FromResult(CommandOutcome.Refused(DomainError.NotFound(RuleCodes.OperationNotFound, $"No operation '{OperationId}'.", ("id", OperationId))));
        if (!_pending.Teams.TryGetValue(command.TeamId, out var team))
            return Task.FromResult(CommandOutcome.Refused(
                DomainError.NotFound(RuleCodes.TeamNotFound, $"No team '{command.TeamId}' in operation '{OperationId}'.", ("id", command.TeamId))));

        // A correction names an earlier event: one still in flight is known here, a stored one is read first (an event
        // never changes once numbered, so reading it outside this synchronous stretch cannot make the check wrong).
        if (command.Payload is ReportCorrected { Correction.CorrectsSeq: var corrects } && corrects >= 1 && corrects <= team.LastSeq
            && target?.Seq != corrects)
        {
            if (_uncommitted.TryGetValue(corrects, out var queued)) target = CorrectionTarget.Of(queued);
            else return SubmitAfterLookup(command, corrects);
        }

        var now = Now();
        // An exercise's device times were judged in real time already (the public Submit).
        var deviceTime = _pending.ClockSpeed is null ? command.ClientTime : null;
        var error = command.Payload switch
        {
            FieldReported r => OperationRules.ValidateReport(team, r.Report, deviceTime, now),
            ReportCorrected c => OperationRules.ValidateCorrection(team, c.Correction, target, deviceTime, now),
            OrderAnswered a => OperationRules.ValidateAnswer(_pending, team.Id, a, deviceTime, now),
            DistressRaised d => OperationRules.ValidateDistress(d, deviceTime, now),
            DistressCancelled c => OperationRules.ValidateCancelDistress(_pending, team.Id, c, deviceTime, now),
            PositionReported p => OperationRules.ValidatePosition(p, deviceTime, now),
            MessageSent m => OperationRules.ValidateMessage(m, deviceTime, now),
            _ => DomainError.Invalid("kind", RuleCodes.WrongCommand, "a team may only submit field reports, corrections, answers to orders, distress calls, positions and messages"),
        };
        if (error is not null)
        {
            // Judged against this team's reports still being committed: the refusal waits for them and the command is
            // judged again, so a refusal is never given against something that then failed to be stored, and a read
            // right after it shows what it was judged against (docs/api.md, "Refusals and what is stored").
            // Only refusals the state decides (a transition, a total below zero) can change; at most one wait.
            if (!waited && error.Kind is DomainErrorKind.IllegalTransition or DomainErrorKind.Conflict or DomainErrorKind.Validation)
            {
                var inFlight = _uncommitted.Values.Where(e => e.TeamId == command.TeamId)
                    .Select(e => _keys.TryGetValue(e.IdempotencyKey, out var k) ? k.Pending : null)
                    .OfType<Task<TimelineEvent>>().ToList();
                if (inFlight.Count > 0) return JudgeAgainAfter(command, target, inFlight);
            }

            return Task.FromResult(CommandOutcome.Refused(error));
        }

        var pending = Enqueue(command.IdempotencyKey, fingerprint, command.Actor, command.TeamId, command.ClientTime,
            command.Payload);
        return Accepted(pending);
    }

    public Task<CommandOutcome> Direct(StaffCommand command)
    {
        if (_stale || _isolating is { IsCompleted: false })
            return DirectAfterReload(command);
        if (command.OperationId != OperationId)
            throw new ArgumentException("Command sent to the wrong operation.", nameof(command));

        // Taking a distress call is an event of the calling team: the call's team, which never changes once raised, is
        // part of what makes a retry the same request.
        var teamId = command.Payload is DistressTaken t ? _pending?.Distress.GetValueOrDefault(t.DistressSeq)?.TeamId : null;
        var fingerprint = Fingerprints.Of(teamId, null, command.Payload);
        if (_keys.TryGetValue(command.IdempotencyKey, out var seen))
        {
            return seen.Fingerprint == fingerprint
                ? Replay(seen)
                : Task.FromResult(CommandOutcome.Refused(DomainError.KeyReused(command.IdempotencyKey)));
        }

        if (_pending is null)
            return Task.FromResult(CommandOutcome.Refused(DomainError.NotFound(RuleCodes.OperationNotFound, $"No operation '{OperationId}'.", ("id", OperationId))));
        var error = command.Payload switch
        {
            OrderIssued i => OperationRules.ValidateOrder(_pending, i.Order, Now()),
            OrderCancelled c => OperationRules.ValidateCancelOrder(_pending, c),
            DistressTaken taken => OperationRules.ValidateTake(_pending, taken),
            _ => DomainError.Invalid("kind", RuleCodes.WrongCommand, "command may only issue or cancel orders and take distress calls"),
        };
        if (error is not null) return Task.FromResult(CommandOutcome.Refused(error));

        return Accepted(Enqueue(command.IdempotencyKey, fingerprint, command.Actor, teamId, null, command.Payload));
    }

    private async Task<CommandOutcome> DirectAfterReload(StaffCommand command)
    {
        await EnsureCurrent();
        return await Direct(command);
    }

    private async Task<CommandOutcome> JudgeAgainAfter(TeamCommand command, CorrectionTarget? target, List<Task<TimelineEvent>> inFlight)
    {
        try
        {
            await Task.WhenAll(inFlight);
        }
        catch (Exception)
        {
            // One of them was refused or not stored: the command is judged again against what is.
        }

        return await Submit(command, target, waited: true);
    }

    private async Task<CommandOutcome> SubmitAfterReload(TeamCommand command)
    {
        await EnsureCurrent();
        return await Submit(command, null, waited: false);
    }

    private async Task<CommandOutcome> SubmitAfterLookup(TeamCommand command, long seq)
    {
        var e = await timeline.ReadEventAsync(OperationId, seq);
        return await Submit(command, e is null ? new CorrectionTarget(seq, null, "none") : CorrectionTarget.Of(e), waited: false);
    }

    private static async Task<CommandOutcome> Accepted(PendingEvent pending)
    {
        try
        {
            var e = await pending.Task;
            return CommandOutcome.Of(e, pending.StateAfter, replayed: pending.Replayed);
        }
        catch (CommandRefusedException refused)
        {
            return CommandOutcome.Refused(refused.Error);
        }
    }

    // A retry: the original event, waiting for it if it is still being committed.
    private async Task<CommandOutcome> Replay(KeyEntry seen)
    {
        TimelineEvent e;
        try
        {
            e = seen.Pending is { } pending
                ? await pending
                : await timeline.ReadEventAsync(OperationId, seen.Seq)
                  ?? throw new InvalidOperationException($"Event {seen.Seq} of '{OperationId}' is missing from the timeline.");
        }
        catch (CommandRefusedException refused)
        {
            return CommandOutcome.Refused(refused.Error);
        }

        return _committed is { } now ? CommandOutcome.Of(e, now, replayed: true) : new CommandOutcome(e, Replayed: true, Error: null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {OperationId} activated: snapshot at seq {SnapshotSeq}, timeline at seq {Seq}")]
    private partial void LogActivated(string operationId, long snapshotSeq, long seq);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Operation {OperationId}: {Kind} of team {TeamId} committed as seq {Seq} by {Actor}")]
    private partial void LogCommitted(string operationId, string? teamId, string kind, long seq, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {OperationId}: team {TeamId} is overdue (seq {Seq})")]
    private partial void LogOverdue(string operationId, string? teamId, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: DISTRESS from team {TeamId} (seq {Seq})")]
    private partial void LogDistress(string operationId, string? teamId, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: distress call {Seq} of team {TeamId} not taken in time: escalated")]
    private partial void LogDistressEscalated(string operationId, string teamId, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operation {OperationId}: append failed; {Count} commands refused, will reload from the timeline")]
    private partial void LogAppendFailed(Exception ex, string operationId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: the database refused a batch of {Count} commands for its content ({Cause}); appending them one at a time")]
    private partial void LogIsolating(string operationId, int count, string cause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: a {Kind} of team {TeamId} was refused by the database for its content ({Cause}); answered 422")]
    private partial void LogContentRefused(string operationId, string? teamId, string kind, string cause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: reloaded; {Found} events had been committed by the failed writes; timeline at seq {Seq}")]
    private partial void LogReloaded(string operationId, int found, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: the check for overdue teams failed; the next one will retry")]
    private partial void LogCheckInsFailed(Exception ex, string operationId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Operation {OperationId}: snapshot written at seq {Seq}")]
    private partial void LogSnapshotWritten(string operationId, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: the stored snapshot was written by another activation; reading it and writing again")]
    private partial void LogSnapshotConflict(Exception ex, string operationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: snapshot not written")]
    private partial void LogSnapshotFailed(Exception ex, string operationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: deactivating without a snapshot, not written within {Seconds} s (the next activation folds the events after the last one)")]
    private partial void LogSnapshotSkipped(string operationId, double seconds);
}
