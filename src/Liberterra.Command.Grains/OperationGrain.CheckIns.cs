using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>Check-ins: a timer while active and a durable reminder that flags teams gone silent for too long.</summary>
public sealed partial class OperationGrain
{
    // While active, a timer; and a durable reminder that survives the loss of this silo and brings the grain back.
    private async Task StartCheckIns()
    {
        // On an exercise's compressed clock the interval passes faster: the scan runs at least four times per interval of
        // real time (30 minutes at 600x is 3 s), and never more often than every 250 ms.
        var scan = options.Value.CheckInScan;
        if (_pending?.ClockSpeed is { } speed)
        {
            var quarter = OperationClock.RealSpan(speed, options.Value.CheckInInterval) / 4;
            if (quarter < scan) scan = quarter < TimeSpan.FromMilliseconds(250) ? TimeSpan.FromMilliseconds(250) : quarter;
        }

        this.RegisterGrainTimer(_ => CheckOverdueSafely(), new GrainTimerCreationOptions(scan, scan)
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
        var due = OperationRules.OverdueTeams(_pending, Now(), interval).ToList();
        var flagged = new List<Task>();
        foreach (var team in due)
        {
            // One flag per silence: the key names the team's last event, so racing checks add one event, not two.
            var payload = new CheckInOverdue(team.LastReportAt!.Value, (int)Math.Round(interval.TotalMinutes));
            var key = SystemKey($"overdue/{team.Id}/{team.LastSeq}");
            if (_keys.ContainsKey(key)) continue;
            flagged.Add(Enqueue(key, Fingerprints.Of(team.Id, null, payload), SystemActor, team.Id, null, payload).Task);
        }

        // Orders past their time with teams that have not answered: one flag per order, naming those teams.
        foreach (var order in OperationRules.OverdueOrders(_pending, Now()).ToList())
        {
            var payload = new OrderOverdue(order.Seq, [.. order.Unanswered]);
            var key = SystemKey($"order-overdue/{order.Seq}");
            if (_keys.ContainsKey(key)) continue;
            flagged.Add(Enqueue(key, Fingerprints.Of(null, null, payload), SystemActor, null, null, payload).Task);
        }

        // Distress calls nobody in command has taken: escalated once each.
        foreach (var call in OperationRules.EscalatingDistress(_pending, Now(), EscalationSpan()).ToList())
        {
            var payload = new DistressEscalated(call.Seq);
            var key = SystemKey($"distress-escalated/{call.Seq}");
            if (_keys.ContainsKey(key)) continue;
            flagged.Add(Enqueue(key, Fingerprints.Of(call.TeamId, null, payload), SystemActor, call.TeamId, null, payload).Task);
        }

        await Task.WhenAll(flagged);
        return flagged.Count;
    }

    // The escalation time is real time; on an exercise's compressed clock it spans that much more of the operation's.
    private TimeSpan EscalationSpan() =>
        _pending?.ClockSpeed is { } speed ? options.Value.DistressEscalation * speed : options.Value.DistressEscalation;

    // An order's time or a call's escalation falls between two scans: a one-shot timer looks exactly then (the periodic
    // scan and the durable reminder stay the safety net if this activation goes).
    private void ScheduleChecks(IEnumerable<TimelineEvent> committed)
    {
        foreach (var e in committed)
        {
            var dueAt = e.Payload switch
            {
                OrderIssued when _committed?.Orders.GetValueOrDefault(e.Seq)?.DueBy is { } due => due,
                DistressRaised when _committed is { } s && CommittedEvent.CallOf(e, s) is { Seq: var first } && first == e.Seq => e.ServerTime + EscalationSpan(),
                _ => (DateTimeOffset?)null,
            };
            if (dueAt is not { } at) continue;
            var real = OperationClock.RealSpan(_committed?.ClockSpeed, at - Now()) + TimeSpan.FromMilliseconds(50);
            if (real < TimeSpan.Zero) real = TimeSpan.Zero;
            IGrainTimer? timer = null;
            timer = this.RegisterGrainTimer(async _ =>
            {
                timer?.Dispose();
                await CheckOverdueSafely();
            }, new GrainTimerCreationOptions(real, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
        }
    }
}
