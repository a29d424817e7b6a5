
namespace Liberterra.Command.Grains;

/// <summary>How often the operation grain writes its snapshot.</summary>
public sealed class OperationGrainOptions
{
    public const string StorageName = "snapshots";

    /// <summary>Write a snapshot after this many events have been committed since the last one.</summary>
    public int SnapshotEvery { get; set; } = 1000;

    /// <summary>
    /// How many of the most recent idempotency keys the operation grain keeps in memory (and reads on activation). A retry
    /// of an older request is answered from the timeline's unique constraint instead, exactly, at the cost of one lookup.
    /// Memory and activation time stay the same however long the operation's history grows.
    /// </summary>
    public int RecentKeys { get; set; } = 50_000;

    /// <summary>An active team silent for this long is flagged overdue.</summary>
    public TimeSpan CheckInInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often an active operation grain looks for overdue teams (a reminder also does, every minute).</summary>
    public TimeSpan CheckInScan { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The period of the durable reminder that brings an operation back to look for overdue check-ins when its silo is gone
    /// (Orleans' reminders are meant for minutes; shorter only for drills and tests).
    /// </summary>
    public TimeSpan CheckInReminder { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a deactivation waits for its snapshot to be written. The snapshot is a cache of the timeline: a write held
    /// up by a database or a cluster in trouble (a silo just died and the directory is moving) must not keep the grain
    /// in deactivation, and the operation unable to take reports, for Orleans' deactivation timeout (30 s). Past this
    /// the activation goes and the next one folds the events after the last snapshot written.
    /// </summary>
    public TimeSpan DeactivationSnapshotWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A distress call not taken by command within this much real time is escalated (a timeline event, a metric, and the
    /// walls show it as escalating). On an exercise's compressed clock it is the same real time.
    /// </summary>
    public TimeSpan DistressEscalation { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The service key of the clock the operation grain reads (tests replace it; Orleans keeps its own).</summary>
    public const string ClockKey = "liberterra";
}
