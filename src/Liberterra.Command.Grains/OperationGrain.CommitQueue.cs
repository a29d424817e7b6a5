using Liberterra.Command.Domain;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Grains;

/// <summary>
/// The commit queue: accepted commands are numbered, folded and queued; one loop appends everything queued as one batch
/// (group commit), tells the walls, updates the views and then answers the callers. A batch the database refuses for one
/// command's content is split; a failed write makes the next call reload from the timeline.
/// </summary>
public sealed partial class OperationGrain
{
    private PendingEvent Enqueue(
        string key, UInt128 fingerprint, string actor, string? teamId, DateTimeOffset? clientTime, EventPayload payload)
    {
        var e = new TimelineEvent(
            (_pending?.LastSeq ?? 0) + 1, OperationId, TimelineClock.Normalize(Now()), clientTime, actor, teamId,
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

    // The loop ends only when the queue is empty. A caller answered from inside it (a failed or refused command's
    // continuation can run inline, reload the timeline and submit again) may enqueue while it is still running: Enqueue
    // then starts no loop of its own, so every exit goes back to the queue first (an item left behind would wait
    // forever: seen once in CI as a 30 s timeout).
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
                await Isolate(batch, ex, keysTaken: false);
                continue;
            }
            catch (TimelineConflictException ex) when (ex.KeyTaken)
            {
                // Nothing of the batch was stored: one of its commands retries a request older than the keys kept in
                // memory (RecentKeys). The timeline's unique constraint is the truth; its stored event answers the retry.
                await Isolate(batch, ex, keysTaken: true);
                continue;
            }
            catch (Exception ex)
            {
                // Only what was enqueued after a reload can be queued now (nothing is accepted while stale).
                FailQueued(batch, ex);
                continue;
            }

            AfterAppend(batch);
        }
    }

    // The batch is in the timeline: the state moves on, walls are told, views updated, and then the callers answered.
    private void AfterAppend(List<PendingEvent> batch)
    {
        var before = _committed;
        _committed = batch[^1].StateAfter;
        // Walls are told at once and never awaited: a slow display cannot hold the write path.
        feed.Publish(OperationId, [.. batch.Select(p => CommittedEvent.Of(p.Event, p.StateAfter))]);
        foreach (var p in batch)
        {
            // Operation, team, kind and sequence number only: never a note, a name or a credential.
            if (p.Event.Payload is CheckInOverdue) LogOverdue(OperationId, p.Event.TeamId, p.Event.Seq);
            else if (p.Event.Payload is DistressRaised) LogDistress(OperationId, p.Event.TeamId, p.Event.Seq);
            else LogCommitted(OperationId, p.Event.TeamId, p.Event.Kind, p.Event.Seq, p.Event.Actor);
        }

        UpdateViews(before, _committed);
        foreach (var p in batch)
        {
            _keys[p.Event.IdempotencyKey] = new KeyEntry(_keys[p.Event.IdempotencyKey].Fingerprint, p.Event.Seq, null);
            _uncommitted.Remove(p.Event.Seq);
            p.Complete();
        }

        _keys.Trim();

        MaybeSnapshot();
        ScheduleChecks(batch.Select(p => p.Event).Where(e => e.Payload is OrderIssued or DistressRaised));
        foreach (var p in batch)
        {
            switch (p.Event.Payload)
            {
                case DistressRaised: GrainMetrics.DistressRaised.Add(1); break;
                case DistressEscalated x:
                    GrainMetrics.DistressEscalated.Add(1);
                    LogDistressEscalated(OperationId, p.Event.TeamId!, x.DistressSeq);
                    break;
                case OrderOverdue: GrainMetrics.OrdersOverdue.Add(1); break;
            }
        }
        // A team now awaited and no reminder yet.
        if (_reminder != true && OperationRules.AwaitsCheckIns(_committed)) _ = UpdateReminder();
    }

    // The second wall behind the checks at the API's boundary: a batch refused for its content is appended again one
    // command at a time, in order, each checked again against what is committed by then; the one the database refuses
    // is answered 422 alone, the others commit (under new numbers when one before them dropped out). New commands wait.
    // A batch refused for a key the timeline holds already (keysTaken) is split the same way, after one lookup of its
    // keys: a command whose key is stored is answered with the stored event (same request) or refused (another one).
    private async Task Isolate(List<PendingEvent> batch, Exception refusal, bool keysTaken)
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
            var stored = new Dictionary<string, KeyRecord>(StringComparer.Ordinal);
            if (keysTaken)
            {
                try
                {
                    foreach (var k in await timeline.FindKeysAsync(OperationId, [.. all.Select(p => p.Event.IdempotencyKey)]))
                        stored[k.Key] = k;
                }
                catch (Exception ex)
                {
                    _pending = _committed;
                    FailQueued(all, ex);
                    return;
                }
            }

            for (var i = 0; i < all.Count; i++)
            {
                var p = all[i];
                if (stored.TryGetValue(p.Event.IdempotencyKey, out var record))
                {
                    try
                    {
                        await AnswerFromTimeline(p, record);
                    }
                    catch (Exception ex)
                    {
                        _pending = _committed;
                        FailQueued([.. all.Skip(i)], ex);
                        return;
                    }

                    continue;
                }

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
                    Refuse(p, DomainError.Invalid(RefusedField(e), RuleCodes.ContentRefused, "holds content the database cannot store (it was refused; nothing was stored)"));
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
                AfterAppend([p]);
            }
        }
        finally
        {
            if (!_stale) _pending = _committed;
            gate.SetResult();
        }
    }

    // A command whose key the timeline holds: the same request is answered with its stored event (as any retry is), another
    // one is refused as a reuse of the key. Either way the key is known again.
    private async Task AnswerFromTimeline(PendingEvent p, KeyRecord record)
    {
        var key = p.Event.IdempotencyKey;
        var fingerprint = _keys[key].Fingerprint;
        _keys[key] = new KeyEntry(record.Fingerprint, record.Seq, null);
        if (record.Fingerprint != fingerprint)
        {
            p.Fail(new CommandRefusedException(DomainError.KeyReused(key)));
            return;
        }

        var e = await timeline.ReadEventAsync(OperationId, record.Seq)
                ?? throw new InvalidOperationException($"Event {record.Seq} of '{OperationId}' is missing from the timeline.");
        p.CompleteFromTimeline(e, _committed!);
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
        if (state is null) return DomainError.NotFound(RuleCodes.OperationNotFound, $"No operation '{OperationId}'.", ("id", OperationId));
        // Command's events, and the system's about orders and calls: each names an order or call that must be stored.
        switch (e.Payload)
        {
            case OrderIssued i: return OperationRules.ValidateOrder(state, i.Order with { DueBy = null, DueInMinutes = null }, e.ServerTime);
            case OrderCancelled c: return OperationRules.ValidateCancelOrder(state, c);
            case OrderOverdue o: return state.Orders.TryGetValue(o.OrderSeq, out var due) && due.OverdueAt is null ? null : DomainError.Conflict(RuleCodes.OrderNotAwaiting, $"Order {o.OrderSeq} is not awaiting answers.", null, ("order", o.OrderSeq));
            case DistressTaken t: return OperationRules.ValidateTake(state, t);
            case DistressEscalated x: return state.Distress.TryGetValue(x.DistressSeq, out var call) && call.Open && call.EscalatedAt is null ? null : DomainError.Conflict(RuleCodes.DistressNotOpen, $"Distress call {x.DistressSeq} is not open.", null, ("distress", x.DistressSeq));
        }

        if (e.TeamId is null || !state.Teams.TryGetValue(e.TeamId, out var team))
            return DomainError.NotFound(RuleCodes.TeamNotFound, $"No team '{e.TeamId}' in operation '{OperationId}'.", ("id", e.TeamId));
        return e.Payload switch
        {
            // An exercise's device times were judged in real time when accepted (OperationGrain.Submit).
            FieldReported r => OperationRules.ValidateReport(team, r.Report, state.ClockSpeed is null ? e.ClientTime : null, e.ServerTime),
            // It named an event of the split batch by a number that may now belong to another event.
            ReportCorrected c when split.Contains(c.Correction.CorrectsSeq) =>
                DomainError.Invalid("corrects", RuleCodes.CorrectsNotStored, "names a report that was not stored; correct it once it has its number"),
            // Its target was checked when it was accepted, and a stored event never changes.
            ReportCorrected c => OperationRules.ValidateCorrection(team, c.Correction,
                new CorrectionTarget(c.Correction.CorrectsSeq, team.Id, EventKinds.FieldReported), state.ClockSpeed is null ? e.ClientTime : null, e.ServerTime),
            CheckInOverdue o when team.OverdueSince is null && team.LastReportAt == o.LastCheckIn => null,
            CheckInOverdue => DomainError.Conflict(RuleCodes.CheckInNotDue, $"Team '{team.Id}' reported again, or is flagged already.", null, ("id", team.Id)),
            OrderAnswered a => OperationRules.ValidateAnswer(state, team.Id, a, null, e.ServerTime),
            DistressCancelled c => OperationRules.ValidateCancelDistress(state, team.Id, c, null, e.ServerTime),
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
                found.Add(CommittedEvent.Of(e, state));
            }
        }
        catch (Exception ex)
        {
            throw new TimelineUnavailableException($"The timeline of '{OperationId}' cannot be read right now.", ex);
        }

        foreach (var c in found) _keys[c.Event.IdempotencyKey] = new KeyEntry(Fingerprints.Of(c.Event), c.Event.Seq, null);
        _keys.Trim();
        _committed = _pending = state;
        LogReloaded(OperationId, found.Count, state?.LastSeq ?? 0);
        if (found.Count > 0)
        {
            // Writes that reached the disk though their writer heard otherwise: displays must see them too.
            feed.Publish(OperationId, [.. found]);
            UpdateViews(before, state!);
            if (before is null) await StartCheckIns();
        }

        _stale = false;
    }


    // Team and region grains are views, told one-way and never awaited: a view may live on another silo, and the
    // acknowledgement waits for nothing but the timeline (a silo dying elsewhere cannot hold it). They keep the newest
    // state they are sent, so order does not matter; one that misses an update catches up when a reader names a later
    // event, and rebuilds from this grain when it activates.
    private void UpdateViews(OperationState? before, OperationState after)
    {
        foreach (var (id, team) in after.Teams)
        {
            if (before is null || !before.Teams.TryGetValue(id, out var old) || old.LastSeq != team.LastSeq)
                GrainFactory.Reference<ITeamGrain>(GrainKeys.Team(OperationId, id)).Update(team).Ignore();
        }

        foreach (var (id, region) in after.Regions)
        {
            if (before is null || !before.Regions.TryGetValue(id, out var old) || old.LastSeq != region.LastSeq)
                GrainFactory.Reference<IHotspotRegionGrain>(GrainKeys.Region(OperationId, id)).Update(region).Ignore();
        }
    }

    private sealed class PendingEvent(TimelineEvent e, OperationState stateAfter)
    {
        // Continuations run inline: they only wrap the event in an outcome, on this grain's own scheduler.
        private readonly TaskCompletionSource<TimelineEvent> _done = new();

        public TimelineEvent Event { get; private set; } = e;
        public OperationState StateAfter { get; private set; } = stateAfter;
        public Task<TimelineEvent> Task => _done.Task;
        /// <summary>Answered with an event stored before (a retry of a request older than the keys kept in memory).</summary>
        public bool Replayed { get; private set; }
        public void Complete() => _done.TrySetResult(Event);

        public void CompleteFromTimeline(TimelineEvent stored, OperationState now)
        {
            Event = stored;
            StateAfter = now;
            Replayed = true;
            _done.TrySetResult(stored);
        }

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
}
