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

        await Task.WhenAll(flagged);
        return flagged.Count;
    }
}
