using Liberterra.Command.Domain;
using Liberterra.Command.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Storage;

namespace Liberterra.Command.Grains;

/// <summary>
/// The operation's single writer. Reentrant on purpose: while one batch is being committed the next commands are
/// checked and queued, so a batch holds everything that arrived meanwhile (group commit). Every check, sequence
/// number and fold happens in one synchronous stretch of a turn, so interleaving cannot break them.
/// </summary>
[Reentrant]
public sealed partial class OperationGrain(
    ITimelineStore timeline,
    [PersistentState("operation", OperationGrainOptions.StorageName)] IPersistentState<OperationSnapshot> snapshot,
    IOptions<OperationGrainOptions> options,
    [FromKeyedServices(OperationGrainOptions.ClockKey)] TimeProvider clock,
    ILogger<OperationGrain> logger) : Grain, IOperationGrain, IRemindable
{
    /// <summary>The reminder that brings the grain back (on any silo) to check for overdue teams.</summary>
    public const string CheckInReminder = "check-ins";

    /// <summary>Who the timeline names as the author of the events the system itself records.</summary>
    public const string SystemActor = "liberterra";

    private OperationState? _committed;
    // The committed state plus every event queued or being committed: what the next command is checked against.
    private OperationState? _pending;
    private readonly Dictionary<string, KeyEntry> _keys = new(StringComparer.Ordinal);
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
        _committed = snapshot.State.State;
        var fromSnapshot = _snapshotSeq = _committed?.LastSeq ?? 0;
        if (fromSnapshot > 0)
        {
            await foreach (var k in timeline.ReadKeysAsync(OperationId, fromSnapshot, cancellationToken))
                _keys[k.Key] = new KeyEntry(k.Fingerprint, k.Seq, null);
        }

        await foreach (var e in timeline.ReadAsync(OperationId, fromSnapshot, cancellationToken))
        {
            _committed = OperationReducer.Apply(_committed, e);
            _keys[e.IdempotencyKey] = new KeyEntry(Fingerprints.Of(e), e.Seq, null);
        }

        _pending = _committed;
        if (_committed is not null)
        {
            LogActivated(OperationId, fromSnapshot, _committed.LastSeq);
            await StartCheckIns();
        }
    }

    // While active, a timer; and a durable reminder that survives the loss of this silo and brings the grain back.
    private async Task StartCheckIns()
    {
        this.RegisterGrainTimer(_ => CheckOverdueSafely(), new GrainTimerCreationOptions(options.Value.CheckInScan, options.Value.CheckInScan)
        {
            Interleave = true,
            KeepAlive = false,
        });
        await UpdateReminder();
    }

    // The reminder exists while some team may fall silent, and only then: an operation whose teams are all done (or
    // flagged already) is not woken every minute, forever, to find nothing. It is registered again at the commit that
    // makes a team awaited and checked on every activation; a failed change is retried at the next one. Changes run
    // one at a time (the grain is reentrant), each against the state as it is when it runs.
    private Task UpdateReminder()
    {
        _reminderDirty = true;
        if (_reminderChange is null || _reminderChange.IsCompleted) _reminderChange = ReconcileReminder();
        return _reminderChange;
    }

    private async Task ReconcileReminder()
    {
        while (_reminderDirty)
        {
            _reminderDirty = false;
            var needed = _committed is { } state && OperationRules.AwaitsCheckIns(state);
            if (needed == _reminder) continue;
            try
            {
                if (needed)
                    await this.RegisterOrUpdateReminder(CheckInReminder, options.Value.CheckInReminder, options.Value.CheckInReminder);
                else if (await this.GetReminder(CheckInReminder) is { } reminder)
                    await this.UnregisterReminder(reminder);
                _reminder = needed;
            }
            catch (Exception ex)
            {
                _reminder = null;
                LogCheckInsFailed(ex, OperationId);
                return;
            }
        }
    }

    /// <summary>Keys of events the server makes itself: '/' cannot appear in a client's key, so they never collide.</summary>
    private static string SystemKey(string name) => $"system/{name}";

    public Task<string> GetSilo() => Task.FromResult(GrainContext.Address.SiloAddress?.ToString() ?? "");

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != CheckInReminder) return;
        await CheckOverdueSafely();
        await UpdateReminder();
    }

    private async Task CheckOverdueSafely()
    {
        try
        {
            await CheckOverdue();
        }
        catch (Exception ex)
        {
            LogCheckInsFailed(ex, OperationId);
        }
    }

    public async Task<int> CheckOverdue()
    {
        await EnsureCurrent();
        if (_pending is null) return 0;
        var interval = options.Value.CheckInInterval;
        var due = OperationRules.OverdueTeams(_pending, clock.GetUtcNow(), interval).ToList();
        var flagged = new List<Task>();
        foreach (var team in due)
        {
            // One flag per silence: the key names the team's last event, so racing checks add one event, not two.
            var payload = new CheckInOverdue(team.LastReportAt!.Value, (int)Math.Round(interval.TotalMinutes));
            var key = SystemKey($"overdue/{team.Id}/{team.LastSeq}");
            if (_keys.ContainsKey(key)) continue;
            flagged.Add(Enqueue(key, Fingerprints.Of(team.Id, null, payload), SystemActor, team.Id, null, payload).Task);
        }

        await Task.WhenAll(flagged);
        return flagged.Count;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!_stale && _committed is not null && _committed.LastSeq > _snapshotSeq)
        {
            try
            {
                if (_snapshotting is not null) await _snapshotting;
                await WriteSnapshot(_committed);
            }
            catch (Exception ex)
            {
                LogSnapshotFailed(ex, OperationId);
            }
        }
    }

    public Task<OperationState?> GetState() => Task.FromResult(_committed);

    public Task<long> GetLastSeq() => Task.FromResult(_committed?.LastSeq ?? -1);

    public Task<TeamState?> GetTeam(string teamId) =>
        Task.FromResult(_committed?.Teams.GetValueOrDefault(teamId));

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
                DomainError.Invalid("id", $"must match the operation id in the address ('{OperationId}')"));

        var current = _pending;
        if (OperationRules.ValidateDefinition(definition, current) is { } error)
            return new DefineOutcome(null, DefineResult.Refused, error);

        if (current is not null && SameDefinition(current.Definition, definition))
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

    public Task<CommandOutcome> Submit(TeamCommand command) => Submit(command, null);

    // target: the event a correction names, when it had to be read from the timeline first.
    private Task<CommandOutcome> Submit(TeamCommand command, CorrectionTarget? target)
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
            return Task.FromResult(CommandOutcome.Refused(DomainError.NotFound($"No operation '{OperationId}'.")));
        if (!_pending.Teams.TryGetValue(command.TeamId, out var team))
            return Task.FromResult(CommandOutcome.Refused(
                DomainError.NotFound($"No team '{command.TeamId}' in operation '{OperationId}'.")));

        // A correction names an earlier event: one still in flight is known here, a stored one is read first (an event
        // never changes once numbered, so reading it outside this synchronous stretch cannot make the check wrong).
        if (command.Payload is ReportCorrected { Correction.CorrectsSeq: var corrects } && corrects >= 1 && corrects <= team.LastSeq
            && target?.Seq != corrects)
        {
            if (_uncommitted.TryGetValue(corrects, out var queued)) target = CorrectionTarget.Of(queued);
            else return SubmitAfterLookup(command, corrects);
        }

        var now = clock.GetUtcNow();
        var error = command.Payload switch
        {
            FieldReported r => OperationRules.ValidateReport(team, r.Report, command.ClientTime, now),
            ReportCorrected c => OperationRules.ValidateCorrection(team, c.Correction, target, command.ClientTime, now),
            _ => DomainError.Invalid("kind", "a team may only submit field reports and corrections"),
        };
        if (error is not null)
            return Task.FromResult(CommandOutcome.Refused(error));

        var pending = Enqueue(command.IdempotencyKey, fingerprint, command.Actor, command.TeamId, command.ClientTime,
            command.Payload);
        return Accepted(pending, command.TeamId);
    }

    private async Task<CommandOutcome> SubmitAfterReload(TeamCommand command)
    {
        await EnsureCurrent();
        return await Submit(command);
    }

    private async Task<CommandOutcome> SubmitAfterLookup(TeamCommand command, long seq)
    {
        var e = await timeline.ReadEventAsync(OperationId, seq);
        return await Submit(command, e is null ? new CorrectionTarget(seq, null, "none") : CorrectionTarget.Of(e));
    }

    private static async Task<CommandOutcome> Accepted(PendingEvent pending, string teamId)
    {
        try
        {
            var e = await pending.Task;
            return new CommandOutcome(e, Replayed: false, Error: null, pending.StateAfter.Teams[teamId]);
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

        return new CommandOutcome(e, Replayed: true, Error: null, e.TeamId is null ? null : _committed?.Teams.GetValueOrDefault(e.TeamId));
    }

    private PendingEvent Enqueue(
        string key, UInt128 fingerprint, string actor, string? teamId, DateTimeOffset? clientTime, EventPayload payload)
    {
        var e = new TimelineEvent(
            (_pending?.LastSeq ?? 0) + 1, OperationId, TimelineClock.Normalize(clock.GetUtcNow()), clientTime, actor, teamId,
            key, payload);
        _pending = OperationReducer.Apply(_pending, e);
        var pending = new PendingEvent(e, _pending);
        _keys[key] = new KeyEntry(fingerprint, e.Seq, pending.Task);
        _uncommitted[e.Seq] = e;
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
            catch (Exception ex) when (TimelineContentRefusedException.IsContentRefusal(ex))
            {
                // Nothing of the batch was stored, and one of its commands holds what the database will never take.
                await Isolate(batch, ex);
                if (_stale) return;
                continue;
            }
            catch (Exception ex)
            {
                FailQueued(batch, ex);
                return;
            }

            await AfterAppend(batch);
        }
    }

    // The batch is in the timeline: the state moves on, walls are told, views updated, and then the callers answered.
    private async Task AfterAppend(List<PendingEvent> batch)
    {
        var before = _committed;
        _committed = batch[^1].StateAfter;
        // Walls are told at once and never awaited: a slow display cannot hold the write path.
        GrainFactory.GetGrain<IFeedRegistryGrain>(0).Publish(OperationId, [.. batch.Select(p => Committed(p.Event, p.StateAfter))]).Ignore();
        foreach (var p in batch)
        {
            // Operation, team, kind and sequence number only: never a note, a name or a credential.
            if (p.Event.Payload is CheckInOverdue) LogOverdue(OperationId, p.Event.TeamId, p.Event.Seq);
            else LogCommitted(OperationId, p.Event.TeamId, p.Event.Kind, p.Event.Seq, p.Event.Actor);
        }

        // Views first, so that whoever gets an acknowledgement reads their own write from any view.
        await UpdateViews(before, _committed);
        foreach (var p in batch)
        {
            _keys[p.Event.IdempotencyKey] = new KeyEntry(_keys[p.Event.IdempotencyKey].Fingerprint, p.Event.Seq, null);
            _uncommitted.Remove(p.Event.Seq);
            p.Complete();
        }

        MaybeSnapshot();
        // A team now awaited and no reminder yet.
        if (_reminder != true && OperationRules.AwaitsCheckIns(_committed)) _ = UpdateReminder();
    }

    // The second wall behind the checks at the API's boundary: a batch refused for its content is appended again one
    // command at a time, in order, each checked again against what is committed by then; the one the database refuses
    // is answered 422 alone, the others commit (under new numbers when one before them dropped out). New commands wait.
    private async Task Isolate(List<PendingEvent> batch, Exception refusal)
    {
        var all = batch.Concat(_queue).ToList();
        _queue = [];
        var split = new HashSet<long>(all.Select(p => p.Event.Seq));
        foreach (var p in all) _uncommitted.Remove(p.Event.Seq);
        var gate = new TaskCompletionSource();
        _isolating = gate.Task;
        LogIsolating(OperationId, all.Count, Cause(refusal));
        try
        {
            for (var i = 0; i < all.Count; i++)
            {
                var p = all[i];
                if (Recheck(p.Event, _committed, split) is { } error)
                {
                    Refuse(p, error);
                    continue;
                }

                var e = p.Event with { Seq = (_committed?.LastSeq ?? 0) + 1 };
                var after = OperationReducer.Apply(_committed, e);
                try
                {
                    await timeline.AppendAsync(OperationId, [e]);
                }
                catch (Exception ex) when (TimelineContentRefusedException.IsContentRefusal(ex))
                {
                    LogContentRefused(OperationId, e.TeamId, e.Kind, Cause(ex));
                    Refuse(p, DomainError.Invalid(RefusedField(e), "holds content the database cannot store (it was refused; nothing was stored)"));
                    continue;
                }
                catch (Exception ex)
                {
                    // The database itself failed: this command and the rest fail as any write does (503, retry with the same key).
                    _pending = _committed;
                    FailQueued([.. all.Skip(i)], ex);
                    return;
                }

                p.Renumber(e, after);
                _pending = after;
                await AfterAppend([p]);
            }
        }
        finally
        {
            if (!_stale) _pending = _committed;
            gate.SetResult();
        }
    }

    private void Refuse(PendingEvent p, DomainError error)
    {
        _keys.Remove(p.Event.IdempotencyKey);
        p.Fail(new CommandRefusedException(error));
    }

    // What a command of a split batch must still pass: the rules, against the state without the commands dropped before it.
    private DomainError? Recheck(TimelineEvent e, OperationState? state, HashSet<long> split)
    {
        if (e.Payload is OperationDefined { Definition: var d }) return OperationRules.ValidateDefinition(d, state);
        if (state is null || e.TeamId is null || !state.Teams.TryGetValue(e.TeamId, out var team))
            return DomainError.NotFound($"No team '{e.TeamId}' in operation '{OperationId}'.");
        return e.Payload switch
        {
            FieldReported r => OperationRules.ValidateReport(team, r.Report, e.ClientTime, e.ServerTime),
            // It named an event of the split batch by a number that may now belong to another event.
            ReportCorrected c when split.Contains(c.Correction.CorrectsSeq) =>
                DomainError.Invalid("corrects", "names a report that was not stored; correct it once it has its number"),
            // Its target was checked when it was accepted, and a stored event never changes.
            ReportCorrected c => OperationRules.ValidateCorrection(team, c.Correction,
                new CorrectionTarget(c.Correction.CorrectsSeq, team.Id, EventKinds.FieldReported), e.ClientTime, e.ServerTime),
            CheckInOverdue o when team.OverdueSince is null && team.LastReportAt == o.LastCheckIn => null,
            CheckInOverdue => DomainError.Conflict($"Team '{team.Id}' reported again, or is flagged already."),
            _ => null,
        };
    }

    // The field a refused command's content most likely came from: the credential, or the body.
    private static string RefusedField(TimelineEvent e) => PlainText.IsPlain(e.Actor, multiline: false) ? "body" : "credential";

    // The root cause's type and first line: PostgreSQL's messages name the problem (SQLSTATE and what), not the text.
    private static string Cause(Exception ex)
    {
        var root = ex.GetBaseException();
        var line = root.Message.Split('\n', 2)[0];
        return $"{root.GetType().Name}: {line}";
    }

    // Everything queued behind a failed batch was checked against a state that included it, so it fails too.
    // Callers retry with the same keys; the next call reloads first (see _stale).
    private void FailQueued(List<PendingEvent> batch, Exception ex)
    {
        var failed = batch.Concat(_queue).ToList();
        _queue = [];
        _pending = _committed;
        _stale = true;
        foreach (var p in failed)
        {
            _keys.Remove(p.Event.IdempotencyKey);
            _uncommitted.Remove(p.Event.Seq);
            p.Fail(new TimelineUnavailableException($"The timeline of '{OperationId}' could not be written.", ex));
        }

        LogAppendFailed(ex, OperationId, failed.Count);
    }

    // One reload at a time; every call arriving meanwhile waits for it. If the database is still out of reach the
    // callers get TimelineUnavailableException (503) and the next call tries again.
    private async Task EnsureCurrent()
    {
        while (_isolating is { IsCompleted: false } isolating) await isolating;
        while (_stale)
        {
            if (_reloading is null || _reloading.IsCompleted) _reloading = Reload();
            await _reloading;
        }
    }

    private async Task Reload()
    {
        var before = _committed;
        var state = _committed;
        var found = new List<CommittedEvent>();
        try
        {
            await foreach (var e in timeline.ReadAsync(OperationId, state?.LastSeq ?? 0))
            {
                state = OperationReducer.Apply(state, e);
                found.Add(Committed(e, state));
            }
        }
        catch (Exception ex)
        {
            throw new TimelineUnavailableException($"The timeline of '{OperationId}' cannot be read right now.", ex);
        }

        foreach (var c in found) _keys[c.Event.IdempotencyKey] = new KeyEntry(Fingerprints.Of(c.Event), c.Event.Seq, null);
        _committed = _pending = state;
        LogReloaded(OperationId, found.Count, state?.LastSeq ?? 0);
        if (found.Count > 0)
        {
            // Writes that reached the disk though their writer heard otherwise: displays must see them too.
            GrainFactory.GetGrain<IFeedRegistryGrain>(0).Publish(OperationId, [.. found]).Ignore();
            await UpdateViews(before, state!);
            if (before is null) await StartCheckIns();
        }

        _stale = false;
    }

    private static CommittedEvent Committed(TimelineEvent e, OperationState s)
    {
        var team = e.TeamId is { } id ? s.Teams.GetValueOrDefault(id) : null;
        var region = team is null ? null : s.Regions.GetValueOrDefault(team.Definition.RegionId);
        return new CommittedEvent(e, team, region, s.Totals, s.TeamsActive, s.TeamsCompleted, s.TeamsOverdue);
    }

    private void MaybeSnapshot()
    {
        var state = _committed!;
        var since = state.LastSeq - _snapshotSeq;
        if (since >= options.Value.SnapshotEvery && (_snapshotting is null || _snapshotting.IsCompleted))
            _snapshotting = WriteSnapshotLogged(state);
    }

    private async Task WriteSnapshotLogged(OperationState state)
    {
        try
        {
            await WriteSnapshot(state);
        }
        catch (Exception ex)
        {
            // Only a cache: the next activation folds more events instead.
            LogSnapshotFailed(ex, OperationId);
        }
    }

    private async Task WriteSnapshot(OperationState state)
    {
        snapshot.State.State = state;
        try
        {
            await snapshot.WriteStateAsync();
        }
        catch (InconsistentStateException ex)
        {
            // The stored snapshot changed since this activation read it: another activation of this grain wrote it
            // (Orleans can briefly run two while the cluster's membership changes). Without the stored version every
            // later write would fail the same way, so read it and write over it unless it is already newer. Either
            // snapshot is a fold of the timeline, which stays the truth (appends conflict on the sequence number).
            LogSnapshotConflict(ex, OperationId);
            await snapshot.ReadStateAsync();
            if ((snapshot.State.State?.LastSeq ?? 0) < state.LastSeq)
            {
                snapshot.State.State = state;
                await snapshot.WriteStateAsync();
            }
        }

        // The same state kept as a past state too: time travel starts its folds from the nearest one.
        await timeline.SavePastStateAsync(OperationId, state.LastSeq, TimeTravel.Serialize(state));
        _snapshotSeq = state.LastSeq;
        LogSnapshotWritten(OperationId, state.LastSeq);
    }

    // Team and region grains are views; they keep the newest state they are sent, so order does not matter.
    // A view that cannot be reached is not an error for the commit: it rebuilds from this grain when it activates.
    private async Task UpdateViews(OperationState? before, OperationState after)
    {
        var updates = new List<Task>();
        foreach (var (id, team) in after.Teams)
        {
            if (before is null || !before.Teams.TryGetValue(id, out var old) || old.LastSeq != team.LastSeq)
                updates.Add(GrainFactory.Reference<ITeamGrain>(GrainKeys.Team(OperationId, id)).Update(team));
        }

        foreach (var (id, region) in after.Regions)
        {
            if (before is null || !before.Regions.TryGetValue(id, out var old) || old.LastSeq != region.LastSeq)
                updates.Add(GrainFactory.Reference<IHotspotRegionGrain>(GrainKeys.Region(OperationId, id)).Update(region));
        }

        try
        {
            await Task.WhenAll(updates);
        }
        catch (Exception ex)
        {
            LogViewUpdateFailed(ex, OperationId);
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

    /// <summary>A key seen in this operation: its request's fingerprint, its event, and the commit if still pending.</summary>
    private readonly record struct KeyEntry(UInt128 Fingerprint, long Seq, Task<TimelineEvent>? Pending);

    private sealed class PendingEvent(TimelineEvent e, OperationState stateAfter)
    {
        // Continuations run inline: they only wrap the event in an outcome, on this grain's own scheduler.
        private readonly TaskCompletionSource<TimelineEvent> _done = new();

        public TimelineEvent Event { get; private set; } = e;
        public OperationState StateAfter { get; private set; } = stateAfter;
        public Task<TimelineEvent> Task => _done.Task;
        public void Complete() => _done.TrySetResult(Event);
        public void Fail(Exception ex) => _done.TrySetException(ex);

        /// <summary>The same command appended again under another number (its batch was split).</summary>
        public void Renumber(TimelineEvent numbered, OperationState after)
        {
            Event = numbered;
            StateAfter = after;
        }
    }

    /// <summary>A queued command refused after all (its batch was split): the caller gets the refusal, not an error.</summary>
    private sealed class CommandRefusedException(DomainError error) : Exception(error.Detail)
    {
        public DomainError Error { get; } = error;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {OperationId} activated: snapshot at seq {SnapshotSeq}, timeline at seq {Seq}")]
    private partial void LogActivated(string operationId, long snapshotSeq, long seq);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Operation {OperationId}: {Kind} of team {TeamId} committed as seq {Seq} by {Actor}")]
    private partial void LogCommitted(string operationId, string? teamId, string kind, long seq, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {OperationId}: team {TeamId} is overdue (seq {Seq})")]
    private partial void LogOverdue(string operationId, string? teamId, long seq);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Operation {OperationId}: snapshot written at seq {Seq}")]
    private partial void LogSnapshotWritten(string operationId, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: a team or region view was not updated")]
    private partial void LogViewUpdateFailed(Exception ex, string operationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: the stored snapshot was written by another activation; reading it and writing again")]
    private partial void LogSnapshotConflict(Exception ex, string operationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation {OperationId}: snapshot not written")]
    private partial void LogSnapshotFailed(Exception ex, string operationId);
}

/// <summary>
/// The timeline could not be written or read right now. Whether a write reached the disk is not known (a connection can
/// die during the commit): the caller retries with the same idempotency key, whose answer then says what was stored.
/// </summary>
[GenerateSerializer]
public sealed class TimelineUnavailableException : Exception
{
    public TimelineUnavailableException() { }

    public TimelineUnavailableException(string message, Exception? inner) : base(message, inner) { }
}
